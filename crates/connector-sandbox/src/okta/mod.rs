//! The Okta management API emulator: users, admin role assignments, SSWS and OAuth 2.0
//! (`private_key_jwt`) authentication, per-bucket rate limits and a concurrency limit.
//!
//! What it serves (every `/api/v1` call needs `Authorization: SSWS <api token>` or
//! `Bearer <access token>`):
//!
//! | request | answer |
//! |---|---|
//! | `POST /api/v1/users?activate=true` | 200 + user (`ACTIVE` with a password, `PROVISIONED` without, `STAGED` if `activate=false`) |
//! | `GET /api/v1/users/{idOrLogin}` | 200 + user, `ETag`; 404 `E0000007` |
//! | `GET /api/v1/users?search=&filter=&q=&limit=&after=` | 200 + array, `Link` `self` and `next` |
//! | `POST /api/v1/users/{userId}/roles` | 201 + role assignment; 409 `E0000090` if already assigned |
//! | `GET /api/v1/users/{userId}/roles` | 200 + array |
//! | `DELETE /api/v1/users/{userId}/roles/{roleAssignmentId}` | 204 |
//! | `GET`/`POST /api/v1/groups`, `GET /api/v1/groups/{groupId}` | groups (`groups.rs`) |
//! | `GET /api/v1/groups/{groupId}/users`, `PUT`/`DELETE .../users/{userId}` | memberships, 204 |
//! | `POST /api/v1/users/{id}` | partial profile update |
//! | `POST /api/v1/users/{id}/lifecycle/{operation}` | the user lifecycle (`lifecycle.rs`, `status.rs`) |
//! | `DELETE /api/v1/users/{id}` | deactivates, then (a second time) deletes |
//! | `GET /api/v1/users/{id}/groups`, `DELETE /api/v1/users/{id}/sessions` | a user's groups, sessions (`sessions.rs`) |
//! | `PUT`/`DELETE /api/v1/groups/{groupId}` | replace a group's profile, delete it |
//! | `/api/v1/apps...` | bookmark and basic-auth apps, their user and group assignments (`apps.rs`) |
//! | `GET /api/v1/logs` | the System Log of every change (`syslog.rs`), also sent to the event hook |
//! | `POST /__sandbox/okta/users/{id}/sign-in` | records a sign-in: `lastLogin`, a session |
//! | `POST /oauth2/v1/token` | client credentials with a signed client assertion |
//!
//! Long on purpose: the emulator's public surface (settings, seeding, statistics, the admin
//! calls tests make), documented for the tests and benchmarks that drive it.

mod admin;
mod apps;
mod directory;
mod error;
mod event_hooks;
mod groups;
mod lifecycle;
mod limits;
mod oauth;
mod paging;
mod router;
mod routes;
mod search;
mod sessions;
mod status;
mod syslog;
mod wire;

use std::collections::BTreeMap;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use axum::response::IntoResponse;
use serde::Serialize;
use serde_json::Value;

pub use event_hooks::{EventHook, EventHookStats};
pub use limits::{Bucket, BucketStats};

use crate::SandboxError;
use crate::faults::Faults;
use crate::server::{self, Front, Server};
use crate::util::{lock, now_millis, random_alnum, random_url_safe, read, write};
use directory::{Directory, Profile, SeedBatch, Status};
use error::OktaError;
use limits::RateLimiter;
use oauth::OAuthServer;

/// Settings of an [`OktaEmulator`]. `Default` gives Okta's published defaults.
///
/// ```
/// use std::time::Duration;
/// use connector_sandbox::okta::{Bucket, OktaConfig};
///
/// // A tight budget for a benchmark: 50 calls per bucket per second.
/// let config = OktaConfig::default()
///     .with_all_bucket_limits(50)
///     .with_window(Duration::from_secs(1))
///     .with_bucket_limit(Bucket::User, 100);
/// assert_eq!(config.bucket_limits[&Bucket::User], 100);
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct OktaConfig {
    /// The API token accepted after `SSWS`; `None` generates one (`00` + 40 URL-safe characters).
    pub api_token: Option<String>,
    /// Requests admitted per window, by bucket (defaults: users 600, user 2,000, roles 1,200, other 1,200).
    pub bucket_limits: BTreeMap<Bucket, u32>,
    /// The rate-limit window (default 60 s), opened by the first call in it.
    pub window: Duration,
    /// Requests allowed in flight at once for the org (default 75).
    pub concurrency_limit: usize,
    /// Lifetime of access tokens from `/oauth2/v1/token` (default 3,600 s).
    pub access_token_lifetime: Duration,
    /// Time each admitted API call takes, counted as in flight (default zero).
    pub latency: Duration,
    /// Profile attributes a new user must have (default Okta's: login, email, firstName, lastName).
    pub required_profile_attributes: Vec<String>,
    /// Where the System Log's events are delivered (default: nowhere).
    pub event_hook: Option<EventHook>,
}

impl Default for OktaConfig {
    fn default() -> Self {
        OktaConfig {
            api_token: None,
            bucket_limits: Bucket::ALL
                .into_iter()
                .map(|b| (b, b.default_limit()))
                .collect(),
            window: Duration::from_secs(60),
            concurrency_limit: 75,
            access_token_lifetime: Duration::from_secs(3600),
            latency: Duration::ZERO,
            required_profile_attributes: ["login", "email", "firstName", "lastName"]
                .map(str::to_owned)
                .to_vec(),
            event_hook: None,
        }
    }
}

impl OktaConfig {
    /// Accept this API token instead of a random one.
    pub fn with_api_token(mut self, token: impl Into<String>) -> Self {
        self.api_token = Some(token.into());
        self
    }

    /// One bucket's limit per window.
    pub fn with_bucket_limit(mut self, bucket: Bucket, limit: u32) -> Self {
        self.bucket_limits.insert(bucket, limit);
        self
    }

    /// Every bucket's limit per window.
    pub fn with_all_bucket_limits(mut self, limit: u32) -> Self {
        for b in Bucket::ALL {
            self.bucket_limits.insert(b, limit);
        }
        self
    }

    /// The rate-limit window length.
    pub fn with_window(mut self, window: Duration) -> Self {
        self.window = window;
        self
    }

    /// The number of requests allowed in flight at once.
    pub fn with_concurrency_limit(mut self, limit: usize) -> Self {
        self.concurrency_limit = limit;
        self
    }

    /// The lifetime of issued access tokens.
    pub fn with_access_token_lifetime(mut self, lifetime: Duration) -> Self {
        self.access_token_lifetime = lifetime;
        self
    }

    /// Time each admitted API call takes.
    pub fn with_latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// Delivers the System Log's events (users created, deactivated, added to groups, ...)
    /// to this event hook.
    pub fn with_event_hook(mut self, hook: EventHook) -> Self {
        self.event_hook = Some(hook);
        self
    }

    /// Profile attributes a new user must have.
    pub fn with_required_profile_attributes<I, S>(mut self, attributes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.required_profile_attributes = attributes.into_iter().map(Into::into).collect();
        self
    }
}

/// Counters of an [`OktaEmulator`], also served at `GET /__sandbox/stats`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct OktaStats {
    /// Requests received, admin endpoints excluded (faulted ones included).
    pub requests: u64,
    /// Per bucket (`users`, `user`, `roles`, `other`): requests, admitted, 429s, the most
    /// admitted in any one window.
    pub buckets: BTreeMap<String, BucketStats>,
    /// 429s sent because a bucket was spent.
    pub rate_limited: u64,
    /// 429s sent because too many requests were in flight.
    pub concurrency_limited: u64,
    /// The most requests in flight at once.
    pub max_in_flight: u64,
    /// Requests a fault rule applied to.
    pub faults_injected: u64,
    /// Users in the directory.
    pub users: usize,
}

impl OktaStats {
    /// Every 429 the emulator itself sent: spent buckets plus the concurrency limit
    /// (injected status faults are not counted here).
    pub fn too_many_requests(&self) -> u64 {
        self.rate_limited + self.concurrency_limited
    }
}

/// A seeding request: `count` generated users named `{prefix}{n}@{domain}`.
///
/// Seeded users are `ACTIVE` with a password (or `STAGED`), have `firstName`,
/// `lastName` (`User{n}`), `email` = `login`, and `role` on every `role_every`-th user
/// when a role is set.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct UserSeed {
    /// How many users to add.
    pub count: u32,
    /// Login prefix (default `user`).
    pub prefix: String,
    /// Login domain (default `example.com`).
    pub domain: String,
    /// Value of `profile.role`, if any.
    pub role: Option<String>,
    /// Give the role to every n-th user only (default 1: all).
    pub role_every: u32,
    /// `ACTIVE` (true, default) or `STAGED`.
    pub activate: bool,
}

impl UserSeed {
    /// `count` users with the defaults.
    pub fn new(count: u32) -> Self {
        UserSeed {
            count,
            prefix: "user".to_owned(),
            domain: "example.com".to_owned(),
            role: None,
            role_every: 1,
            activate: true,
        }
    }

    /// Login prefix.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// Login domain.
    pub fn domain(mut self, domain: impl Into<String>) -> Self {
        self.domain = domain.into();
        self
    }

    /// `profile.role` on every `every`-th user (1 = all).
    pub fn role(mut self, role: impl Into<String>, every: u32) -> Self {
        self.role = Some(role.into());
        self.role_every = every.max(1);
        self
    }

    /// Create the users `STAGED` instead of `ACTIVE`.
    pub fn staged(mut self) -> Self {
        self.activate = false;
        self
    }
}

/// What a seeding call added.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SeededUsers {
    /// Users added.
    pub created: u32,
    /// Users in the directory afterwards.
    pub total: usize,
    /// Id of the first user added, if any.
    pub first_id: Option<String>,
    /// Id of the last user added, if any.
    pub last_id: Option<String>,
}

/// Shared state of one Okta emulator.
pub(crate) struct OktaState {
    base_url: String,
    api_token: String,
    user_type: String,
    required_profile: Vec<String>,
    directory: RwLock<Directory>,
    groups: RwLock<groups::Groups>,
    apps: RwLock<apps::Apps>,
    log: Mutex<syslog::SystemLog>,
    oauth: Mutex<OAuthServer>,
    limiter: Mutex<RateLimiter>,
    in_flight: AtomicUsize,
    concurrency_limit: AtomicUsize,
    max_in_flight: AtomicUsize,
    concurrency_limited: AtomicU64,
    settings: Mutex<Settings>,
    faults: Faults,
    front: Arc<Front>,
    event_hooks: event_hooks::EventHooks,
}

#[derive(Clone, Copy, Debug)]
struct Settings {
    latency: Duration,
    access_token_lifetime: Duration,
}

impl OktaState {
    fn settings(&self) -> Settings {
        *lock(&self.settings)
    }

    fn stats(&self) -> OktaStats {
        let buckets = lock(&self.limiter).stats();
        OktaStats {
            requests: self.front.requests.load(Ordering::Relaxed),
            rate_limited: buckets.values().map(|b| b.rate_limited).sum(),
            buckets,
            concurrency_limited: self.concurrency_limited.load(Ordering::Relaxed),
            max_in_flight: self.max_in_flight.load(Ordering::Relaxed) as u64,
            faults_injected: self.faults.injected(),
            users: read(&self.directory).len(),
        }
    }

    fn reset_stats(&self) {
        lock(&self.limiter).reset();
        self.front.requests.store(0, Ordering::Relaxed);
        self.concurrency_limited.store(0, Ordering::Relaxed);
        self.max_in_flight.store(0, Ordering::Relaxed);
        self.faults.reset_counter();
    }

    fn reset(&self) {
        write(&self.directory).clear();
        write(&self.groups).clear();
        write(&self.apps).clear();
        lock(&self.log).clear();
        lock(&self.oauth).reset();
        self.faults.clear();
        self.reset_stats();
    }

    fn seed(&self, seed: &UserSeed) -> SeededUsers {
        let batch = SeedBatch {
            prefix: seed.prefix.clone(),
            domain: seed.domain.clone(),
            role: seed.role.clone(),
            role_every: seed.role_every.max(1),
        };
        let status = if seed.activate {
            Status::Active
        } else {
            Status::Staged
        };
        let mut dir = write(&self.directory);
        let first = dir.seed(batch, seed.count, status, now_millis());
        let id_at = |i: usize| dir.get(i).map(|u| u.id.as_str().to_owned());
        let (first_id, last_id) = if seed.count == 0 {
            (None, None)
        } else {
            (id_at(first), id_at(dir.len() - 1))
        };
        SeededUsers {
            created: seed.count,
            total: dir.len(),
            first_id,
            last_id,
        }
    }

    fn register_client(
        &self,
        client_id: &str,
        pem: &str,
        scopes: Vec<String>,
    ) -> Result<(), String> {
        lock(&self.oauth).register(client_id, pem, scopes)
    }

    fn set_concurrency_limit(&self, limit: usize) {
        self.concurrency_limit.store(limit, Ordering::Relaxed);
    }
}

/// A running Okta emulator on 127.0.0.1. Dropping it stops the server.
pub struct OktaEmulator {
    state: Arc<OktaState>,
    server: Server,
}

impl std::fmt::Debug for OktaEmulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OktaEmulator")
            .field("base_url", &self.state.base_url)
            .finish_non_exhaustive()
    }
}

impl OktaEmulator {
    /// Starts the emulator on 127.0.0.1:`port` (0 picks a free port).
    pub async fn start(config: OktaConfig, port: u16) -> io::Result<OktaEmulator> {
        let listener = server::bind(port).await?;
        let addr = listener.local_addr()?;
        let base_url = format!("http://{addr}");
        let faults = Faults::default();
        let front = Arc::new(Front::new(
            faults.clone(),
            Arc::new(|status| {
                routes::with_request_id(OktaError::for_status(status).into_response())
            }),
            server::MAX_BODY_BYTES,
        ));
        let api_token = config
            .api_token
            .clone()
            .unwrap_or_else(|| format!("00{}", random_url_safe(40)));
        let state = Arc::new(OktaState {
            base_url,
            api_token,
            user_type: format!("oty{}", random_alnum(17)),
            required_profile: config.required_profile_attributes.clone(),
            directory: RwLock::new(Directory::default()),
            groups: RwLock::new(groups::Groups::default()),
            apps: RwLock::new(apps::Apps::default()),
            log: Mutex::new(syslog::SystemLog::default()),
            oauth: Mutex::new(OAuthServer::default()),
            limiter: Mutex::new(RateLimiter::new(config.window, &config.bucket_limits)),
            in_flight: AtomicUsize::new(0),
            concurrency_limit: AtomicUsize::new(config.concurrency_limit),
            max_in_flight: AtomicUsize::new(0),
            concurrency_limited: AtomicU64::new(0),
            settings: Mutex::new(Settings {
                latency: config.latency,
                access_token_lifetime: config.access_token_lifetime,
            }),
            faults,
            front: front.clone(),
            event_hooks: event_hooks::EventHooks::new(config.event_hook.clone()),
        });
        let router = router::router(state.clone()).merge(admin::router(state.clone()));
        let server = Server::spawn(listener, router, front)?;
        debug_assert_eq!(server.addr(), addr);
        Ok(OktaEmulator { state, server })
    }

    /// The org URL: `http://127.0.0.1:PORT` (no trailing slash).
    pub fn base_url(&self) -> String {
        self.state.base_url.clone()
    }

    /// The socket address the emulator listens on.
    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// The API token to send as `Authorization: SSWS <token>`.
    pub fn api_token(&self) -> &str {
        &self.state.api_token
    }

    /// The fault rules; push one to make the next matching requests fail.
    pub fn faults(&self) -> &Faults {
        &self.state.faults
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> OktaStats {
        self.state.stats()
    }

    /// Zeroes the counters and closes the open rate-limit windows.
    pub fn reset_stats(&self) {
        self.state.reset_stats();
    }

    /// Back to an empty org: no users, no issued tokens, no faults, zero counters. The
    /// API token, registered OAuth clients, limits and window stay.
    pub fn reset(&self) {
        self.state.reset();
    }

    /// The access tokens the token endpoint issued that are still live: secrets, exposed so
    /// that tests can check none of them shows in logs, errors or outputs.
    pub fn issued_access_tokens(&self) -> Vec<String> {
        lock(&self.state.oauth).live_tokens(Instant::now())
    }

    /// The last 100 client assertions the token endpoint received (accepted or not), oldest
    /// first: secrets, exposed so that tests can check none of them leaks.
    pub fn received_client_assertions(&self) -> Vec<String> {
        lock(&self.state.oauth).assertions()
    }

    /// Registers a service app for `private_key_jwt`: its client id, public key (RSA or
    /// EC P-256, PEM `PUBLIC KEY` or `RSA PUBLIC KEY`) and the scopes it may request.
    pub fn register_oauth_client(
        &self,
        client_id: &str,
        public_key_pem: &str,
        allowed_scopes: &[&str],
    ) -> Result<(), SandboxError> {
        let scopes = allowed_scopes.iter().map(|s| (*s).to_owned()).collect();
        self.state
            .register_client(client_id, public_key_pem, scopes)
            .map_err(SandboxError::InvalidKey)
    }

    /// Sets one bucket's limit per window (closing its current window).
    pub fn set_bucket_limit(&self, bucket: Bucket, limit: u32) {
        lock(&self.state.limiter).set_limit(bucket, limit);
    }

    /// Sets every bucket's limit per window.
    pub fn set_all_bucket_limits(&self, limit: u32) {
        let mut limiter = lock(&self.state.limiter);
        for b in Bucket::ALL {
            limiter.set_limit(b, limit);
        }
    }

    /// A bucket's current limit per window.
    pub fn bucket_limit(&self, bucket: Bucket) -> u32 {
        lock(&self.state.limiter).limit(bucket)
    }

    /// Sets the window length (closing every bucket's current window).
    pub fn set_window(&self, window: Duration) {
        lock(&self.state.limiter).set_window(window);
    }

    /// The current window length.
    pub fn window(&self) -> Duration {
        lock(&self.state.limiter).window()
    }

    /// Sets how many requests may be in flight at once.
    pub fn set_concurrency_limit(&self, limit: usize) {
        self.state.set_concurrency_limit(limit);
    }

    /// Sets the time each admitted API call takes.
    pub fn set_latency(&self, latency: Duration) {
        lock(&self.state.settings).latency = latency;
    }

    /// Sets the lifetime of access tokens issued from now on.
    pub fn set_access_token_lifetime(&self, lifetime: Duration) {
        lock(&self.state.settings).access_token_lifetime = lifetime;
    }

    /// Adds generated users, fast and compactly (100,000 take well under a second).
    pub fn seed_users(&self, seed: &UserSeed) -> SeededUsers {
        self.state.seed(seed)
    }

    /// Adds an `ACTIVE` user with this profile directly (no token, no rate limit) and
    /// returns it as the API would.
    pub fn add_user(&self, profile: Value) -> Result<Value, SandboxError> {
        let Value::Object(profile) = profile else {
            return Err(SandboxError::InvalidUser(
                "the profile must be a JSON object".to_owned(),
            ));
        };
        let login = match profile.get("login") {
            Some(Value::String(login)) if !login.is_empty() => login.clone(),
            _ => {
                return Err(SandboxError::InvalidUser(
                    "the profile needs a login".to_owned(),
                ));
            }
        };
        let mut dir = write(&self.state.directory);
        let index = dir
            .add(Profile::Stored(profile), Status::Active, true, now_millis())
            .map_err(|_| SandboxError::InvalidUser(format!("the login {login} is taken")))?;
        let user = dir
            .get(index)
            .map(|u| u.to_json(&self.state.base_url, &self.state.user_type));
        user.ok_or_else(|| SandboxError::InvalidUser("the user vanished".to_owned()))
    }

    /// A user (by id or login) as the API would return it.
    pub fn user(&self, id_or_login: &str) -> Option<Value> {
        let dir = read(&self.state.directory);
        let user = dir.get(dir.find(id_or_login)?)?;
        Some(user.to_json(&self.state.base_url, &self.state.user_type))
    }

    /// The role types assigned to a user (by id or login).
    pub fn user_role_types(&self, id_or_login: &str) -> Option<Vec<String>> {
        let dir = read(&self.state.directory);
        let user = dir.get(dir.find(id_or_login)?)?;
        Some(user.roles.iter().map(|r| r.role_type.to_owned()).collect())
    }

    /// How many users the org has.
    pub fn user_count(&self) -> usize {
        read(&self.state.directory).len()
    }

    /// Stops the server and closes its connections.
    pub async fn shutdown(self) {
        self.server.shutdown().await;
    }
}
