//! Idempotent mutations: every mutation carries an `Idempotency-Key`, one per call and the
//! same on each of its retries, so that the pipeline may repeat it after a lost answer.
//!
//! The service runs the first request with a key and keeps its answer for 30 minutes: a
//! retry with the same key gets that answer again (`Idempotency-Replayed: true`) without a
//! second effect, and a duplicate arriving while the first still runs gets 409
//! `IDEMPOTENCY_CONFLICT` with `Retry-After`, which is retried after that wait.

use connector_core::pipeline::{AttemptContext, standard_retry_after};
use connector_core::retry::{RetryReason, Verdict};
use connector_core::{HeaderName, HeaderValue, Request};

use crate::profile::envelope;

/// The header that carries the key.
pub(crate) const IDEMPOTENCY_KEY: &str = "idempotency-key";
/// The header the service sets on an answer replayed from its cache.
pub(crate) const IDEMPOTENCY_REPLAYED: &str = "idempotency-replayed";
/// The code of the 409 answered to a duplicate while the first request still runs.
pub(crate) const CONFLICT_CODE: &str = "IDEMPOTENCY_CONFLICT";

/// A fresh key: a random (version 4) UUID, 122 bits from the operating system's generator.
pub(crate) fn new_key() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Marks a mutation's request: a fresh key unless the request already holds one, and safe
/// to repeat within this call (the key makes a repeat harmless) while still a write, so a
/// call that ends without an answer says its outcome is unknown.
pub(crate) fn keyed(mut request: Request) -> Request {
    let name = HeaderName::from_static(IDEMPOTENCY_KEY);
    if !request.headers().contains_key(&name) {
        // A UUID is always a valid header value.
        if let Ok(value) = HeaderValue::from_str(&new_key()) {
            request.headers_mut().insert(name, value);
        }
    }
    request.repeatable(true).changes_state()
}

/// True when a GraphQL document holds a mutation: the word `mutation` at the top level
/// (outside selection sets, strings and comments), where an operation's type is named.
pub(crate) fn is_mutation_document(document: &str) -> bool {
    let mut depth: u32 = 0;
    let mut chars = document.char_indices().peekable();
    let mut word = String::new();
    let mut found = false;
    let mut end_word = |word: &mut String, depth: u32| {
        if depth == 0 && word == "mutation" {
            found = true;
        }
        word.clear();
    };
    while let Some((at, c)) = chars.next() {
        match c {
            '#' => {
                end_word(&mut word, depth);
                for (_, c) in chars.by_ref() {
                    if c == '\n' || c == '\r' {
                        break;
                    }
                }
            }
            '"' => {
                end_word(&mut word, depth);
                if document[at..].starts_with("\"\"\"") {
                    // A block string: skip past the closing triple quote.
                    let rest = &document[at + 3..];
                    let close = rest.find("\"\"\"").map_or(rest.len(), |i| i + 3);
                    while chars.peek().is_some_and(|(i, _)| *i < at + 3 + close) {
                        chars.next();
                    }
                } else {
                    let mut escaped = false;
                    for (_, c) in chars.by_ref() {
                        match c {
                            _ if escaped => escaped = false,
                            '\\' => escaped = true,
                            '"' | '\n' => break,
                            _ => {}
                        }
                    }
                }
            }
            '{' => {
                end_word(&mut word, depth);
                depth = depth.saturating_add(1);
            }
            '}' => {
                end_word(&mut word, depth);
                depth = depth.saturating_sub(1);
            }
            c if c.is_alphanumeric() || c == '_' || c == '$' => word.push(c),
            _ => end_word(&mut word, depth),
        }
    }
    end_word(&mut word, depth);
    found
}

/// True when a request's body is a GraphQL request (`{"query": ...}`) for a mutation.
pub(crate) fn is_mutation_request(request: &Request) -> bool {
    request
        .body_bytes()
        .and_then(|body| serde_json::from_slice::<serde_json::Value>(body).ok())
        .and_then(|body| {
            body.get("query")
                .and_then(|q| q.as_str())
                .map(is_mutation_document)
        })
        .unwrap_or(false)
}

/// A 409 `IDEMPOTENCY_CONFLICT`: the first request with this key is still running; retried
/// after its `Retry-After`, within the retry policy's count and window.
pub(crate) fn retry_conflicts(context: &AttemptContext<'_>) -> Option<Verdict> {
    let response = context.response().filter(|r| r.status() == 409)?;
    let envelope = envelope(context);
    let busy = envelope
        .errors
        .iter()
        .any(|e| e.code.as_deref() == Some(CONFLICT_CODE));
    busy.then(|| {
        Verdict::retry_after(
            RetryReason::Status(409),
            standard_retry_after(response, context.now()),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_version_4_uuids_and_differ() {
        let a = new_key();
        assert_eq!(a.len(), 36, "{a}");
        assert_eq!(a.as_bytes()[14], b'4', "{a}");
        assert!(matches!(a.as_bytes()[19], b'8' | b'9' | b'a' | b'b'), "{a}");
        assert!(a.chars().all(|c| c == '-' || c.is_ascii_hexdigit()), "{a}");
        assert_ne!(a, new_key());
    }

    #[test]
    fn mutations_are_found_at_the_top_level_only() {
        for mutation in [
            "mutation { create_board(board_name: \"x\", board_kind: public) { id } }",
            "  mutation CreateBoard($name: String!) { create_board(board_name: $name) { id } }",
            "# create\nmutation{archive_board(board_id: 1){id}}",
            "query A { me { id } }\nmutation B { delete_board(board_id: 1) { id } }",
        ] {
            assert!(is_mutation_document(mutation), "{mutation}");
        }
        for query in [
            "query { boards { id } }",
            "{ me { id name } }",
            "query { boards(name: \"mutation\") { mutation: id } }",
            "# mutation\nquery { me { id } }",
            "query ($mutation: ID) { boards(ids: [$mutation]) { id } }",
            "query { items(text: \"\"\"a \" mutation\"\"\") { id } }",
            "",
        ] {
            assert!(!is_mutation_document(query), "{query}");
        }
    }
}
