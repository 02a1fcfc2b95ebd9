//! The emulator's shared state: data, limits, counters and the knobs tests turn.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use super::config::BoardsConfig;
use super::limits::WindowedLimit;
use super::replay::IdempotencyCache;
use super::store::Store;
use super::throttle::{BudgetReport, Throttle};

/// Closed complexity windows remembered for [`BoardsStats::window_points`].
const REMEMBERED_WINDOWS: usize = 10_000;

/// Counters for tests and benchmarks, as returned by [`BoardsState::stats`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct BoardsStats {
    /// Requests that reached `POST /v2`, whatever their outcome.
    pub requests: u64,
    /// Requests answered 401 (missing or wrong token).
    pub unauthenticated: u64,
    /// Requests answered 429, by error code (`COMPLEXITY_BUDGET_EXHAUSTED`,
    /// `Rate Limit Exceeded`).
    pub throttled: BTreeMap<String, u64>,
    /// Complexity points charged in total.
    pub points_spent: u64,
    /// Points charged in each complexity window, oldest first, the open windows last
    /// (at most the last 10,000 closed windows are kept).
    pub window_points: Vec<u64>,
    /// The most points charged in any one window.
    pub max_window_points: u64,
    /// Boards created through `create_board`.
    pub boards_created: u64,
    /// Mutations answered from the `Idempotency-Key` cache (`Idempotency-Replayed: true`).
    pub idempotent_replays: u64,
    /// Mutations answered 409 `IDEMPOTENCY_CONFLICT` (their key's first request was running).
    pub idempotency_conflicts: u64,
}

impl BoardsStats {
    /// Requests answered 429, whatever the code.
    pub fn throttled_total(&self) -> u64 {
        self.throttled.values().sum()
    }

    /// Requests answered 429 with this code.
    pub fn throttled_with(&self, code: &str) -> u64 {
        self.throttled.get(code).copied().unwrap_or(0)
    }
}

#[derive(Debug)]
struct Inner {
    config: BoardsConfig,
    store: Store,
    budget: WindowedLimit,
    requests: WindowedLimit,
    create_board: WindowedLimit,
    stats: BoardsStats,
    closed_windows: VecDeque<u64>,
    max_closed_window: u64,
    idempotency: IdempotencyCache,
    latency: Duration,
}

impl Inner {
    fn new(config: BoardsConfig) -> Self {
        Self {
            store: Store::seeded(&config),
            budget: WindowedLimit::new(config.complexity_budget, config.complexity_window),
            requests: WindowedLimit::new(
                config.request_limit.unwrap_or(u64::MAX),
                config.request_window,
            ),
            create_board: WindowedLimit::new(
                config.create_board_limit.unwrap_or(u64::MAX),
                config.create_board_window,
            ),
            stats: BoardsStats::default(),
            closed_windows: VecDeque::new(),
            max_closed_window: 0,
            idempotency: IdempotencyCache::default(),
            latency: Duration::ZERO,
            config,
        }
    }

    fn record_throttle(&mut self, code: &str) {
        *self.stats.throttled.entry(code.to_owned()).or_default() += 1;
    }
}

/// The boards emulator's state, shared by its router and the tests that drive it.
///
/// Cloning is cheap and every clone sees the same data. Time for the limit windows comes
/// from `tokio::time`, so a test with a paused clock can move past a window.
///
/// Seeded data: users `1001` (Ada Lovelace, admin, owns the token), `1002` and `1003`
/// (members), `1004` (a guest) and `1005` (pending), emails on `example.com` (the guest's
/// on `partner.example.org`); teams `501` and `502`; workspaces `100` ("Main workspace",
/// the default) and `101` ("Help desk"); generated users and boards as configured.
#[derive(Clone, Debug)]
pub struct BoardsState {
    inner: Arc<Mutex<Inner>>,
}

impl Default for BoardsState {
    fn default() -> Self {
        Self::new(BoardsConfig::default())
    }
}

impl BoardsState {
    /// A fresh emulator with seeded data.
    pub fn new(config: BoardsConfig) -> Self {
        Self {
            inner: Arc::new(Mutex::new(Inner::new(config))),
        }
    }

    /// Every access goes through here; the data stays consistent even if a holder of
    /// the lock panicked, so a poisoned lock is used as is.
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The token clients must send as `Authorization: <token>`.
    pub fn api_token(&self) -> String {
        self.lock().config.token.clone()
    }

    /// The current settings, knobs included.
    pub fn config(&self) -> BoardsConfig {
        self.lock().config.clone()
    }

    /// Sets the complexity budget per token and the window length; open windows close.
    pub fn set_budget(&self, points: u64, window: Duration) {
        let mut inner = self.lock();
        inner.config.complexity_budget = points;
        inner.config.complexity_window = window;
        inner.budget.reconfigure(points, window);
    }

    /// Charges every query `cost` points instead of the estimate (`None`: the estimate).
    pub fn set_fixed_cost(&self, cost: Option<u64>) {
        self.lock().config.fixed_cost = cost;
    }

    /// Sets the requests allowed per token per window (`None`: unlimited).
    pub fn set_request_limit(&self, limit: Option<u64>, window: Duration) {
        let mut inner = self.lock();
        inner.config.request_limit = limit;
        inner.config.request_window = window;
        inner
            .requests
            .reconfigure(limit.unwrap_or(u64::MAX), window);
    }

    /// Sets the `create_board` calls allowed per token per window (`None`: unlimited).
    pub fn set_create_board_limit(&self, limit: Option<u64>, window: Duration) {
        let mut inner = self.lock();
        inner.config.create_board_limit = limit;
        inner.config.create_board_window = window;
        inner
            .create_board
            .reconfigure(limit.unwrap_or(u64::MAX), window);
    }

    /// Makes every request to `/v2` take this long before it is handled (default: none),
    /// so that tests can have requests in flight together.
    pub fn set_latency(&self, latency: Duration) {
        self.lock().latency = latency;
    }

    /// The latency set with [`set_latency`](Self::set_latency).
    pub(crate) fn latency(&self) -> Duration {
        self.lock().latency
    }

    /// Reads or changes the `Idempotency-Key` cache.
    pub(crate) fn idempotency<R>(&self, f: impl FnOnce(&mut IdempotencyCache) -> R) -> R {
        f(&mut self.lock().idempotency)
    }

    /// Counts a replayed answer.
    pub(crate) fn count_idempotent_replay(&self) {
        self.lock().stats.idempotent_replays += 1;
    }

    /// Counts a 409 `IDEMPOTENCY_CONFLICT`.
    pub(crate) fn count_idempotency_conflict(&self) {
        self.lock().stats.idempotency_conflicts += 1;
    }

    /// Adds `count` active members named `Sandbox User <id>` with emails
    /// `user<id>@example.com`; returns their ids.
    pub fn seed_users(&self, count: usize) -> Vec<String> {
        let ids = self.lock().store.generate_users(count);
        ids.into_iter().map(|id| id.to_string()).collect()
    }

    /// Adds `count` public boards in the main workspace, owned by the token's owner;
    /// returns their ids.
    pub fn seed_boards(&self, count: usize) -> Vec<String> {
        let ids = self.lock().store.generate_boards(count);
        ids.into_iter().map(|id| id.to_string()).collect()
    }

    /// Counters since creation or the last [`reset`](Self::reset).
    pub fn stats(&self) -> BoardsStats {
        let inner = self.lock();
        let mut stats = inner.stats.clone();
        stats.window_points = inner.closed_windows.iter().copied().collect();
        stats.window_points.extend(inner.budget.open_usage());
        stats.max_window_points = stats
            .window_points
            .iter()
            .copied()
            .chain([inner.max_closed_window])
            .max()
            .unwrap_or(0);
        stats
    }

    /// Restores the seeded data, clears counters, open windows and kept `Idempotency-Key`
    /// answers. Limits and costs set
    /// through the knobs stay as they are.
    pub fn reset(&self) {
        let mut inner = self.lock();
        inner.store = Store::seeded(&inner.config);
        inner.budget.clear();
        inner.requests.clear();
        inner.create_board.clear();
        inner.stats = BoardsStats::default();
        inner.closed_windows.clear();
        inner.max_closed_window = 0;
        inner.idempotency.clear();
    }

    /// Reads the data.
    pub(crate) fn read_store<R>(&self, read: impl FnOnce(&Store) -> R) -> R {
        read(&self.lock().store)
    }

    /// Changes the data; counts created boards.
    pub(crate) fn write_store<R>(&self, write: impl FnOnce(&mut Store) -> R) -> R {
        let mut inner = self.lock();
        let before = inner.store.board_count();
        let result = write(&mut inner.store);
        let created = inner.store.board_count().saturating_sub(before);
        inner.stats.boards_created += u64::try_from(created).unwrap_or(0);
        result
    }

    /// Counts a request that reached the endpoint.
    pub(crate) fn count_request(&self) {
        self.lock().stats.requests += 1;
    }

    /// Counts a 401.
    pub(crate) fn count_unauthenticated(&self) {
        self.lock().stats.unauthenticated += 1;
    }

    /// Counts a 429 by code.
    pub(crate) fn count_throttled(&self, code: &str) {
        self.lock().record_throttle(code);
    }

    /// Charges one request to the request limit; `Err` carries the retry delay.
    pub(crate) fn charge_request(&self, token: &str) -> Result<(), Throttle> {
        let mut inner = self.lock();
        if inner.config.request_limit.is_none() {
            return Ok(());
        }
        inner
            .requests
            .charge(token, 1, Instant::now(), |_| {})
            .map(drop)
            .map_err(|refused| Throttle::Rate {
                message: "Rate limit exceeded".to_owned(),
                retry_in: refused.retry_in,
            })
    }

    /// Charges one `create_board`; `Err` carries the retry delay in seconds.
    pub(crate) fn charge_create_board(&self, token: &str) -> Result<(), u64> {
        let mut inner = self.lock();
        if inner.config.create_board_limit.is_none() {
            return Ok(());
        }
        inner
            .create_board
            .charge(token, 1, Instant::now(), |_| {})
            .map(drop)
            .map_err(|refused| refused.retry_in)
    }

    /// Charges `cost` complexity points to the token's budget.
    pub(crate) fn charge_budget(&self, token: &str, cost: u64) -> Result<BudgetReport, Throttle> {
        let mut inner = self.lock();
        let inner = &mut *inner;
        let limit = inner.budget.capacity();
        let closed = &mut inner.closed_windows;
        let max_closed = &mut inner.max_closed_window;
        let charged = inner.budget.charge(token, cost, Instant::now(), |used| {
            if closed.len() == REMEMBERED_WINDOWS {
                closed.pop_front();
            }
            closed.push_back(used);
            *max_closed = (*max_closed).max(used);
        });
        match charged {
            Ok(charged) => {
                inner.stats.points_spent = inner.stats.points_spent.saturating_add(cost);
                Ok(BudgetReport {
                    before: charged.before,
                    after: charged.after,
                    cost,
                    reset_in: charged.reset_in,
                })
            }
            Err(refused) => Err(Throttle::Budget {
                cost,
                limit,
                retry_in: refused.retry_in,
            }),
        }
    }

    /// The settings the HTTP handler needs for one request.
    pub(crate) fn request_settings(&self) -> RequestSettings {
        let inner = self.lock();
        RequestSettings {
            token: inner.config.token.clone(),
            account_id: inner.config.account_id,
            fixed_cost: inner.config.fixed_cost,
            max_query_complexity: inner.config.max_query_complexity,
        }
    }
}

/// A snapshot of the settings one request needs.
#[derive(Debug, Clone)]
pub(crate) struct RequestSettings {
    pub(crate) token: String,
    pub(crate) account_id: u64,
    pub(crate) fixed_cost: Option<u64>,
    pub(crate) max_query_complexity: u64,
}
