//! Integration tests: one binary, one module per feature. Tests that touch a database run on
//! both backends (see `helpers::db_tests!`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod helpers;

mod account_recovery;
mod accounts;
mod admin;
mod admin_import;
mod admin_manage;
mod bank_lint;
mod behind_nginx;
mod browse;
mod browser;
mod fixtures;
mod import;
mod instances;
mod interview;
mod ops;
mod practice;
mod progress;
mod schedulers;
mod security;
mod settings;
mod study_loop;
mod user_cli;
mod web;
