//! `connector serve` and `connector history`: options in, runtime out.

use std::process::ExitCode;

use connector_cli::args::{HistoryAction, HistoryArgs, ServeArgs};
use connector_core::{Error, ErrorKind};
use connector_runtime::{HistoryQuery, Rerun, Resume, RuntimeConfig, RuntimeError, Store};

use crate::fail;

fn usage(message: String) -> ExitCode {
    fail(&Error::invalid_input(message))
}

fn open_failed(url: &str, e: impl std::fmt::Display) -> ExitCode {
    fail(&Error::configuration(format!(
        "cannot open the store {}: {e}",
        connector_runtime::redact_url(url)
    )))
}

pub(crate) async fn serve(args: ServeArgs) -> ExitCode {
    let env = crate::process_env();
    // Replicas spend one rate budget when CONNECTOR_RATE_LIMIT_URL names a Redis server.
    let (env, _shared) = match crate::limits::with_shared_limits(env.clone(), &env) {
        Ok(pair) => pair,
        Err(e) => return fail(&e),
    };
    let cards = match crate::flow_cmd::cards_on(env.clone()) {
        Ok(cards) => cards,
        Err(e) => return fail(&e),
    };
    let (cards, loaded) = crate::flow_cmd::flows_or_template(args.flows.as_deref(), cards);
    let cards = std::sync::Arc::new(cards);
    let flows = match loaded {
        Ok(flows) => flows,
        Err(errors) => {
            errln!("connector serve: refusing to start: the flows are not valid");
            return crate::flow_cmd::report(&errors);
        }
    };
    let secrets = match connector_cli::hooks::secrets(&env, &flows) {
        Ok(s) => s,
        Err(e) => return fail(&e),
    };
    let mut config = RuntimeConfig::new(secrets.hook);
    config.listen = args.listen;
    config.admin_listen = args.admin_listen;
    config.workers = args.workers;
    config.admin_token = secrets.admin;
    config.invoke_token = secrets.invoke;
    config.admin_hosts = args.admin_hosts.clone();
    config.limits.max_connections = args.max_connections;
    config.history = std::time::Duration::from_secs(u64::from(args.history_days) * 86_400);
    match (
        connector_runtime::parse_backoff(&args.flow_backoff),
        connector_runtime::parse_duration(&args.grace),
        connector_runtime::parse_duration(&args.lease),
    ) {
        (Ok(backoff), Ok(grace), Ok(lease)) => {
            config.backoff = backoff;
            config.grace = grace;
            config.lease = lease;
        }
        (Err(e), _, _) => return usage(format!("--flow-backoff: {e}")),
        (_, Err(e), _) => return usage(format!("--grace: {e}")),
        (_, _, Err(e)) => return usage(format!("--lease: {e}")),
    }
    if let Err(e) = config.validate() {
        return fail(&Error::configuration(e.to_string()));
    }
    let store = match Store::open(&args.store).await {
        Ok(s) => s,
        Err(e) => return open_failed(&args.store, e),
    };
    if let Err(code) = crate::flow_cmd::apply_tables(&store, &cards).await {
        return code;
    }
    let flow_names: Vec<String> = flows.iter().map(|f| f.name().to_owned()).collect();
    let names: Vec<&str> = flow_names.iter().map(String::as_str).collect();
    if let Err(e) = store
        .register_flows(&names, connector_runtime::now_ms())
        .await
    {
        return open_failed(&args.store, e);
    }
    let has_okta_event = connector_runtime::triggers::loaded(&flows)
        .iter()
        .any(|k| k.kind() == "okta_event");
    for flow in &flows {
        let trigger = connector_runtime::triggers::of(&flow.def.trigger).kind();
        if trigger == "manual" {
            errln!(
                "connector serve: flow {} has a manual trigger: serve keeps its history but \
                 never starts it; run it with `connector flow run {}`",
                flow.name(),
                flow.file
            );
        }
    }
    let service = match connector_cli::hooks::service(flows, cards, &env, store, config) {
        Ok(service) => service,
        Err(e) => return fail(&e),
    };
    let started = match connector_runtime::start(service).await {
        Ok(s) => s,
        Err(RuntimeError::CredentialRefused(e)) => {
            let variable = connector_cli::hooks::okta_credential_variable(&env);
            let message = format!("okta refused the credential in {variable}: {}", e.message());
            let kind = if e.kind() == ErrorKind::PermissionDenied {
                e.kind()
            } else {
                ErrorKind::Authentication
            };
            return fail(&e.with_kind(kind).with_message(message));
        }
        Err(e) => return fail(&Error::configuration(e.to_string())),
    };
    let shutdown = connector_runtime::shutdown_on_signals();
    // Where the hook listener is, by what it serves: Okta's hook when a flow listens to it.
    let hook = if has_okta_event {
        format!(
            "Okta event hook on http://{}/okta/event-hook",
            started.hook_addr()
        )
    } else {
        format!("hook listener on http://{}", started.hook_addr())
    };
    errln!(
        "connector serve: {hook}, Flow History on http://{}/ (store {}; flows: {})",
        started.admin_addr(),
        connector_runtime::redact_url(&args.store),
        flow_names.join(", ")
    );
    let report = started.serve(shutdown).await;
    errln!(
        "connector serve: stopped; {} runs were in flight, {} put back, {} left queued for the next start",
        report.in_flight,
        report.released,
        report.queued
    );
    ExitCode::SUCCESS
}

pub(crate) async fn history(args: HistoryArgs) -> ExitCode {
    let store = match Store::open_existing(&args.store).await {
        Ok(s) => s,
        Err(e) => return open_failed(&args.store, e),
    };
    match &args.action {
        Some(HistoryAction::Rerun { run_id }) => {
            let shown = connector_core::error::quote_input(run_id);
            return match store.rerun(run_id, None, connector_runtime::now_ms()).await {
                Ok(Rerun::Queued { run_id: new_id }) => crate::present::Shown::json(
                    serde_json::json!({"runId": new_id, "rerunOf": run_id, "state": "queued"}),
                )
                .print(false),
                Ok(_) => fail(&Error::new(
                    ErrorKind::NotFound,
                    format!("no run {shown} in the store"),
                )),
                Err(e) => open_failed(&args.store, e),
            };
        }
        Some(HistoryAction::Signal {
            run_id,
            name,
            data,
            idempotency_key,
        }) => {
            let code = crate::operate_cmd::signal(
                &store,
                &args.store,
                run_id,
                name,
                data.as_deref(),
                idempotency_key.as_deref(),
            )
            .await;
            store.close().await;
            return code;
        }
        Some(HistoryAction::Cancel { run_id }) => {
            let code = crate::operate_cmd::cancel(&store, &args.store, run_id).await;
            store.close().await;
            return code;
        }
        Some(HistoryAction::Resume { run_id }) => {
            let shown = connector_core::error::quote_input(run_id);
            return match store.resume(run_id, connector_runtime::now_ms()).await {
                Ok(Resume::Queued) => crate::present::Shown::json(
                    serde_json::json!({"runId": run_id, "state": "queued"}),
                )
                .print(false),
                Ok(Resume::NotFound) => fail(&Error::new(
                    ErrorKind::NotFound,
                    format!("no run {shown} in the store"),
                )),
                Ok(_) => fail(&Error::new(
                    ErrorKind::Conflict,
                    format!("run {shown} is not dead-lettered; only those can be resumed"),
                )),
                Err(e) => open_failed(&args.store, e),
            };
        }
        None => {}
    }
    let mut query = HistoryQuery::newest(args.limit);
    query.outcome = args.outcome.clone();
    query.state = args.state.clone();
    query.flow = args.flow.clone();
    query.subject = args.subject.clone();
    query.since = args.since.clone();
    query.until = args.until.clone();
    query.cursor = args.cursor.clone();
    let page = match store.history(&query).await {
        // Every view of Flow History masks secrets by the one rule.
        Ok(page) => connector_runtime::masked_page(page),
        Err(e) => return open_failed(&args.store, e),
    };
    if let (Some(outcome), true) = (&args.outcome, page.runs.is_empty()) {
        // Outcomes are each flow's own: an unknown one is no mistake, but say what there is.
        let held: Vec<String> = store.outcomes().await.unwrap_or_default();
        if !held.contains(outcome) {
            errln!(
                "no run has the outcome {}; the store holds: {}",
                connector_core::error::quote_input(outcome),
                if held.is_empty() {
                    "none yet".to_owned()
                } else {
                    held.join(", ")
                }
            );
        }
    }
    let mut text = if page.runs.is_empty() {
        "no runs\n".to_owned()
    } else {
        format!(
            "Flow History ({} newest first)\n{}",
            page.runs.len(),
            connector_runtime::runs_as_text(&page.runs)
        )
    };
    if let Some(next) = page.next_cursor.as_ref().filter(|_| !page.runs.is_empty()) {
        text.push_str(&format!("older runs: --cursor {next}\n"));
    }
    crate::present::Shown::json(serde_json::to_value(&page).unwrap_or_default())
        .with_plain(text)
        .print(args.json)
}
