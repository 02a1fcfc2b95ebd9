//! The integration tests of `connector-cli`, one binary with a module per area: a single
//! link of the dependency graph instead of one per file.

mod browser_support;
mod common;
mod completion;
mod connections_cli;
mod pg_support;
mod serve_support;

mod cli;
mod cli_custom_checks;
mod cli_edges;
mod cli_fields_echoes;
mod cli_input;
mod cli_okta_groups;
mod dry_run_scale;
mod e2e_boards;
mod e2e_demo;
mod e2e_lost_answers;
mod e2e_okta;
mod e2e_okta_cards;
mod e2e_okta_events;
mod e2e_okta_groups;
mod e2e_template;
mod examples_run;
mod flows_cli;
mod flows_okta_examples;
mod hooks;
mod hostile_admin;
mod hostile_flows;
mod hostile_listeners;
mod http_trigger;
mod okta_yaml;
mod python_sdk;
mod schedule_trigger;
mod secrets_trace;
mod serve_admin;
mod serve_browser;
mod serve_crash;
mod serve_crash_loop;
mod serve_flows;
mod serve_postgres;
mod serve_triggers;
mod shared_limits;
mod tables;
mod tables_crash;
mod terminal;
