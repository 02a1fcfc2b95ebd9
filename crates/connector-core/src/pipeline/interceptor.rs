//! Interceptors: code of a connector's or a user's own that runs at fixed points of every
//! attempt, without forking the pipeline (the smithy runtime's interceptors are the model).
//!
//! ```text
//!  admission, credentials ─► modify_before_attempt ─► Authorization set ─► read_before_transmit
//!                                                                              │
//!                          read_after_attempt ◄── answer or transport failure ◄┘
//! ```
//!
//! The hooks are synchronous and run in the order the interceptors were added, the
//! connection's own first (the default headers and the user agent are one). An error from
//! [`Interceptor::modify_before_attempt`] fails the call with nothing sent.
//!
//! ```
//! use std::sync::Arc;
//! use std::sync::atomic::{AtomicU32, Ordering};
//!
//! use connector_core::interceptor::{AttemptAnswer, AttemptRequest, Interceptor};
//! use connector_core::{Connection, HeaderName, HeaderValue, Result};
//!
//! /// Adds a tenant header to every attempt and counts the answers.
//! #[derive(Debug, Default)]
//! struct Tenant {
//!     answers: AtomicU32,
//! }
//!
//! impl Interceptor for Tenant {
//!     fn modify_before_attempt(&self, request: &mut AttemptRequest<'_>) -> Result<()> {
//!         request.headers_mut().insert(
//!             HeaderName::from_static("x-tenant"),
//!             HeaderValue::from_static("blue"),
//!         );
//!         Ok(())
//!     }
//!
//!     fn read_after_attempt(&self, answer: &AttemptAnswer<'_>) {
//!         if answer.status().is_some() {
//!             self.answers.fetch_add(1, Ordering::Relaxed);
//!         }
//!     }
//! }
//!
//! # fn main() -> Result<()> {
//! let tenant = Arc::new(Tenant::default());
//! let connection = Connection::builder("https://api.acme.example")
//!     .interceptor_arc(tenant.clone())
//!     .build()?;
//! # let _ = connection;
//! # Ok(())
//! # }
//! ```

use std::fmt;

use bytes::Bytes;
use url::Url;

use super::transport::TransportFailure;
use crate::error::Result;
use crate::http::{HeaderMap, HeaderValue, Method, Response};

/// Code that runs at fixed points of every attempt. Every hook has a default that does
/// nothing, so an interceptor implements only the ones it needs.
pub trait Interceptor: Send + Sync + fmt::Debug {
    /// Before an attempt is sent, once admission and credentials are in hand: may change
    /// the headers and the body (add a header, sign the body). The `Authorization` header
    /// is set after this, from the connection's credentials, and cannot be set here.
    fn modify_before_attempt(&self, request: &mut AttemptRequest<'_>) -> Result<()> {
        let _ = request;
        Ok(())
    }

    /// The request exactly as it is sent, credentials included (marked sensitive: their
    /// `Debug` form is `Sensitive`). Read-only.
    fn read_before_transmit(&self, request: &AttemptRequest<'_>) {
        let _ = request;
    }

    /// After each attempt: its answer, or how it failed.
    fn read_after_attempt(&self, answer: &AttemptAnswer<'_>) {
        let _ = answer;
    }
}

/// One attempt's request, as interceptors see and change it.
pub struct AttemptRequest<'a> {
    pub(crate) method: &'a Method,
    pub(crate) url: &'a Url,
    pub(crate) headers: &'a mut HeaderMap,
    pub(crate) body: &'a mut Option<Bytes>,
    pub(crate) attempt: u32,
}

impl fmt::Debug for AttemptRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AttemptRequest")
            .field("method", self.method)
            .field("url", &self.url.as_str())
            .field("attempt", &self.attempt)
            .finish_non_exhaustive()
    }
}

impl AttemptRequest<'_> {
    /// The method.
    pub fn method(&self) -> &Method {
        self.method
    }

    /// The full URL.
    pub fn url(&self) -> &Url {
        self.url
    }

    /// The headers so far.
    pub fn headers(&self) -> &HeaderMap {
        self.headers
    }

    /// The headers, to change.
    pub fn headers_mut(&mut self) -> &mut HeaderMap {
        self.headers
    }

    /// The body, if any.
    pub fn body(&self) -> Option<&[u8]> {
        self.body.as_deref()
    }

    /// Replaces the body (the caller sets `Content-Type` if it changes).
    pub fn set_body(&mut self, body: impl Into<Bytes>) {
        *self.body = Some(body.into());
    }

    /// This attempt's number, from 1.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }
}

/// How one attempt ended, as interceptors read it.
#[derive(Debug)]
pub struct AttemptAnswer<'a> {
    pub(crate) method: &'a Method,
    pub(crate) url: &'a Url,
    pub(crate) attempt: u32,
    pub(crate) outcome: std::result::Result<&'a Response, &'a TransportFailure>,
}

impl AttemptAnswer<'_> {
    /// The method of the request.
    pub fn method(&self) -> &Method {
        self.method
    }

    /// The URL of the request.
    pub fn url(&self) -> &Url {
        self.url
    }

    /// The attempt's number, from 1.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// The answer's status; `None` when no answer came (a transport failure).
    pub fn status(&self) -> Option<u16> {
        self.outcome.ok().map(Response::status)
    }

    /// The answer, when one came.
    pub fn response(&self) -> Option<&Response> {
        self.outcome.ok()
    }

    /// How the attempt failed without an answer (refused, timed out, cut, too large), as
    /// a sentence; `None` when an answer came.
    pub fn failure(&self) -> Option<String> {
        self.outcome
            .err()
            .map(|f| f.to_error().message().to_owned())
    }
}

/// The connection's own first interceptor: its default headers (unless the request sets
/// them) and its `User-Agent`.
#[derive(Debug, Clone)]
pub(crate) struct DefaultHeaders {
    pub(crate) headers: HeaderMap,
    pub(crate) user_agent: Option<HeaderValue>,
}

impl Interceptor for DefaultHeaders {
    fn modify_before_attempt(&self, request: &mut AttemptRequest<'_>) -> Result<()> {
        for (name, value) in &self.headers {
            if !request.headers.contains_key(name) {
                request.headers.insert(name.clone(), value.clone());
            }
        }
        if let Some(ua) = &self.user_agent {
            request
                .headers
                .insert(reqwest::header::USER_AGENT, ua.clone());
        }
        Ok(())
    }
}
