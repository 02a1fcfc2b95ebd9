//! The HTTP exchange behind a small trait: reqwest by default, a recording transport for dry
//! runs, anything a test or a user injects.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use bytes::{Bytes, BytesMut};
use url::Url;

use crate::error::{Error, ErrorKind, Result};
use crate::http::{HeaderMap, Method, Response};

/// How an attempt failed before a complete answer arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportFailure {
    /// The connection could not be made (refused, DNS): the service never saw the request.
    Connect(String),
    /// No complete answer came within the attempt's time (the limit that was hit).
    Timeout(Duration),
    /// The connection broke (reset, closed early, cut body): the service may have acted.
    Broken(String),
    /// The answer is larger than the connection's cap and was not read.
    TooLarge {
        /// The cap, in bytes.
        limit: usize,
    },
}

impl fmt::Display for TransportFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransportFailure::Connect(m) => write!(f, "cannot connect: {m}"),
            TransportFailure::Timeout(limit) => write!(
                f,
                "no answer within the attempt timeout ({:.1} s)",
                limit.as_secs_f64()
            ),
            TransportFailure::Broken(m) => write!(f, "the connection broke: {m}"),
            TransportFailure::TooLarge { limit } => {
                write!(f, "the answer is larger than the {limit}-byte cap")
            }
        }
    }
}

impl TransportFailure {
    /// The error this failure becomes when it is final.
    pub fn to_error(&self) -> Error {
        let kind = match self {
            TransportFailure::Connect(_) | TransportFailure::Broken(_) => ErrorKind::Transport,
            TransportFailure::Timeout(_) => ErrorKind::Timeout,
            TransportFailure::TooLarge { .. } => ErrorKind::InvalidResponse,
        };
        Error::new(kind, self.to_string())
    }
}

/// One attempt as it leaves: every header set (credentials included), the body, and the
/// largest answer the caller will read.
#[derive(Clone)]
#[non_exhaustive]
pub struct Outgoing {
    /// The method.
    pub method: Method,
    /// The full URL.
    pub url: Url,
    /// Every header, credentials included (marked sensitive).
    pub headers: HeaderMap,
    /// The body.
    pub body: Option<Bytes>,
    /// Answers larger than this must fail with [`TransportFailure::TooLarge`] unread.
    pub max_response_bytes: usize,
    /// The request is built from an earlier answer ([`Request::depends_on_answer`](crate::Request::depends_on_answer));
    /// only a recording transport has a use for it.
    pub depends_on_answer: bool,
    /// What later requests the answer leads to ([`Request::followed_by`](crate::Request::followed_by)).
    pub followed_by: Option<std::sync::Arc<str>>,
}

impl fmt::Debug for Outgoing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Header values are left out: they hold the credentials.
        f.debug_struct("Outgoing")
            .field("method", &self.method)
            .field("url", &self.url.as_str())
            .field(
                "headers",
                &self.headers.keys().map(|k| k.as_str()).collect::<Vec<_>>(),
            )
            .field("body_bytes", &self.body.as_ref().map_or(0, |b| b.len()))
            .finish()
    }
}

/// Sends one attempt and reads its whole answer. The pipeline bounds the call's time; the
/// transport bounds the answer's size.
#[async_trait]
pub trait Transport: Send + Sync + fmt::Debug {
    /// Sends `request` and reads the answer.
    async fn send(&self, request: Outgoing) -> std::result::Result<Response, TransportFailure>;
}

/// The default transport: reqwest, following same-origin redirects only (a few hops), so
/// credentials never follow a redirect to another origin.
#[derive(Debug, Clone)]
pub struct ReqwestTransport {
    client: reqwest::Client,
}

impl ReqwestTransport {
    /// A transport whose connections time out after `connect_timeout`.
    pub fn new(connect_timeout: Duration) -> Result<ReqwestTransport> {
        let policy = reqwest::redirect::Policy::custom(|attempt| {
            let same_origin = attempt
                .previous()
                .first()
                .is_some_and(|first| first.origin() == attempt.url().origin());
            if attempt.previous().len() >= 5 || !same_origin {
                attempt.stop()
            } else {
                attempt.follow()
            }
        });
        let client = reqwest::Client::builder()
            .redirect(policy)
            .connect_timeout(connect_timeout)
            .pool_idle_timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| Error::configuration("cannot build the HTTP client").with_source(e))?;
        Ok(ReqwestTransport { client })
    }

    /// A transport over a reqwest client of your own (proxies, TLS roots). Its redirect
    /// policy is yours to keep safe.
    pub fn with_client(client: reqwest::Client) -> ReqwestTransport {
        ReqwestTransport { client }
    }
}

#[async_trait]
impl Transport for ReqwestTransport {
    async fn send(&self, request: Outgoing) -> std::result::Result<Response, TransportFailure> {
        self.exchange(request).await
    }
}

/// The transport a connection sends through: the default one called directly (no boxed
/// future per attempt), or any other behind the trait.
#[derive(Debug, Clone)]
pub(crate) enum TransportChoice {
    Default(ReqwestTransport),
    Other(std::sync::Arc<dyn Transport>),
}

impl TransportChoice {
    pub(crate) async fn send(
        &self,
        request: Outgoing,
    ) -> std::result::Result<Response, TransportFailure> {
        match self {
            TransportChoice::Default(reqwest) => reqwest.exchange(request).await,
            TransportChoice::Other(other) => other.send(request).await,
        }
    }
}

impl ReqwestTransport {
    async fn exchange(&self, request: Outgoing) -> std::result::Result<Response, TransportFailure> {
        let cap = request.max_response_bytes;
        // The request is built whole (its header map moved in, not copied entry by entry).
        let mut outgoing = reqwest::Request::new(request.method, request.url);
        *outgoing.headers_mut() = request.headers;
        *outgoing.body_mut() = request.body.map(reqwest::Body::from);
        let mut response = self
            .client
            .execute(outgoing)
            .await
            .map_err(|e| failure(&e))?;
        if response
            .content_length()
            .is_some_and(|len| len > cap as u64)
        {
            return Err(TransportFailure::TooLarge { limit: cap });
        }
        let status = response.status().as_u16();
        let headers = std::mem::take(response.headers_mut());
        let url = response.url().clone();
        if response.content_length().is_some() {
            // A declared length within the cap (checked above) is read whole, without a
            // copy; hyper stops at the declared length.
            let body = response.bytes().await.map_err(|e| failure(&e))?;
            return Ok(Response::from_parts(status, headers, body, url));
        }
        let mut body = BytesMut::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| failure(&e))? {
            if body.len() + chunk.len() > cap {
                return Err(TransportFailure::TooLarge { limit: cap });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Response::from_parts(status, headers, body.freeze(), url))
    }
}

fn failure(error: &reqwest::Error) -> TransportFailure {
    // Only the error's chain text is kept, and our URLs carry no credentials (base URLs
    // with userinfo are refused).
    let mut message = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(s) = source {
        message = format!("{message}: {s}");
        source = s.source();
    }
    if error.is_connect() {
        TransportFailure::Connect(message)
    } else if error.is_timeout() {
        TransportFailure::Timeout(Duration::ZERO)
    } else {
        TransportFailure::Broken(message)
    }
}
