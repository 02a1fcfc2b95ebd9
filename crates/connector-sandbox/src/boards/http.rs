//! `POST /v2`: the token check, limits, `API-Version`, the complexity estimate, the
//! GraphQL engine, and the service's response shapes.
//!
//! Order of checks: token (401) → request limit (429) → body (413/400) → `API-Version`
//! (200 `InvalidVersionException`) → parse (200 `Parse error on ...`) → estimate (200
//! `maxComplexityExceeded` and friends) → validation (200, uncharged) → budget (429) →
//! execution (200, possibly with `errors[]`).

use std::sync::{Arc, Mutex, PoisonError};

use async_graphql::parser::{Pos, parse_query};
use async_graphql::{ServerError, Value as GqlValue};
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::header::{AUTHORIZATION, RETRY_AFTER};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::context::{RequestCtx, Slot, Throttle};
use super::cost::{self, MAX_DEPTH, MAX_FIELDS, Refusal};
use super::schema::BoardsSchema;
use super::state::BoardsState;
use super::version;

#[derive(Clone)]
pub(super) struct App {
    pub(super) state: BoardsState,
    pub(super) schema: BoardsSchema,
}

/// A random request id in the UUID layout.
fn request_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Builds a JSON answer with `extensions.request_id` (and `account_id` when known).
fn answer(
    status: StatusCode,
    mut body: Map<String, Value>,
    account_id: Option<u64>,
    request_id: &str,
) -> Response {
    if let Some(account_id) = account_id {
        body.insert("account_id".to_owned(), json!(account_id));
    }
    let extensions = body
        .entry("extensions")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Value::Object(extensions) = extensions {
        extensions.insert("request_id".to_owned(), json!(request_id));
    }
    (status, axum::Json(Value::Object(body))).into_response()
}

/// An answer made of one error.
fn error_answer(
    status: StatusCode,
    error: Value,
    account_id: Option<u64>,
    request_id: &str,
) -> Response {
    let mut body = Map::new();
    body.insert("errors".to_owned(), json!([error]));
    answer(status, body, account_id, request_id)
}

/// The 429 answer for a refusal, with `Retry-After`.
fn throttled(throttle: &Throttle, account_id: u64, request_id: &str) -> Response {
    let error = match throttle {
        Throttle::Budget {
            cost,
            limit,
            retry_in,
        } => json!({
            "message": "Complexity budget exhausted",
            "extensions": {
                "code": throttle.code(),
                "complexity": cost,
                "complexity_budget_limit": limit,
                "retry_in_seconds": retry_in,
                "status_code": 429,
            },
        }),
        Throttle::Rate { message, retry_in } => json!({
            "message": message,
            "extensions": {
                "code": throttle.code(),
                "retry_in_seconds": retry_in,
                "status_code": 429,
            },
        }),
    };
    let mut response = error_answer(
        StatusCode::TOO_MANY_REQUESTS,
        error,
        Some(account_id),
        request_id,
    );
    response
        .headers_mut()
        .insert(RETRY_AFTER, HeaderValue::from(throttle.retry_in()));
    response
}

/// The text at a parse error's position, for `Parse error on "<token>" at [l, c]`.
fn token_at(query: &str, pos: Pos) -> String {
    let rest: Option<String> = query
        .split('\n')
        .nth(pos.line.saturating_sub(1))
        .map(|line| line.chars().skip(pos.column.saturating_sub(1)).collect());
    let rest = rest.unwrap_or_default();
    let rest = rest.trim_end();
    let Some(first) = rest.chars().next() else {
        return "end of file".to_owned();
    };
    let token: String = if first.is_alphanumeric() || first == '_' {
        rest.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .take(40)
            .collect()
    } else if rest.starts_with("...") {
        "...".to_owned()
    } else {
        first.to_string()
    };
    format!("\"{}\"", token.replace('"', "\\\""))
}

/// The service's answer to a document that does not parse.
fn parse_error(query: &str, error: &async_graphql::parser::Error) -> Value {
    let positions: Vec<Pos> = error.positions().collect();
    let message = match (error, positions.first()) {
        (async_graphql::parser::Error::Syntax { start, .. }, _) => format!(
            "Parse error on {} at [{}, {}]",
            token_at(query, *start),
            start.line,
            start.column
        ),
        (_, Some(pos)) => format!("Parse error on {error} at [{}, {}]", pos.line, pos.column),
        (_, None) => format!("Parse error on {error}"),
    };
    let locations: Vec<Value> = positions
        .iter()
        .take(1)
        .map(|pos| json!({ "line": pos.line, "column": pos.column }))
        .collect();
    json!({
        "message": message,
        "locations": locations,
        "extensions": { "code": message },
    })
}

/// The answer to a document refused before validation.
fn refusal_error(refusal: &Refusal) -> Value {
    match refusal {
        Refusal::FragmentCycle(name) => json!({
            "message": format!("Fragment {name} contains an infinite loop"),
            "extensions": { "code": "infiniteLoop", "status_code": 200 },
        }),
        Refusal::TooDeep => json!({
            "message": format!("Query is nested too deep: at most {MAX_DEPTH} levels are allowed"),
            "extensions": { "code": "maxDepthExceeded", "status_code": 200 },
        }),
        Refusal::TooManyFields => json!({
            "message": format!("Query selects more than {MAX_FIELDS} fields once fragments are expanded"),
            "extensions": { "code": "maxComplexityExceeded", "status_code": 200 },
        }),
    }
}

/// An engine error in the service's shape: every error gets an `extensions.code`.
fn engine_error(error: &ServerError) -> Value {
    let mut value = serde_json::to_value(error).unwrap_or_else(|_| json!({}));
    let Value::Object(object) = &mut value else {
        return json!({ "message": error.message });
    };
    object
        .entry("message")
        .or_insert_with(|| json!(error.message));
    let default_code = if error.path.is_empty() {
        "GRAPHQL_VALIDATION_FAILED"
    } else {
        "InvalidArgumentException"
    };
    let extensions = object
        .entry("extensions")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Value::Object(extensions) = extensions {
        extensions
            .entry("code")
            .or_insert_with(|| json!(default_code));
    }
    value
}

/// The GraphQL endpoint itself, behind [`idempotency::handle`].
pub(super) async fn graphql(
    State(app): State<App>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let request_id = request_id();
    let state = &app.state;
    state.count_request();
    let settings = state.request_settings();

    let token = headers
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .map(str::trim);
    let token = match token {
        Some(token) if !token.is_empty() && token == settings.token => token.to_owned(),
        _ => {
            state.count_unauthenticated();
            let error = json!({
                "message": "Not Authenticated",
                "extensions": { "code": "UNAUTHENTICATED", "status_code": 401 },
            });
            return error_answer(StatusCode::UNAUTHORIZED, error, None, &request_id);
        }
    };
    let account_id = Some(settings.account_id);

    if let Err(throttle) = state.charge_request(&token) {
        state.count_throttled(throttle.code());
        return throttled(&throttle, settings.account_id, &request_id);
    }

    let body = match body {
        Ok(body) => body,
        Err(rejection) => {
            let status = rejection.status();
            let error = json!({
                "message": rejection.body_text(),
                "extensions": { "code": "BadRequest", "status_code": status.as_u16() },
            });
            return error_answer(status, error, account_id, &request_id);
        }
    };
    let request: async_graphql::Request = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(err) => {
            let error = json!({
                "message": format!("the body must be a JSON object with a \"query\" string: {err}"),
                "extensions": { "code": "JsonParseException", "status_code": 400 },
            });
            return error_answer(StatusCode::BAD_REQUEST, error, account_id, &request_id);
        }
    };

    let asked_version = headers.get("api-version").map(HeaderValue::to_str);
    let served = match asked_version {
        None => version::resolve(None),
        Some(Ok(text)) => version::resolve(Some(text)),
        Some(Err(_)) => Err(()),
    };
    let Ok(served) = served else {
        let shown = headers
            .get("api-version")
            .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
            .unwrap_or_default();
        let error = json!({
            "message": format!("Invalid API version '{shown}': use YYYY-MM, such as {}", version::CURRENT_VERSION),
            "extensions": {
                "code": "InvalidVersionException",
                "error_data": { "version": shown },
                "status_code": 200,
            },
        });
        return error_answer(StatusCode::OK, error, account_id, &request_id);
    };

    let document = match parse_query(&request.query) {
        Ok(document) => document,
        Err(error) => {
            let error = parse_error(&request.query, &error);
            return error_answer(StatusCode::OK, error, account_id, &request_id);
        }
    };
    let estimate = match cost::estimate(
        &document,
        request.operation_name.as_deref(),
        &request.variables,
    ) {
        Ok(estimate) => estimate,
        Err(refusal) => {
            return error_answer(
                StatusCode::OK,
                refusal_error(&refusal),
                account_id,
                &request_id,
            );
        }
    };
    if settings.fixed_cost.is_none() && estimate.cost > settings.max_query_complexity {
        let error = json!({
            "message": format!(
                "Query has complexity of {}, which exceeds max complexity of {}",
                estimate.cost, settings.max_query_complexity
            ),
            "extensions": {
                "code": "maxComplexityExceeded",
                "complexity": estimate.cost,
                "maxComplexity": settings.max_query_complexity,
                "status_code": 200,
            },
        });
        return error_answer(StatusCode::OK, error, account_id, &request_id);
    }

    let slot = Arc::new(Mutex::new(Slot {
        cost: settings.fixed_cost.unwrap_or(estimate.cost),
        ..Slot::default()
    }));
    let mut request = request.data(RequestCtx {
        state: state.clone(),
        token,
        account_id: settings.account_id,
        version: served,
        slot: slot.clone(),
    });
    request.set_parsed_query(document);
    let response = app.schema.execute(request).await;

    let (throttle, executed) = {
        let slot = slot.lock().unwrap_or_else(PoisonError::into_inner);
        (slot.throttled.clone(), slot.executed)
    };
    if let Some(throttle) = throttle {
        state.count_throttled(throttle.code());
        return throttled(&throttle, settings.account_id, &request_id);
    }

    let mut body = Map::new();
    if executed {
        let data = match response.data {
            GqlValue::Null => Value::Null,
            data => data.into_json().unwrap_or(Value::Null),
        };
        body.insert("data".to_owned(), data);
    }
    if !response.errors.is_empty() {
        let errors: Vec<Value> = response.errors.iter().map(engine_error).collect();
        body.insert("errors".to_owned(), Value::Array(errors));
    }
    answer(StatusCode::OK, body, account_id, &request_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_errors_name_the_token_and_position() {
        let query = "query { boards { id }";
        let Err(error) = parse_query(query) else {
            panic!("the document is malformed");
        };
        let value = parse_error(query, &error);
        let message = value["message"].as_str().unwrap_or_default();
        assert!(message.starts_with("Parse error on "), "{message}");
        assert_eq!(value["extensions"]["code"], value["message"]);
    }

    #[test]
    fn request_ids_look_like_uuids() {
        let id = request_id();
        assert_eq!(id.len(), 36);
        assert_ne!(id, request_id());
    }
}
