//! `api.rs`: the typed methods on the client and the request builder of each operation.

use std::fmt::Write as _;

use serde_json::Value;

use super::super::GENERATED_LINE;
use super::super::config::Config;
use super::super::document::{ArrayStyle, Location};
use super::super::names::snake;
use super::{BodyField, Plan, doc_lines};

pub(super) fn api(config: &Config, plans: &[Plan]) -> String {
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
                let (binding, ending) = match &op.ends_at_empty_page_without {
                    Some(name) => {
                        let field = plan
                            .fields
                            .iter()
                            .find(|(_, _, i)| &op.params[*i].name == name)
                            .map_or_else(|| snake(name), |(r, _, _)| r.clone());
                        (
                            "let pages",
                            format!(
                                "\n        // Without `{name}` the service always gives a next link: an empty page ends the list.\n\
                                 \x20       Ok(if input.{field}.is_none() {{ pages.ending_at_empty_page() }} else {{ pages }})"
                            ),
                        )
                    }
                    None => ("", String::new()),
                };
                let _ = writeln!(
                    out,
                    "    /// (every page, following the answers' `Link: rel=\"next\"`, up to `max` items).\n\
                     \x20   pub async fn {m}(&self, input: &{input}) -> Result<{output}> {{\n\
                     \x20       self.{m}_pages(input)?.collect_all().await\n    }}\n\n\
                     \x20   /// The pages of `{}`, fetched as they are read.\n\
                     \x20   pub fn {m}_pages(&self, input: &{input}) -> Result<{pager}<{item}>> {{\n\
                     \x20       let request = {m}_request(connector_core::HasConnection::connection(self), input)?;\n\
                     \x20       {binding}{eq}{pager}::list(connector_core::HasConnection::connection(self).clone(), request, input.max){semi}{ending}\n    }}\n",
                    op.action_id,
                    eq = if binding == "let pages" { " = " } else { "" },
                    semi = if binding == "let pages" { "?;" } else { "" },
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
                "for item in {value}.iter() {{ query.push(({:?}, item.to_string())); }}",
                p.name
            ),
            ArrayStyle::Join(sep) => format!(
                "query.push(({:?}, {value}.iter().map(ToString::to_string).collect::<Vec<_>>().join({sep:?})));",
                p.name
            ),
        };
        if p.required {
            let _ = writeln!(out, "    {}", push(&format!("input.{rust}")));
        } else if let Some(default) = &p.default {
            // Booleans and numbers are `Copy`; a string default is cloned.
            let value = match default {
                Value::String(s) => {
                    format!("input.{rust}.clone().unwrap_or_else(|| {s:?}.to_owned())")
                }
                other => format!("input.{rust}.unwrap_or({other})"),
            };
            let _ = writeln!(out, "    let value = {value}; {}", push("value"));
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
        BodyField::Flattened if !plan.lifted.is_empty() => {
            let _ = writeln!(
                out,
                "    let mut body = serde_json::to_value(&input.body).map_err(|e| connector_core::Error::invalid_input(format!(\"the body cannot be written: {{e}}\")))?;\n\
                 \x20   if let Some(fields) = body.as_object_mut() {{"
            );
            for lifted in &plan.lifted {
                let _ = writeln!(
                    out,
                    "        fields.insert({:?}.to_owned(), serde_json::json!(input.{}));",
                    lifted.property, lifted.rust
                );
            }
            let _ = writeln!(out, "    }}\n    request = request.json(&body)?;");
        }
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
