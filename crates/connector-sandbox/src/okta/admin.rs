//! The Okta emulator's admin endpoints under `/__sandbox/` (no token: loopback only).
//!
//! | request | effect |
//! |---|---|
//! | `GET /__sandbox/stats` | counters ([`super::OktaStats`]) |
//! | `DELETE /__sandbox/stats` | zero the counters, close rate-limit windows |
//! | `GET /__sandbox/limits` | current limits |
//! | `POST /__sandbox/limits` | `{"buckets":{"users":100},"all":50,"windowMs":1000,"concurrency":75,"latencyMs":0,"accessTokenLifetimeSecs":3600}` (any subset) |
//! | `POST /__sandbox/reset` | empty org, no faults, zero counters |
//! | `POST /__sandbox/seed/users` | `{"count":100000,"prefix":"user","domain":"example.com","role":"Support","roleEvery":10,"activate":true}` |
//! | `POST /__sandbox/oauth/clients` | `{"clientId":"0oa1","publicKeyPem":"-----BEGIN PUBLIC KEY-----...","scopes":["okta.users.read"]}` |
//! | `GET/POST/DELETE /__sandbox/faults` | list, add (one rule or an array), clear fault rules |
//! | `POST /__sandbox/okta/users/{id}/sign-in` | records a sign-in of the user (`lastLogin`, a session; `sessions.rs`) |
//! | `POST /__sandbox/okta/users/{id}/lock-out` | locks an `ACTIVE` user out, as failed sign-ins would |

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Map, Value, json};

use super::limits::Bucket;
use super::{OktaState, UserSeed};
use crate::admin::{AdminError, admin_error, fault_routes, json_body};
use crate::util::lock;

type S = Arc<OktaState>;

/// The most users one seeding call may add.
const MAX_SEED: u64 = 2_000_000;

pub(super) fn router(state: S) -> Router {
    let faults = state.faults.clone();
    Router::new()
        .route("/__sandbox/stats", get(stats).delete(reset_stats))
        .route("/__sandbox/limits", get(limits).post(set_limits))
        .route("/__sandbox/reset", post(reset))
        .route("/__sandbox/seed/users", post(seed_users))
        .route("/__sandbox/oauth/clients", post(register_client))
        .with_state(state)
        .merge(fault_routes(faults))
}

async fn stats(State(state): State<S>) -> Response {
    Json(state.stats()).into_response()
}

async fn reset_stats(State(state): State<S>) -> Response {
    state.reset_stats();
    StatusCode::NO_CONTENT.into_response()
}

async fn reset(State(state): State<S>) -> Response {
    state.reset();
    StatusCode::NO_CONTENT.into_response()
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

fn current_limits(state: &OktaState) -> Value {
    let limiter = lock(&state.limiter);
    let buckets: Map<String, Value> = Bucket::ALL
        .into_iter()
        .map(|b| (b.name().to_owned(), json!(limiter.limit(b))))
        .collect();
    let settings = state.settings();
    json!({
        "buckets": buckets,
        "windowMs": millis(limiter.window()),
        "concurrency": state.concurrency_limit.load(std::sync::atomic::Ordering::Relaxed),
        "latencyMs": millis(settings.latency),
        "accessTokenLifetimeSecs": settings.access_token_lifetime.as_secs(),
    })
}

async fn limits(State(state): State<S>) -> Response {
    Json(current_limits(&state)).into_response()
}

fn uint(obj: &Map<String, Value>, key: &str) -> Result<Option<u64>, AdminError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_u64()
            .map(Some)
            .ok_or_else(|| AdminError::new(format!("`{key}` must be a non-negative integer"))),
    }
}

fn limit_u32(value: u64, key: &str) -> Result<u32, AdminError> {
    u32::try_from(value).map_err(|_| AdminError::new(format!("`{key}` is too large")))
}

async fn set_limits(State(state): State<S>, body: Bytes) -> Response {
    match apply_limits(&state, &body) {
        Ok(()) => Json(current_limits(&state)).into_response(),
        Err(error) => error.into_response(),
    }
}

fn apply_limits(state: &OktaState, body: &Bytes) -> Result<(), AdminError> {
    let Value::Object(obj) = json_body(body)? else {
        return Err(AdminError::new("the body must be a JSON object"));
    };
    const KEYS: [&str; 7] = [
        "buckets",
        "all",
        "windowMs",
        "windowSeconds",
        "concurrency",
        "latencyMs",
        "accessTokenLifetimeSecs",
    ];
    if let Some(key) = obj.keys().find(|k| !KEYS.contains(&k.as_str())) {
        return Err(AdminError::new(format!(
            "unknown field `{key}`; known: {}",
            KEYS.join(", ")
        )));
    }
    // Read everything before changing anything, so a bad field changes nothing.
    let mut bucket_limits = Vec::new();
    if let Some(all) = uint(&obj, "all")? {
        let all = limit_u32(all, "all")?;
        bucket_limits.extend(Bucket::ALL.map(|b| (b, all)));
    }
    match obj.get("buckets") {
        None | Some(Value::Null) => {}
        Some(Value::Object(buckets)) => {
            for (name, value) in buckets {
                let bucket: Bucket = name.parse().map_err(AdminError::new)?;
                let limit = value.as_u64().ok_or_else(|| {
                    AdminError::new(format!(
                        "the limit of `{name}` must be a non-negative integer"
                    ))
                })?;
                bucket_limits.push((bucket, limit_u32(limit, name)?));
            }
        }
        Some(_) => return Err(AdminError::new("`buckets` must be an object")),
    }
    let window = match (uint(&obj, "windowMs")?, uint(&obj, "windowSeconds")?) {
        (Some(ms), _) => Some(Duration::from_millis(ms)),
        (None, Some(s)) => Some(Duration::from_secs(s)),
        (None, None) => None,
    };
    if window.is_some_and(|w| w.is_zero()) {
        return Err(AdminError::new("the window must be longer than zero"));
    }
    let concurrency = uint(&obj, "concurrency")?;
    let latency = uint(&obj, "latencyMs")?.map(Duration::from_millis);
    let lifetime = uint(&obj, "accessTokenLifetimeSecs")?.map(Duration::from_secs);

    {
        let mut limiter = lock(&state.limiter);
        if let Some(window) = window {
            limiter.set_window(window);
        }
        for (bucket, limit) in bucket_limits {
            limiter.set_limit(bucket, limit);
        }
    }
    if let Some(c) = concurrency {
        state.set_concurrency_limit(usize::try_from(c).unwrap_or(usize::MAX));
    }
    let mut settings = lock(&state.settings);
    if let Some(latency) = latency {
        settings.latency = latency;
    }
    if let Some(lifetime) = lifetime {
        settings.access_token_lifetime = lifetime;
    }
    Ok(())
}

async fn seed_users(State(state): State<S>, body: Bytes) -> Response {
    let Ok(Value::Object(obj)) = json_body(&body) else {
        return admin_error(StatusCode::BAD_REQUEST, "the body must be a JSON object");
    };
    let count = match obj.get("count").and_then(Value::as_u64) {
        Some(n) if n <= MAX_SEED => n,
        Some(_) => {
            return admin_error(
                StatusCode::BAD_REQUEST,
                format!("`count` must be at most {MAX_SEED}"),
            );
        }
        None => {
            return admin_error(
                StatusCode::BAD_REQUEST,
                "`count` (a non-negative integer) is required",
            );
        }
    };
    // Within u32: checked against MAX_SEED above.
    let mut seed = UserSeed::new(u32::try_from(count).unwrap_or(0));
    let text = |key: &str| obj.get(key).and_then(Value::as_str).map(str::to_owned);
    if let Some(prefix) = text("prefix") {
        seed = seed.prefix(prefix);
    }
    if let Some(domain) = text("domain") {
        seed = seed.domain(domain);
    }
    if let Some(role) = text("role") {
        let every = obj.get("roleEvery").and_then(Value::as_u64).unwrap_or(1);
        seed = seed.role(role, u32::try_from(every).unwrap_or(u32::MAX));
    }
    if obj.get("activate") == Some(&Value::Bool(false)) {
        seed = seed.staged();
    }
    let valid_part =
        |s: &str| !s.is_empty() && !s.contains('@') && !s.chars().any(char::is_whitespace);
    if !valid_part(&seed.prefix) || !valid_part(&seed.domain) {
        return admin_error(
            StatusCode::BAD_REQUEST,
            "`prefix` and `domain` must be non-empty, without '@' or spaces",
        );
    }
    let seeded = state.seed(&seed);
    (StatusCode::CREATED, Json(seeded)).into_response()
}

async fn register_client(State(state): State<S>, body: Bytes) -> Response {
    let Ok(Value::Object(obj)) = json_body(&body) else {
        return admin_error(StatusCode::BAD_REQUEST, "the body must be a JSON object");
    };
    let (Some(client_id), Some(pem)) = (
        obj.get("clientId").and_then(Value::as_str),
        obj.get("publicKeyPem").and_then(Value::as_str),
    ) else {
        return admin_error(
            StatusCode::BAD_REQUEST,
            "`clientId` and `publicKeyPem` are required",
        );
    };
    let scopes: Vec<String> = match obj.get("scopes") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        Some(Value::String(s)) => s.split_whitespace().map(str::to_owned).collect(),
        Some(_) => {
            return admin_error(
                StatusCode::BAD_REQUEST,
                "`scopes` must be an array of strings",
            );
        }
    };
    match state.register_client(client_id, pem, scopes) {
        Ok(()) => (StatusCode::CREATED, Json(json!({"clientId": client_id}))).into_response(),
        Err(message) => admin_error(StatusCode::BAD_REQUEST, message),
    }
}
