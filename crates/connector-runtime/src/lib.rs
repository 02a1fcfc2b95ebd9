//! A durable flow runtime: flows as data (YAML files of cards), triggered by Okta event
//! hooks; `connector serve` is a thin wiring of it.
//!
//! - **Flows** ([`flows`]): validated flow files and the engine that runs their steps,
//!   committing each step before the next; the cards come from a [`flows::Catalog`] the
//!   caller provides (the command line's registry of connectors), so the runtime knows
//!   steps, not services.
//! - **Triggers** ([`triggers`]): one module per kind (`okta_event`, `schedule`, `http`,
//!   `manual`) behind one trait; the hook listener ([`intake`]) mounts the routes of the
//!   kinds the flows use. A trigger works out its runs and keys before the store is asked,
//!   and [`Store::enqueue_once`] starts each once. An Okta delivery is committed to the
//!   [`Store`] before the hook answers 200; events are de-duplicated on their `uuid`.
//! - **Store** ([`Store`]): SQLite (one process, a file) or Postgres (replicas sharing one
//!   queue and one history); runs are claimed with a lease that expires, so a process killed
//!   mid-run releases its runs, and the next try goes on after the last committed step.
//! - **Workers**: a bounded pool runs flows; a run failing with a transient kind is
//!   tried again on a schedule, anything else dead-letters it; dead letters can be resumed
//!   and any run re-run.
//! - **Tables** ([`tables`]): durable state declared in a flows folder's `tables.yaml`, in
//!   the store; a table card's change commits with its step, in one transaction.
//! - **Flow History** and **metrics** on an admin listener ([`admin`]), with probes on both.
//! - **Shutdown** ([`Started::serve`]): stop accepting, finish runs in flight within a grace
//!   period, leave the rest queued.
//!
//! ```no_run
//! use std::sync::Arc;
//! use connector_runtime::{Flows, RuntimeConfig, Service, Store};
//! use connector_runtime::flows::{Catalog, validate};
//! use connector_core::secrecy::SecretString;
//!
//! # async fn example(cards: Arc<dyn Catalog>, text: &str) -> Result<(), Box<dyn std::error::Error>> {
//! let store = Store::open("sqlite://connector.db").await?;
//! let flow = validate("flows/add-user-to-admin-role.yaml", text, cards.as_ref()).map_err(|e| format!("{e:?}"))?;
//! let flows = Flows::new(cards).with(flow);
//! let config = RuntimeConfig::new(SecretString::from("the hook's secret"));
//! let started = connector_runtime::start(Service::new(store, flows, config)).await?;
//! println!("hook on http://{}/okta/event-hook", started.hook_addr());
//! let report = started.serve(connector_runtime::shutdown_on_signals()).await;
//! println!("{} runs left queued", report.queued);
//! # Ok(())
//! # }
//! ```

pub mod admin;
mod calls;
pub mod cards;
mod config;
pub mod connections;
mod event;
mod flow;
pub mod flows;
pub mod intake;
mod listener;
mod mask;
mod metrics;
mod render;
mod run;
mod secret;
mod serve;
mod service;
pub mod signals;
mod store;
pub mod tables;
mod time;
mod transient;
pub mod triggers;
mod worker;

pub use config::{DEFAULT_BACKOFF, RuntimeConfig, parse_backoff, parse_duration};
pub use event::{Event, Malformed, parse_delivery};
pub use flow::Flows;
pub use listener::{DEFAULT_MAX_CONNECTIONS, DESCRIPTOR_RESERVE, ListenerLimits};
pub use mask::{mask_steps, masked_page, masked_run};
pub use metrics::{Exposition, Metrics, to_classic_text};
pub use render::{printable, runs_as_text};
pub use run::{Run, RunState, STATES};
pub use secret::{MAX_SECRET_FILE_BYTES, read_secret_file};
pub use serve::{EXIT_ON_SECOND_SIGNAL, Started, StopReport, shutdown_on_signals, start};
pub use service::{CredentialCheck, Service};
pub use store::{
    Accepted, Applied, COUNTS_RECENT, Cancel, DEFAULT_STORE, Delivered, Enqueued, HistoryQuery,
    ImportError, NewRun, NewSpawn, PRUNE_BATCH, Page, Pruned, Rerun, Resume, SUBJECT_SCAN,
    Signalled, Spawned, Store, StoreError, TablesError, TempDb, redact_url, signal_answer,
};
pub use time::now_ms;
/// The shutdown signal [`Started::serve`] waits for (tokio-util's).
pub use tokio_util::sync::CancellationToken;
pub use transient::{SIGNAL_TIMEOUT, is_transient};
pub use triggers::http::MAX_WAIT_SECS;
/// The `schedule` trigger (its module under [`triggers`]).
pub use triggers::schedule;
pub use worker::MAX_DEATHS;

/// Why the runtime cannot start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RuntimeError {
    /// A setting that cannot work.
    #[error("{0}")]
    Config(String),
    /// The service refused the credential at start.
    #[error("the service refused the credential: {0}")]
    CredentialRefused(connector_core::Error),
    /// A listener could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: std::net::SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}
