//! The runtime's settings and the small text formats they are written in on the command
//! line (`--flow-backoff 1m,5m,30m,2h,12h`, `--grace 20`).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use connector_core::clock::{Clock, TokioClock};

use secrecy::SecretString;

use crate::RuntimeError;
use crate::listener::ListenerLimits;

/// The default retry schedule of whole runs: `1m,5m,30m,2h,12h`.
pub const DEFAULT_BACKOFF: &str = "1m,5m,30m,2h,12h";

/// Settings of a [`Service`](crate::Service) and of `connector serve`.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct RuntimeConfig {
    /// The hook listener (default `127.0.0.1:8080`).
    pub listen: SocketAddr,
    /// The admin listener (default `127.0.0.1:9090`).
    pub admin_listen: SocketAddr,
    /// Runs executed at once by this process (default 8).
    pub workers: usize,
    /// Waits before the second, third, ... try of a run that failed transiently; a
    /// transient failure past the schedule's end dead-letters the run.
    pub backoff: Vec<Duration>,
    /// How long runs in flight may take to finish after a shutdown signal (default 20 s).
    pub grace: Duration,
    /// Finished runs older than this are pruned (default 30 days).
    pub history: Duration,
    /// How long a claimed run stays claimed without a heartbeat (default 30 s): a process
    /// killed mid-run releases its runs to the others (or to its next start) after this.
    pub lease: Duration,
    /// How often idle workers look for due runs (default 250 ms); new deliveries to this
    /// process wake them at once.
    pub poll: Duration,
    /// How often the Okta credential is checked again for `/readyz` (default 60 s).
    pub credential_check: Duration,
    /// The event hook's `Authorization` value (`OKTA_EVENT_HOOK_SECRET`).
    pub hook_secret: SecretString,
    /// The `http` trigger's token (`CONNECTOR_INVOKE_TOKEN`): without one, every
    /// `POST /flows/{name}/runs` is 401.
    pub invoke_token: Option<SecretString>,
    /// The admin token (`CONNECTOR_ADMIN_TOKEN`): required to bind the admin listener beyond
    /// loopback, and then by every admin route but the probes.
    pub admin_token: Option<SecretString>,
    /// Host names the admin listener answers to besides its own address (`--admin-host`);
    /// any other `Host` gets 421, so a name rebound to this machine reaches nothing.
    pub admin_hosts: Vec<String>,
    /// Timeouts for slow clients and the cap on open connections of both listeners.
    pub limits: ListenerLimits,
    /// How long the intake waits for the store before answering 503 (default 1 s: Okta
    /// gives up on a delivery after 3 s), and `/readyz` for its answer.
    pub store_wait: Duration,
    /// The clock runs are claimed, steps started (`now()`) and waits measured by (default
    /// tokio's, with the system's wall clock); tests inject one that they move.
    pub clock: Arc<dyn Clock>,
}

impl RuntimeConfig {
    /// The defaults, with the hook's secret.
    pub fn new(hook_secret: SecretString) -> RuntimeConfig {
        RuntimeConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            admin_listen: SocketAddr::from(([127, 0, 0, 1], 9090)),
            workers: 8,
            backoff: parse_backoff(DEFAULT_BACKOFF).unwrap_or_default(),
            grace: Duration::from_secs(20),
            history: Duration::from_secs(30 * 24 * 3600),
            lease: Duration::from_secs(30),
            poll: Duration::from_millis(250),
            credential_check: Duration::from_secs(60),
            hook_secret,
            admin_token: None,
            invoke_token: None,
            admin_hosts: Vec::new(),
            limits: ListenerLimits::default(),
            store_wait: Duration::from_secs(1),
            clock: Arc::new(TokioClock),
        }
    }

    /// The time by [`clock`](RuntimeConfig::clock), in milliseconds since the epoch.
    pub fn now_ms(&self) -> i64 {
        self.clock
            .system_time()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
    }

    /// Checks what cannot work: no workers, an admin listener beyond loopback without a token.
    pub fn validate(&self) -> Result<(), RuntimeError> {
        if self.workers == 0 {
            return Err(RuntimeError::Config("--workers must be at least 1".into()));
        }
        if self.lease < Duration::from_millis(100) {
            return Err(RuntimeError::Config(
                "--lease must be at least 100ms".into(),
            ));
        }
        if self.limits.max_connections == 0 {
            return Err(RuntimeError::Config(
                "--max-connections must be at least 1".into(),
            ));
        }
        if let Some(bad) = self.admin_hosts.iter().find(|h| {
            h.is_empty()
                || !h
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        }) {
            return Err(RuntimeError::Config(format!(
                "--admin-host {bad:?} is not a host name"
            )));
        }
        if !self.admin_listen.ip().is_loopback() && self.admin_token.is_none() {
            return Err(RuntimeError::Config(format!(
                "the admin listener {} is beyond loopback: set CONNECTOR_ADMIN_TOKEN \
                 (every admin route then requires it) or listen on 127.0.0.1",
                self.admin_listen
            )));
        }
        Ok(())
    }
}

/// The longest duration accepted anywhere (about 31 years): a bound on hostile input.
const MAX_DURATION: Duration = Duration::from_secs(1_000_000_000);

/// Parses a duration as `humantime` reads it (`500ms`, `20s`, `1m`, `2h`, `1d`, `1h 30m`),
/// or a bare number of seconds.
///
/// ```
/// use std::time::Duration;
/// assert_eq!(connector_runtime::parse_duration("1m"), Ok(Duration::from_secs(60)));
/// assert_eq!(connector_runtime::parse_duration("20"), Ok(Duration::from_secs(20)));
/// assert!(connector_runtime::parse_duration("soon").is_err());
/// ```
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let shown = connector_core::error::quote_input(text);
    let parsed = match text.parse::<u64>() {
        Ok(seconds) => Ok(Duration::from_secs(seconds)),
        Err(_) => humantime::parse_duration(text),
    };
    match parsed {
        Ok(duration) if duration <= MAX_DURATION => Ok(duration),
        Ok(_) => Err(format!("{shown} is out of range")),
        // humantime's message may quote the text too: cut it as any echo of input.
        Err(e) => Err(format!(
            "{shown} is not a duration such as 500ms, 20s, 1m, 2h or 1d ({})",
            connector_core::error::clip_echo(&e.to_string())
        )),
    }
}

/// Parses a retry schedule: durations separated by commas (`1m,5m,30m,2h,12h`); an empty
/// text is no retry at all.
///
/// ```
/// use std::time::Duration;
/// let schedule = connector_runtime::parse_backoff("200ms,1s").unwrap();
/// assert_eq!(schedule, [Duration::from_millis(200), Duration::from_secs(1)]);
/// ```
pub fn parse_backoff(text: &str) -> Result<Vec<Duration>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(parse_duration)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_schedule_has_five_steps() {
        let schedule = parse_backoff(DEFAULT_BACKOFF).unwrap();
        assert_eq!(schedule.len(), 5);
        assert_eq!(schedule[4], Duration::from_secs(12 * 3600));
    }

    #[test]
    fn durations_are_read_by_humantime_or_as_bare_seconds() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration(" 20 "), Ok(Duration::from_secs(20)));
        assert_eq!(parse_duration("1h 30m"), Ok(Duration::from_secs(5_400)));
        assert_eq!(parse_duration("1d"), Ok(Duration::from_secs(86_400)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1_500)));
        for bad in ["soon", "", "5 parsecs", "-1s"] {
            assert!(parse_duration(bad).is_err(), "{bad:?}");
        }
        let huge = parse_duration("100000y").unwrap_err();
        assert!(huge.contains("out of range"), "{huge}");
        let long = parse_duration(&"x".repeat(100_000)).unwrap_err();
        assert!(
            long.len() < 600,
            "the refusal quotes at most 200 bytes: {} bytes",
            long.len()
        );
    }

    #[test]
    fn a_public_admin_listener_needs_a_token() {
        let mut config = RuntimeConfig::new(SecretString::from("s"));
        config.admin_listen = "0.0.0.0:9090".parse().unwrap();
        assert!(config.validate().is_err());
        config.admin_token = Some(SecretString::from("t"));
        assert!(config.validate().is_ok());
    }
}
