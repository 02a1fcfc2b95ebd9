//! The backend: one Redis connection (reconnecting) shared by the limiters of every
//! connection a program makes, its failure policy, and its configuration from the
//! environment.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use connector_core::limiter::{LimiterBackend, LimiterSpec, RateLimiter};
use connector_core::{Env, Error, ErrorKind, Result};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{FromRedisValue, ScriptInvocation};
use tokio::sync::OnceCell;

use crate::health::Health;
use crate::limiter::RedisLimiter;

/// The variable naming the Redis server: `redis://HOST:PORT[/DB]`.
pub const URL_VARIABLE: &str = "CONNECTOR_RATE_LIMIT_URL";
/// The variable choosing the failure policy: `open` (default) or `closed`.
pub const FAIL_VARIABLE: &str = "CONNECTOR_RATE_LIMIT_FAIL";

/// How long a concurrency lease lasts unless renewed (its holder renews it while the
/// attempt runs): the longest a crashed process can keep a slot.
pub const DEFAULT_LEASE_TIME: Duration = Duration::from_secs(10);

/// The longest one script call may take before Redis counts as unreachable.
const CALL_TIMEOUT: Duration = Duration::from_millis(750);

/// What calls do while Redis does not answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum FailPolicy {
    /// Each process falls back to its own in-memory limiter (one warning in the log) and
    /// goes back to Redis when it answers again.
    #[default]
    Open,
    /// Calls fail with an `unavailable` error and nothing is sent.
    Closed,
}

impl FromStr for FailPolicy {
    type Err = Error;

    fn from_str(value: &str) -> Result<FailPolicy> {
        match value.trim().to_ascii_lowercase().as_str() {
            "open" => Ok(FailPolicy::Open),
            "closed" => Ok(FailPolicy::Closed),
            other => Err(Error::configuration(format!(
                "{FAIL_VARIABLE} is `{other}`: set it to `open` (fall back to in-memory limits while Redis is away) or `closed` (fail)"
            ))),
        }
    }
}

/// The state every limiter of one backend shares.
pub(crate) struct Shared {
    client: redis::Client,
    conn: OnceCell<ConnectionManager>,
    /// The server without credentials, for messages and logs.
    pub(crate) target: String,
    pub(crate) fail: FailPolicy,
    pub(crate) lease_time: Duration,
    pub(crate) health: Health,
    /// Lease releases still on their way, for [`RedisBackend::flush`].
    releases: std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>,
}

impl fmt::Debug for Shared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Redis")
            .field("target", &self.target)
            .field("fail", &self.fail)
            .field("lease_time", &self.lease_time)
            .finish_non_exhaustive()
    }
}

impl Shared {
    async fn connection(&self) -> redis::RedisResult<ConnectionManager> {
        let conn = self
            .conn
            .get_or_try_init(|| async {
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(Duration::from_millis(500)))
                    .set_response_timeout(Some(CALL_TIMEOUT))
                    .set_number_of_retries(1)
                    .set_min_delay(Duration::from_millis(10))
                    .set_max_delay(Duration::from_millis(100));
                ConnectionManager::new_lazy_with_config(self.client.clone(), config)
            })
            .await?;
        Ok(conn.clone())
    }

    /// Runs a script; an error means Redis did not answer (or answered nonsense), and has
    /// been recorded in the backend's health.
    pub(crate) async fn run<T: FromRedisValue>(
        &self,
        invocation: &ScriptInvocation<'_>,
    ) -> std::result::Result<T, String> {
        let outcome = async {
            let mut conn = self.connection().await?;
            invocation.invoke_async::<T>(&mut conn).await
        };
        let result = match tokio::time::timeout(CALL_TIMEOUT, outcome).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err(format!("no answer within {} ms", CALL_TIMEOUT.as_millis())),
        };
        match &result {
            Ok(_) => self.health.succeeded(&self.target),
            Err(e) => self
                .health
                .failed(&self.target, e, self.fail == FailPolicy::Closed),
        }
        result
    }

    /// Runs a plain command whose answer does not matter (a lease's release).
    pub(crate) async fn command(&self, cmd: redis::Cmd) {
        if let Ok(mut conn) = self.connection().await {
            let _ = tokio::time::timeout(CALL_TIMEOUT, cmd.exec_async(&mut conn)).await;
        }
    }

    /// Keeps a release's task so that [`RedisBackend::flush`] can wait for it.
    pub(crate) fn track_release(&self, release: tokio::task::JoinHandle<()>) {
        let mut releases = self.releases.lock().unwrap_or_else(|e| e.into_inner());
        releases.retain(|r| !r.is_finished());
        releases.push(release);
    }

    /// The error of a call refused because Redis is away and the policy is closed.
    pub(crate) fn closed_error(&self, why: &str) -> Error {
        Error::new(
            ErrorKind::Unavailable,
            format!(
                "the shared rate limiter on Redis ({}) is unreachable ({why}) and {FAIL_VARIABLE}=closed makes calls fail meanwhile; nothing was sent. Start Redis, fix {URL_VARIABLE}, or set {FAIL_VARIABLE}=open to fall back to in-memory limits",
                self.target
            ),
        )
    }
}

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
            shared: Arc::new(Shared {
                client,
                conn: OnceCell::new(),
                target,
                fail: FailPolicy::Open,
                lease_time: DEFAULT_LEASE_TIME,
                health: Health::default(),
                releases: Default::default(),
            }),
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
        let mut shared = Shared {
            client: self.shared.client.clone(),
            conn: self.shared.conn.clone(),
            target: self.shared.target.clone(),
            fail: self.shared.fail,
            lease_time: self.shared.lease_time,
            health: Health::default(),
            releases: Default::default(),
        };
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
        let releases: Vec<_> = {
            let mut releases = self
                .shared
                .releases
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            releases.drain(..).collect()
        };
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
