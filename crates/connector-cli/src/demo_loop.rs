//! The demo's runtime: `connector serve`'s runtime in-process, on a temporary SQLite store,
//! receiving the sandbox's event hooks.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use std::sync::Arc;

use connector_core::secrecy::SecretString;
use connector_core::{Env, Error};
use connector_runtime::cards::Cards;
use connector_runtime::{
    CancellationToken, HistoryQuery, Rerun, Run, RuntimeConfig, Service, StopReport, Store, TempDb,
};
use connector_sandbox::Sandbox;
use connector_sandbox::okta::EventHook;

/// The runtime, serving in the background.
pub(crate) struct Loop {
    service: Service,
    stop: CancellationToken,
    task: tokio::task::JoinHandle<StopReport>,
    _db: TempDb,
}

/// The demo hook's secret: a version 4 UUID's 122 random bits, as 32 hex digits.
fn random_secret() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

impl Loop {
    /// Starts the runtime on loopback and points the sandbox's event hook at it, each event
    /// delivered twice (Okta delivers at least once).
    pub(crate) async fn start(sandbox: &Sandbox, env: &Env) -> Result<Loop, Error> {
        let db = TempDb::new();
        let store = Store::open(&db.url())
            .await
            .map_err(|e| Error::configuration(format!("cannot open the demo's store: {e}")))?;
        let secret = random_secret();
        let mut config = RuntimeConfig::new(SecretString::from(secret.clone()));
        config.listen = SocketAddr::from(([127, 0, 0, 1], 0));
        config.admin_listen = SocketAddr::from(([127, 0, 0, 1], 0));
        config.poll = Duration::from_millis(20);
        let cards = Arc::new(Cards::new(connector_cli::registry(), env.clone()));
        let template = connector_cli::hooks::template(cards.as_ref()).map_err(|errors| {
            Error::configuration(format!(
                "the built-in template does not validate: {}",
                errors.first().map(ToString::to_string).unwrap_or_default()
            ))
        })?;
        let service = connector_cli::hooks::service(vec![template], cards, env, store, config)?;
        let started = connector_runtime::start(service.clone())
            .await
            .map_err(|e| Error::configuration(format!("cannot start the runtime: {e}")))?;
        let url = format!("http://{}/okta/event-hook", started.hook_addr());
        sandbox
            .okta()
            .set_event_hook(Some(EventHook::new(url, secret).deliver_twice(true)));
        let stop = CancellationToken::new();
        let task = tokio::spawn(started.serve(stop.clone()));
        Ok(Loop {
            service,
            stop,
            task,
            _db: db,
        })
    }

    /// Waits (at most 10 s) until the run about `subject` (the user's login) is finished,
    /// and returns it.
    pub(crate) async fn finished_run(&self, subject: &str) -> Option<Run> {
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut query = HistoryQuery::newest(10);
        query.subject = Some(subject.to_owned());
        while Instant::now() < deadline {
            if let Ok(page) = self.service.store().history(&query).await
                && let Some(run) = page
                    .runs
                    .into_iter()
                    .find(|r| r.state == connector_runtime::RunState::Finished)
            {
                return Some(run);
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        None
    }

    /// Starts the run `run_id` again from its event, as the history page's re-run does
    /// (`Store::rerun`), and waits (at most 10 s) until the new run is finished.
    pub(crate) async fn rerun(&self, run_id: &str) -> Option<Run> {
        let store = self.service.store();
        let now = connector_runtime::now_ms();
        let Ok(Rerun::Queued { run_id: new_id }) = store.rerun(run_id, None, now).await else {
            return None;
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(run)) = store.run(&new_id).await
                && run.state == connector_runtime::RunState::Finished
            {
                return Some(run);
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        None
    }

    /// Every run in the store, oldest first.
    pub(crate) async fn runs(&self) -> Vec<Run> {
        let mut runs = self
            .service
            .store()
            .history(&HistoryQuery::newest(100))
            .await
            .map(|p| p.runs)
            .unwrap_or_default();
        runs.reverse();
        runs
    }

    /// Stops the runtime.
    pub(crate) async fn stop(self) -> Option<StopReport> {
        self.stop.cancel();
        self.task.await.ok()
    }
}
