//! Sample values from a document: its examples where it gives them, otherwise values
//! built from the schemas. The generated tests send and answer these.

use serde_json::{Map, Value, json};

use super::document::{Document, Param};

/// How deep objects are filled in.
const DEPTH: usize = 4;

/// A value for a parameter: its example, the schema's example, first enum value, default,
/// or one built from the type. String path parameters without an example get a space, so
/// that the test shows the escaping.
pub(crate) fn param(doc: &Document, p: &Param, in_path: bool) -> Value {
    let schema = doc.resolve(&p.schema);
    // Some documents give a string parameter a numeric example (Okta's `after` cursors).
    let fit = |v: Value| match (&v, schema.get("type").and_then(Value::as_str)) {
        (Value::Number(n), Some("string")) => Value::String(n.to_string()),
        _ => v,
    };
    if let Some(example) = &p.example {
        return fit(example.clone());
    }
    for key in ["example", "default"] {
        if let Some(v) = schema.get(key) {
            return fit(v.clone());
        }
    }
    if let Some(first) = schema
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|e| e.first())
    {
        return first.clone();
    }
    if in_path && schema.get("type").and_then(Value::as_str) == Some("string") {
        return Value::String(format!("{} 1", p.name));
    }
    value(doc, &p.schema, 0, Direction::Request)
}

/// Whether a value is sent (read-only properties left out) or answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    /// A request body.
    Request,
    /// An answer.
    Answer,
}

/// A value that fits `schema`.
pub(crate) fn value(doc: &Document, schema: &Value, depth: usize, direction: Direction) -> Value {
    let schema = doc.resolve(schema);
    if let Some(example) = schema.get("example") {
        return example.clone();
    }
    if let Some(first) = schema
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|e| e.first())
    {
        return first.clone();
    }
    if let Some(default) = schema.get("default") {
        return default.clone();
    }
    if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
        let mut merged = Map::new();
        for part in parts {
            if let Value::Object(fields) = value(doc, part, depth, direction) {
                merged.extend(fields);
            }
        }
        return Value::Object(merged);
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(first) = schema
            .get(key)
            .and_then(Value::as_array)
            .and_then(|v| v.first())
        {
            return value(doc, first, depth, direction);
        }
    }
    let kind = schema
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_else(|| {
            if schema.get("properties").is_some() {
                "object"
            } else {
                ""
            }
        });
    match kind {
        "object" => {
            let mut out = Map::new();
            if depth >= DEPTH {
                return Value::Object(out);
            }
            if let Some(props) = schema.get("properties").and_then(Value::as_object) {
                for (name, prop) in props {
                    let read_only = doc.resolve(prop).get("readOnly") == Some(&Value::Bool(true))
                        || prop.get("readOnly") == Some(&Value::Bool(true));
                    if read_only && direction == Direction::Request {
                        continue;
                    }
                    out.insert(name.clone(), value(doc, prop, depth + 1, direction));
                }
            }
            Value::Object(out)
        }
        "array" => match schema.get("items") {
            Some(items) if depth < DEPTH => json!([value(doc, items, depth + 1, direction)]),
            _ => json!([]),
        },
        "string" => match schema.get("format").and_then(Value::as_str) {
            Some("date-time") => json!("2026-01-01T00:00:00.000Z"),
            Some("date") => json!("2026-01-01"),
            Some("email") => json!("user@example.com"),
            Some("uri") => json!("https://example.com/"),
            _ => json!("sample"),
        },
        "integer" => {
            let min = schema.get("minimum").and_then(Value::as_i64).unwrap_or(1);
            json!(min.max(1))
        }
        "number" => json!(1.5),
        "boolean" => json!(true),
        _ => json!({}),
    }
}

/// `value` (a document's example) with the numbers its schema types as strings written as
/// strings: some documents' examples disagree with their own schemas (Okta's System Log
/// example gives `postalCode: 10013`), and the generated types follow the schema.
pub(crate) fn fit(doc: &Document, schema: &Value, value: Value, depth: usize) -> Value {
    if depth > 32 {
        return value;
    }
    let schema = doc.resolve(schema);
    if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
        return parts
            .iter()
            .fold(value, |v, part| fit(doc, part, v, depth + 1));
    }
    match value {
        Value::Number(n) if schema.get("type").and_then(Value::as_str) == Some("string") => {
            Value::String(n.to_string())
        }
        Value::Object(mut fields) => {
            if let Some(props) = schema.get("properties").and_then(Value::as_object) {
                for (name, prop) in props {
                    if let Some(v) = fields.remove(name) {
                        fields.insert(name.clone(), fit(doc, prop, v, depth + 1));
                    }
                }
            }
            Value::Object(fields)
        }
        Value::Array(items) => match schema.get("items") {
            Some(item) => Value::Array(
                items
                    .into_iter()
                    .map(|v| fit(doc, item, v, depth + 1))
                    .collect(),
            ),
            None => Value::Array(items),
        },
        other => other,
    }
}

/// The text a query or header parameter's value is sent as (what `to_string` writes).
pub(crate) fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
