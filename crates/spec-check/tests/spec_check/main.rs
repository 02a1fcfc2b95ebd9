//! The integration tests of `spec-check`, one binary with a module per area: a single
//! link of the dependency graph instead of one per file.

mod boards;
mod load_time;
mod okta;
mod okta_oauth;
