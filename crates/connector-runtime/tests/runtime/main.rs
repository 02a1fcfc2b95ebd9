//! The integration tests of `connector-runtime`, one binary with a module per area.

mod blocks;
mod calls;
mod engine;
mod pages_nested;
mod flows;
mod program;
mod schedule;
mod spawn;
mod store;
