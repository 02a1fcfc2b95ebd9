//! A durable flow runtime for Okta event hooks: `connector serve` is a thin wiring of it.
//!
//! - **Intake** ([`intake`]): a delivery is committed to the [`Store`] before the hook
//!   answers 200; events are de-duplicated on their `uuid` by a unique key in the store.
//! - **Store** ([`Store`]): SQLite (one process, a file) or Postgres (replicas sharing one
//!   queue and one history); runs are claimed with a lease that expires, so a process killed
//!   mid-run releases its runs.
//! - **Workers**: a bounded pool runs [`Flow`]s; a run failing with a transient kind is
//!   tried again on a schedule, anything else dead-letters it; dead letters can be re-run.
//! - **Flow History** and **metrics** on an admin listener ([`admin`]), with probes on both.
//! - **Shutdown** ([`Started::serve`]): stop accepting, finish runs in flight within a grace
//!   period, leave the rest queued.
//!
//! Flows must be idempotent: a run may execute again after a crash.
//!
//! ```no_run
//! use connector_runtime::{Flows, HelpDeskFlow, RuntimeConfig, Service, Store};
//! use connector_core::secrecy::SecretString;
//!
//! # async fn example(okta: connector_okta::Okta) -> Result<(), Box<dyn std::error::Error>> {
//! let store = Store::open("sqlite://connector.db").await?;
//! let flows = Flows::new().with(HelpDeskFlow::new(okta.clone()));
//! let config = RuntimeConfig::new(SecretString::from("the hook's secret"));
//! let service = Service::new(store, flows, config)
//!     .with_credential_check(connector_runtime::okta_credential_check(okta));
//! let started = connector_runtime::start(service).await?;
//! println!("hook on http://{}/okta/event-hook", started.hook_addr());
//! let report = started.serve(connector_runtime::shutdown_on_signals()).await;
//! println!("{} runs left queued", report.queued);
//! # Ok(())
//! # }
//! ```

pub mod admin;
mod calls;
mod config;
mod event;
mod flow;
pub mod flows;
mod help_desk;
pub mod intake;
mod listener;
mod metrics;
mod render;
mod secret;
mod serve;
mod service;
mod store;
mod time;
mod worker;

pub use config::{DEFAULT_BACKOFF, RuntimeConfig, parse_backoff, parse_duration};
pub use event::{Event, Malformed, parse_delivery};
pub use flow::{Card, CardError, Flow, FlowOutput, Flows, RunContext};
pub use help_desk::{HELP_DESK_FLOW, HelpDeskFlow};
pub use listener::{DEFAULT_MAX_CONNECTIONS, DESCRIPTOR_RESERVE, ListenerLimits};
pub use metrics::{Exposition, Metrics, to_classic_text};
pub use render::{printable, runs_as_text};
pub use serve::{EXIT_ON_SECOND_SIGNAL, Started, StopReport, shutdown_on_signals, start};
pub use service::{CredentialCheck, Service, okta_credential_check};
pub use store::{
    Accepted, DEAD_LETTERED, DEFAULT_STORE, FINISHED, HistoryQuery, Page, QUEUED, RETRYING,
    RUNNING, Rerun, Run, STATES, Store, StoreError, TempDb, redact_url,
};
/// The shutdown signal [`Started::serve`] waits for (tokio-util's).
pub use tokio_util::sync::CancellationToken;
pub use worker::is_transient;

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
