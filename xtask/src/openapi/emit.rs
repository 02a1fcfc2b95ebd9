//! The generated module: input types, typed methods on the client, the actions.

use std::fmt::Write as _;

use serde_json::Value;

use super::GENERATED_LINE;
use super::config::Config;
use super::document::{ArrayStyle, Document, Location, Operation};
use super::names::{camel, pascal, snake};
use super::types::Types;

/// What the emitter decided for one operation (the tests use it too).
pub(crate) struct Plan {
    /// The operation.
    pub(crate) op: Operation,
    /// `list_groups`.
    pub(crate) method: String,
    /// `ListGroupsInput`.
    pub(crate) input: String,
    /// Fields of the input: (Rust name, JSON name, parameter index).
    pub(crate) fields: Vec<(String, String, usize)>,
    /// How the body sits in the input.
    pub(crate) body: BodyField,
    /// The output type (`Vec<Group>`, `NoContent`, ...).
    pub(crate) output: String,
    /// The item type of a paged list.
    pub(crate) paged_item: Option<String>,
    /// The Rust type of each parameter, in the operation's order.
    pub(crate) param_types: Vec<String>,
    /// The Rust type of the body.
    pub(crate) body_type: Option<String>,
}

/// Where the request body is in the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyField {
    /// No body.
    None,
    /// The body's properties are the input's own (flattened).
    Flattened,
    /// A field `body`.
    Field,
}

/// The module's files: (file name, contents before formatting).
pub(crate) fn module(
    config: &Config,
    doc: &Document,
    ops: Vec<Operation>,
    document_name: &str,
) -> Result<(Vec<(String, String)>, Vec<Plan>), String> {
    let roots: Vec<&Value> = ops
        .iter()
        .flat_map(|op| {
            op.params
                .iter()
                .map(|p| &p.schema)
                .chain(op.body.iter().map(|b| &b.schema))
                .chain(op.answer.schema.iter())
        })
        .collect();
    let mut types = Types::new(doc, &roots)?;
    let mut plans = Vec::new();
    for op in ops {
        plans.push(plan(config, doc, &mut types, op)?);
    }
    let client = format!("crate::{}", config.client);
    let ids: Vec<&str> = plans.iter().map(|p| p.op.operation_id.as_str()).collect();
    let mut mod_rs = format!(
        "{GENERATED_LINE}\n//! Actions generated from `{document_name}` (operations {}) by\n\
         //! `cargo xtask codegen`, as the crate's `openapi.toml` asks: each has an input type, a\n\
         //! typed method on [`{client}`] and an action registered by `register`.\n\n\
         mod actions;\nmod api;\nmod inputs;\npub mod types;\n\n\
         pub(crate) use actions::register;\npub use inputs::{{",
        ids.iter()
            .map(|i| format!("`{i}`"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let exports: Vec<String> = plans
        .iter()
        .map(|p| p.input.clone())
        .chain(["NoContent".to_owned()])
        .collect();
    let _ = writeln!(mod_rs, "{}}};", exports.join(", "));

    let types_rs = format!(
        "{GENERATED_LINE}\n//! The document's schemas that the generated actions use, as Rust types (by typify).\n\n\
         // The document leaves some schemas and fields undescribed: their docs are what it says.\n\
         #![allow(missing_docs)]\n\
         // typify's output as it is: it spells paths in full and derives what it derives.\n\
         #![allow(clippy::all, unreachable_pub)]\n\n{}",
        types.render()?
    );
    let files = vec![
        ("mod.rs".to_owned(), mod_rs),
        ("types.rs".to_owned(), types_rs),
        ("inputs.rs".to_owned(), inputs(&plans)),
        ("api.rs".to_owned(), api(config, &plans)),
        ("actions.rs".to_owned(), actions(config, &plans)),
    ];
    Ok((files, plans))
}

fn plan(
    config: &Config,
    doc: &Document,
    types: &mut Types<'_>,
    op: Operation,
) -> Result<Plan, String> {
    let base = pascal(&op.operation_id);
    let mut fields = Vec::new();
    for (i, p) in op.params.iter().enumerate() {
        let rust = snake(&p.name);
        if fields.iter().any(|(r, _, _)| r == &rust) {
            return Err(format!(
                "operation `{}`: two parameters are both `{}` in Rust",
                op.operation_id, p.name
            ));
        }
        fields.push((rust, camel(&p.name), i));
    }
    let body = match &op.body {
        None => BodyField::None,
        Some(b) => {
            let names = doc.property_names(&b.schema);
            let clash = names.iter().any(|n| fields.iter().any(|(_, j, _)| j == n));
            if types.is_object(&b.schema) && !clash && b.required {
                BodyField::Flattened
            } else {
                BodyField::Field
            }
        }
    };
    let paged = config.pagination.as_ref().is_some_and(|p| {
        op.method == "GET"
            && op
                .params
                .iter()
                .any(|q| q.location == Location::Query && q.name == p.cursor)
            && op
                .answer
                .schema
                .as_ref()
                .is_some_and(|s| doc.schema_kind(s) == "array")
    });
    let (output, paged_item) = match &op.answer.schema {
        None => ("NoContent".to_owned(), None),
        Some(schema) if paged => {
            let items = doc.array_items(schema).cloned().unwrap_or(Value::Null);
            let item = types.type_of(&items, &format!("{base}Item"))?;
            (format!("Vec<{item}>"), Some(item))
        }
        Some(schema) => (types.type_of(schema, &format!("{base}Answer"))?, None),
    };
    // A parameter or body that needs a type of its own (an enum, an inline object) is named
    // after the operation.
    let mut param_types = Vec::new();
    for p in &op.params {
        let ty = types.type_of(&p.schema, &format!("{base}{}", pascal(&p.name)))?;
        param_types.push(ty.replace(' ', ""));
    }
    let body_type = match &op.body {
        Some(b) => Some(
            types
                .type_of(&b.schema, &format!("{base}Body"))?
                .replace(' ', ""),
        ),
        None => None,
    };
    Ok(Plan {
        method: snake(&op.operation_id),
        input: format!("{base}Input"),
        fields,
        body,
        output: output.replace(' ', ""),
        paged_item,
        param_types,
        body_type,
        op,
    })
}

fn doc_lines(out: &mut String, text: &str, indent: &str) {
    for line in text.trim().lines() {
        let line = line.trim_end();
        if line.is_empty() {
            let _ = writeln!(out, "{indent}///");
        } else {
            let _ = writeln!(out, "{indent}/// {line}");
        }
    }
}

fn inputs(plans: &[Plan]) -> String {
    let mut out = format!(
        "{GENERATED_LINE}\n//! The inputs of the generated actions: parameters and body, in camelCase JSON.\n\n\
         use serde::{{Deserialize, Serialize}};\n\n#[allow(unused_imports)]\nuse super::types::*;\n\n\
         /// The output of an operation the service answers without content.\n\
         #[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema)]\n\
         #[serde(rename_all = \"camelCase\")]\npub struct NoContent {{\n\
         \x20   /// The status the service answered (such as 204: done).\n    pub status: u16,\n}}\n"
    );
    for plan in plans {
        let op = &plan.op;
        let _ = writeln!(
            out,
            "\n/// The input of `{}` (`{} {}`).",
            op.action_id, op.method, op.path
        );
        let _ = writeln!(
            out,
            "#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]"
        );
        if plan.body != BodyField::Flattened {
            let _ = writeln!(out, "#[serde(deny_unknown_fields)]");
        }
        let _ = writeln!(out, "pub struct {} {{", plan.input);
        let body_type = plan.body_type.as_deref().unwrap_or("serde_json::Value");
        for (rust, json, i) in &plan.fields {
            let p = &op.params[*i];
            let ty = &plan.param_types[*i];
            let description = if p.description.trim().is_empty() {
                format!("The `{}` {} parameter.", p.name, location_word(p.location))
            } else {
                p.description.clone()
            };
            doc_lines(&mut out, &description, "    ");
            if p.required {
                let _ = writeln!(
                    out,
                    "    #[serde(rename = \"{json}\")]\n    pub {rust}: {ty},"
                );
            } else {
                let _ = writeln!(
                    out,
                    "    #[serde(rename = \"{json}\", default, skip_serializing_if = \"Option::is_none\")]\n    pub {rust}: Option<{ty}>,"
                );
            }
        }
        if plan.paged_item.is_some() {
            let _ = writeln!(
                out,
                "    /// Stop after this many items (not sent: pages are read until then; default: every page).\n\
                 \x20   #[serde(default, skip_serializing_if = \"Option::is_none\")]\n    #[schemars(range(min = 1))]\n    pub max: Option<u64>,"
            );
        }
        match plan.body {
            BodyField::None => {}
            BodyField::Flattened => {
                let _ = writeln!(
                    out,
                    "    /// The request body: its fields are the input's own.\n    #[serde(flatten)]\n    pub body: {body_type},"
                );
            }
            BodyField::Field => {
                let required = op.body.as_ref().is_some_and(|b| b.required);
                let _ = writeln!(out, "    /// The request body.");
                if required {
                    let _ = writeln!(out, "    pub body: {body_type},");
                } else {
                    let _ = writeln!(
                        out,
                        "    #[serde(default, skip_serializing_if = \"Option::is_none\")]\n    pub body: Option<{body_type}>,"
                    );
                }
            }
        }
        let _ = writeln!(out, "}}");
    }
    out
}

fn location_word(location: Location) -> &'static str {
    match location {
        Location::Path => "path",
        Location::Query => "query",
        Location::Header => "header",
    }
}

fn api(config: &Config, plans: &[Plan]) -> String {
    let client = &config.client;
    let mut out = format!(
        "{GENERATED_LINE}\n//! The typed methods of the generated actions, on the connector's client.\n\n\
         use connector_core::{{Connection, Method, Request, Result, path_segment}};\n\n\
         #[allow(unused_imports)]\nuse super::inputs::*;\n#[allow(unused_imports)]\nuse super::types::*;\n\n\
         impl crate::{client} {{\n"
    );
    for plan in plans {
        let op = &plan.op;
        let (m, input, output) = (&plan.method, &plan.input, &plan.output);
        doc_lines(&mut out, &op.description, "    ");
        let _ = writeln!(out, "    ///\n    /// `{} {}`", op.method, op.path);
        match (&plan.paged_item, &config.pagination) {
            (Some(item), Some(pagination)) => {
                let pager = &pagination.pager;
                let _ = writeln!(
                    out,
                    "    /// (every page, following the answers' `Link: rel=\"next\"`, up to `max` items).\n\
                     \x20   pub async fn {m}(&self, input: &{input}) -> Result<{output}> {{\n\
                     \x20       self.{m}_pages(input)?.collect_all().await\n    }}\n\n\
                     \x20   /// The pages of `{}`, fetched as they are read.\n\
                     \x20   pub fn {m}_pages(&self, input: &{input}) -> Result<{pager}<{item}>> {{\n\
                     \x20       let request = {m}_request(connector_core::HasConnection::connection(self), input)?;\n\
                     \x20       Ok({pager}::new(connector_core::HasConnection::connection(self).clone(), request, input.max))\n    }}\n",
                    op.action_id
                );
            }
            _ if op.answer.schema.is_none() => {
                let _ = writeln!(
                    out,
                    "    pub async fn {m}(&self, input: &{input}) -> Result<NoContent> {{\n\
                     \x20       let request = {m}_request(connector_core::HasConnection::connection(self), input)?;\n\
                     \x20       let response = connector_core::HasConnection::connection(self).send(request).await?;\n\
                     \x20       Ok(NoContent {{ status: response.status() }})\n    }}\n"
                );
            }
            _ => {
                let _ = writeln!(
                    out,
                    "    pub async fn {m}(&self, input: &{input}) -> Result<{output}> {{\n\
                     \x20       let request = {m}_request(connector_core::HasConnection::connection(self), input)?;\n\
                     \x20       connector_core::HasConnection::connection(self).send_json(request).await\n    }}\n"
                );
            }
        }
    }
    out.push_str("}\n");
    for plan in plans {
        request_fn(&mut out, plan);
    }
    out
}

fn request_fn(out: &mut String, plan: &Plan) {
    let op = &plan.op;
    let _ = writeln!(
        out,
        "\n/// The first request of `{}`.\nfn {}_request(connection: &Connection, input: &{}) -> Result<Request> {{",
        op.action_id, plan.method, plan.input
    );
    // The path: the template's literal parts, each parameter escaped as one segment.
    let mut format = String::new();
    let mut args = Vec::new();
    let mut rest = op.path.as_str();
    while let Some(open) = rest.find('{') {
        let close = rest[open..].find('}').map_or(rest.len(), |c| open + c);
        format.push_str(&rest[..open].replace('{', "{{").replace('}', "}}"));
        format.push_str("{}");
        let name = &rest[open + 1..close];
        let field = plan
            .fields
            .iter()
            .find(|(_, _, i)| op.params[*i].name == name)
            .map_or_else(|| snake(name), |(r, _, _)| r.clone());
        args.push(format!("path_segment(&input.{field}.to_string())"));
        rest = &rest[(close + 1).min(rest.len())..];
    }
    format.push_str(&rest.replace('{', "{{").replace('}', "}}"));
    if args.is_empty() {
        let _ = writeln!(out, "    let path = String::from(\"{format}\");");
    } else {
        let _ = writeln!(
            out,
            "    let path = format!(\"{format}\", {});",
            args.join(", ")
        );
    }
    let has_query = plan
        .fields
        .iter()
        .any(|(_, _, i)| op.params[*i].location == Location::Query);
    let has_more = op.body.is_some()
        || plan
            .fields
            .iter()
            .any(|(_, _, i)| op.params[*i].location == Location::Header);
    if has_query {
        let _ = writeln!(out, "    let mut query: Vec<(&str, String)> = Vec::new();");
    }
    for (rust, _, i) in &plan.fields {
        let p = &op.params[*i];
        if p.location != Location::Query {
            continue;
        }
        let push = |value: &str| match p.array_style {
            _ if !is_array(&p.schema) => {
                format!("query.push(({:?}, {value}.to_string()));", p.name)
            }
            ArrayStyle::Repeat => format!(
                "for item in {value} {{ query.push(({:?}, item.to_string())); }}",
                p.name
            ),
            ArrayStyle::Join(sep) => format!(
                "query.push(({:?}, {value}.iter().map(ToString::to_string).collect::<Vec<_>>().join({sep:?})));",
                p.name
            ),
        };
        if p.required {
            let _ = writeln!(out, "    {}", push(&format!("&input.{rust}")));
        } else {
            let _ = writeln!(
                out,
                "    if let Some(value) = &input.{rust} {{ {} }}",
                push("value")
            );
        }
    }
    let _ = writeln!(
        out,
        "    let {}request = connection.request(Method::{}, &path){};",
        if has_more { "mut " } else { "" },
        op.method,
        if has_query { ".query(query)" } else { "" }
    );
    for (rust, _, i) in &plan.fields {
        let p = &op.params[*i];
        if p.location != Location::Header {
            continue;
        }
        if p.required {
            let _ = writeln!(
                out,
                "    request = request.try_header({:?}, &input.{rust}.to_string())?;",
                p.name
            );
        } else {
            let _ = writeln!(
                out,
                "    if let Some(value) = &input.{rust} {{ request = request.try_header({:?}, &value.to_string())?; }}",
                p.name
            );
        }
    }
    match plan.body {
        BodyField::None => {}
        BodyField::Flattened => {
            let _ = writeln!(out, "    request = request.json(&input.body)?;");
        }
        BodyField::Field => {
            if op.body.as_ref().is_some_and(|b| b.required) {
                let _ = writeln!(out, "    request = request.json(&input.body)?;");
            } else {
                let _ = writeln!(
                    out,
                    "    if let Some(body) = &input.body {{ request = request.json(body)?; }}"
                );
            }
        }
    }
    let _ = writeln!(out, "    Ok(request)\n}}");
}

fn is_array(schema: &Value) -> bool {
    schema.get("type").and_then(Value::as_str) == Some("array")
}

fn actions(config: &Config, plans: &[Plan]) -> String {
    let client = &config.client;
    let mut out = format!(
        "{GENERATED_LINE}\n//! The generated actions, for the connector's action table.\n\n\
         use connector_core::{{ActionDef, ConnectorDef}};\n\nuse super::inputs::*;\nuse crate::{client};\n\n\
         /// Adds the generated actions to the connector's definition.\n\
         pub(crate) fn register(connector: ConnectorDef<{client}>) -> ConnectorDef<{client}> {{\n    connector\n"
    );
    for plan in plans {
        let op = &plan.op;
        let _ = writeln!(
            out,
            "        .action(ActionDef::new(\n            {:?},\n            {:?},\n            {:?},\n            |client: {client}, input: {}| async move {{ client.{}(&input).await }},\n        ))",
            op.action_id, op.name, op.description, plan.input, plan.method
        );
    }
    out.push_str("}\n");
    out
}
