//! `inputs.rs`: one input type per operation (parameters and body, camelCase JSON).

use std::fmt::Write as _;

use super::super::GENERATED_LINE;
use super::super::document::Location;
use super::{BodyField, Plan, doc_lines};

pub(super) fn inputs(plans: &[Plan]) -> String {
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
            if let Some(default) = &p.default {
                let _ = writeln!(
                    out,
                    "    ///\n    /// Default: `{default}` (sent when left out)."
                );
            }
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
        for lifted in &plan.lifted {
            let description = if lifted.description.trim().is_empty() {
                format!("The body's `{}`.", lifted.property)
            } else {
                format!(
                    "{} (sent as the body's `{}`)",
                    lifted.description.trim(),
                    lifted.property
                )
            };
            doc_lines(&mut out, &description, "    ");
            let _ = writeln!(
                out,
                "    #[serde(rename = \"{}\")]\n    pub {}: {},",
                lifted.json, lifted.rust, lifted.ty
            );
        }
        if plan.paged_item.is_some() {
            let _ = writeln!(
                out,
                "    /// Stop after this many items (not sent: pages are read until then; default 1,000, at most 100,000).\n\
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
