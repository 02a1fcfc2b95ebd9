//! The integration tests of `connector-boards`, one binary with a module per area: a single
//! link of the dependency graph instead of one per file.

mod common;

mod actions;
mod connector;
mod documents;
mod echoes;
mod errors;
mod idempotency;
mod limits;
mod logs;
mod messages;
mod parsing;
mod properties;
mod secrets;
