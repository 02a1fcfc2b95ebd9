//! `connector describe`: JSON off a terminal (the contract), a readable view on one (the
//! description, a table of inputs, an example input that `run` takes as it is), and
//! `--example` for the example alone.

use std::io::IsTerminal;
use std::process::ExitCode;

use connector_cli::describe::{example_input, first_sentence, input_rows, wrap};
use connector_cli::output::{Fields, TABLE_WIDTH, render_table};
use connector_core::{Error, Registry};
use serde_json::{Value, json};

use crate::present::{self, Shown};

pub(crate) fn describe(
    registry: &Registry,
    connector: &str,
    action: Option<&str>,
    json: bool,
    example: bool,
) -> ExitCode {
    let value = match action {
        Some(action) => registry.action(connector, action).and_then(|a| {
            serde_json::to_value(a).map_err(|e| Error::invalid_response(e.to_string()))
        }),
        None => registry.connector(connector).map(|c| {
            json!({
                "id": c.id(),
                "name": c.name(),
                "description": c.description(),
                "settings": c.settings(),
                "actions": c.actions(),
            })
        }),
    };
    let value = match value {
        Ok(value) => value,
        Err(e) => return crate::fail(&e),
    };
    if example {
        let schema = value.get("inputSchema").unwrap_or(&Value::Null);
        return crate::emit(&format!("{}\n", example_input(schema)));
    }
    let readable = !json && present::get().output.is_none() && std::io::stdout().is_terminal();
    if !readable {
        return Shown::json(value).print(json);
    }
    crate::emit(&match action {
        Some(action) => action_view(connector, action, &value),
        None => connector_view(&value),
    })
}

fn text(value: &Value, key: &str) -> String {
    value
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned()
}

fn action_view(connector: &str, action: &str, value: &Value) -> String {
    let schema = value.get("inputSchema").unwrap_or(&Value::Null);
    let rows: Vec<Value> = input_rows(schema)
        .into_iter()
        .map(|r| {
            json!({
                "name": r.name,
                "type": r.type_name,
                "required": if r.required { "yes" } else { "" },
                "default": r.default.unwrap_or_default(),
                "description": r.description,
            })
        })
        .collect();
    let mut out = format!(
        "{connector} {action}: {}\n\n{}\n\nINPUTS\n",
        text(value, "name"),
        wrap(&text(value, "description"), TABLE_WIDTH)
    );
    if rows.is_empty() {
        out.push_str("(none)\n");
    } else {
        let fields = Fields::parse("name,type,required,default,description").unwrap_or_default();
        out.push_str(&render_table(&Value::Array(rows), &fields, TABLE_WIDTH));
    }
    let example = example_input(schema).to_string();
    out.push_str(&format!(
        "\nEXAMPLE\n  connector run {connector} {action} --input '{}' --dry-run\n",
        example.replace('\'', "'\\''")
    ));
    out.push_str(&format!(
        "\n`connector describe {connector} {action} --json` prints the input and output schemas.\n"
    ));
    out
}

fn connector_view(value: &Value) -> String {
    let mut out = format!(
        "{} ({})\n\n{}\n",
        text(value, "id"),
        text(value, "name"),
        wrap(&text(value, "description"), TABLE_WIDTH)
    );
    if let Some(settings) = value.get("settings").filter(|s| !s.is_null()) {
        out.push_str("\nSETTINGS\n");
        let fields = Fields::parse("name,secret,description").unwrap_or_default();
        out.push_str(&render_table(settings, &fields, TABLE_WIDTH));
    }
    let actions: Vec<Value> = value
        .get("actions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|a| {
            let first = first_sentence(&text(a, "description"));
            json!({"action": text(a, "id"), "description": first})
        })
        .collect();
    out.push_str("\nACTIONS\n");
    let fields = Fields::parse("action,description").unwrap_or_default();
    out.push_str(&render_table(&Value::Array(actions), &fields, TABLE_WIDTH));
    out
}
