//! The question bank: the YAML format, its validator, Markdown rendering, import and export.

pub mod cache;
pub mod duplicates;
pub mod export;
pub mod import;
pub mod load;
pub mod model;
pub mod queries;
pub mod render;
pub mod routes;
pub mod search;
pub mod stats;
pub mod validate;
pub mod yaml;
