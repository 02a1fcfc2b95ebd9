//! Which failures are worth another try: the one rule card retries, `on_error: then: fail`
//! and whole runs share.

use connector_core::{Error, ErrorKind};

/// Whether a failure is worth another try: `rate_limited`, `unavailable`, `timeout`,
/// `transport`, and `upstream` with a 5xx status (or none). A 4xx answer is never
/// transient: the same request would be refused again.
pub fn is_transient(error: &Error) -> bool {
    match error.kind() {
        ErrorKind::RateLimited
        | ErrorKind::Unavailable
        | ErrorKind::Timeout
        | ErrorKind::Transport => true,
        ErrorKind::Upstream => !error.status().is_some_and(|s| (400..500).contains(&s)),
        _ => false,
    }
}
