//! Where the connections' rate limits live: in each process (the default), or on the Redis
//! server `CONNECTOR_RATE_LIMIT_URL` names, shared by every process that uses it.

#[cfg(feature = "redis")]
use std::sync::Arc;

use connector_core::{Env, Result};

/// The shared limiter of this process, if any: kept to flush lease releases before exit.
#[derive(Debug, Default)]
pub(crate) struct SharedLimits {
    #[cfg(feature = "redis")]
    redis: Option<connector_limiter_redis::RedisBackend>,
}

impl SharedLimits {
    /// Lets released concurrency leases reach Redis before the process ends.
    pub(crate) async fn flush(&self) {
        #[cfg(feature = "redis")]
        if let Some(redis) = &self.redis {
            redis.flush().await;
        }
    }
}

/// `env` with the limiter backend `CONNECTOR_RATE_LIMIT_URL` (and
/// `CONNECTOR_RATE_LIMIT_FAIL`) of `from` asks for; unchanged when it is unset.
pub(crate) fn with_shared_limits(env: Env, from: &Env) -> Result<(Env, SharedLimits)> {
    #[cfg(feature = "redis")]
    {
        match connector_limiter_redis::RedisBackend::from_env(from)? {
            Some(backend) => {
                let env = env.with_limiter_backend(Arc::new(backend.clone()));
                Ok((
                    env,
                    SharedLimits {
                        redis: Some(backend),
                    },
                ))
            }
            None => Ok((env, SharedLimits::default())),
        }
    }
    #[cfg(not(feature = "redis"))]
    {
        match from.get("CONNECTOR_RATE_LIMIT_URL") {
            Some(_) => Err(connector_core::Error::configuration(
                "CONNECTOR_RATE_LIMIT_URL is set but this connector build has no Redis support; \
                 build connector-cli with the `redis` feature or unset the variable",
            )),
            None => Ok((env, SharedLimits::default())),
        }
    }
}
