//! The integration tests of `connector-core`, one binary with a module per area: a single
//! link of the dependency graph instead of one per file.

mod support;

mod action_def;
mod connection_settings;
mod custom_api;
mod custom_request_checks;
mod fault_matrix;
mod outcome_unknown;
mod pipeline;
mod properties;
mod seams;
mod secrets_and_actions;
