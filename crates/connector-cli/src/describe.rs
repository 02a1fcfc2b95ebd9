//! What `connector describe` shows a person: the inputs of an action as rows (name, type,
//! required, default, description) and an example input made from the action's input
//! schema that `connector run` accepts as it is.
//!
//! ```
//! use serde_json::json;
//!
//! let schema = json!({
//!     "type": "object",
//!     "properties": {"id": {"type": "string", "description": "The user's id."}},
//!     "required": ["id"],
//! });
//! assert_eq!(connector_cli::describe::example_input(&schema), json!({"id": "123"}));
//! let rows = connector_cli::describe::input_rows(&schema);
//! assert_eq!((rows[0].name.as_str(), rows[0].required), ("id", true));
//! ```

use serde_json::{Map, Value, json};

/// One input of an action, as the inputs table shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct InputRow {
    /// The dotted name (`profile.login` for a field of an object input).
    pub name: String,
    /// The JSON type(s): `string`, `integer`, `object`, `string | null`, ...
    pub type_name: String,
    /// Whether the input must be given (in its object, when the object is given).
    pub required: bool,
    /// The default, as JSON text, when the schema states one that is not null.
    pub default: Option<String>,
    /// The first line of the description.
    pub description: String,
}

/// The inputs of an action: its top-level properties, and one level into objects.
pub fn input_rows(schema: &Value) -> Vec<InputRow> {
    let mut rows = Vec::new();
    collect_rows(schema, schema, "", 2, &mut rows);
    rows
}

fn collect_rows(root: &Value, schema: &Value, prefix: &str, depth: usize, out: &mut Vec<InputRow>) {
    let schema = resolve(root, schema);
    let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
        return;
    };
    let required = required_of(schema);
    for (name, property) in properties {
        let full = format!("{prefix}{name}");
        let resolved = resolve(root, property);
        let description = property
            .get("description")
            .or_else(|| resolved.get("description"))
            .and_then(Value::as_str)
            .map(first_sentence)
            .unwrap_or_default();
        let default = property
            .get("default")
            .filter(|d| !d.is_null())
            .map(Value::to_string);
        out.push(InputRow {
            name: full.clone(),
            type_name: type_name(resolved),
            required: required.contains(&name.as_str()),
            default,
            description,
        });
        if depth > 1 {
            collect_rows(root, resolved, &format!("{full}."), depth - 1, out);
        }
    }
}

/// The first sentence of a description, its line breaks made spaces.
pub fn first_sentence(text: &str) -> String {
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match joined.find(". ") {
        Some(end) => joined[..=end].to_owned(),
        None => joined,
    }
}

/// Text broken into lines no longer than `width` (a longer word keeps its own line).
pub fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            out.push_str(&line);
            out.push('\n');
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    out.push_str(&line);
    out
}

/// An input that the schema accepts: every required property, with a value of its type
/// (the schema's own example, default or first allowed value when it has one).
pub fn example_input(schema: &Value) -> Value {
    example(schema, schema, "", 0)
}

fn example(root: &Value, schema: &Value, name: &str, depth: usize) -> Value {
    let schema = resolve(root, schema);
    if let Some(first) = schema
        .get("examples")
        .and_then(Value::as_array)
        .and_then(|e| e.first())
    {
        return first.clone();
    }
    if let Some(first) = schema
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|e| e.first())
    {
        return first.clone();
    }
    if let Some(constant) = schema.get("const") {
        return constant.clone();
    }
    if let Some(default) = schema.get("default").filter(|d| !d.is_null()) {
        return default.clone();
    }
    if let Some(first) = ["oneOf", "anyOf"]
        .iter()
        .filter_map(|k| schema.get(*k).and_then(Value::as_array))
        .flatten()
        .find(|s| s.get("type") != Some(&json!("null")))
    {
        return example(root, first, name, depth);
    }
    match first_type(schema).as_str() {
        "object" if depth < 6 => {
            let mut object = Map::new();
            let properties = schema.get("properties").and_then(Value::as_object);
            for key in required_of(schema) {
                let property = properties.and_then(|p| p.get(key)).unwrap_or(&Value::Null);
                object.insert(key.to_owned(), example(root, property, key, depth + 1));
            }
            Value::Object(object)
        }
        // One item shows its shape (and a required list is seldom taken empty).
        "array" => match schema.get("items") {
            Some(items) => json!([example(root, items, name, depth + 1)]),
            None => json!([]),
        },
        "integer" => json!(
            schema
                .get("minimum")
                .and_then(Value::as_i64)
                .unwrap_or(1)
                .max(1)
        ),
        "number" => json!(1),
        "boolean" => json!(false),
        "string" => Value::String(example_text(schema, name)),
        _ => Value::Null,
    }
}

/// A string that reads like the field it fills.
fn example_text(schema: &Value, name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    match schema.get("format").and_then(Value::as_str) {
        Some("email") => return "ada@example.com".to_owned(),
        Some("date-time") => return "2026-12-01T00:00:00Z".to_owned(),
        Some("uri") => return "https://example.com/".to_owned(),
        _ => {}
    }
    if lower.contains("email") || lower == "login" {
        "ada@example.com".to_owned()
    } else if lower.ends_with("id") || lower.ends_with("ids") {
        // An item of a list of ids (`userIds`) is an id too.
        "123".to_owned()
    } else if lower.contains("url") {
        "/".to_owned()
    } else {
        "example".to_owned()
    }
}

fn resolve<'a>(root: &'a Value, schema: &'a Value) -> &'a Value {
    let mut at = schema;
    for _ in 0..16 {
        let Some(target) = at.get("$ref").and_then(Value::as_str) else {
            return at;
        };
        let Some(pointer) = target.strip_prefix('#') else {
            return at;
        };
        match root.pointer(pointer) {
            Some(found) => at = found,
            None => return at,
        }
    }
    at
}

fn required_of(schema: &Value) -> Vec<&str> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

fn first_type(schema: &Value) -> String {
    match schema.get("type") {
        Some(Value::String(t)) => t.clone(),
        Some(Value::Array(types)) => types
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .unwrap_or("null")
            .to_owned(),
        _ if schema.get("properties").is_some() => "object".to_owned(),
        _ => "any".to_owned(),
    }
}

fn type_name(schema: &Value) -> String {
    match schema.get("type") {
        Some(Value::String(t)) => t.clone(),
        Some(Value::Array(types)) => types
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(" | "),
        _ if schema.get("enum").is_some() => "enum".to_owned(),
        _ if schema.get("properties").is_some() => "object".to_owned(),
        _ => "any".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn create_user() -> Value {
        json!({
            "$defs": {"UserProfile": {
                "type": "object",
                "properties": {"login": {"type": "string"}, "email": {"type": ["string", "null"]}},
                "required": ["login"]
            }},
            "type": "object",
            "properties": {
                "activate": {"type": "boolean", "default": true, "description": "Activate.\nMore."},
                "profile": {"$ref": "#/$defs/UserProfile", "description": "The profile."}
            },
            "required": ["profile"]
        })
    }

    #[test]
    fn the_example_fills_required_fields_through_references() {
        assert_eq!(
            example_input(&create_user()),
            json!({"profile": {"login": "ada@example.com"}})
        );
    }

    #[test]
    fn rows_name_nested_fields_and_keep_the_first_description_line() {
        let rows = input_rows(&create_user());
        let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(
            names,
            ["activate", "profile", "profile.email", "profile.login"]
        );
        assert_eq!(rows[0].description, "Activate.");
        assert_eq!(first_sentence("One\ntwo. Three."), "One two.");
        assert_eq!(wrap("aa bb cc", 5), "aa bb\ncc");
        assert_eq!(rows[0].default.as_deref(), Some("true"));
        assert_eq!(rows[2].type_name, "string | null");
        assert!(rows[3].required && rows[1].required && !rows[0].required);
    }
}
