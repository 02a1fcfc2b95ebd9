//! The Okta API routes and the gate every one of them passes: concurrency limit, bucket
//! rate limit, simulated latency, authentication, then the response headers Okta sends.
//!
//! Long on purpose: the users and role-assignment handlers and the gate every route passes,
//! which share the request helpers here.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};
use subtle::ConstantTimeEq;

use super::OktaState;
use super::directory::{AddError, Profile, ROLE_TYPES, RoleAssignment, Status, User};
use super::error::OktaError;
use super::limits::Bucket;
use super::search::{self, Dialect, Expr};
pub(super) use super::wire::{QueryParams, json_response, require_json};
use crate::util::{format_timestamp, lock, now_millis, random_alnum, read, write};

type S = Arc<OktaState>;

const X_OKTA_REQUEST_ID: HeaderName = HeaderName::from_static("x-okta-request-id");
const X_RATE_LIMIT_LIMIT: HeaderName = HeaderName::from_static("x-rate-limit-limit");
const X_RATE_LIMIT_REMAINING: HeaderName = HeaderName::from_static("x-rate-limit-remaining");
const X_RATE_LIMIT_RESET: HeaderName = HeaderName::from_static("x-rate-limit-reset");

/// Adds `X-Okta-Request-Id` and `Date`, as on every Okta response.
pub(super) fn with_request_id(mut response: Response) -> Response {
    let headers = response.headers_mut();
    if let Ok(id) = HeaderValue::from_str(&random_alnum(27)) {
        headers.insert(X_OKTA_REQUEST_ID, id);
    }
    if let Ok(date) = HeaderValue::from_str(&httpdate::fmt_http_date(SystemTime::now())) {
        headers.insert(header::DATE, date);
    }
    response
}

fn with_rate_headers(response: Response, limit: u32, remaining: u32, reset: u64) -> Response {
    let mut response = with_request_id(response);
    let headers = response.headers_mut();
    headers.insert(X_RATE_LIMIT_LIMIT, HeaderValue::from(limit));
    headers.insert(X_RATE_LIMIT_REMAINING, HeaderValue::from(remaining));
    headers.insert(X_RATE_LIMIT_RESET, HeaderValue::from(reset));
    response
}

/// Counts a request in flight until dropped.
struct InFlight<'a>(&'a AtomicUsize);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

pub(super) async fn gate(State(state): State<S>, req: Request, next: Next) -> Response {
    if req.uri().path().starts_with(crate::server::ADMIN_PREFIX) {
        return next.run(req).await;
    }
    let bucket = Bucket::classify(req.method(), req.uri().path());
    let now = Instant::now();
    let wall = SystemTime::now();
    let in_flight = state.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    let _in_flight = InFlight(&state.in_flight);
    if in_flight > state.concurrency_limit.load(Ordering::Relaxed) {
        state.concurrency_limited.fetch_add(1, Ordering::Relaxed);
        let reset = lock(&state.limiter).reset_estimate(bucket, now, wall);
        tracing::debug!(bucket = bucket.name(), in_flight, "concurrency limit: 429");
        return with_rate_headers(OktaError::rate_limited().into_response(), 0, 0, reset);
    }
    state.max_in_flight.fetch_max(in_flight, Ordering::Relaxed);
    let verdict = lock(&state.limiter).check(bucket, now, wall);
    if !verdict.admitted {
        tracing::debug!(bucket = bucket.name(), "rate limit: 429");
        return with_rate_headers(
            OktaError::rate_limited().into_response(),
            verdict.limit,
            0,
            verdict.reset,
        );
    }
    let latency = state.settings().latency;
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let response = if req.uri().path().starts_with("/api/") {
        match authorize(&state, req.method(), req.uri().path(), req.headers()) {
            Ok(()) => next.run(req).await,
            Err(error) => error.into_response(),
        }
    } else {
        next.run(req).await
    };
    with_rate_headers(response, verdict.limit, verdict.remaining, verdict.reset)
}

/// The scopes of which a bearer token needs one, by operation.
fn required_scopes(method: &Method, path: &str) -> &'static [&'static str] {
    let read_only = method == Method::GET || method == Method::HEAD;
    if path == "/api/v1/groups" || path.starts_with("/api/v1/groups/") {
        return if read_only {
            &["okta.groups.read", "okta.groups.manage"]
        } else {
            &["okta.groups.manage"]
        };
    }
    match Bucket::classify(method, path) {
        Bucket::Roles if read_only => &["okta.roles.read", "okta.roles.manage"],
        Bucket::Roles => &["okta.roles.manage"],
        Bucket::Users | Bucket::User if read_only => &["okta.users.read", "okta.users.manage"],
        Bucket::Users => &["okta.users.manage"],
        _ => &[],
    }
}

fn bearer_challenge(
    state: &OktaState,
    path: &str,
    scopes: &[&str],
    error: &str,
    description: &str,
) -> HeaderValue {
    let base = &state.base_url;
    let value = format!(
        "Bearer authorization_uri=\"{base}/oauth2/v1/authorize\", realm=\"{base}\", scope=\"{}\", error=\"{error}\", error_description=\"{description}\", resource=\"{path}\"",
        scopes.join(" ")
    );
    HeaderValue::from_str(&value).unwrap_or(HeaderValue::from_static("Bearer"))
}

/// The token of an `SSWS` credential, with or without the space: Okta accepts
/// `SSWS<token>` too, which its Python SDK sends.
fn ssws_credential(value: &str) -> Option<&str> {
    let scheme = value.get(..4)?;
    scheme
        .eq_ignore_ascii_case("SSWS")
        .then(|| value[4..].trim_start())
}

fn authorize(
    state: &OktaState,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
) -> Result<(), OktaError> {
    let value = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .trim();
    if let Some(credential) = ssws_credential(value) {
        return if !credential.is_empty()
            && bool::from(credential.as_bytes().ct_eq(state.api_token.as_bytes()))
        {
            Ok(())
        } else {
            Err(OktaError::invalid_token())
        };
    }
    let (scheme, credential) = value
        .split_once(' ')
        .map_or((value, ""), |(s, c)| (s, c.trim()));
    if scheme.eq_ignore_ascii_case("Bearer") {
        let needed = required_scopes(method, path);
        let oauth = lock(&state.oauth);
        let Some(token) = oauth.access_token(credential, Instant::now()) else {
            return Err(OktaError::invalid_token().header(
                header::WWW_AUTHENTICATE,
                bearer_challenge(
                    state,
                    path,
                    needed,
                    "invalid_token",
                    "The access token is invalid.",
                ),
            ));
        };
        if !needed.is_empty() && !needed.iter().any(|s| token.scopes.iter().any(|t| t == s)) {
            return Err(OktaError::forbidden().header(
                header::WWW_AUTHENTICATE,
                bearer_challenge(
                    state,
                    path,
                    needed,
                    "insufficient_scope",
                    "The access token provided does not contain the required scopes.",
                ),
            ));
        }
        return Ok(());
    }
    Err(OktaError::invalid_token())
}

pub(super) async fn not_found() -> OktaError {
    OktaError::for_status(StatusCode::NOT_FOUND)
}

pub(super) async fn method_not_allowed() -> OktaError {
    OktaError::for_status(StatusCode::METHOD_NOT_ALLOWED)
}

pub(super) fn json_object(body: &Bytes) -> Result<Map<String, Value>, OktaError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(OktaError::malformed_body()),
    }
}

pub(super) fn path_param(path: Result<Path<String>, PathRejection>) -> Result<String, OktaError> {
    path.map(|Path(p)| p)
        .map_err(|_| OktaError::not_found("(undecodable id)", "User"))
}

fn email_shaped(s: &str) -> bool {
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !s.chars().any(char::is_whitespace)
        }
        None => false,
    }
}

pub(super) fn validate_profile(
    required: &[String],
    profile: &Map<String, Value>,
) -> Result<(), OktaError> {
    let mut causes: Vec<(String, String)> = Vec::new();
    for attr in required {
        let blank = match profile.get(attr) {
            None | Some(Value::Null) => true,
            Some(Value::String(s)) => s.trim().is_empty(),
            Some(_) => false,
        };
        if blank {
            causes.push((
                attr.clone(),
                format!("{attr}: The field cannot be left blank"),
            ));
        }
    }
    match profile.get("login") {
        Some(Value::String(login)) if !login.trim().is_empty() && !email_shaped(login) => causes
            .push((
                "login".to_owned(),
                "login: Username must be in the form of an email address".to_owned(),
            )),
        Some(Value::String(_)) | None | Some(Value::Null) => {}
        Some(_) => causes.push((
            "login".to_owned(),
            "login: Does not match required pattern".to_owned(),
        )),
    }
    if let Some(Value::String(email)) = profile.get("email")
        && !email.trim().is_empty()
        && !email_shaped(email)
    {
        causes.push((
            "email".to_owned(),
            "email: Does not match required pattern".to_owned(),
        ));
    }
    let Some((field, _)) = causes.first() else {
        return Ok(());
    };
    let mut error = OktaError::new(
        StatusCode::BAD_REQUEST,
        "E0000001",
        format!("Api validation failed: {field}"),
    );
    for (_, cause) in &causes {
        error = error.cause(cause.clone());
    }
    Err(error)
}

pub(super) fn password_of(body: &Map<String, Value>) -> Result<Option<String>, OktaError> {
    let credentials = match body.get("credentials") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Object(c)) => c,
        Some(_) => return Err(OktaError::malformed_body()),
    };
    let password = match credentials.get("password") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Object(p)) => p,
        Some(_) => return Err(OktaError::malformed_body()),
    };
    match password.get("value") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(v)) => Ok(Some(v.clone())),
        Some(_) => Err(OktaError::malformed_body()),
    }
}

pub(super) async fn create_user(
    State(state): State<S>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, OktaError> {
    require_json(&headers)?;
    let query = QueryParams::parse(raw.as_deref());
    let activate = query.bool("activate", true)?;
    let body = json_object(&body)?;
    let profile = match body.get("profile") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(p)) => p.clone(),
        Some(_) => return Err(OktaError::malformed_body()),
    };
    let password = password_of(&body)?;
    validate_profile(&state.required_profile, &profile)?;
    if password.as_ref().is_some_and(|p| p.chars().count() < 8) {
        return Err(OktaError::validation(
            "password",
            "password: Password requirements were not met. Password requirements: at least 8 characters.",
        ));
    }
    let status = match (activate, password.is_some()) {
        (false, _) => Status::Staged,
        (true, true) => Status::Active,
        (true, false) => Status::Provisioned,
    };
    let mut dir = write(&state.directory);
    let index = dir
        .add(
            Profile::Stored(profile),
            status,
            password.is_some(),
            now_millis(),
        )
        .map_err(|AddError::DuplicateLogin| {
            OktaError::validation(
                "login",
                "login: An object with this field already exists in the current organization",
            )
        })?;
    let user = dir
        .get(index)
        .map(|u| u.to_json(&state.base_url, &state.user_type))
        .ok_or_else(|| OktaError::for_status(StatusCode::INTERNAL_SERVER_ERROR))?;
    drop(dir);
    let target = super::syslog::Target::user(&user);
    state.record(vec![super::syslog::LogEvent::new(
        "user.lifecycle.create",
        "Create Okta user",
        vec![target],
    )]);
    Ok(json_response(StatusCode::OK, user))
}

fn etag(user: &User) -> HeaderValue {
    let mut hasher = DefaultHasher::new();
    user.id.hash(&mut hasher);
    user.last_updated.hash(&mut hasher);
    HeaderValue::from_str(&format!("W/\"{:016x}\"", hasher.finish()))
        .unwrap_or(HeaderValue::from_static("W/\"0\""))
}

pub(super) async fn get_user(
    State(state): State<S>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, OktaError> {
    let id = path_param(path)?;
    let dir = read(&state.directory);
    let user = dir
        .find(&id)
        .and_then(|i| dir.get(i))
        .ok_or_else(|| OktaError::not_found(&id, "User"))?;
    let mut response = json_response(
        StatusCode::OK,
        user.to_json(&state.base_url, &state.user_type),
    );
    response.headers_mut().insert(header::ETAG, etag(user));
    Ok(response)
}

fn encode_cursor(user: &User) -> String {
    URL_SAFE_NO_PAD.encode(user.id.as_str())
}

fn decode_cursor(cursor: &str) -> Option<String> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor.trim_end_matches('=')).ok()?;
    String::from_utf8(bytes).ok()
}

fn parse_expr(
    query: &QueryParams,
    name: &str,
    dialect: Dialect,
) -> Result<Option<Expr>, OktaError> {
    query
        .get(name)
        .map(|expr| search::parse(expr, dialect))
        .transpose()
        .map_err(|e| OktaError::invalid_search(format!("{name}: {e}")))
}

pub(super) async fn list_users(
    State(state): State<S>,
    RawQuery(raw): RawQuery,
) -> Result<Response, OktaError> {
    let query = QueryParams::parse(raw.as_deref());
    let search = parse_expr(&query, "search", Dialect::Search)?;
    let filter = parse_expr(&query, "filter", Dialect::Filter)?;
    let q = query.get("q").map(str::to_lowercase);
    // `q` alone is a people-picker lookup: 10 by default and no pagination.
    let q_only = q.is_some() && search.is_none() && filter.is_none();
    let limit = match query.get("limit") {
        None => {
            if q_only {
                10
            } else {
                200
            }
        }
        Some(v) => v
            .trim()
            .parse::<i64>()
            .map_err(|_| OktaError::validation("limit", format!("limit: '{v}' is not a number")))?
            .clamp(1, 200),
    };
    let limit = usize::try_from(limit).unwrap_or(200);
    let dir = read(&state.directory);
    let start = match query.get("after") {
        None => 0,
        Some(cursor) => decode_cursor(cursor)
            .and_then(|id| dir.find_id(&id))
            .map(|i| i + 1)
            .ok_or_else(|| {
                OktaError::validation("after", "after: The cursor is not valid for this list")
            })?,
    };
    let user_type = state.user_type.as_str();
    let matches = |user: &User| {
        let lookup = |name: &str| user.property(name, user_type);
        search
            .as_ref()
            .is_none_or(|e| e.matches(&lookup, Dialect::Search))
            && filter
                .as_ref()
                .is_none_or(|e| e.matches(&lookup, Dialect::Filter))
            && q.as_ref().is_none_or(|q| {
                ["firstName", "lastName", "email"].iter().any(|attr| {
                    matches!(user.profile.get(attr), Some(Value::String(v)) if v.to_lowercase().starts_with(q.as_str()))
                })
            })
    };
    let mut page = Vec::new();
    let mut last: Option<&User> = None;
    let mut more = false;
    for user in dir.users().iter().skip(start) {
        if !matches(user) {
            continue;
        }
        if page.len() == limit {
            more = true;
            break;
        }
        page.push(user.to_json(&state.base_url, user_type));
        last = Some(user);
    }
    let base = format!("{}/api/v1/users", state.base_url);
    let pairs: Vec<(&str, &str)> = query
        .0
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let mut links = vec![format!(
        "<{base}{}>; rel=\"self\"",
        QueryParams::encode(&pairs)
    )];
    if let (true, false, Some(last)) = (more, q_only, last) {
        let cursor = encode_cursor(last);
        let limit = limit.to_string();
        let mut next: Vec<(&str, &str)> = vec![("after", &cursor), ("limit", &limit)];
        next.extend(pairs.iter().filter(|(k, _)| *k != "after" && *k != "limit"));
        links.push(format!(
            "<{base}{}>; rel=\"next\"",
            QueryParams::encode(&next)
        ));
    }
    drop(dir);
    let mut response = json_response(StatusCode::OK, Value::Array(page));
    for link in links {
        if let Ok(value) = HeaderValue::from_str(&link) {
            response.headers_mut().append(header::LINK, value);
        }
    }
    Ok(response)
}

fn role_json(state: &OktaState, user: &User, role: &RoleAssignment) -> Value {
    let ts = format_timestamp(role.created);
    json!({
        "id": role.id,
        "label": role.label,
        "type": role.role_type,
        "status": "ACTIVE",
        "created": ts,
        "lastUpdated": ts,
        "assignmentType": "USER",
        "_links": {"assignee": {"href": format!("{}/api/v1/users/{}", state.base_url, user.id.as_str())}},
    })
}

pub(super) async fn assign_role(
    State(state): State<S>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, OktaError> {
    let user_id = path_param(path)?;
    require_json(&headers)?;
    let body = json_object(&body)?;
    let mut dir = write(&state.directory);
    let index = dir
        .find(&user_id)
        .ok_or_else(|| OktaError::not_found(&user_id, "User"))?;
    let role_type = match body.get("type") {
        Some(Value::String(t)) => t.as_str(),
        None | Some(Value::Null) => {
            return Err(OktaError::validation(
                "type",
                "type: The field cannot be left blank",
            ));
        }
        Some(_) => return Err(OktaError::malformed_body()),
    };
    if role_type == "CUSTOM" {
        return Err(OktaError::validation(
            "type",
            "type: CUSTOM role assignments need a role and a resource set, which this sandbox does not emulate",
        ));
    }
    let Some(&(role_type, label)) = ROLE_TYPES.iter().find(|(t, _)| *t == role_type) else {
        return Err(OktaError::validation(
            "type",
            format!("type: '{role_type}' is not a valid role type"),
        ));
    };
    let user = dir
        .get_mut(index)
        .ok_or_else(|| OktaError::not_found(&user_id, "User"))?;
    if user.roles.iter().any(|r| r.role_type == role_type) {
        return Err(OktaError::new(
            StatusCode::CONFLICT,
            "E0000090",
            "The role specified is already assigned to the user.",
        ));
    }
    let role = RoleAssignment {
        id: format!("ra1{}", random_alnum(17)),
        role_type,
        label,
        created: now_millis(),
    };
    user.roles.push(role.clone());
    let body = role_json(&state, user, &role);
    Ok(json_response(StatusCode::CREATED, body))
}

pub(super) async fn list_roles(
    State(state): State<S>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, OktaError> {
    let user_id = path_param(path)?;
    let dir = read(&state.directory);
    let user = dir
        .find(&user_id)
        .and_then(|i| dir.get(i))
        .ok_or_else(|| OktaError::not_found(&user_id, "User"))?;
    let roles: Vec<Value> = user
        .roles
        .iter()
        .map(|r| role_json(&state, user, r))
        .collect();
    Ok(json_response(StatusCode::OK, Value::Array(roles)))
}

pub(super) async fn unassign_role(
    State(state): State<S>,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Response, OktaError> {
    let (user_id, assignment) = path
        .map(|Path(p)| p)
        .map_err(|_| OktaError::not_found("(undecodable id)", "User"))?;
    let mut dir = write(&state.directory);
    let user = dir
        .find(&user_id)
        .and_then(|i| dir.get_mut(i))
        .ok_or_else(|| OktaError::not_found(&user_id, "User"))?;
    let position = user
        .roles
        .iter()
        .position(|r| r.id == assignment)
        .ok_or_else(|| OktaError::not_found(&assignment, "RoleAssignment"))?;
    user.roles.remove(position);
    Ok(StatusCode::NO_CONTENT.into_response())
}

fn oauth_error(status: u16, error: &str, description: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    json_response(
        status,
        json!({"error": error, "error_description": description}),
    )
}

pub(super) async fn token(State(state): State<S>, headers: HeaderMap, body: Bytes) -> Response {
    let form_encoded = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            v.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    if !form_encoded {
        return oauth_error(
            400,
            "invalid_request",
            "The token request must be form-encoded (Content-Type: application/x-www-form-urlencoded).",
        );
    }
    let mut form = HashMap::new();
    for (k, v) in url::form_urlencoded::parse(&body).into_owned() {
        form.entry(k).or_insert(v);
    }
    let audience = format!("{}/oauth2/v1/token", state.base_url);
    let lifetime = state.settings().access_token_lifetime;
    let now_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let result = lock(&state.oauth).token(&form, &audience, lifetime, now_epoch, Instant::now());
    match result {
        Ok(issued) => {
            let mut response = json_response(
                StatusCode::OK,
                json!({
                    "token_type": "Bearer",
                    "expires_in": issued.expires_in,
                    "access_token": issued.access_token,
                    "scope": issued.scope,
                }),
            );
            let headers = response.headers_mut();
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
            response
        }
        Err(error) => oauth_error(error.status, error.error, &error.description),
    }
}
