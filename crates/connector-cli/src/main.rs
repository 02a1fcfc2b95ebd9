//! `connector`: list, describe and run connector actions; serve the sandbox; run the demo.
//!
//! ```text
//! connector list [--json]
//! connector describe <connector> [<action>]
//! connector run <connector> <action> [--input JSON | --input @FILE | --input -] [--dry-run]
//! connector sandbox [--okta-port N] [--boards-port N] [--event-hook URL --event-hook-secret S]
//! connector demo
//! connector serve [--listen ADDR] [--admin-listen ADDR] [--admin-host NAME] [--store URL]
//!                 [--workers N] [--flow-backoff LIST] [--grace SECS] [--history-days N]
//!                 [--max-connections N]
//! connector history [--store URL] [--outcome O] [--state S] [--limit N] [--cursor C] [--json]
//! connector history rerun RUN_ID [--store URL]
//! ```
//!
//! `run` prints the action's output as JSON on stdout and exits 0; on failure it prints
//! `{"error":{...}}` on stderr and exits by the error's kind (2 invalid input or usage,
//! 3 authentication/permission, 4 not found, 5 rate limited, 6 other service answers,
//! 7 transport/timeout/invalid response, 1 anything else).
//!
//! `sandbox` and `demo` take the emulators' API tokens from `CONNECTOR_SANDBOX_OKTA_TOKEN`
//! and `CONNECTOR_SANDBOX_BOARDS_TOKEN` when set (default: a random Okta token per run and
//! the boards emulator's `boards-sandbox-token`).
//!
//! `run`, `serve` and `demo` keep rate limits in the process, or on the Redis server
//! `CONNECTOR_RATE_LIMIT_URL=redis://HOST:PORT[/DB]` names (one budget for every process;
//! `CONNECTOR_RATE_LIMIT_FAIL=closed` fails calls rather than fall back to in-process limits
//! while Redis is away).
//!
//! This file is the dispatch of every command of the command-line contract, one arm each;
//! the work is in the modules each arm calls.

/// `println!` that never panics: a reader that went away (`connector ... | head`) ends the
/// output quietly, and the command keeps its own exit code.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

/// `eprintln!` that never panics, even when standard error is closed.
macro_rules! errln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

/// `eprint!` that never panics, even when standard error is closed.
macro_rules! err {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let mut stderr = std::io::stderr();
        let _ = write!(stderr, $($arg)*);
        let _ = stderr.flush();
    }};
}

mod completion;
mod demo;
mod demo_history;
mod demo_loop;
mod demo_render;
mod demo_runner;
mod describe_cmd;
mod flow_cmd;
mod flow_wait;
mod import_cmd;
mod limits;
mod operate_cmd;
mod present;
mod progress;
mod run_cmd;
mod sandbox;
mod serve_cmd;
mod table_cmd;
mod term;

use std::process::ExitCode;

use clap::Parser as _;
use connector_cli::args::{Cli, Command};
use connector_core::{Env, Error};

use serde_json::{Value, json};

pub(crate) use run_cmd::read_json_object;

/// The process environment, with what Okta's own configuration files (`~/.okta/okta.yaml`,
/// `./okta.yaml`) set where the environment sets nothing; `CONNECTOR_LOG=debug` says which
/// file each setting came from.
pub(crate) fn process_env() -> Env {
    use connector_okta::okta_yaml;
    let env = Env::from_process();
    let home = std::env::var_os("HOME")
        .or_else(|| std::env::var_os("USERPROFILE"))
        .map(std::path::PathBuf::from);
    let cwd = std::env::current_dir().unwrap_or_default();
    let files = okta_yaml::candidates(home.as_deref(), &cwd);
    let settings = okta_yaml::load(&files, |warning| tracing::warn!("{warning}"));
    let added = okta_yaml::missing_from(settings, |name| env.get(name).map(str::to_owned));
    for (name, _, file) in &added {
        tracing::debug!(setting = %name, file = %file.display(), "Okta setting read from okta.yaml");
    }
    env.with_connection_vars(&[], added.into_iter().map(|(name, value, _)| (name, value)))
}

/// `--config`, for every command that reads named connections.
static CONFIG: std::sync::OnceLock<Option<std::path::PathBuf>> = std::sync::OnceLock::new();

/// The named connections: `--config`, `CONNECTOR_CONFIG` or `./connector.toml`.
pub(crate) fn connections(env: &Env) -> Result<connector_runtime::connections::Connections, Error> {
    connector_runtime::connections::Connections::load(
        CONFIG.get().and_then(|c| c.as_deref()),
        env,
        &connector_cli::registry(),
    )
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let _ = CONFIG.set(cli.config.clone());
    present::set(present::Presentation {
        output: cli.output,
        fields: cli.fields.clone().unwrap_or_default(),
        error_format: cli.error_format,
    });
    // A service logs each run's outcome at info; one-shot commands only warnings. Progress
    // is for the commands that do long work on a person's behalf.
    let serving = matches!(cli.command, Command::Serve(_) | Command::Sandbox { .. });
    let progress = !cli.quiet && matches!(cli.command, Command::Run { .. } | Command::Flow { .. });
    init_tracing(if serving { "info" } else { "warn" }, progress);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            errln!(
                "{}",
                error_json(&Error::configuration(format!(
                    "cannot start the runtime: {e}"
                )))
            );
            return ExitCode::from(1);
        }
    };
    runtime.block_on(async move {
        match cli.command {
            Command::List { json } => run_cmd::list(&connector_cli::registry(), json),
            Command::Describe {
                connector,
                action,
                json,
                example,
            } => describe_cmd::describe(
                &connector_cli::registry(),
                &connector,
                action.as_deref(),
                json,
                example,
            ),
            Command::Run {
                connector,
                action,
                input,
                dry_run,
                connection,
                store,
            } => {
                run_cmd::run(
                    &connector_cli::registry(),
                    &connector,
                    &action,
                    input.as_deref(),
                    run_cmd::RunOptions {
                        dry_run,
                        connection: connection.as_deref(),
                        store: store.as_deref(),
                    },
                )
                .await
            }
            Command::Sandbox {
                okta_port,
                boards_port,
                event_hook,
                event_hook_secret,
                event_hook_twice,
            } => {
                let hook = event_hook.zip(event_hook_secret).map(|(url, secret)| {
                    connector_sandbox::okta::EventHook::new(url, secret)
                        .deliver_twice(event_hook_twice)
                });
                sandbox::serve(okta_port, boards_port, hook).await
            }
            Command::Demo => demo::run().await,
            Command::Serve(args) => serve_cmd::serve(args).await,
            Command::History(args) => serve_cmd::history(args).await,
            Command::Flow { command } => flow_cmd::run(command).await,
            Command::Table(args) => table_cmd::run(args).await,
            Command::Completion { shell } => {
                let mut script = Vec::new();
                clap_complete::generate(
                    shell,
                    &mut completion::with_ids(<Cli as clap::CommandFactory>::command()),
                    "connector",
                    &mut script,
                );
                emit(&String::from_utf8_lossy(&script))
            }
        }
    })
}

/// Logs go to stderr; `CONNECTOR_LOG` (e.g. `debug`, `connector_core=trace`) sets the filter.
/// With `progress`, a spinner on a terminal's stderr also follows the calls (see
/// [`progress`]), whatever the log's filter.
fn init_tracing(default: &str, progress: bool) {
    use tracing_subscriber::Layer as _;
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    let filter = tracing_subscriber::EnvFilter::try_from_env("CONNECTOR_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let log = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(term::ansi(&std::io::stderr()))
        .with_target(true)
        // A closed stderr must not turn into a panic: the subscriber would report its own
        // failed write with `eprintln!`.
        .log_internal_errors(false)
        .with_filter(filter);
    let progress = progress::layer(progress).map(|layer| {
        layer.with_filter(
            tracing_subscriber::filter::Targets::new()
                .with_target(connector_core::PROGRESS_TARGET, tracing::Level::DEBUG)
                .with_target("connector_core::pipeline", tracing::Level::DEBUG),
        )
    });
    let _ = tracing_subscriber::registry()
        .with(log)
        .with(progress)
        .try_init();
}

fn error_json(error: &Error) -> Value {
    json!({ "error": error.to_json() })
}

/// Writes the error on stderr (one JSON object, or a readable line on a terminal) and
/// returns the exit code of its kind.
pub(crate) fn fail(error: &Error) -> ExitCode {
    progress::clear();
    if present::readable_errors() {
        err!(
            "{}",
            present::error_text(error, term::ansi(&std::io::stderr()))
        );
    } else {
        errln!("{}", json_without_controls(&error_json(error).to_string()));
    }
    ExitCode::from(connector_cli::exit_code(error.kind()))
}

/// JSON text with DEL and the C1 controls written as `\u` escapes too (serde_json escapes
/// only C0): the same JSON value, and nothing in a service's message can drive the
/// terminal that shows it.
fn json_without_controls(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 12);
    for c in text.chars() {
        if c.is_control() {
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Writes to stdout; a reader that went away (`connector list | head`) is not an error.
pub(crate) fn emit(text: &str) -> ExitCode {
    use std::io::Write as _;
    progress::clear();
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            errln!("cannot write to standard output: {e}");
            ExitCode::from(1)
        }
    }
}

pub(crate) fn print_json(value: &Value) -> ExitCode {
    match serde_json::to_string_pretty(value) {
        Ok(text) => emit(&format!("{text}\n")),
        Err(e) => fail(&Error::invalid_response(format!(
            "cannot print the output: {e}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_json_escapes_every_control_character_and_stays_the_same_value() {
        let error = Error::invalid_input("a\u{9b}2J b\u{7f} c\u{1b}[31m");
        let text = json_without_controls(&error_json(&error).to_string()).into_owned();
        assert!(!text.chars().any(char::is_control), "{text}");
        let back: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, error_json(&error));
    }
}
