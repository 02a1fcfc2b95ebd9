//! The integration tests of `connector-sandbox`, one binary with a module per area: a single
//! link of the dependency graph instead of one per file.

mod boards_support;
mod common;

mod boards_board_ops;
mod boards_http;
mod boards_idempotency;
mod boards_limits;
mod boards_schema_subset;
mod boards_users;
mod faults_admin;
mod hostile_inputs;
mod okta;
mod okta_apps;
mod okta_groups;
mod okta_lifecycle;
mod okta_openapi;
mod okta_syslog;
