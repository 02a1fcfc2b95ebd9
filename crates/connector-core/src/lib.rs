//! The core of **connectors**: what every connector gets wrong when it is written alone.
//!
//! - [`Connection`]: base URL (https, or http on loopback only), credentials
//!   ([`StaticToken`], [`ClientCredentials`]), and one pipeline for every request:
//!   auth → [rate limiter](RateLimiter) → send with a per-attempt timeout and a body cap →
//!   [classify](ServiceProfile::classify) → [retry](RetryPolicy) or return, with the
//!   service's rate-limit [feedback](Feedback) flowing back into the limiter.
//! - [`Error`]: one error type with a machine-readable [`ErrorKind`] and the facts a person
//!   needs (status, the service's code, request id, attempts, retry-after).
//! - [`Action`] / [`DynAction`] / [`Connector`] / [`Registry`]: typed actions, their JSON form
//!   with JSON Schemas, and lookup by id.
//! - The [Custom API Action](custom): an authenticated raw call through the same pipeline,
//!   with guard rails that keep it on the connection's origin.
//!
//! A connector plugs in a [`ServiceProfile`] (limiter keys, feedback reader, classifier,
//! error mapping) and never touches the loop.
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
pub mod action_def;
pub mod auth;
pub mod clock;
pub mod connection;
pub mod custom;
pub mod error;
pub mod headers;
pub mod http;
pub mod limiter;
pub mod profile;
pub mod retry;

pub use action::{
    Action, ActionInfo, Connector, ConnectorDef, ConnectorDocs, DynAction, Env, HasConnection,
    Registry, Session, Setting, parse_input, schema_of,
};
pub use action_def::ActionDef;
pub use auth::{
    AssertionSigner, Authenticator, ClientAuth, ClientCredentials, NoAuth, StaticToken,
};
pub use clock::{Clock, ManualClock, SimWorker, SimulatedClock, TokioClock};
pub use connection::{
    Connection, ConnectionBuilder, DryRunLog, RecordedRequest, Timeouts, USER_AGENT, is_loopback,
    mask_secrets, parse_base_url, path_segment,
};
pub use custom::{
    CustomApiAction, CustomApiInput, CustomApiOutput, check_relative_url, custom_api_call,
};
pub use error::{Error, ErrorKind, ErrorResponse, Result};
pub use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, Response};
pub use limiter::{Feedback, Limit, MemoryLimiter, Permit, RateLimiter, Unlimited};
pub use profile::{Outcome, PlainHttp, ServiceProfile, TransportFailure};
pub use retry::{GiveUpReason, RetryDecision, RetryPolicy, RetryReason, Verdict};

/// Re-exported so connectors derive schemas with the same version.
pub use schemars;
/// Re-exported so connectors and users name the same versions.
pub use secrecy;
