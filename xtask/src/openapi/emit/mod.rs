//! The generated module: input types, typed methods on the client, the actions'
//! definitions. Each operation is named after its action (`create-group`: the input
//! `CreateGroupInput`, the method `create_group`, the definition `actions::create_group()`),
//! as the hand-written actions are.

use std::fmt::Write as _;

use serde_json::Value;

mod actions;
mod api;
mod inputs;

use super::GENERATED_LINE;
use super::config::Config;
use super::document::{Document, Location, Operation};
use super::names::{camel, pascal, snake};
use super::types::Types;

pub(crate) use actions::action_function;

/// What the emitter decided for one operation (the tests use it too).
pub(crate) struct Plan {
    /// The operation.
    pub(crate) op: Operation,
    /// `list_groups`: the typed method, and the function in `actions` defining the action.
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
    /// Body properties offered as input fields of another name.
    pub(crate) lifted: Vec<Lifted>,
}

/// A body property the input offers under another name (`openapi.toml`'s `lift`).
pub(crate) struct Lifted {
    /// The field's Rust name (`user_id`).
    pub(crate) rust: String,
    /// The input's JSON name (`userId`).
    pub(crate) json: String,
    /// The body property it fills (`id`).
    pub(crate) property: String,
    /// Its Rust type.
    pub(crate) ty: String,
    /// Its description.
    pub(crate) description: String,
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

/// Files: (file name, contents before formatting).
pub(crate) type Files = Vec<(String, String)>;

/// The module's files, and the plan of each operation.
pub(crate) fn module(
    config: &Config,
    doc: &Document,
    ops: Vec<Operation>,
    document_name: &str,
) -> Result<(Files, Vec<Plan>), String> {
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
    let ids: Vec<String> = plans
        .iter()
        .map(|p| format!("`{}`", p.op.operation_id))
        .collect();
    let mut mod_rs = format!("{GENERATED_LINE}\n");
    doc_comment(
        &mut mod_rs,
        &format!(
            "Actions generated from `{document_name}` by `cargo xtask codegen`, for the operations \
             the crate's `openapi.toml` lists ({}). Each has an input type, a typed method on \
             [`{client}`] named after the action, and a definition in `actions` that the \
             connector's action table lists.",
            ids.join(", ")
        ),
    );
    mod_rs.push_str(
        "\npub(crate) mod actions;\nmod api;\nmod inputs;\npub mod types;\n\npub use inputs::{",
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
        ("inputs.rs".to_owned(), inputs::inputs(&plans)),
        ("api.rs".to_owned(), api::api(config, &plans)),
        ("actions.rs".to_owned(), actions::actions(config, &plans)),
    ];
    Ok((files, plans))
}

fn plan(
    config: &Config,
    doc: &Document,
    types: &mut Types<'_>,
    op: Operation,
) -> Result<Plan, String> {
    let base = pascal(&op.action_id);
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
    let mut lifted = Vec::new();
    let mut lifted_body = None;
    if !op.lift.is_empty() {
        let Some(b) = &op.body else {
            return Err(format!(
                "operation `{}`: `lift` needs a request body",
                op.operation_id
            ));
        };
        let (mut properties, mut required) = flat_object(doc, &b.schema, 0);
        for (property, input) in &op.lift {
            let Some(schema) = properties.remove(property) else {
                return Err(format!(
                    "operation `{}`: the body has no property `{property}` to lift",
                    op.operation_id
                ));
            };
            required.retain(|r| r != property);
            let ty = types.type_of(&schema, &format!("{base}{}", pascal(input)))?;
            let description = doc
                .resolve(&schema)
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            lifted.push(Lifted {
                rust: snake(input),
                json: input.clone(),
                property: property.clone(),
                ty: plain_type(&ty),
                description,
            });
        }
        lifted_body = Some(serde_json::json!({
            "type": "object",
            "properties": properties,
            "required": required,
        }));
    }
    let body = match &op.body {
        None => BodyField::None,
        Some(_) if lifted_body.is_some() => BodyField::Flattened,
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
    // after the action.
    let mut param_types = Vec::new();
    for p in &op.params {
        let ty = types.type_of(&p.schema, &format!("{base}{}", pascal(&p.name)))?;
        param_types.push(plain_type(&ty));
    }
    let body_type = match (&lifted_body, &op.body) {
        (Some(schema), _) => Some(plain_type(&types.type_of(schema, &format!("{base}Body"))?)),
        (None, Some(b)) => Some(plain_type(
            &types.type_of(&b.schema, &format!("{base}Body"))?,
        )),
        (None, None) => None,
    };
    Ok(Plan {
        method: action_function(&op),
        input: format!("{base}Input"),
        fields,
        body,
        output: plain_type(&output),
        paged_item,
        param_types,
        body_type,
        lifted,
        op,
    })
}

/// An object schema's properties and required names, through `$ref`s and `allOf`, merged
/// into one object (for a body whose properties the input renames).
fn flat_object(
    doc: &Document,
    schema: &Value,
    depth: usize,
) -> (serde_json::Map<String, Value>, Vec<String>) {
    let mut properties = serde_json::Map::new();
    let mut required = Vec::new();
    if depth > 16 {
        return (properties, required);
    }
    let schema = doc.resolve(schema);
    if let Some(own) = schema.get("properties").and_then(Value::as_object) {
        properties.extend(own.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    if let Some(names) = schema.get("required").and_then(Value::as_array) {
        required.extend(names.iter().filter_map(Value::as_str).map(str::to_owned));
    }
    if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
        for part in parts {
            let (p, r) = flat_object(doc, part, depth + 1);
            properties.extend(p);
            required.extend(r);
        }
    }
    required.sort();
    required.dedup();
    (properties, required)
}

/// A type as typify spells it (`::std::vec::Vec<::std::string::String>`) as a person would
/// (`Vec<String>`): the prelude's names are in scope in the generated files.
fn plain_type(ty: &str) -> String {
    ty.replace(' ', "")
        .replace("::std::string::String", "String")
        .replace("::std::vec::Vec", "Vec")
        .replace("::std::option::Option", "Option")
        .replace("::serde_json::", "serde_json::")
}

/// Writes `text` as `///` doc lines at `indent`.
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

/// Writes `text` as `//!` lines of at most about 92 columns (rustfmt leaves comments as
/// they are).
fn doc_comment(out: &mut String, text: &str) {
    let mut line = String::from("//!");
    for word in text.split_whitespace() {
        if line.len() + 1 + word.len() > 92 && line.len() > 3 {
            let _ = writeln!(out, "{line}");
            line = String::from("//!");
        }
        line.push(' ');
        line.push_str(word);
    }
    let _ = writeln!(out, "{line}");
}
