//! The integration tests of `connector-runtime`, one binary with a module per area.

mod blocks;
mod calls;
mod engine;
mod flows;
mod pages_nested;
mod program;
mod scale;
mod schedule;
mod spawn;
mod store;
mod wait_forms;
mod waits;
