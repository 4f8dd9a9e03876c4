//! Accounts: usernames, password hashing, sign-in sessions and sign-in rate limiting.

pub mod password;
pub mod rate_limit;
pub mod routes;
pub mod service;
pub mod sessions;
pub mod settings;
pub mod settings_routes;
pub mod user_agent;
pub mod username;
