//! The bridge from OpenAPI 3.0 schema objects to JSON Schema, for both of its readers:
//! the `jsonschema` crate validating what is sent and answered (draft 7, every constraint
//! the document states and none it does not), and `typify` generating the Rust types of an
//! OpenAPI connector (`cargo xtask openapi`), which must decode a newer service's answers.

mod references;
#[cfg(test)]
mod tests;

pub(crate) use references::{add_polymorphism, inline_refs, rewrite_refs};

use serde_json::{Map, Value, json};

/// Which side of the exchange a validated schema is used for: OpenAPI's `readOnly`
/// properties are only required in responses, `writeOnly` ones only in requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mode {
    /// What a client sends.
    Request,
    /// What the service answers.
    Response,
}

/// What a converted schema is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Purpose {
    /// Validation with the `jsonschema` crate: structural keywords and constraints only
    /// (annotations and extensions removed), `required` adjusted for the [`Mode`], boolean
    /// `exclusiveMinimum`/`exclusiveMaximum` in the draft-6+ numeric form, discriminated
    /// `oneOf`/`anyOf` dispatched on the discriminator (`if`/`then` per mapped schema) and
    /// other `oneOf`s relaxed to `anyOf` (Okta's branches overlap).
    Validate(Mode),
    /// Rust types with `typify`: descriptions and defaults kept for the docs; bounds,
    /// lengths, patterns and string formats removed (the service enforces them, and a
    /// date or URI stays a `String` rather than pulling in more crates); references pointed
    /// at `#/definitions/`; objects with properties keep every field the document does not
    /// name in an `additionalProperties` map, so that a newer service's answers still
    /// decode and round-trip.
    Types,
}

/// Formats that validation checks. Others (`email`, `uri`, `regex`, `int32`, free-text
/// formats) are dropped: the document uses them as hints (its own examples break them,
/// e.g. `""` for `secondEmail`), and checking them would be stricter than it.
const CHECKED_FORMATS: &[&str] = &["date-time", "uuid"];

/// Keywords validation keeps as they are (the subschema keywords are converted, and the
/// exclusive bounds, `discriminator` and `nullable` handled, separately).
const VALIDATED: &[&str] = &[
    "type",
    "enum",
    "const",
    "required",
    "minimum",
    "maximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "pattern",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minProperties",
    "maxProperties",
];

/// Keywords the generated types leave out: OpenAPI's own (`nullable` is handled
/// separately), examples, and the constraints the service enforces.
const NOT_TYPED: &[&str] = &[
    "nullable",
    "example",
    "discriminator",
    "xml",
    "externalDocs",
    "deprecated",
    "minLength",
    "maxLength",
    "pattern",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minProperties",
    "maxProperties",
];

/// Where OpenAPI keeps named schemas, and where the generated types' JSON Schema does.
const COMPONENTS: &str = "#/components/schemas/";
const DEFINITIONS: &str = "#/definitions/";

/// Converts one OpenAPI 3.0 schema object (and every schema below it) to JSON Schema for
/// `purpose`. In both cases `nullable: true` admits `null`: added to `type` and `enum`, or
/// an `anyOf` with `null` around composed schemas and `$ref`s.
pub fn to_json_schema(schema: &Value, purpose: Purpose) -> Value {
    let Value::Object(map) = schema else {
        return schema.clone();
    };
    let sub = |value: &Value| to_json_schema(value, purpose);
    let mut out = Map::new();
    for (key, value) in map {
        let converted = match key.as_str() {
            // Property names are data, not schemas: keep them, convert their schemas.
            "properties" | "patternProperties" => match value {
                Value::Object(props) => Value::Object(
                    props
                        .iter()
                        .map(|(name, s)| (name.clone(), sub(s)))
                        .collect(),
                ),
                _ => continue,
            },
            "additionalProperties" | "items" | "not" | "additionalItems" => match value {
                Value::Array(items) => Value::Array(items.iter().map(sub).collect()),
                other => sub(other),
            },
            "allOf" | "anyOf" | "oneOf" => match value {
                Value::Array(items) => Value::Array(items.iter().map(sub).collect()),
                _ => continue,
            },
            "$ref" => match purpose {
                Purpose::Types => {
                    let target = value.as_str().unwrap_or_default();
                    Value::String(target.replacen(COMPONENTS, DEFINITIONS, 1))
                }
                Purpose::Validate(_) => value.clone(),
            },
            "format" => {
                let keep = match purpose {
                    Purpose::Validate(_) => {
                        value.as_str().is_some_and(|f| CHECKED_FORMATS.contains(&f))
                    }
                    // Integer formats choose i32/i64; every string format stays a String.
                    Purpose::Types => map.get("type").and_then(Value::as_str) != Some("string"),
                };
                if !keep {
                    continue;
                }
                value.clone()
            }
            other => {
                let keep = match purpose {
                    Purpose::Validate(_) => VALIDATED.contains(&other),
                    Purpose::Types => !other.starts_with("x-") && !NOT_TYPED.contains(&other),
                };
                if !keep {
                    continue;
                }
                value.clone()
            }
        };
        out.insert(key.clone(), converted);
    }

    match purpose {
        Purpose::Validate(mode) => validation_rules(map, &mut out, mode),
        Purpose::Types => {
            nullable_optional_maps(&mut out);
            if out.contains_key("properties") && !out.contains_key("additionalProperties") {
                out.insert(
                    "additionalProperties".to_owned(),
                    json!({"description": "Every other field, as the service sent it."}),
                );
            }
        }
    }

    if map.get("nullable") == Some(&Value::Bool(true)) {
        let composed = ["$ref", "allOf", "anyOf", "oneOf", "not"]
            .iter()
            .any(|k| out.contains_key(*k));
        match out.get_mut("type") {
            Some(Value::String(t)) if !composed => {
                let t = std::mem::take(t);
                out.insert("type".into(), json!([t, "null"]));
            }
            Some(Value::Array(types)) if !composed => {
                if !types.iter().any(|t| t == "null") {
                    types.push(Value::from("null"));
                }
            }
            _ => return json!({ "anyOf": [Value::Object(out), { "type": "null" }] }),
        }
        if let Some(Value::Array(values)) = out.get_mut("enum")
            && !values.contains(&Value::Null)
        {
            values.push(Value::Null);
        }
    }
    Value::Object(out)
}

/// Lets an optional property that is a free-form map (`type: object` without
/// `properties`) be `null` in the generated types: services send `"detailEntry": null` for
/// such maps (Okta does, in its own examples), which a map type would refuse.
fn nullable_optional_maps(out: &mut Map<String, Value>) {
    let required: Vec<String> = out
        .get("required")
        .and_then(Value::as_array)
        .map(|r| {
            r.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let Some(Value::Object(props)) = out.get_mut("properties") else {
        return;
    };
    for (name, schema) in props.iter_mut() {
        let Value::Object(schema) = schema else {
            continue;
        };
        if required.contains(name)
            || schema.contains_key("properties")
            || schema.get("type") != Some(&Value::from("object"))
        {
            continue;
        }
        schema.insert("type".to_owned(), json!(["object", "null"]));
    }
}

/// The validation-only rewrites of a converted schema `out` of the OpenAPI schema `map`:
/// `required` for the mode, exclusive bounds, and discriminated `oneOf`/`anyOf`.
fn validation_rules(map: &Map<String, Value>, out: &mut Map<String, Value>, mode: Mode) {
    // `required` minus the properties that the other side owns.
    if let Some(Value::Array(required)) = out.get("required") {
        let props = map.get("properties").and_then(Value::as_object);
        let skip = match mode {
            Mode::Request => "readOnly",
            Mode::Response => "writeOnly",
        };
        let kept: Vec<Value> = required
            .iter()
            .filter(|name| {
                let prop = name
                    .as_str()
                    .and_then(|n| props.and_then(|p| p.get(n)))
                    .and_then(Value::as_object);
                !prop.is_some_and(|p| p.get(skip) == Some(&Value::Bool(true)))
            })
            .cloned()
            .collect();
        if kept.is_empty() {
            out.remove("required");
        } else {
            out.insert("required".into(), Value::Array(kept));
        }
    }

    for (exclusive, bound) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        match map.get(exclusive) {
            Some(Value::Bool(true)) => {
                if let Some(limit) = out.remove(bound) {
                    out.insert(exclusive.into(), limit);
                }
            }
            Some(number @ Value::Number(_)) => {
                out.insert(exclusive.into(), number.clone());
            }
            _ => {}
        }
    }

    let discriminator = map.get("discriminator").and_then(Value::as_object);
    for keyword in ["oneOf", "anyOf"] {
        let Some(Value::Array(branches)) = out.remove(keyword) else {
            continue;
        };
        match discriminator.and_then(|d| discriminated(d, &branches)) {
            Some(rules) => {
                let all_of = out
                    .entry("allOf")
                    .or_insert_with(|| Value::Array(Vec::new()));
                if let Value::Array(all_of) = all_of {
                    all_of.extend(rules);
                }
            }
            None => {
                out.insert("anyOf".into(), Value::Array(branches));
            }
        }
    }
}

/// [`to_json_schema`] for validation in `mode`.
pub(crate) fn convert_schema(schema: &Value, mode: Mode) -> Value {
    to_json_schema(schema, Purpose::Validate(mode))
}

/// The rules for a discriminated `oneOf`/`anyOf`: one `if`/`then` per mapped schema, plus
/// the discriminator property being required and one of the known values (mapping keys and,
/// as OpenAPI allows, the names of the `$ref`ed branches). When some branch is inline (and
/// so cannot be named), unknown values fall back to "any branch" instead. `None` when the
/// discriminator is unusable (no property name, nothing to map).
fn discriminated(discriminator: &Map<String, Value>, branches: &[Value]) -> Option<Vec<Value>> {
    let property = discriminator.get("propertyName")?.as_str()?;
    // target $ref -> discriminator values, in a stable order.
    let mut targets: Vec<(String, Vec<Value>)> = Vec::new();
    let mut add = |value: &str, target: &str| {
        let known = targets
            .iter()
            .any(|(_, values)| values.iter().any(|v| v == value));
        if known {
            return;
        }
        match targets.iter_mut().find(|(t, _)| t == target) {
            Some((_, values)) => values.push(Value::from(value)),
            None => targets.push((target.to_owned(), vec![Value::from(value)])),
        }
    };
    if let Some(mapping) = discriminator.get("mapping").and_then(Value::as_object) {
        for (value, target) in mapping {
            if let Some(target) = target.as_str() {
                let target = if target.starts_with('#') {
                    target.to_owned()
                } else {
                    format!("#/components/schemas/{target}")
                };
                add(value, &target);
            }
        }
    }
    // Implicit mapping: the value may also be the name of a referenced schema.
    let mut all_named = true;
    for branch in branches {
        match branch.get("$ref").and_then(Value::as_str) {
            Some(target) => {
                if let Some(name) = target.rsplit('/').next() {
                    add(name, target);
                }
            }
            None => all_named = false,
        }
    }
    if targets.is_empty() {
        return None;
    }
    let all_values: Vec<Value> = targets.iter().flat_map(|(_, v)| v.clone()).collect();
    let mut rules: Vec<Value> = targets
        .into_iter()
        .map(|(target, values)| {
            json!({
                "if": { "properties": { property: { "enum": values } }, "required": [property] },
                "then": { "$ref": target }
            })
        })
        .collect();
    if all_named {
        rules.push(json!({
            "properties": { property: { "enum": all_values } },
            "required": [property]
        }));
    } else {
        rules.push(json!({
            "if": { "properties": { property: { "enum": all_values } }, "required": [property] },
            "else": { "anyOf": branches }
        }));
    }
    Some(rules)
}
