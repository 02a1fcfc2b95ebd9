//! The integration tests of `connector-http`, one binary with a module per area. Every
//! request goes to an `httpmock` server on loopback; waits go to a manual clock.

mod common;

mod auth;
mod failures;
mod requests;
mod secrets;
