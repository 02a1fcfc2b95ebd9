//! Which failures are worth another try: the one rule card retries, `on_error: then: fail`
//! and whole runs share.

use connector_core::{Error, ErrorKind};

/// The code of a signal wait's timeout: kind `timeout`, but never tried again (a new try
/// would find the same signal missing).
pub const SIGNAL_TIMEOUT: &str = "signal_timeout";

/// Whether a failure is worth another try: `rate_limited`, `unavailable`, `timeout`,
/// `transport`, and `upstream` with a 5xx status (or none). A 4xx answer is never
/// transient: the same request would be refused again; nor is a signal's timeout.
pub fn is_transient(error: &Error) -> bool {
    if error.code() == Some(SIGNAL_TIMEOUT) {
        return false;
    }
    match error.kind() {
        ErrorKind::RateLimited
        | ErrorKind::Unavailable
        | ErrorKind::Timeout
        | ErrorKind::Transport => true,
        ErrorKind::Upstream => !error.status().is_some_and(|s| (400..500).contains(&s)),
        _ => false,
    }
}
