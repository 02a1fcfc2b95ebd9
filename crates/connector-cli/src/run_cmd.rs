//! `connector list` and `connector run`: the registry's connectors and actions, and one
//! action run with its input (`--input JSON | @FILE | -`), printed as JSON.

use std::io::Read;
use std::process::ExitCode;

use connector_core::pipeline::DryRunLog;
use connector_core::{Error, Registry};
use serde_json::{Value, json};

use crate::{connections, fail, limits, present, process_env};

pub(crate) fn list(registry: &Registry, as_json: bool) -> ExitCode {
    let connectors: Vec<Value> = registry
        .connectors()
        .iter()
        .map(|c| {
            json!({
                "id": c.id(),
                "name": c.name(),
                "description": c.description(),
                "actions": c.actions().iter().map(|a| json!({"id": a.id, "name": a.name, "description": a.description})).collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut text = String::new();
    let mut rows = Vec::new();
    for c in registry.connectors() {
        text.push_str(&format!("{} ({})\n", c.id(), c.name()));
        for a in c.actions() {
            text.push_str(&format!("  {:<30} {}\n", a.id, a.name));
            rows.push(json!({"connector": c.id(), "action": a.id, "name": a.name}));
        }
    }
    present::Shown::json(json!({ "connectors": connectors }))
        .with_plain(text)
        .with_table(Value::Array(rows))
        .print(as_json)
}

/// Reads `--input`: JSON text, `@FILE`, or `-` for standard input.
fn read_input(input: Option<&str>) -> Result<Value, Error> {
    read_json_object(input, "input")
}

/// Reads a JSON object given as text, `@FILE`, or `-` for standard input (`what` names it
/// in messages: `input`, `event`); none is `{}`.
pub(crate) fn read_json_object(arg: Option<&str>, what: &str) -> Result<Value, Error> {
    let text = match arg {
        None => return Ok(json!({})),
        Some("-") => {
            let mut text = String::new();
            std::io::stdin().read_to_string(&mut text).map_err(|e| {
                Error::invalid_input(format!("cannot read the {what} from standard input: {e}"))
            })?;
            text
        }
        Some(path) if path.starts_with('@') => {
            std::fs::read_to_string(&path[1..]).map_err(|e| {
                Error::invalid_input(format!("cannot read the {what} file {}: {e}", &path[1..]))
            })?
        }
        Some(text) => text.to_owned(),
    };
    parse_object(&text, what)
}

/// The text as a JSON object: a UTF-8 byte-order mark (as some editors write) is skipped;
/// empty input, text that is not JSON and JSON that is not an object are refused.
fn parse_object(text: &str, what: &str) -> Result<Value, Error> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(Error::invalid_input(format!(
            "the {what} is empty: give a JSON object, such as {{\"id\": \"00u1\"}}"
        )));
    }
    let value: Value = serde_json::from_str(text)
        .map_err(|e| Error::invalid_input(format!("the {what} is not valid JSON: {e}")))?;
    if value.is_object() {
        return Ok(value);
    }
    let found = match &value {
        Value::Array(_) => "an array",
        Value::String(_) => "a string",
        Value::Number(_) => "a number",
        Value::Bool(_) => "a boolean",
        _ => "null",
    };
    Err(Error::invalid_input(format!(
        "the {what} must be a JSON object, such as {{\"id\": \"00u1\"}}, not {found}"
    )))
}

/// `connector run`'s options beyond the action and its input.
pub(crate) struct RunOptions<'a> {
    pub(crate) dry_run: bool,
    pub(crate) connection: Option<&'a str>,
    /// The `table` connector's store.
    pub(crate) store: Option<&'a str>,
}

pub(crate) async fn run(
    registry: &Registry,
    connector: &str,
    action: &str,
    input: Option<&str>,
    options: RunOptions<'_>,
) -> ExitCode {
    let RunOptions {
        dry_run,
        connection,
        store,
    } = options;
    present::set_subject(connector, action);
    let result = async {
        let found = registry.connector(connector)?;
        // Check the action id before asking for credentials: a typo should say so, not ask
        // for OKTA_API_TOKEN.
        registry.action(connector, action)?;
        let input = read_input(input)?;
        let log = DryRunLog::new();
        let mut env = process_env();
        if dry_run {
            env = env.with_dry_run(log.clone());
        }
        if let Some(url) = store {
            env = env.with_connection_vars(&["CONNECTOR_STORE"], [("CONNECTOR_STORE", url)]);
        }
        let shown_input = input.clone();
        if let Some(name) = connection {
            let connections = connections(&env)?;
            let named = connections.get(name).ok_or_else(|| {
                Error::configuration(format!(
                    "no connection named {} in the connections file (it has: {})",
                    connector_core::error::quote_input(name),
                    connections.names().join(", ")
                ))
            })?;
            if named.connector != connector {
                return Err(Error::configuration(format!(
                    "the connection {name:?} is for {}, not {connector}",
                    named.connector
                )));
            }
            env = named.env(&env);
        }
        let from = env.clone();
        let (env, shared) = limits::with_shared_limits(env, &from)?;
        let session = found.connect(&env)?;
        let outcome = session.run(action, input).await;
        shared.flush().await;
        match outcome {
            // The output of a dry run is made of synthetic answers: only the requests are
            // worth showing.
            Err(e) if e.is_dry_run_stop() => Ok(json!({
                "dryRun": true,
                "requests": log.requests(),
                "note": "the action stopped where it needs a real answer to go on; later requests depend on it",
            })),
            // A table card sends no request: the write it would make, and what it would
            // answer (worked out in a transaction that is rolled back).
            Ok(answer) if dry_run && connector == connector_runtime::tables::CONNECTOR_ID => {
                Ok(json!({
                    "dryRun": true,
                    "write": {"table": shown_input["table"], "action": action, "input": connector_core::pipeline::mask_secrets(&shown_input)},
                    "wouldAnswer": answer,
                }))
            }
            // Without a store to work it out on, the write is still listed.
            Err(e)
                if dry_run
                    && connector == connector_runtime::tables::CONNECTOR_ID
                    && e.kind() == connector_core::ErrorKind::Configuration =>
            {
                Ok(json!({
                    "dryRun": true,
                    "write": {"table": shown_input["table"], "action": action, "input": connector_core::pipeline::mask_secrets(&shown_input)},
                    "wouldAnswer": null,
                    "note": e.message(),
                }))
            }
            Ok(_) if dry_run => Ok(json!({ "dryRun": true, "requests": log.requests() })),
            other => other,
        }
    }
    .await;
    match result {
        Ok(output) => present::Shown::json(output).print(false),
        Err(e) => fail(&e),
    }
}
