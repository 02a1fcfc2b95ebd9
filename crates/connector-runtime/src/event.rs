//! Okta event-hook deliveries: the envelope's shape and the events in it.

use serde_json::Value;

/// One event of a delivery, as the runtime stores and runs it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Event {
    /// The de-duplication key: the event's `uuid`, or else `<delivery eventId>#<index>`.
    pub key: String,
    /// The event type, e.g. `user.lifecycle.create`.
    pub event_type: String,
    /// The id of the event's first `User` target, if any.
    pub user_id: Option<String>,
    /// The event as delivered.
    pub payload: Value,
}

impl Event {
    /// An event of `event_type` about `user_id`, keyed on `key` (tests, other intakes).
    pub fn new(
        key: impl Into<String>,
        event_type: impl Into<String>,
        user_id: Option<String>,
    ) -> Event {
        let key = key.into();
        let event_type = event_type.into();
        let payload = serde_json::json!({
            "uuid": key,
            "eventType": event_type,
            "target": user_id.iter().map(|id| serde_json::json!({"id": id, "type": "User"})).collect::<Vec<_>>(),
        });
        Event {
            key,
            event_type,
            user_id,
            payload,
        }
    }
}

/// Why a delivery was refused with 400.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Malformed {
    /// Not JSON at all.
    #[error("the body is not JSON")]
    NotJson,
    /// JSON, but not an event-hook delivery (`[]`, `{"data":{"events":"x"}}`, ...).
    #[error("the body is not an Okta event hook delivery: {0}")]
    Shape(&'static str),
}

/// Reads a delivery's events. Every element of `data.events` must be an object; one with
/// no `uuid` is keyed on the delivery's `eventId` and its index, never dropped.
///
/// ```
/// let body = br#"{"eventId":"d1","data":{"events":[
///   {"uuid":"e1","eventType":"user.lifecycle.create","target":[{"id":"00u1","type":"User"}]},
///   {"eventType":"user.lifecycle.create","target":[{"id":"00u2","type":"User"}]}]}}"#;
/// let events = connector_runtime::parse_delivery(body).unwrap();
/// assert_eq!(events[0].key, "e1");
/// assert_eq!(events[1].key, "d1#1");
/// assert_eq!(events[1].user_id.as_deref(), Some("00u2"));
/// assert!(connector_runtime::parse_delivery(b"[]").is_err());
/// ```
pub fn parse_delivery(body: &[u8]) -> Result<Vec<Event>, Malformed> {
    let body: Value = serde_json::from_slice(body).map_err(|_| Malformed::NotJson)?;
    let Value::Object(envelope) = &body else {
        return Err(Malformed::Shape("not a JSON object"));
    };
    let events = envelope
        .get("data")
        .and_then(|d| d.get("events"))
        .ok_or(Malformed::Shape("no data.events"))?
        .as_array()
        .ok_or(Malformed::Shape("data.events is not an array"))?;
    let delivery = envelope
        .get("eventId")
        .and_then(Value::as_str)
        .filter(|id| !id.is_empty());
    events
        .iter()
        .enumerate()
        .map(|(index, event)| {
            if !event.is_object() {
                return Err(Malformed::Shape(
                    "an element of data.events is not an object",
                ));
            }
            let key = match (event.get("uuid").and_then(Value::as_str), delivery) {
                (Some(uuid), _) if !uuid.is_empty() => uuid.to_owned(),
                (_, Some(delivery)) => format!("{delivery}#{index}"),
                // Neither: the event's own content is its identity (SHA-256 of its JSON text).
                (_, None) => format!("event#{}", content_hash(event.to_string().as_bytes())),
            };
            let event_type = event
                .get("eventType")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            let user_id = event
                .get("target")
                .and_then(Value::as_array)
                .and_then(|targets| {
                    targets
                        .iter()
                        .find(|t| t.get("type").and_then(Value::as_str) == Some("User"))
                })
                .and_then(|t| t.get("id"))
                .and_then(Value::as_str)
                .map(str::to_owned);
            Ok(Event {
                key,
                event_type,
                user_id,
                payload: event.clone(),
            })
        })
        .collect()
}

/// The first 16 hex digits of the SHA-256 of `bytes`: stable across Rust releases and
/// processes, as a de-duplication key must be.
fn content_hash(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_that_are_not_deliveries_are_malformed() {
        for body in [
            &b"[]"[..],
            b"null",
            b"\"x\"",
            b"{}",
            br#"{"data":{"events":"x"}}"#,
            br#"{"data":{"events":[1]}}"#,
        ] {
            assert!(
                matches!(parse_delivery(body), Err(Malformed::Shape(_))),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
        assert_eq!(parse_delivery(b"{"), Err(Malformed::NotJson));
    }

    #[test]
    fn odd_events_are_kept() {
        let events =
            parse_delivery(br#"{"data":{"events":[{"uuid":7,"target":{"id":"00u1"}}]}}"#).unwrap();
        assert!(events[0].key.starts_with("event#"), "{}", events[0].key);
        assert_eq!(events[0].user_id, None);
    }
}
