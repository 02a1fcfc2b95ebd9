//! The core of **connectors**: what every connector gets wrong when it is written alone.
//!
//! - [`Connection`]: base URL (https, or http on loopback only), credentials
//!   ([`StaticToken`], [`ClientCredentials`]), and one pipeline for every request:
//!   auth → [rate limiter](RateLimiter) (bounded by the call's deadline) →
//!   [transport](Transport) with a per-attempt timeout and a body cap → [classify](Profile)
//!   → [retry](RetryPolicy) or return, with the service's rate-limit [feedback](Feedback)
//!   flowing back into the limiter.
//! - [`Error`]: one error type with a machine-readable [`ErrorKind`] and the facts a person
//!   needs (status, the service's code, request id, attempts, retry-after).
//! - [`ActionDef`] / [`Action`] / [`DynAction`] / [`Connector`] / [`Registry`]: typed actions
//!   declared by an id, a name, a description and one async function; their JSON form with
//!   JSON Schemas; and lookup by id.
//! - The [Custom API Action](CustomApiAction): an authenticated raw call through the same pipeline,
//!   with guard rails that keep it on the connection's origin.
//!
//! The API by module, as tower and the smithy runtime lay theirs out: [`action`] (actions,
//! connectors, the registry, [`Env`]), [`auth`], [`clock`], [`custom`] (the Custom API
//! Action), [`interceptor`], [`limiter`], [`pipeline`] (the profile's parts, the transport
//! seam, dry runs), [`retry`], and `testing` behind the `test-util` feature. The crate
//! root re-exports what a connector author reaches for.
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
mod connection;
mod connection_settings;
pub mod custom;
mod error;
mod headers;
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

pub use action::{
    Action, ActionDef, ActionInfo, Connector, ConnectorDef, ConnectorDocs, DynAction, Env,
    HasConnection, Registry, Session, Setting, parse_input, schema_of,
};
pub use auth::{
    AssertionSigner, Authenticator, ClientAuth, ClientCredentials, NoAuth, StaticToken,
};
pub use clock::{Clock, Sleep, TokioClock};
#[cfg(any(test, feature = "test-util"))]
pub use clock::{ManualClock, SimWorker, SimulatedClock};
pub use connection::{
    Connection, ConnectionBuilder, Timeouts, USER_AGENT, is_loopback, parse_base_url, path_segment,
};
pub use custom::{
    CustomApiAction, CustomApiInput, CustomApiOutput, MAX_HEADER_BYTES, MAX_URL_BYTES,
    build_custom_request, check_relative_url, custom_api_call,
};
pub use error::{Error, ErrorKind, ErrorResponse, QUOTE_LIMIT, Result, quote_input};
pub use headers::{delay_until_epoch_reset, parse_http_date, parse_retry_after};
pub use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, Response};
pub use limiter::{
    Feedback, Limit, LimitKey, LimitKind, LimiterBackend, LimiterSpec, MemoryBackend,
    MemoryLimiter, Observation, Permit, RateLimiter, Unlimited, wait_exceeded,
};
#[cfg(any(test, feature = "test-util"))]
pub use pipeline::body_parses_on_this_thread;
pub use pipeline::interceptor;
pub use pipeline::interceptor::Interceptor;
pub use pipeline::{
    AttemptContext, CallRecord, Classifier, DRY_RUN_HEADER, DryRunLog, ErrorMapper, FeedbackReader,
    LimitKeys, MAX_URL_PART, Outgoing, Profile, RecordedRequest, RecordingTransport,
    RequestIdReader, ReqwestTransport, RetryDecorator, Transport, TransportFailure,
    classify_transport, default_verdict, mask_secrets, record_calls, standard_error,
    standard_retry_after,
};
/// The `tracing` target of the events that say what a call is waiting for (a rate-limit
/// wait of a second or more, at info, with `key` and `wait_ms`): a command line shows them
/// as progress, a service may log them.
pub const PROGRESS_TARGET: &str = "connector::progress";

/// A rate-limit wait at least this long is announced on [`PROGRESS_TARGET`].
pub const PROGRESS_WAIT: std::time::Duration = std::time::Duration::from_secs(1);

pub use retry::{GiveUpReason, RetryDecision, RetryPolicy, RetryReason, Verdict};

/// Re-exported so connectors derive schemas with the same version.
pub use schemars;
/// Re-exported so connectors and users name the same versions.
pub use secrecy;
