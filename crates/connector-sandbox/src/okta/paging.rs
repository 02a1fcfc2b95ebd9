//! `Link` pagination as Okta serves it for groups, members and applications: a page size
//! from `limit`, an opaque `after` cursor (the last item's id), and `self` and `next` links.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

use super::error::OktaError;
use super::routes::{QueryParams, json_response};

pub(crate) fn page_size(query: &QueryParams, max: usize) -> Result<usize, OktaError> {
    match query.get("limit") {
        None => Ok(max),
        Some(v) => v
            .trim()
            .parse::<i64>()
            .map(|n| usize::try_from(n.clamp(1, max as i64)).unwrap_or(max))
            .map_err(|_| OktaError::validation("limit", format!("limit: '{v}' is not a number"))),
    }
}

/// Answers one page with `Link` headers: `self`, and `next` (cursor `after`) when more follow.
pub(crate) fn paged(
    base: String,
    query: &QueryParams,
    page: Vec<Value>,
    next_after: Option<String>,
    limit: usize,
) -> Response {
    let pairs: Vec<(&str, &str)> = query
        .0
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let mut links = vec![format!(
        "<{base}{}>; rel=\"self\"",
        QueryParams::encode(&pairs)
    )];
    if let Some(cursor) = next_after {
        let limit = limit.to_string();
        let mut next: Vec<(&str, &str)> = vec![("after", &cursor), ("limit", &limit)];
        next.extend(pairs.iter().filter(|(k, _)| *k != "after" && *k != "limit"));
        links.push(format!(
            "<{base}{}>; rel=\"next\"",
            QueryParams::encode(&next)
        ));
    }
    let mut response = json_response(StatusCode::OK, Value::Array(page));
    for link in links {
        if let Ok(value) = HeaderValue::from_str(&link) {
            response.headers_mut().append(header::LINK, value);
        }
    }
    response
}

pub(crate) fn cursor_of(id: &str) -> String {
    URL_SAFE_NO_PAD.encode(id)
}

pub(crate) fn id_of_cursor(cursor: &str) -> Result<String, OktaError> {
    URL_SAFE_NO_PAD
        .decode(cursor.trim_end_matches('='))
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| {
            OktaError::validation("after", "after: The cursor is not valid for this list")
        })
}
