//! `connector history signal|cancel` and `connector flow disable|enable`: operating runs
//! and flows through the store, as the hook listener's signal route and the admin
//! listener's buttons do.

use std::process::ExitCode;

use connector_core::{Error, ErrorKind};
use connector_runtime::{Cancel, Store, signal_answer};
use serde_json::json;

use crate::fail;
use crate::present::Shown;

fn store_failed(url: &str, e: impl std::fmt::Display) -> ExitCode {
    fail(&Error::configuration(format!(
        "cannot open the store {}: {e}",
        connector_runtime::redact_url(url)
    )))
}

/// `connector history signal RUN_ID NAME --data JSON`.
pub(crate) async fn signal(
    store: &Store,
    url: &str,
    run_id: &str,
    name: &str,
    data: Option<&str>,
    key: Option<&str>,
) -> ExitCode {
    let data = match crate::read_json_object(data, "signal's data") {
        Ok(data) => data,
        Err(e) => return fail(&e),
    };
    if data.to_string().len() > connector_runtime::signals::MAX_SIGNAL_BYTES {
        return fail(&Error::invalid_input(
            "the signal's data is at most 1 MiB of JSON",
        ));
    }
    let found = match store
        .signal(run_id, name, &data, key, connector_runtime::now_ms())
        .await
    {
        Ok(found) => found,
        Err(e) => return store_failed(url, e),
    };
    let (status, answer) = signal_answer(run_id, name, &found);
    let message = answer["error"]["message"].as_str().unwrap_or("").to_owned();
    match status {
        202 => Shown::json(answer).print(false),
        404 => fail(&Error::new(ErrorKind::NotFound, message)),
        _ => fail(&Error::new(ErrorKind::Conflict, message)),
    }
}

/// `connector history cancel RUN_ID`.
pub(crate) async fn cancel(store: &Store, url: &str, run_id: &str) -> ExitCode {
    let shown = connector_core::error::quote_input(run_id);
    match store.cancel(run_id, connector_runtime::now_ms()).await {
        Ok(Cancel::Cancelled) => {
            Shown::json(json!({"runId": run_id, "state": "cancelled"})).print(false)
        }
        Ok(Cancel::Requested) => {
            Shown::json(json!({"runId": run_id, "state": "running", "cancelRequested": true}))
                .print(false)
        }
        Ok(Cancel::Ended(state)) => fail(&Error::new(
            ErrorKind::Conflict,
            format!("run {shown} has ended ({state}); only a run that has not can be cancelled"),
        )),
        Ok(_) => fail(&Error::new(
            ErrorKind::NotFound,
            format!("no run {shown} in the store"),
        )),
        Err(e) => store_failed(url, e),
    }
}

/// `connector flow disable|enable NAME --store URL`.
pub(crate) async fn switch(name: &str, url: &str, enabled: bool) -> ExitCode {
    let store = match Store::open_existing(url).await {
        Ok(store) => store,
        Err(e) => return store_failed(url, e),
    };
    let switched = store
        .set_enabled(name, enabled, connector_runtime::now_ms())
        .await;
    store.close().await;
    match switched {
        Ok(true) => Shown::json(json!({"name": name, "enabled": enabled})).print(false),
        Ok(false) => fail(&Error::new(
            ErrorKind::NotFound,
            format!(
                "no flow {} in the store: `connector serve` or `connector flow run` records the flows it loads",
                connector_core::error::quote_input(name)
            ),
        )),
        Err(e) => store_failed(url, e),
    }
}
