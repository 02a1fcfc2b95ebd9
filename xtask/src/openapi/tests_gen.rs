//! The generated request-shape tests: one per action, on httpmock, each also checking the
//! request the action sends against the document with `spec-check`.

use std::fmt::Write as _;

use serde_json::{Map, Value};

use super::GENERATED_LINE;
use super::config::Config;
use super::document::{ArrayStyle, Document, Location};
use super::emit::{BodyField, Plan};
use super::samples::{self, Direction};

const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// The test file of a crate.
pub(crate) fn tests(
    config: &Config,
    doc: &Document,
    plans: &[Plan],
    krate: &str,
) -> Result<String, String> {
    let env_pairs: Vec<String> = config
        .tests
        .env
        .iter()
        .map(|(k, v)| {
            if v.contains("{base_url}") {
                format!("({k:?}, {:?}.replace(\"{{base_url}}\", base_url))", v)
            } else {
                format!("({k:?}, {v:?}.to_owned())")
            }
        })
        .collect();
    let base_path = config
        .base_path
        .clone()
        .unwrap_or_else(|| doc.server_base_path());
    let mut out = format!(
        "{GENERATED_LINE}\n//! Request shapes of the actions generated from the OpenAPI document: each sends what\n\
         //! the document describes (method, path with escaped parameters, query, body; the request\n\
         //! is also validated against the document) and reads the documented answer.\n\n\
         use connector_core::pipeline::DryRunLog;\nuse connector_core::{{Connector, Env}};\nuse httpmock::prelude::*;\nuse serde_json::{{Value, json}};\n\n\
         /// The document `openapi.toml` names.\n\
         const DOCUMENT: &str = concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/\", {document:?});\n\
         /// The path prefix of the document's server, which its path templates leave out.\n\
         const BASE_PATH: &str = {base_path:?};\n\
         /// The `Authorization` header every request carries.\n\
         const AUTHORIZATION: &str = {auth:?};\n\n\
         fn env(base_url: &str) -> Env {{\n    Env::from_pairs([{pairs}])\n}}\n\n\
         /// Runs an action against the mock server.\n\
         async fn run(server: &MockServer, action: &str, input: Value) -> Value {{\n\
         \x20   let session = {krate}::connector().connect(&env(&server.base_url())).unwrap();\n\
         \x20   session.run(action, input).await.unwrap_or_else(|e| panic!(\"{{action}}: {{e}}\"))\n}}\n\n\
         /// Records the requests an action sends (a dry run: nothing is sent) and validates\n\
         /// each against the document; skipped, with a line on stderr, when it is absent.\n\
         async fn check_against_document(action: &str, input: Value) {{\n\
         \x20   let Some(spec) = spec_check::openapi(DOCUMENT) else {{\n        return;\n    }};\n\
         \x20   let log = DryRunLog::new();\n\
         \x20   let env = env(\"http://127.0.0.1:9\").with_dry_run(log.clone());\n\
         \x20   let session = {krate}::connector().connect(&env).unwrap();\n\
         \x20   // A dry run has no answer to give back: only the recorded requests matter here.\n\
         \x20   let _ = session.run(action, input).await;\n\
         \x20   let requests = log.requests();\n\
         \x20   assert!(!requests.is_empty(), \"{{action}} recorded no request\");\n\
         \x20   for request in requests {{\n\
         \x20       let after_host = request.url.splitn(4, '/').nth(3).unwrap_or_default();\n\
         \x20       let target = format!(\"/{{after_host}}\");\n\
         \x20       let target = target.strip_prefix(BASE_PATH).unwrap_or(&target);\n\
         \x20       spec.validate_request(&request.method, target, request.body.as_ref())\n\
         \x20           .unwrap_or_else(|errors| panic!(\"{{action}}: {{}} {{target}} departs from the document: {{errors:#?}}\", request.method));\n\
         \x20   }}\n}}\n",
        document = config.document,
        auth = config.tests.authorization,
        pairs = env_pairs.join(", "),
    );
    listed(&mut out, plans, krate);
    for plan in plans {
        test(&mut out, doc, plan);
    }
    Ok(out)
}

/// The test that the connector's hand-written action table lists every generated action.
fn listed(out: &mut String, plans: &[Plan], krate: &str) {
    let expected: Vec<String> = plans
        .iter()
        .map(|p| format!("({:?}, {:?})", p.op.action_id, p.method))
        .collect();
    let _ = write!(
        out,
        "\n/// The connector's action table (`src/actions.rs`) lists every generated action.\n\
         #[test]\nfn the_action_table_lists_every_generated_action() {{\n\
         \x20   let listed: Vec<String> = {krate}::connector().actions().into_iter().map(|a| a.id).collect();\n\
         \x20   for (id, definition) in [{expected}] {{\n\
         \x20       assert!(\n\
         \x20           listed.iter().any(|a| a == id),\n\
         \x20           \"{{id}} is generated but not in the connector's table: add \\\n\
         \x20            `.action(generated::actions::{{definition}}())` to src/actions.rs\"\n\
         \x20       );\n    }}\n}}\n",
        expected = expected.join(", "),
    );
}

fn test(out: &mut String, doc: &Document, plan: &Plan) {
    let op = &plan.op;
    let mut input = Map::new();
    let mut path = op.path.clone();
    let mut matchers = Vec::new();
    for (_, json, i) in &plan.fields {
        let p = &op.params[*i];
        let value = samples::param(doc, p, p.location == Location::Path);
        match p.location {
            Location::Path => {
                let escaped =
                    percent_encoding::utf8_percent_encode(&samples::text(&value), SEGMENT)
                        .to_string();
                path = path.replace(&format!("{{{}}}", p.name), &escaped);
            }
            Location::Query => match (&value, p.array_style) {
                (Value::Array(items), ArrayStyle::Repeat) => {
                    for item in items {
                        matchers.push(format!(
                            ".query_param({:?}, {:?})",
                            p.name,
                            samples::text(item)
                        ));
                    }
                }
                (Value::Array(items), ArrayStyle::Join(sep)) => {
                    let joined: Vec<String> = items.iter().map(samples::text).collect();
                    matchers.push(format!(
                        ".query_param({:?}, {:?})",
                        p.name,
                        joined.join(sep)
                    ));
                }
                _ => matchers.push(format!(
                    ".query_param({:?}, {:?})",
                    p.name,
                    samples::text(&value)
                )),
            },
            Location::Header => {
                matchers.push(format!(
                    ".header({:?}, {:?})",
                    p.name.to_ascii_lowercase(),
                    samples::text(&value)
                ));
            }
        }
        input.insert(json.clone(), value);
    }
    let mut body = op.body.as_ref().map(|b| {
        b.example
            .clone()
            .unwrap_or_else(|| samples::value(doc, &b.schema, 0, Direction::Request))
    });
    if let Some(Value::Object(fields)) = &mut body {
        for lifted in &plan.lifted {
            fields
                .entry(lifted.property.clone())
                .or_insert_with(|| Value::String("sample".to_owned()));
        }
    }
    match (&body, plan.body) {
        (Some(Value::Object(fields)), BodyField::Flattened) => {
            let mut fields = fields.clone();
            for lifted in &plan.lifted {
                let value = fields
                    .remove(&lifted.property)
                    .unwrap_or_else(|| Value::String("sample".to_owned()));
                input.insert(lifted.json.clone(), value);
            }
            input.extend(fields);
        }
        (Some(body), BodyField::Field) => {
            input.insert("body".to_owned(), body.clone());
        }
        _ => {}
    }
    if let Some(body) = &body {
        matchers.push(format!(".json_body({})", json_literal(body)));
    }
    let answer = op.answer.schema.as_ref().map(|s| {
        let sample = op
            .answer
            .example
            .clone()
            .unwrap_or_else(|| samples::value(doc, s, 0, Direction::Answer));
        samples::fit(doc, s, sample, 0)
    });
    let then = match &answer {
        Some(answer) => format!(
            "then.status({}).header(\"content-type\", \"application/json\").json_body({});",
            op.answer.status,
            json_literal(answer)
        ),
        None => format!("then.status({});", op.answer.status),
    };
    let check = match &answer {
        None => format!(
            "assert_eq!(output, json!({{\"status\": {}}}));",
            op.answer.status
        ),
        Some(Value::Array(items)) => format!(
            "assert_eq!(output.as_array().map(Vec::len), Some({}), \"{{output}}\");",
            items.len()
        ),
        Some(Value::Object(fields)) => {
            let mut checks = String::new();
            for (k, v) in fields
                .iter()
                .filter(|(_, v)| v.is_string() || v.is_number() || v.is_boolean())
            {
                let _ = write!(
                    checks,
                    "assert_eq!(output[{k:?}], json!({v}), \"{{output}}\");\n    "
                );
            }
            if checks.is_empty() {
                "assert!(output.is_object(), \"{output}\");".to_owned()
            } else {
                checks
            }
        }
        Some(_) => "assert!(!output.is_null());".to_owned(),
    };
    let input = Value::Object(input);
    let _ = write!(
        out,
        "\n/// `{action}`: `{method} {template}`.\n#[tokio::test]\nasync fn {m}_sends_the_documented_request() {{\n\
         \x20   let server = MockServer::start_async().await;\n\
         \x20   let mock = server\n        .mock_async(|when, then| {{\n\
         \x20           when.method({method}).path({path:?}){matchers}.header(\"authorization\", AUTHORIZATION);\n\
         \x20           {then}\n        }})\n        .await;\n\
         \x20   let input = {input};\n\
         \x20   let output = run(&server, {action:?}, input.clone()).await;\n\
         \x20   mock.assert_calls_async(1).await;\n    {check}\n\
         \x20   check_against_document({action:?}, input).await;\n}}\n",
        action = op.action_id,
        method = op.method,
        template = op.path,
        m = plan.method,
        path = path,
        input = json_literal(&input),
        matchers = matchers.join(""),
    );
}

/// A JSON value as Rust source: `json!(...)` when small; parsed from a raw string when
/// large, where the macro would pass the compiler's recursion limit.
fn json_literal(value: &Value) -> String {
    let text = value.to_string();
    if text.len() <= 1_000 {
        format!("json!({text})")
    } else {
        format!("serde_json::from_str::<Value>(r###\"{text}\"###).unwrap()")
    }
}
