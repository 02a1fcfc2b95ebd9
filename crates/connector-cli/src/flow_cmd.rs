//! `connector flow validate|list|run`: flow files checked, listed and run in this process.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use connector_cli::TEMPLATE_FLOW;
use connector_cli::args::FlowCommand;
use connector_core::pipeline::DryRunLog;
use connector_core::{Env, Error};
use connector_runtime::cards::Cards;
use connector_runtime::flows::{Diagnostic, Flow, run_once, validate};
use serde_json::{Value, json};

use crate::fail;
use crate::present::Shown;

pub(crate) async fn run(command: FlowCommand) -> ExitCode {
    match command {
        FlowCommand::Validate { paths } => validate_paths(&paths),
        FlowCommand::List { flows, json } => list(flows.as_deref(), json),
        FlowCommand::Run {
            file,
            helpers,
            event,
            dry_run,
            store,
        } => run_file(&file, &helpers, event.as_deref(), dry_run, store.as_deref()).await,
        FlowCommand::Import {
            files,
            out,
            coverage,
            json,
        } => crate::import_cmd::run(&files, out.as_deref(), coverage.as_deref(), json),
        FlowCommand::Disable { name, store } => {
            crate::operate_cmd::switch(&name, &store, false).await
        }
        FlowCommand::Enable { name, store } => {
            crate::operate_cmd::switch(&name, &store, true).await
        }
    }
}

/// The registry's cards on `env`, with the named connections of the connections file.
pub(crate) fn cards_on(env: Env) -> Result<Cards, Error> {
    let connections = crate::connections(&env)?;
    Ok(Cards::new(connector_cli::registry(), env).with_connections(connections))
}

pub(crate) fn cards() -> Result<Cards, Error> {
    cards_on(crate::process_env())
}

/// Reads and validates every file (the runtime's loader: regular files in a folder
/// itself, bounded) against the cards and the tables the folders declare
/// (`tables.yaml`); every mistake of every file, or the flows. The cards come back with
/// the tables.
pub(crate) fn load(paths: &[PathBuf], cards: Cards) -> (Cards, Result<Vec<Flow>, Vec<Diagnostic>>) {
    let (tables, mut errors) = match connector_runtime::tables::load_tables(paths) {
        Ok(tables) => (tables, Vec::new()),
        Err(errors) => (connector_runtime::tables::Tables::default(), errors),
    };
    let cards = cards.with_tables(tables);
    let flows = match connector_runtime::flows::load_flows(paths, &cards) {
        Ok(flows) if errors.is_empty() => Ok(flows),
        Ok(_) => Err(errors),
        Err(mut more) => {
            errors.append(&mut more);
            Err(errors)
        }
    };
    (cards, flows)
}

/// Applies the tables the cards carry to `store` (`serve` and `flow run` at start): a
/// change that would lose rows is refused, naming table and column (exit 2).
pub(crate) async fn apply_tables(
    store: &connector_runtime::Store,
    cards: &Cards,
) -> Result<(), ExitCode> {
    let Some(tables) = cards.tables() else {
        return Ok(());
    };
    match store.apply_tables(tables).await {
        Ok(applied) => {
            for table in &applied.created {
                tracing::info!(table = %table, "table created");
            }
            for column in &applied.added {
                tracing::info!(column = %column, "table column added");
            }
            Ok(())
        }
        Err(connector_runtime::TablesError::Refused(changes)) => {
            errln!(
                "refusing to start: tables.yaml changes tables that hold rows (their rows would be lost):"
            );
            for change in &changes {
                errln!("  {change}");
            }
            Err(fail(&Error::invalid_input(format!(
                "tables.yaml: {}",
                changes.join("; ")
            ))))
        }
        Err(e) => Err(fail(&Error::configuration(format!(
            "cannot apply tables.yaml: {e}"
        )))),
    }
}

pub(crate) fn report(errors: &[Diagnostic]) -> ExitCode {
    for error in errors {
        errln!("{}", connector_runtime::printable(&error.to_string()));
    }
    errln!(
        "{} error{} in flow files",
        errors.len(),
        if errors.len() == 1 { "" } else { "s" }
    );
    ExitCode::from(2)
}

fn validate_paths(paths: &[PathBuf]) -> ExitCode {
    let cards = match cards() {
        Ok(cards) => cards,
        Err(e) => return fail(&e),
    };
    match load(paths, cards).1 {
        Ok(flows) => {
            for flow in &flows {
                outln!(
                    "ok  {}  ({}, {} steps)",
                    flow.file,
                    flow.name(),
                    flow.def.steps.len()
                );
            }
            ExitCode::SUCCESS
        }
        Err(errors) => report(&errors),
    }
}

/// The flows of `--flows DIR`, or the template built into the binary.
pub(crate) fn flows_or_template(
    dir: Option<&Path>,
    cards: Cards,
) -> (Cards, Result<Vec<Flow>, Vec<Diagnostic>>) {
    match dir {
        Some(dir) => load(&[dir.to_owned()], cards),
        None => {
            let (file, text) = TEMPLATE_FLOW;
            let flows =
                validate(&format!("(built in) {file}"), text, &cards).map(|flow| vec![flow]);
            (cards, flows)
        }
    }
}

fn list(dir: Option<&Path>, as_json: bool) -> ExitCode {
    let cards = match cards() {
        Ok(cards) => cards,
        Err(e) => return fail(&e),
    };
    let flows = match flows_or_template(dir, cards).1 {
        Ok(flows) => flows,
        Err(errors) => return report(&errors),
    };
    let described: Vec<Value> = flows
        .iter()
        .map(|flow| {
            json!({
                "name": flow.name(),
                "description": flow.def.description,
                "trigger": flow.def.trigger,
                "steps": flow.def.steps.iter().map(|s| s.id.clone()).collect::<Vec<_>>(),
                "file": flow.file,
            })
        })
        .collect();
    let mut text = String::new();
    for flow in &flows {
        let trigger = serde_json::to_value(&flow.def.trigger)
            .ok()
            .and_then(|t| t.as_object().and_then(|o| o.keys().next().cloned()))
            .unwrap_or_default();
        text.push_str(&format!(
            "{:<32} {:<11} {} steps  {}\n",
            flow.name(),
            trigger,
            flow.def.steps.len(),
            flow.def.description.as_deref().unwrap_or("")
        ));
    }
    crate::present::Shown::json(json!({ "flows": described }))
        .with_plain(text)
        .print(as_json)
}

async fn run_file(
    file: &Path,
    helpers: &[PathBuf],
    event: Option<&str>,
    dry_run: bool,
    store: Option<&str>,
) -> ExitCode {
    let event = match crate::read_json_object(event, "event") {
        Ok(event) => event,
        Err(e) => return fail(&e),
    };
    let log = DryRunLog::new();
    let mut env = crate::process_env();
    if dry_run {
        env = env.with_dry_run(log.clone());
    }
    let from = env.clone();
    let (env, shared) = match crate::limits::with_shared_limits(env, &from) {
        Ok(pair) => pair,
        Err(e) => return fail(&e),
    };
    let mut cards = match cards_on(env) {
        Ok(cards) => cards,
        Err(e) => return fail(&e),
    };
    if dry_run {
        cards = cards.recording(log.clone());
    }
    // The flow is the file's; the others are the flows it may call or spawn.
    let mut paths = vec![file.to_owned()];
    paths.extend_from_slice(helpers);
    let named = file.display().to_string();
    let (cards, loaded) = load(&paths, cards);
    let (flow, all) = match loaded {
        Ok(flows) if file.is_file() => match flows.iter().find(|f| f.file == named) {
            Some(flow) => (flow.clone(), flows),
            None => {
                return fail(&Error::invalid_input(format!(
                    "{} gives no flow of its own",
                    file.display()
                )));
            }
        },
        Ok(_) => {
            return fail(&Error::invalid_input(format!(
                "{} holds no single flow: give one flow file",
                file.display()
            )));
        }
        Err(errors) => return report(&errors),
    };
    if !dry_run && store.is_none() && connector_runtime::signals::has_signal_wait(&flow) {
        return fail(&Error::invalid_input(format!(
            "flow {} waits for a signal: give --store URL (or CONNECTOR_STORE), where \
             `connector history signal` can reach the run",
            flow.name()
        )));
    }
    if !dry_run {
        let cards = std::sync::Arc::new(cards);
        let code = run_stored(flow, all, &event, cards, store).await;
        shared.flush().await;
        return code;
    }
    let run = run_once(&flow, &event, &cards, dry_run).await;
    shared.flush().await;
    let mut shown = serde_json::to_value(&run.run).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut shown {
        map.insert("dryRun".into(), Value::Bool(true));
        attach_requests(map, cards.recorded());
    }
    let printed = Shown::json(shown).print(false);
    match (&run.run.outcome, &run.failure) {
        (Some(_), None) => printed,
        (_, Some(error)) => ExitCode::from(connector_cli::exit_code(error.kind())),
        (None, None) => ExitCode::from(1),
    }
}

/// The most runs `flow run` runs for the runs a flow spawns (and they spawn) before it
/// exits; the rest stay queued in the store, where `serve` takes them.
const MAX_SPAWNED_RUNS: usize = 10_000;

/// One try of `flow` through the store (a temporary one by default), as `connector serve`
/// runs it, then one try of each run it spawned (and they spawned); prints the run as
/// `GET /history/{runId}` answers it.
async fn run_stored(
    flow: Flow,
    all: Vec<Flow>,
    event: &Value,
    cards: std::sync::Arc<Cards>,
    store: Option<&str>,
) -> ExitCode {
    let temp = store.is_none().then(connector_runtime::TempDb::new);
    let url = store
        .map(str::to_owned)
        .or_else(|| temp.as_ref().map(connector_runtime::TempDb::url))
        .unwrap_or_default();
    let opened = match connector_runtime::Store::open(&url).await {
        Ok(s) => s,
        Err(e) => {
            return fail(&Error::configuration(format!(
                "cannot open the store {}: {e}",
                connector_runtime::redact_url(&url)
            )));
        }
    };
    if let Err(code) = apply_tables(&opened, &cards).await {
        return code;
    }
    let config = connector_runtime::RuntimeConfig::new(
        connector_core::secrecy::SecretString::from(String::new()),
    );
    let service = connector_runtime::Service::new(
        opened.clone(),
        all.into_iter().fold(
            connector_runtime::Flows::new(cards),
            connector_runtime::Flows::with,
        ),
        config,
    );
    let key = connector_runtime::triggers::manual::key();
    let now = connector_runtime::now_ms();
    let queued = match opened.register_flows(&[flow.name()], now).await {
        Ok(()) => opened.enqueue(&flow, &key, event, now).await,
        Err(e) => Err(e),
    };
    let run_id = match queued {
        Ok(id) => id,
        Err(e @ connector_runtime::StoreError::Disabled(_)) => {
            return fail(&Error::new(
                connector_core::ErrorKind::Conflict,
                e.to_string(),
            ));
        }
        Err(e) => return fail(&Error::configuration(format!("cannot queue the run: {e}"))),
    };
    service.run_now(&run_id).await;
    crate::flow_wait::until_settled(&service, &run_id).await;
    run_spawned(&service, &run_id).await;
    let run = match opened.run(&run_id).await {
        Ok(Some(run)) => connector_runtime::masked_run(run),
        Ok(None) | Err(_) => {
            return fail(&Error::configuration(
                "the run vanished from the store".to_owned(),
            ));
        }
    };
    opened.close().await;
    let printed = Shown::json(serde_json::to_value(&run).unwrap_or(Value::Null)).print(false);
    match (run.state.as_str(), &run.error) {
        ("finished", _) => printed,
        (_, Some(error)) => ExitCode::from(connector_cli::exit_code(kind_named(
            error["kind"].as_str().unwrap_or(""),
        ))),
        _ => ExitCode::from(1),
    }
}

/// Runs the runs `root` spawned, and those they spawned, one try each, breadth first.
async fn run_spawned(service: &connector_runtime::Service, root: &str) {
    let mut parents = std::collections::VecDeque::from([root.to_owned()]);
    let mut ran = 0;
    while let Some(parent) = parents.pop_front() {
        let Ok(children) = service.store().spawned_queued(&parent).await else {
            return;
        };
        for child in children {
            if ran == MAX_SPAWNED_RUNS {
                errln!("{MAX_SPAWNED_RUNS} spawned runs ran; the others stay queued in the store");
                return;
            }
            crate::flow_wait::until_settled(service, &child).await;
            ran += 1;
            parents.push_back(child);
        }
    }
}

/// The error kind a run's `error.kind` names.
fn kind_named(name: &str) -> connector_core::ErrorKind {
    use connector_core::ErrorKind as K;
    [
        K::InvalidInput,
        K::Configuration,
        K::Authentication,
        K::PermissionDenied,
        K::NotFound,
        K::Conflict,
        K::RateLimited,
        K::Unavailable,
        K::Upstream,
        K::Timeout,
        K::Transport,
        K::InvalidResponse,
    ]
    .into_iter()
    .find(|k| k.as_str() == name)
    .unwrap_or(K::Upstream)
}

/// A dry run's output: each card step with the requests it would send (marked
/// `dependsOnAnswer` when its input uses an earlier answer), and all of them in order.
fn attach_requests(
    run: &mut serde_json::Map<String, Value>,
    recorded: Vec<(
        String,
        Value,
        Vec<connector_core::pipeline::RecordedRequest>,
    )>,
) {
    // Each step takes the first card run of the same card and (masked) input, in order:
    // one look-up per step, so that a dry run of a long `for_each` stays linear.
    let mut by_call: std::collections::HashMap<
        (String, String),
        std::collections::VecDeque<Vec<connector_core::pipeline::RecordedRequest>>,
    > = std::collections::HashMap::new();
    for (card, input, requests) in recorded {
        let key = (
            card,
            connector_core::pipeline::mask_secrets(&input).to_string(),
        );
        by_call.entry(key).or_default().push_back(requests);
    }
    let mut all = Vec::new();
    if let Some(Value::Array(steps)) = run.get_mut("steps") {
        for step in steps.iter_mut() {
            let (Some(card), Some(input)) = (step["card"].as_str(), step.get("input")) else {
                continue;
            };
            let key = (card.to_owned(), input.to_string());
            let Some(requests) = by_call.get_mut(&key).and_then(|queue| queue.pop_front()) else {
                continue;
            };
            let depends = step["dependsOnAnswer"] == Value::Bool(true);
            let requests: Vec<Value> = requests
                .iter()
                .map(|r| {
                    let mut shown = serde_json::to_value(r).unwrap_or(Value::Null);
                    if depends && let Value::Object(map) = &mut shown {
                        map.insert("dependsOnAnswer".into(), Value::Bool(true));
                    }
                    shown
                })
                .collect();
            all.extend(requests.iter().cloned());
            step["requests"] = Value::Array(requests);
        }
    }
    run.insert("requests".into(), Value::Array(all));
}
