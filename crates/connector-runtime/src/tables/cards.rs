//! The `table` cards' input schemas narrowed to the tables a flows folder declares, so
//! that validation finds an unknown table, an unknown column or a literal of the wrong
//! type at its `file:line:col`, as it does for any card's input.

use serde_json::{Map, Value, json};

use super::schema::{SYSTEM_FIELDS, Tables};

/// `base` (the action's input schema) with `table` one of the declared tables and, per
/// table, the row's (or `set`'s, or `where`'s) fields its columns.
pub fn narrow_schema(action: &str, base: &Value, tables: &Tables) -> Value {
    let names: Vec<&str> = tables.all().iter().map(|t| t.name.as_str()).collect();
    let field = match action {
        "create-row" | "upsert-row" => Some(("row", true)),
        "update-row" => Some(("set", true)),
        "search-rows" | "delete-rows" => Some(("where", false)),
        _ => None,
    };
    let mut cases = Vec::new();
    if let Some((field, typed)) = field {
        for table in tables.all() {
            let mut properties = Map::new();
            for column in &table.columns {
                let schema = if typed {
                    column.kind.json_schema()
                } else {
                    Value::Bool(true)
                };
                properties.insert(column.name.clone(), schema);
            }
            for system in SYSTEM_FIELDS {
                properties.insert((*system).to_owned(), Value::Bool(true));
            }
            cases.push(json!({
                "if": {"properties": {"table": {"const": table.name}}, "required": ["table"]},
                "then": {"properties": {field: {"properties": properties, "additionalProperties": false}}},
            }));
        }
    }
    let mut narrowed = base.clone();
    if let Some(props) = narrowed
        .get_mut("properties")
        .and_then(Value::as_object_mut)
    {
        props.insert("table".into(), json!({"type": "string", "enum": names}));
    }
    if !cases.is_empty()
        && let Value::Object(map) = &mut narrowed
    {
        map.insert("allOf".into(), Value::Array(cases));
    }
    narrowed
}
