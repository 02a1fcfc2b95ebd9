//! The integration tests of `connector-limiter-redis`, one binary with a module per area: a single
//! link of the dependency graph instead of one per file.

mod common;

mod failover;
mod leases;
mod limiter;
mod shared_budget;
