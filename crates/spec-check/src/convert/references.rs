//! References between the document's schemas: inlined into a parameter's schema so that
//! it compiles alone, and pointed at a dispatching schema where a base schema stands for
//! its discriminated subclasses.

use serde_json::{Map, Value, json};

/// Replaces `#/components/schemas/...` references with the (converted) schemas they name,
/// up to `depth` levels, so that a small schema (a parameter's) compiles on its own.
/// Deeper references become `{}` (anything).
pub(crate) fn inline_refs(schema: &Value, schemas: &Map<String, Value>, depth: usize) -> Value {
    match schema {
        Value::Object(map) => {
            if let Some(target) = map.get("$ref").and_then(Value::as_str) {
                let name = target.strip_prefix("#/components/schemas/");
                return match name.and_then(|n| schemas.get(n)) {
                    Some(resolved) if depth > 0 => inline_refs(resolved, schemas, depth - 1),
                    _ => json!({}),
                };
            }
            Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), inline_refs(v, schemas, depth)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| inline_refs(v, schemas, depth))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Suffix of the synthetic schemas that dispatch on an inherited discriminator.
const DISPATCH_SUFFIX: &str = "__dispatch";

/// OpenAPI's inheritance pattern: a base schema carries a `discriminator` (without
/// `oneOf`/`anyOf`) whose `mapping` names subclasses that are `allOf: [{$ref: Base}, …]`.
/// A reference to such a base means "whichever subclass the discriminator names".
///
/// For every such base in `original`, adds to `converted` a schema `Base__dispatch` (the
/// base plus one `if`/`then` per mapped subclass) and points every reference to the base at
/// it, except the `allOf` members through which the subclasses inherit (which would loop).
/// Returns the reference rewrites, for [`rewrite_refs`] on operation schemas.
pub(crate) fn add_polymorphism(
    original: &Map<String, Value>,
    converted: &mut Map<String, Value>,
) -> Vec<(String, String)> {
    let mut rewrites = Vec::new();
    for (name, schema) in original {
        let Some(discriminator) = schema.get("discriminator").and_then(Value::as_object) else {
            continue;
        };
        if schema.get("oneOf").is_some() || schema.get("anyOf").is_some() {
            continue;
        }
        let Some(property) = discriminator.get("propertyName").and_then(Value::as_str) else {
            continue;
        };
        let Some(mapping) = discriminator.get("mapping").and_then(Value::as_object) else {
            continue;
        };
        let own = format!("#/components/schemas/{name}");
        let mut targets: Vec<(String, Vec<Value>)> = Vec::new();
        for (value, target) in mapping {
            let Some(target) = target.as_str() else {
                continue;
            };
            let target = if target.starts_with('#') {
                target.to_owned()
            } else {
                format!("#/components/schemas/{target}")
            };
            if target == own {
                continue;
            }
            match targets.iter_mut().find(|(t, _)| *t == target) {
                Some((_, values)) => values.push(Value::from(value.as_str())),
                None => targets.push((target, vec![Value::from(value.as_str())])),
            }
        }
        if targets.is_empty() {
            continue;
        }
        let mut all_of = vec![json!({ "$ref": own })];
        all_of.extend(targets.into_iter().map(|(target, values)| {
            json!({
                "if": { "properties": { property: { "enum": values } }, "required": [property] },
                "then": { "$ref": target }
            })
        }));
        let dispatch = format!("{name}{DISPATCH_SUFFIX}");
        if original.contains_key(&dispatch) {
            continue;
        }
        converted.insert(dispatch.clone(), json!({ "allOf": all_of }));
        rewrites.push((own, format!("#/components/schemas/{dispatch}")));
    }
    if !rewrites.is_empty() {
        for schema in converted.values_mut() {
            rewrite_refs(schema, &rewrites);
        }
    }
    rewrites
}

/// Applies `rewrites` (old `$ref` -> new `$ref`) throughout `schema`, except to the direct
/// members of `allOf` arrays (inheritance).
pub(crate) fn rewrite_refs(schema: &mut Value, rewrites: &[(String, String)]) {
    match schema {
        Value::Object(map) => {
            if let Some(Value::String(target)) = map.get_mut("$ref")
                && let Some((_, new)) = rewrites.iter().find(|(old, _)| old == target)
            {
                target.clone_from(new);
            }
            for (key, value) in map.iter_mut() {
                match (key.as_str(), value) {
                    ("$ref", _) => {}
                    ("allOf", Value::Array(members)) => {
                        for member in members {
                            // A bare reference here is inheritance: leave it.
                            if let Value::Object(m) = member
                                && m.contains_key("$ref")
                            {
                                continue;
                            }
                            rewrite_refs(member, rewrites);
                        }
                    }
                    (_, value) => rewrite_refs(value, rewrites),
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                rewrite_refs(item, rewrites);
            }
        }
        _ => {}
    }
}
