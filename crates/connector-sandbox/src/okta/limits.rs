//! Okta-style rate limits: one fixed window per bucket, opened by the first call in it.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::http::Method;
use serde::Serialize;

/// A rate-limit bucket: the family of endpoints that share one limit (longest prefix wins).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Bucket {
    /// `GET|POST /api/v1/users` (create, list, search). Okta's default: 600 per minute.
    Users,
    /// `GET /api/v1/users/{idOrLogin}`. Default: 2,000 per minute.
    User,
    /// `/api/v1/users/{id}/roles` and below, any method. Default: 1,200 per minute.
    Roles,
    /// Everything else, `/oauth2/v1/token` included. Default: 1,200 per minute.
    Other,
}

impl Bucket {
    /// Every bucket, in a fixed order.
    pub const ALL: [Bucket; 4] = [Bucket::Users, Bucket::User, Bucket::Roles, Bucket::Other];

    /// The bucket's name: `users`, `user`, `roles` or `other`.
    pub fn name(self) -> &'static str {
        match self {
            Bucket::Users => "users",
            Bucket::User => "user",
            Bucket::Roles => "roles",
            Bucket::Other => "other",
        }
    }

    /// Okta's published default limit per minute for this bucket.
    pub fn default_limit(self) -> u32 {
        match self {
            Bucket::Users => 600,
            Bucket::User => 2000,
            Bucket::Roles | Bucket::Other => 1200,
        }
    }

    /// The bucket a request falls in, by method and path (longest prefix).
    pub fn classify(method: &Method, path: &str) -> Bucket {
        let path = path.trim_end_matches('/');
        let Some(rest) = path.strip_prefix("/api/v1/users") else {
            return Bucket::Other;
        };
        if rest.is_empty() {
            return if method == Method::GET || method == Method::POST {
                Bucket::Users
            } else {
                Bucket::Other
            };
        }
        let Some(rest) = rest.strip_prefix('/') else {
            // `/api/v1/usersX`: not the users family.
            return Bucket::Other;
        };
        let mut segments = rest.split('/');
        let _id = segments.next();
        match segments.next() {
            None if method == Method::GET => Bucket::User,
            None => Bucket::Other,
            Some("roles") => Bucket::Roles,
            Some(_) => Bucket::Other,
        }
    }

    fn index(self) -> usize {
        match self {
            Bucket::Users => 0,
            Bucket::User => 1,
            Bucket::Roles => 2,
            Bucket::Other => 3,
        }
    }
}

impl fmt::Display for Bucket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Bucket {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Bucket::ALL
            .into_iter()
            .find(|b| b.name() == s)
            .ok_or_else(|| format!("unknown bucket `{s}`: use users, user, roles or other"))
    }
}

/// Counters of one bucket.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BucketStats {
    /// The bucket's current limit per window.
    pub limit: u32,
    /// Requests that reached the bucket (admitted or not).
    pub requests: u64,
    /// Requests admitted by the rate limit.
    pub admitted: u64,
    /// Requests answered 429 because the bucket was spent.
    pub rate_limited: u64,
    /// The most requests admitted within any single window.
    pub max_admitted_in_window: u32,
}

/// The verdict on one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Verdict {
    pub(crate) admitted: bool,
    pub(crate) limit: u32,
    pub(crate) remaining: u32,
    /// Epoch seconds by which the window has surely reset (rounded up).
    pub(crate) reset: u64,
}

#[derive(Debug)]
struct BucketState {
    limit: u32,
    window_start: Option<Instant>,
    count: u32,
    stats: BucketStats,
}

/// The limits of every bucket.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    window: Duration,
    buckets: [BucketState; 4],
}

/// `at + d`, or a year past `at` when that would overflow (windows are set by clients).
fn later(at: Instant, d: Duration) -> Instant {
    at.checked_add(d)
        .unwrap_or_else(|| at + Duration::from_secs(365 * 86_400))
}

/// Epoch seconds of `at`, rounded up, given that `now` is `now_wall` on the wall clock.
pub(crate) fn epoch_seconds_ceil(at: Instant, now: Instant, now_wall: SystemTime) -> u64 {
    let wall = now_wall + at.saturating_duration_since(now);
    let since = wall.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    if since.subsec_nanos() > 0 {
        secs + 1
    } else {
        secs
    }
}

impl RateLimiter {
    pub(crate) fn new(window: Duration, limits: &BTreeMap<Bucket, u32>) -> Self {
        let state = |b: Bucket| {
            let limit = limits.get(&b).copied().unwrap_or(b.default_limit());
            BucketState {
                limit,
                window_start: None,
                count: 0,
                stats: BucketStats {
                    limit,
                    ..BucketStats::default()
                },
            }
        };
        RateLimiter {
            window,
            buckets: Bucket::ALL.map(state),
        }
    }

    pub(crate) fn window(&self) -> Duration {
        self.window
    }

    pub(crate) fn limit(&self, bucket: Bucket) -> u32 {
        self.buckets[bucket.index()].limit
    }

    /// Changing a limit closes the bucket's current window, so the new limit applies at once.
    pub(crate) fn set_limit(&mut self, bucket: Bucket, limit: u32) {
        let b = &mut self.buckets[bucket.index()];
        b.limit = limit;
        b.stats.limit = limit;
        b.window_start = None;
        b.count = 0;
    }

    /// Changing the window closes every bucket's current window.
    pub(crate) fn set_window(&mut self, window: Duration) {
        self.window = window;
        for b in &mut self.buckets {
            b.window_start = None;
            b.count = 0;
        }
    }

    /// Counts one request in `bucket` at `now`.
    pub(crate) fn check(&mut self, bucket: Bucket, now: Instant, now_wall: SystemTime) -> Verdict {
        let window = self.window;
        let b = &mut self.buckets[bucket.index()];
        let expired = b
            .window_start
            .is_none_or(|start| now.saturating_duration_since(start) >= window);
        if expired {
            b.window_start = Some(now);
            b.count = 0;
        }
        let start = b.window_start.unwrap_or(now);
        let reset = epoch_seconds_ceil(later(start, window), now, now_wall);
        b.stats.requests += 1;
        if b.count < b.limit {
            b.count += 1;
            b.stats.admitted += 1;
            b.stats.max_admitted_in_window = b.stats.max_admitted_in_window.max(b.count);
            Verdict {
                admitted: true,
                limit: b.limit,
                remaining: b.limit - b.count,
                reset,
            }
        } else {
            b.stats.rate_limited += 1;
            Verdict {
                admitted: false,
                limit: b.limit,
                remaining: 0,
                reset,
            }
        }
    }

    /// When the bucket's window resets (epoch seconds, rounded up), or `now` + 1 s if no
    /// window is open.
    pub(crate) fn reset_estimate(&self, bucket: Bucket, now: Instant, now_wall: SystemTime) -> u64 {
        let b = &self.buckets[bucket.index()];
        let at = match b.window_start {
            Some(start) if now.saturating_duration_since(start) < self.window => {
                later(start, self.window)
            }
            _ => now + Duration::from_secs(1),
        };
        epoch_seconds_ceil(at, now, now_wall)
    }

    pub(crate) fn stats(&self) -> BTreeMap<String, BucketStats> {
        Bucket::ALL
            .into_iter()
            .map(|b| (b.name().to_owned(), self.buckets[b.index()].stats.clone()))
            .collect()
    }

    /// Clears counters and open windows, keeping limits and the window length.
    pub(crate) fn reset(&mut self) {
        for b in &mut self.buckets {
            b.window_start = None;
            b.count = 0;
            b.stats = BucketStats {
                limit: b.limit,
                ..BucketStats::default()
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_by_longest_prefix() {
        let get = Method::GET;
        assert_eq!(Bucket::classify(&get, "/api/v1/users"), Bucket::Users);
        assert_eq!(
            Bucket::classify(&Method::POST, "/api/v1/users"),
            Bucket::Users
        );
        assert_eq!(Bucket::classify(&get, "/api/v1/users/00u1"), Bucket::User);
        assert_eq!(
            Bucket::classify(&Method::POST, "/api/v1/users/00u1"),
            Bucket::Other
        );
        assert_eq!(
            Bucket::classify(&get, "/api/v1/users/00u1/roles"),
            Bucket::Roles
        );
        assert_eq!(
            Bucket::classify(&Method::DELETE, "/api/v1/users/00u1/roles/ra1"),
            Bucket::Roles
        );
        assert_eq!(Bucket::classify(&get, "/api/v1/groups"), Bucket::Other);
        assert_eq!(Bucket::classify(&get, "/api/v1/usersx"), Bucket::Other);
        assert_eq!(
            Bucket::classify(&Method::POST, "/oauth2/v1/token"),
            Bucket::Other
        );
    }

    #[test]
    fn window_opens_at_first_call_and_resets_after_its_length() {
        let mut limiter = RateLimiter::new(
            Duration::from_secs(60),
            &BTreeMap::from([(Bucket::Users, 2)]),
        );
        let t0 = Instant::now();
        // A wall clock 0.5 s into a second, so the reset rounds up to a whole second.
        let wall = UNIX_EPOCH + Duration::from_millis(1_000_500);
        let first = limiter.check(Bucket::Users, t0, wall);
        assert_eq!(
            (first.admitted, first.limit, first.remaining, first.reset),
            (true, 2, 1, 1061)
        );
        let later = t0 + Duration::from_secs(10);
        let wall_later = wall + Duration::from_secs(10);
        assert!(limiter.check(Bucket::Users, later, wall_later).admitted);
        let over = limiter.check(Bucket::Users, later, wall_later);
        assert_eq!(
            (over.admitted, over.remaining, over.reset),
            (false, 0, 1061)
        );
        // Other buckets are independent.
        assert!(limiter.check(Bucket::User, later, wall_later).admitted);
        let next = limiter.check(
            Bucket::Users,
            t0 + Duration::from_secs(60),
            wall + Duration::from_secs(60),
        );
        assert!(next.admitted);
        assert_eq!(next.reset, 1121);
        let stats = &limiter.stats()["users"];
        assert_eq!(
            (
                stats.requests,
                stats.admitted,
                stats.rate_limited,
                stats.max_admitted_in_window
            ),
            (4, 3, 1, 2)
        );
    }

    #[test]
    fn reset_rounds_up_only_fractions() {
        let now = Instant::now();
        assert_eq!(
            epoch_seconds_ceil(
                now + Duration::from_secs(5),
                now,
                UNIX_EPOCH + Duration::from_secs(100)
            ),
            105
        );
        assert_eq!(
            epoch_seconds_ceil(
                now + Duration::from_millis(1),
                now,
                UNIX_EPOCH + Duration::from_secs(100)
            ),
            101
        );
    }
}
