//! What every limiter of one backend shares: one Redis connection (reconnecting), the
//! failure policy and the backend's health. The limiters, their leases and the backend
//! all depend on it; it depends on none of them.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use connector_core::{Error, ErrorKind, Result};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{FromRedisValue, ScriptInvocation};
use tokio::sync::OnceCell;

use crate::health::Health;

/// The variable naming the Redis server: `redis://HOST:PORT[/DB]`.
pub const URL_VARIABLE: &str = "CONNECTOR_RATE_LIMIT_URL";
/// The variable choosing the failure policy: `open` (default) or `closed`.
pub const FAIL_VARIABLE: &str = "CONNECTOR_RATE_LIMIT_FAIL";

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
    /// Lease releases still on their way, for [`RedisBackend::flush`](crate::RedisBackend::flush).
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
    /// The state of a new backend on `client`, failing open; nothing is connected yet.
    pub(crate) fn new(client: redis::Client, target: String, lease_time: Duration) -> Shared {
        Shared {
            client,
            conn: OnceCell::new(),
            target,
            fail: FailPolicy::Open,
            lease_time,
            health: Health::default(),
            releases: Default::default(),
        }
    }

    /// A copy for a rebuilt backend: the same client and connection, the same settings
    /// until the caller changes them, and its own health and releases.
    pub(crate) fn rebuilt(&self) -> Shared {
        Shared {
            client: self.client.clone(),
            conn: self.conn.clone(),
            target: self.target.clone(),
            fail: self.fail,
            lease_time: self.lease_time,
            health: Health::default(),
            releases: Default::default(),
        }
    }

    /// The releases still on their way, handed over to be awaited.
    pub(crate) fn take_releases(&self) -> Vec<tokio::task::JoinHandle<()>> {
        let mut releases = self.releases.lock().unwrap_or_else(|e| e.into_inner());
        releases.drain(..).collect()
    }

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

    /// Keeps a release's task so that [`RedisBackend::flush`](crate::RedisBackend::flush) can wait for it.
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
