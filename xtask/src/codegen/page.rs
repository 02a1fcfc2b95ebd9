//! A connector's reference page (`docs/connectors/<id>.md`): its actions with their
//! input and output tables (read from the JSON Schemas), settings, errors and limits.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use connector_cli::exit_code;
use connector_core::action::ActionInfo;
use connector_core::{Connector, ErrorKind, RetryPolicy};
use serde_json::Value;

use super::MARKDOWN_HEADER;

pub(super) fn connector_page(connector: &dyn Connector, actions: &[ActionInfo]) -> String {
    let id = connector.id();
    let docs = connector.docs();
    let mut out = String::new();
    let w = &mut out;
    let _ = writeln!(w, "{MARKDOWN_HEADER}\n");
    let _ = writeln!(w, "# {} connector\n", connector.name());
    let _ = writeln!(w, "{}\n", connector.description());
    if !docs.overview.is_empty() {
        let _ = writeln!(w, "{}\n", docs.overview.trim());
    }
    let _ = writeln!(
        w,
        "Connector id: `{id}`. Run an action with `connector run {id} <action> --input '<json>'`; \
         the JSON Schemas are in [`docs/schemas/{id}/`](../schemas/{id}/).\n"
    );
    let _ = writeln!(w, "| action | id | description |\n|---|---|---|");
    for a in actions {
        let _ = writeln!(
            w,
            "| [{}](#{}) | `{}` | {} |",
            a.name,
            a.id,
            a.id,
            cell(first_sentence(&a.description))
        );
    }
    let _ = writeln!(w, "\n## Authorization\n");
    if !docs.authorization.is_empty() {
        let _ = writeln!(w, "{}\n", docs.authorization.trim());
    }
    let settings = connector.settings();
    if !settings.is_empty() {
        let _ = writeln!(
            w,
            "| variable | also accepted | secret | description |\n|---|---|---|---|"
        );
        for s in settings {
            let aliases = s
                .aliases
                .iter()
                .map(|a| format!("`{a}`"))
                .collect::<Vec<_>>()
                .join(", ");
            let _ = writeln!(
                w,
                "| `{}` | {} | {} | {} |",
                s.name,
                aliases,
                if s.secret { "yes" } else { "no" },
                cell(s.description)
            );
        }
        let _ = writeln!(w);
    }
    let _ = writeln!(w, "## Actions\n");
    for a in actions {
        let _ = writeln!(
            w,
            "<a id=\"{}\"></a>\n\n### {} (`{}`)\n",
            a.id, a.name, a.id
        );
        let _ = writeln!(w, "{}\n", a.description.trim());
        let _ = writeln!(w, "**Inputs**\n");
        schema_table(w, &a.input_schema);
        let _ = writeln!(w, "**Outputs**\n");
        schema_table(w, &a.output_schema);
        let _ = writeln!(
            w,
            "Schemas: [input](../schemas/{id}/{0}.input.json), [output](../schemas/{id}/{0}.output.json). \
             Errors: see [Errors](#errors).\n",
            a.id
        );
    }
    let _ = writeln!(w, "## Errors\n");
    let _ = writeln!(
        w,
        "Every action fails with a typed error: `{{\"error\":{{\"kind\",\"message\",\"status\",\"code\",\"requestId\",\"attempts\"}}}}` \
         on the CLI's stderr, exiting with the kind's code.\n"
    );
    let _ = writeln!(
        w,
        "| service code or status | kind | exit code | when |\n|---|---|---|---|"
    );
    for (code, kind, when) in &docs.errors {
        let _ = writeln!(
            w,
            "| `{code}` | `{kind}` | {} | {} |",
            exit_code(*kind),
            cell(when)
        );
    }
    for (what, kind, when) in [
        (
            "(refused before sending)",
            ErrorKind::InvalidInput,
            "the input does not fit the action's schema, or a Custom API `relativeUrl` would leave the origin",
        ),
        (
            "(settings)",
            ErrorKind::Configuration,
            "a variable is missing, or the URL is not https (http is allowed for loopback hosts only)",
        ),
        (
            "(no answer)",
            ErrorKind::Transport,
            "the connection failed or broke; safe requests are retried",
        ),
        (
            "(no answer in time)",
            ErrorKind::Timeout,
            "an attempt passed its timeout or the call its deadline",
        ),
        (
            "(unreadable answer)",
            ErrorKind::InvalidResponse,
            "the answer is not the expected JSON, or is larger than the cap (32 MiB unless listed above)",
        ),
    ] {
        let _ = writeln!(w, "| {what} | `{kind}` | {} | {} |", exit_code(kind), when);
    }
    let _ = writeln!(w, "\n## Limitations and known issues\n");
    let policy = RetryPolicy::default();
    let statuses = policy
        .retry_statuses
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let _ = writeln!(
        w,
        "- Retries: an answer of {statuses} is retried at most {} times, every retry starting within {} s of the first attempt, \
         waiting what the service asks for or else an exponential backoff with full jitter ({} s base, {} s cap). \
         400, 404, 500 and every other status are never retried. A wait that would end past the {} s window fails at once \
         with `rate_limited` and the wait (`retryAfterSeconds`). Transport failures are retried only for GET, HEAD, PUT, DELETE \
         and OPTIONS, or when the connection was never made.",
        policy.max_retries,
        policy.window.as_secs(),
        policy.base_delay.as_secs(),
        policy.max_delay.as_secs(),
        policy.window.as_secs(),
    );
    for limitation in &docs.limitations {
        let _ = writeln!(w, "- {}", limitation.trim());
    }
    out
}

fn first_sentence(text: &str) -> &str {
    let text = text.trim();
    match text.find(". ") {
        Some(i) => &text[..=i],
        None => text,
    }
}

fn cell(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
}

fn schema_table(w: &mut String, schema: &Value) {
    let defs = schema.get("$defs").cloned().unwrap_or(Value::Null);
    let mut rows = Vec::new();
    collect_rows(schema, &defs, "", 0, &mut rows);
    if rows.is_empty() {
        let _ = writeln!(w, "The whole value: {}.\n", type_name(schema, &defs));
        return;
    }
    let _ = writeln!(
        w,
        "| name | type | required | description |\n|---|---|---|---|"
    );
    for (name, ty, required, description) in rows {
        let _ = writeln!(
            w,
            "| `{name}` | {} | {} | {} |",
            cell(&ty),
            if required { "yes" } else { "no" },
            cell(&description)
        );
    }
    let _ = writeln!(w);
}

fn resolve<'a>(schema: &'a Value, defs: &'a Value) -> &'a Value {
    let mut current = schema;
    for _ in 0..8 {
        match current.get("$ref").and_then(Value::as_str) {
            Some(r) => match r.strip_prefix("#/$defs/").and_then(|name| defs.get(name)) {
                Some(target) => current = target,
                None => break,
            },
            None => break,
        }
    }
    current
}

/// The non-null variant of `T | null` shapes (`anyOf`/`oneOf` with a null member).
fn non_null<'a>(schema: &'a Value, defs: &'a Value) -> &'a Value {
    let schema = resolve(schema, defs);
    for key in ["anyOf", "oneOf"] {
        if let Some(variants) = schema.get(key).and_then(Value::as_array) {
            let rest: Vec<&Value> = variants
                .iter()
                .filter(|v| v.get("type").and_then(Value::as_str) != Some("null"))
                .collect();
            if rest.len() == 1 && variants.len() == 2 {
                return resolve(rest[0], defs);
            }
        }
    }
    schema
}

fn collect_rows(
    schema: &Value,
    defs: &Value,
    prefix: &str,
    depth: usize,
    rows: &mut Vec<(String, String, bool, String)>,
) {
    let schema = non_null(schema, defs);
    let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
        return;
    };
    let required: BTreeSet<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    for (name, property) in properties {
        let full = format!("{prefix}{name}");
        let target = non_null(property, defs);
        let description = property
            .get("description")
            .or_else(|| target.get("description"))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        rows.push((
            full.clone(),
            type_name(property, defs),
            required.contains(name.as_str()),
            description,
        ));
        if depth < 2 {
            if target.get("properties").is_some() {
                collect_rows(target, defs, &format!("{full}."), depth + 1, rows);
            } else if let Some(items) = target.get("items")
                && non_null(items, defs).get("properties").is_some()
            {
                collect_rows(items, defs, &format!("{full}[]."), depth + 1, rows);
            }
        }
    }
}

fn type_name(schema: &Value, defs: &Value) -> String {
    let nullable = is_nullable(schema, defs);
    let schema = non_null(schema, defs);
    let mut name = if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        values
            .iter()
            .map(|v| format!("`{v}`"))
            .collect::<Vec<_>>()
            .join(" \\| ")
    } else if let Some(value) = schema.get("const") {
        format!("`{value}`")
    } else if let Some(variants) = schema
        .get("oneOf")
        .or_else(|| schema.get("anyOf"))
        .and_then(Value::as_array)
    {
        variants
            .iter()
            .map(|v| type_name(v, defs))
            .collect::<Vec<_>>()
            .join(" or ")
    } else {
        match schema.get("type") {
            Some(Value::String(t)) if t == "array" => match schema.get("items") {
                Some(items) => format!("array of {}", type_name(items, defs)),
                None => "array".to_owned(),
            },
            Some(Value::String(t)) if t == "object" && schema.get("properties").is_none() => {
                match schema.get("additionalProperties") {
                    Some(Value::Object(_)) => format!(
                        "object of {}",
                        type_name(
                            schema.get("additionalProperties").unwrap_or(&Value::Null),
                            defs
                        )
                    ),
                    _ => "object".to_owned(),
                }
            }
            Some(Value::String(t)) => t.clone(),
            Some(Value::Array(ts)) => ts
                .iter()
                .filter_map(Value::as_str)
                .filter(|t| *t != "null")
                .collect::<Vec<_>>()
                .join(" or "),
            _ => "any JSON".to_owned(),
        }
    };
    if nullable && !name.contains("null") {
        name.push_str(" or null");
    }
    name
}

fn is_nullable(schema: &Value, defs: &Value) -> bool {
    let schema = resolve(schema, defs);
    match schema.get("type") {
        Some(Value::Array(ts)) => ts.iter().any(|t| t == "null"),
        _ => ["anyOf", "oneOf"].iter().any(|k| {
            schema.get(*k).and_then(Value::as_array).is_some_and(|vs| {
                vs.iter()
                    .any(|v| v.get("type").and_then(Value::as_str) == Some("null"))
            })
        }),
    }
}
