//! The core of **connectors**: what every connector gets wrong when it is written alone.
//!
//! - [`Connection`]: base URL (https, or http on loopback only), credentials
//!   ([`StaticToken`], [`ClientCredentials`]), and one pipeline for every request:
//!   auth → [rate limiter](limiter::RateLimiter) (bounded by the call's deadline) →
//!   [transport](pipeline::Transport) with a per-attempt timeout and a body cap → [classify](Profile)
//!   → [retry](RetryPolicy) or return, with the service's rate-limit [feedback](limiter::Feedback)
//!   flowing back into the limiter.
//! - [`Error`]: one error type with a machine-readable [`ErrorKind`] and the facts a person
//!   needs (status, the service's code, request id, attempts, retry-after).
//! - [`ActionDef`] / [`Action`] / [`DynAction`](action::DynAction) / [`Connector`] / [`Registry`]: typed actions
//!   declared by an id, a name, a description and one async function; their JSON form with
//!   JSON Schemas; and lookup by id.
//! - The [Custom API Action](CustomApiAction): an authenticated raw call through the same pipeline,
//!   with guard rails that keep it on the connection's origin.
//!
//! The API by module, as tower and the smithy runtime lay theirs out: [`action`] (actions,
//! connectors, the registry, [`Env`]), [`auth`], [`clock`], [`custom`] (the Custom API
//! Action), [`interceptor`], [`limiter`], [`pipeline`] (the profile's parts, the transport
//! seam, dry runs), [`retry`], [`connection`], [`error`], [`headers`] (reading the services' rate-limit
//! and date headers), and `testing` behind the `test-util` feature. The crate root
//! re-exports the few names every connector author reaches for: the connection and its
//! builder, requests and answers, the error, the credentials, the retry policy, the
//! action and connector definitions, the profile, the interceptor trait and the Custom API
//! Action.
//!
//! A connector plugs in a [`Profile`] of small parts (limiter keys, feedback reader,
//! classification rules ahead of the defaults, error mapper, request id) and never touches
//! the loop.
//!
//! # Example
//!
//! ```no_run
//! use connector_core::{Connection, Method, RetryPolicy, StaticToken};
//!
//! # async fn example() -> connector_core::Result<()> {
//! let connection = Connection::builder("https://acme.okta.com")
//!     .auth(StaticToken::ssws("00abc..."))
//!     .retry_policy(RetryPolicy::default()) // 3 retries within a minute on 429/503/504
//!     .build()?;
//! let user: serde_json::Value = connection
//!     .send_json(connection.request(Method::GET, "/api/v1/users/me"))
//!     .await?;
//! println!("{}", user["profile"]["login"]);
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

pub mod action;
pub mod auth;
pub mod clock;
pub mod connection;
mod connection_settings;
pub mod custom;
pub mod error;
pub mod headers;
mod http;
pub mod limiter;
pub mod pipeline;
pub mod retry;

/// What tests of connectors use, behind the `test-util` feature: clocks that never sleep
/// for real and the count of answer bodies parsed.
#[cfg(any(test, feature = "test-util"))]
pub mod testing {
    pub use crate::clock::{ManualClock, SimWorker, SimulatedClock};
    pub use crate::pipeline::body_parses_on_this_thread;
}

pub use action::{Action, ActionDef, Connector, ConnectorDef, Env, HasConnection, Registry};
pub use auth::{ClientCredentials, StaticToken};
pub use connection::{Connection, ConnectionBuilder, Timeouts, path_segment};
pub use custom::{CustomApiAction, custom_api_call};
pub use error::{Error, ErrorKind, Result};
pub use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, Response};
pub use pipeline::Profile;
pub use pipeline::interceptor::{self, Interceptor};
pub use retry::RetryPolicy;

/// The `tracing` target of the events that say what a call is waiting for (a rate-limit
/// wait of a second or more, at info, with `key` and `wait_ms`): a command line shows them
/// as progress, a service may log them.
pub const PROGRESS_TARGET: &str = "connector::progress";

/// A rate-limit wait at least this long is announced on [`PROGRESS_TARGET`].
pub const PROGRESS_WAIT: std::time::Duration = std::time::Duration::from_secs(1);

/// Re-exported so connectors derive schemas with the same version.
pub use schemars;
/// Re-exported so connectors and users name the same versions.
pub use secrecy;
