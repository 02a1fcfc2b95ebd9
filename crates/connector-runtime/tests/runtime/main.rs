//! The integration tests of `connector-runtime`, one binary with a module per area.

mod engine;
mod flows;
mod program;
mod schedule;
mod store;
mod wait_forms;
mod waits;
