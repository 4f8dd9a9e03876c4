DROP TABLE user_inactive_sets;
