//! The backend: the handle a program configures (from the environment or by hand) and
//! hands to its connections, each of which gets a limiter on the backend's one Redis
//! connection.

use std::sync::Arc;
use std::time::Duration;

use connector_core::limiter::{LimiterBackend, LimiterSpec, RateLimiter};
use connector_core::{Env, Error, Result};

use crate::limiter::RedisLimiter;
use crate::shared::{FAIL_VARIABLE, FailPolicy, Shared, URL_VARIABLE};

/// How long a concurrency lease lasts unless renewed (its holder renews it while the
/// attempt runs): the longest a crashed process can keep a slot.
pub const DEFAULT_LEASE_TIME: Duration = Duration::from_secs(10);

/// A [`LimiterBackend`] on Redis: every limiter it makes spends budgets kept in Redis, so
/// that all processes using the same server share them.
///
/// ```no_run
/// use std::sync::Arc;
/// use connector_core::limiter::{Limit, LimiterBackend, LimiterSpec};
/// use connector_limiter_redis::RedisBackend;
///
/// # fn example() -> connector_core::Result<()> {
/// let backend = RedisBackend::new("redis://127.0.0.1:6379/0")?;
/// let limiter = backend.limiter(
///     LimiterSpec::new("okta:https://acme.okta.com")
///         .with_limit("okta-concurrency:*", Limit::Concurrency(75)),
/// )?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct RedisBackend {
    shared: Arc<Shared>,
}

impl RedisBackend {
    /// A backend on the server at `url` (`redis://HOST:PORT[/DB]`, with `user:password@`
    /// when the server asks for it). Nothing is connected yet: the first call connects, and
    /// falls back to memory if it cannot (see [`FailPolicy`]).
    pub fn new(url: &str) -> Result<RedisBackend> {
        let target = describe(url)?;
        // The client's own error may quote the URL, password included: not repeated.
        let client = redis::Client::open(url).map_err(|_| {
            Error::configuration(format!(
                "{URL_VARIABLE} is not a usable Redis URL ({target}); use redis://HOST:PORT[/DB]"
            ))
        })?;
        Ok(RedisBackend {
            shared: Arc::new(Shared::new(client, target, DEFAULT_LEASE_TIME)),
        })
    }

    /// The backend `CONNECTOR_RATE_LIMIT_URL` names, with the policy of
    /// `CONNECTOR_RATE_LIMIT_FAIL`; `None` when the URL is not set (in-memory limits).
    pub fn from_env(env: &Env) -> Result<Option<RedisBackend>> {
        let Some(url) = env.get(URL_VARIABLE) else {
            return Ok(None);
        };
        let mut backend = RedisBackend::new(url.trim())?;
        if let Some(policy) = env.get(FAIL_VARIABLE) {
            backend = backend.with_fail_policy(policy.parse()?);
        }
        Ok(Some(backend))
    }

    fn rebuilt(self, change: impl FnOnce(&mut Shared)) -> RedisBackend {
        let mut shared = self.shared.rebuilt();
        change(&mut shared);
        RedisBackend {
            shared: Arc::new(shared),
        }
    }

    /// Sets what calls do while Redis does not answer (default [`FailPolicy::Open`]).
    pub fn with_fail_policy(self, policy: FailPolicy) -> RedisBackend {
        self.rebuilt(|shared| shared.fail = policy)
    }

    /// Sets how long a concurrency lease lasts unless renewed (default
    /// [`DEFAULT_LEASE_TIME`]; at least 100 ms).
    pub fn with_lease_time(self, lease_time: Duration) -> RedisBackend {
        self.rebuilt(|shared| shared.lease_time = lease_time.max(Duration::from_millis(100)))
    }

    /// The server, without credentials (`redis://127.0.0.1:6379/0`).
    pub fn target(&self) -> &str {
        &self.shared.target
    }

    /// The failure policy.
    pub fn fail_policy(&self) -> FailPolicy {
        self.shared.fail
    }

    /// Whether the last call found Redis away (the limiters are on their fallback).
    pub fn is_degraded(&self) -> bool {
        self.shared.health.is_down()
    }

    /// Waits (at most a second) for the releases of dropped permits to reach Redis: a
    /// program about to exit calls it, or its leases stay held until they expire.
    pub async fn flush(&self) {
        let releases = self.shared.take_releases();
        let all = async {
            for release in releases {
                let _ = release.await;
            }
        };
        let _ = tokio::time::timeout(Duration::from_secs(1), all).await;
    }

    /// A limiter for one connection, typed (the [`LimiterBackend`] form is boxed).
    pub fn redis_limiter(&self, spec: LimiterSpec) -> RedisLimiter {
        RedisLimiter::new(self.shared.clone(), spec)
    }
}

impl LimiterBackend for RedisBackend {
    fn limiter(&self, spec: LimiterSpec) -> Result<Arc<dyn RateLimiter>> {
        Ok(Arc::new(self.redis_limiter(spec)))
    }
}

/// The URL without credentials, or a configuration error that does not repeat it.
fn describe(url: &str) -> Result<String> {
    let parsed = url::Url::parse(url).map_err(|e| {
        Error::configuration(format!(
            "{URL_VARIABLE} is not a URL ({e}); use redis://HOST:PORT[/DB]"
        ))
    })?;
    if parsed.scheme() != "redis" {
        return Err(Error::configuration(format!(
            "{URL_VARIABLE} has the scheme `{}`; use redis://HOST:PORT[/DB]",
            parsed.scheme()
        )));
    }
    let host = parsed.host_str().unwrap_or_default();
    if host.is_empty() {
        return Err(Error::configuration(format!(
            "{URL_VARIABLE} names no host; use redis://HOST:PORT[/DB]"
        )));
    }
    let port = parsed.port().unwrap_or(6379);
    let db = parsed.path().trim_matches('/');
    let db = if db.is_empty() { "0" } else { db };
    Ok(format!("redis://{host}:{port}/{db}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use connector_core::ErrorKind;

    #[test]
    fn the_described_target_never_carries_the_password() {
        let target = describe("redis://user:s3cr3t@127.0.0.1:6380/2").unwrap();
        assert_eq!(target, "redis://127.0.0.1:6380/2");
        let error = RedisBackend::new("redis://:s3cr3t@").unwrap_err();
        assert!(!error.to_string().contains("s3cr3t"), "{error}");
    }

    #[test]
    fn the_environment_chooses_the_server_and_the_policy() {
        let none = RedisBackend::from_env(&Env::from_pairs([("OKTA_ORG_URL", "x")])).unwrap();
        assert!(none.is_none());
        let env = Env::from_pairs([
            (URL_VARIABLE, "redis://127.0.0.1:1/3"),
            (FAIL_VARIABLE, "closed"),
        ]);
        let backend = RedisBackend::from_env(&env).unwrap().unwrap();
        assert_eq!(backend.fail_policy(), FailPolicy::Closed);
        assert_eq!(backend.target(), "redis://127.0.0.1:1/3");
        let bad = Env::from_pairs([
            (URL_VARIABLE, "redis://127.0.0.1:1"),
            (FAIL_VARIABLE, "maybe"),
        ]);
        let error = RedisBackend::from_env(&bad).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Configuration);
        assert!(error.to_string().contains(FAIL_VARIABLE), "{error}");
        let http = Env::from_pairs([(URL_VARIABLE, "http://127.0.0.1:1")]);
        assert_eq!(
            RedisBackend::from_env(&http).unwrap_err().kind(),
            ErrorKind::Configuration
        );
    }
}
