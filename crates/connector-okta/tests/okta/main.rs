//! The integration tests of `connector-okta`, one binary with a module per area: a single
//! link of the dependency graph instead of one per file.

mod common;

mod actions;
mod cards;
mod config;
mod create_user_recovery;
mod errors;
mod interceptors;
mod logs;
mod oauth;
#[path = "../openapi_actions.rs"]
mod openapi_actions;
mod properties;
mod rate_limit;
