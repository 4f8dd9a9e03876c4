//! Accounts: usernames, password hashing, sign-in sessions and sign-in rate limiting, reset
//! links, deleting an account and downloading its data.

pub mod data;
pub mod deletion;
pub mod password;
pub mod rate_limit;
pub mod reset;
pub mod reset_routes;
pub mod routes;
pub mod service;
pub mod sessions;
pub mod settings;
pub mod settings_routes;
pub mod user_agent;
pub mod username;
