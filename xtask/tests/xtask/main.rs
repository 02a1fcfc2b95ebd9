//! The integration tests of `xtask`, one binary with a module per area: a single
//! link of the dependency graph instead of one per file.

mod codegen;
mod flow_schema;
mod openapi;
mod scaffold;
