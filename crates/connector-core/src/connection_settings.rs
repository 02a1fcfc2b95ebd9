//! The connection's own settings on a connector's builder, written once for every connector.

/// Gives a connector's builder the settings of the
/// [`ConnectionBuilder`](crate::ConnectionBuilder) it holds, as methods of its own: retry
/// policy, rate limiter, timeouts, clock, transport, response size cap, user agent, default
/// headers, classification rules, dry run, the environment's run options, a limiter
/// backend and interceptors, plus `connection` to change anything else the
/// connection builder offers.
///
/// A connector's builder keeps only what is particular to its service (an org URL, a choice
/// of credentials, an API version, its default limits) next to a `ConnectionBuilder`, and
/// invokes this macro once with its type and the field's name. It sets its service profile
/// when it creates the connection builder, so that rules added later go ahead of the
/// profile's own. Its `build` reads back what its own parts need
/// ([`current_clock`](crate::ConnectionBuilder::current_clock) for parts that keep time,
/// [`current_limiter`](crate::ConnectionBuilder::current_limiter) to put in its default
/// limiter when none was given) and adds the rest: credentials, default headers.
///
/// ```
/// use std::sync::Arc;
/// use std::time::Duration;
///
/// use connector_core::clock::ManualClock;
/// use connector_core::{Connection, ConnectionBuilder, Result, RetryPolicy, StaticToken};
///
/// /// Builds a client of the Acme API.
/// pub struct AcmeBuilder {
///     connection: ConnectionBuilder,
///     token: String,
/// }
///
/// connector_core::connection_settings!(AcmeBuilder, connection);
///
/// impl AcmeBuilder {
///     /// Builds the client.
///     pub fn build(self) -> Result<Connection> {
///         self.connection.auth(StaticToken::bearer(self.token)).build()
///     }
/// }
///
/// # fn main() -> Result<()> {
/// let builder = AcmeBuilder {
///     connection: Connection::builder("https://api.acme.example"),
///     token: "tok".to_owned(),
/// };
/// let connection = builder
///     .retry_policy(RetryPolicy::default().with_retry_statuses([409]))
///     .attempt_timeout(Duration::from_secs(5))
///     .clock(Arc::new(ManualClock::new()))
///     .connection(|c| c.max_response_bytes(1 << 20))
///     .build()?;
/// assert!(connection.retry_policy().retries_status(409));
/// # Ok(())
/// # }
/// ```
#[macro_export]
macro_rules! connection_settings {
    ($builder:ty, $field:ident) => {
        impl $builder {
            /// Changes any setting of the connection this builds, with the connection
            /// builder's own methods.
            pub fn connection(
                mut self,
                settings: impl ::core::ops::FnOnce(
                    $crate::ConnectionBuilder,
                ) -> $crate::ConnectionBuilder,
            ) -> Self {
                self.$field = settings(self.$field);
                self
            }

            /// Sets the retry policy (default: at most 3 retries within a minute, on 429,
            /// 503 and 504).
            pub fn retry_policy(self, policy: $crate::RetryPolicy) -> Self {
                self.connection(|c| c.retry_policy(policy))
            }

            /// Adds a classification rule ahead of the connector's own rules and the
            /// defaults (to retry a service-specific answer, for example).
            pub fn rule(self, rule: impl $crate::pipeline::Classifier + 'static) -> Self {
                self.connection(|c| c.rule(rule))
            }

            /// Uses this rate limiter instead of the connector's default in-memory one (for
            /// example a limiter that several workers share); it sees the limit keys of the
            /// connector's profile, and its limits are its owner's to configure.
            pub fn limiter(
                self,
                limiter: ::std::sync::Arc<dyn $crate::limiter::RateLimiter>,
            ) -> Self {
                self.connection(|c| c.limiter(limiter))
            }

            /// Sets the time limits of each attempt and of each call.
            pub fn timeouts(self, timeouts: $crate::Timeouts) -> Self {
                self.connection(|c| c.timeouts(timeouts))
            }

            /// Sets the time limit of each attempt.
            pub fn attempt_timeout(self, timeout: ::std::time::Duration) -> Self {
                self.connection(|c| c.attempt_timeout(timeout))
            }

            /// Sets the time limit of each call, waits and retries included.
            pub fn total_timeout(self, timeout: ::std::time::Duration) -> Self {
                self.connection(|c| c.total_timeout(timeout))
            }

            /// Uses another clock for waits, retries, the default limiter and token expiry
            /// (tests use a manual or simulated clock, which never sleeps for real).
            pub fn clock(self, clock: ::std::sync::Arc<dyn $crate::clock::Clock>) -> Self {
                self.connection(|c| c.clock(clock))
            }

            /// Sends through another transport (default: reqwest).
            pub fn transport(
                self,
                transport: ::std::sync::Arc<dyn $crate::pipeline::Transport>,
            ) -> Self {
                self.connection(|c| c.transport(transport))
            }

            /// Answers larger than this fail with `invalid_response` without being read
            /// whole (default 32 MiB).
            pub fn max_response_bytes(self, bytes: usize) -> Self {
                self.connection(|c| c.max_response_bytes(bytes))
            }

            /// Prepends a product token to the `User-Agent` (`my-app/1.2`).
            pub fn user_agent_product(self, product: &str) -> Self {
                self.connection(|c| c.user_agent_product(product))
            }

            /// Adds a header sent on every request unless the request sets it.
            pub fn default_header(
                self,
                name: $crate::HeaderName,
                value: $crate::HeaderValue,
            ) -> Self {
                self.connection(|c| c.default_header(name, value))
            }

            /// Records requests in `log` instead of sending them (`--dry-run`): answers are
            /// synthetic, credentials are masked and no token is requested.
            pub fn dry_run(self, log: $crate::pipeline::DryRunLog) -> Self {
                self.connection(|c| c.dry_run(Some(log)))
            }

            /// Applies the environment's run options: its dry-run log and its limiter
            /// backend (see [`ConnectionBuilder::env`]($crate::ConnectionBuilder::env)).
            pub fn env(self, env: &$crate::Env) -> Self {
                self.connection(|c| c.env(env))
            }

            /// Makes the connector's limiter with `backend` (for example one on Redis,
            /// shared by every process spending the same budget) from the connector's own
            /// limits. An explicit `limiter` wins.
            pub fn limiter_backend(
                self,
                backend: ::std::sync::Arc<dyn $crate::limiter::LimiterBackend>,
            ) -> Self {
                self.connection(|c| c.limiter_backend(backend))
            }

            /// Adds an interceptor: code of your own before each attempt, on the request
            /// as sent, and after each answer (see [`Interceptor`]($crate::Interceptor)).
            pub fn interceptor(self, interceptor: impl $crate::Interceptor + 'static) -> Self {
                self.connection(|c| c.interceptor(interceptor))
            }

            /// Adds an interceptor the caller keeps a handle on.
            pub fn interceptor_arc(
                self,
                interceptor: ::std::sync::Arc<dyn $crate::Interceptor>,
            ) -> Self {
                self.connection(|c| c.interceptor_arc(interceptor))
            }
        }
    };
}
