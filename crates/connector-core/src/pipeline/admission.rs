//! What an attempt needs before it may start: its credential and the limiter's admission
//! for every key, both within the call's deadline.

use std::time::{Duration, Instant};

use secrecy::SecretString;

use super::calls::Tally;
use crate::connection::parts::Inner;
use crate::error::{Error, ErrorKind, Result};
use crate::http::HeaderValue;
use crate::limiter::{LimitKey, Permit};

/// The least time an attempt is worth starting with: admission or credentials that leave
/// less than this before the call's deadline fail the call instead, with nothing sent.
const MIN_ATTEMPT: Duration = Duration::from_secs(1);

/// The credential of one attempt.
pub(super) enum Credential {
    /// No `Authorization` header.
    None,
    /// A value that never changes, at hand without waiting ([`Authenticator::header_now`](crate::auth::Authenticator::header_now)).
    Header(HeaderValue),
    /// A secret the authenticator may invalidate after a 401.
    Secret(SecretString),
}

/// Credentials for the next attempt. A token request has its own time limits; when it ends
/// past the call's deadline the call fails with nothing sent.
pub(super) async fn authorize(
    inner: &Inner,
    deadline: Instant,
    attempts: u32,
) -> Result<Credential> {
    if let Some(header) = inner.auth.header_now() {
        return Ok(Credential::Header(header));
    }
    let authorization = inner
        .auth
        .authorization()
        .await
        .map_err(|e| e.with_attempts(attempts))?;
    if inner.clock.now() >= deadline {
        return Err(Error::new(
            ErrorKind::Timeout,
            format!(
                "no credentials within the call's deadline ({:.1} s); nothing was sent",
                inner.timeouts.total.as_secs_f64()
            ),
        )
        .with_attempts(attempts));
    }
    Ok(authorization.map_or(Credential::None, Credential::Secret))
}

/// Admission for every key, in order, leaving at least [`MIN_ATTEMPT`] before the deadline.
pub(super) async fn admit(
    inner: &Inner,
    keys: &[(LimitKey, u64)],
    deadline: Instant,
    tally: &mut Tally,
) -> Result<Vec<Permit>> {
    let mut permits = Vec::with_capacity(keys.len());
    // When the first key that could not be admitted at once was asked for: the clock is
    // read only when some key has to wait.
    let mut asked = None;
    for (key, cost) in keys {
        // Within its limits, a call is admitted at once, without a future.
        if let Some(permit) = inner.limiter.try_acquire(key, *cost) {
            permits.push(permit);
            continue;
        }
        let now = inner.clock.now();
        let asked = *asked.get_or_insert(now);
        let budget = deadline
            .checked_sub(MIN_ATTEMPT.min(inner.timeouts.attempt))
            .map_or(Duration::ZERO, |latest| {
                latest.saturating_duration_since(now)
            });
        match inner.limiter.acquire(key, *cost, budget).await {
            Ok(permit) => permits.push(permit),
            Err(error) => {
                tally.limiter_wait += inner.clock.now().saturating_duration_since(asked);
                return Err(error.with_attempts(tally.attempts));
            }
        }
    }
    if let Some(asked) = asked {
        tally.limiter_wait += inner.clock.now().saturating_duration_since(asked);
    }
    Ok(permits)
}
