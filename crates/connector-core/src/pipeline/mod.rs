//! The pipeline every request takes, and the parts a connector plugs into it.
//!
//! ```text
//!  request ──► auth ──► limiter.acquire(keys, within the deadline) ──► transport.send
//!                ▲                                                      (attempt timeout,
//!                │                        limiter.observe(feedback) ◄──┤  body cap)
//!                │                                                      ▼
//!                └── sleep(delay) ◄── policy.decide ◄── rules ▸ defaults ──► answer / error
//! ```
//!
//! A connector never touches the loop: it hands its connection a [`Profile`] of small
//! parts ([`LimitKeys`], [`FeedbackReader`], [`Classifier`] rules asked ahead of the
//! defaults, [`ErrorMapper`], [`RequestIdReader`], [`RetryDecorator`]), each reading one
//! [`AttemptContext`] in which the answer's body is parsed at most once. The exchange
//! itself is a [`Transport`]: [`ReqwestTransport`] by default, [`RecordingTransport`] for a
//! dry run, anything a test injects.

mod admission;
mod calls;
mod context;
mod defaults;
mod dry_run;
pub mod interceptor;
mod outcome;
mod parts;
mod profile;
mod send;
mod transport;
mod url_check;

pub use calls::{CallRecord, record_calls};
#[cfg(any(test, feature = "test-util"))]
pub use context::body_parses_on_this_thread;
pub(crate) use context::parse_counted;
pub use context::{AttemptContext, standard_retry_after};
pub use defaults::{classify_transport, default_verdict, standard_error};
pub use dry_run::{
    DRY_RUN_HEADER, DryRunLog, RecordedRequest, RecordingTransport, is_secret_name, mask_secrets,
};
pub(crate) use interceptor::DefaultHeaders;
pub use parts::{
    Classifier, ErrorMapper, FeedbackReader, LimitKeys, RequestIdReader, RetryDecorator,
};
pub use profile::Profile;
pub(crate) use send::send;
pub(crate) use transport::TransportChoice;
pub use transport::{Outgoing, ReqwestTransport, Transport, TransportFailure};
pub use url_check::MAX_URL_PART;
