//! The API Connector (`httpfunctions`: Raw Request, Get, Post, Put, Patch, Delete) ->
//! `http.request` (`{method, url, query, headers, body}` -> `{statusCode, headers, body}`).

use serde_json::Value;

use crate::ctx::FlowCtx;
use crate::emit::{StepOut, Y};
use crate::model::{Card, Port};
use crate::val::Val;

/// The step of an API Connector card.
pub(crate) fn lower(
    ctx: &mut FlowCtx<'_, '_>,
    card: &Card,
    key: &str,
) -> Result<Vec<StepOut>, String> {
    let method = match key {
        "raw" => None,
        "get" => Some("GET"),
        "post" => Some("POST"),
        "put" => Some("PUT"),
        "patch" => Some("PATCH"),
        "delete" => Some("DELETE"),
        other => {
            return Err(format!(
                "the API Connector card {other:?} has no counterpart (http.request sends one request)"
            ));
        }
    };
    let mut input: Vec<(String, Y)> = Vec::new();
    if let Some(method) = method {
        input.push(("method".into(), Y::Str(method.into())));
    }
    for port in card.inputs() {
        if port.is_context() {
            continue;
        }
        let value = ctx.input_val(card, port)?;
        let target = match port.key.as_str() {
            "Method" => "method",
            "URL" | "Url" => "url",
            "Query" => "query",
            "Headers" => "headers",
            "Body" => "body",
            _ if value.is_blank() => continue,
            // The card's own settings (`object`: the answer's shape).
            "object" => continue,
            other => {
                return Err(format!(
                    "its input {other:?} has no counterpart in http.request"
                ));
            }
        };
        if value.is_blank() && target != "url" {
            continue;
        }
        let value = match (target, value) {
            ("method", Val::Lit(Value::String(m))) => {
                Val::Lit(Value::String(m.to_ascii_uppercase()))
            }
            // A query written as text (`?a=1&b=2`, or `?` alone): its pairs.
            ("query", Val::Lit(Value::String(q))) => {
                let pairs: serde_json::Map<String, Value> =
                    url::form_urlencoded::parse(q.trim_start_matches('?').as_bytes())
                        .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
                        .collect();
                if pairs.is_empty() {
                    continue;
                }
                Val::Lit(Value::Object(pairs))
            }
            (_, v) => v,
        };
        input.retain(|(k, _)| k != target);
        input.push((target.into(), value.template()));
    }
    let id = ctx.step_id(card);
    let mut step = StepOut::new(&id)
        .with("card", Y::Str("http.request".into()))
        .with("input", Y::Map(input));
    if let Some(name) = card
        .config_id()
        .and_then(|c| ctx.shared.connections.get(c).cloned().flatten())
    {
        step = step.with("connection", Y::Str(name));
    }
    Ok(vec![step])
}

/// The expression of an API Connector card's output.
pub(crate) fn output(port: &Port, base: &str) -> Result<String, String> {
    match port.key.as_str() {
        "Body" | "body" => Ok(format!("{base}.body")),
        "Status Code" | "statusCode" => Ok(format!("{base}.statusCode")),
        "Headers" | "headers" => Ok(format!("{base}.headers")),
        other => Err(format!(
            "reads the answer's {other:?}, which http.request does not give"
        )),
    }
}
