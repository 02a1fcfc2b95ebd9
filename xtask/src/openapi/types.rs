//! The document's schemas as Rust types, through `typify` (JSON Schema to Rust).
//!
//! OpenAPI 3.0 schemas become JSON Schema through the bridge `spec-check` also validates
//! with ([`spec_check::to_json_schema`] for [`Purpose::Types`]: `nullable`, `$ref` targets,
//! constraints the service enforces left out, unnamed fields kept in a flattened map).

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::{Delimiter, Group, Ident, Literal, Punct, Spacing, Span, TokenStream, TokenTree};
use serde_json::Value;
use spec_check::{Purpose, to_json_schema};
use typify::{TypeSpace, TypeSpaceSettings};

use super::document::Document;

const COMPONENTS: &str = "#/components/schemas/";

/// The component names a schema refers to (`#/components/schemas/Name`), directly.
fn refs(schema: &Value, out: &mut BTreeSet<String>) {
    match schema {
        Value::Object(map) => {
            for (key, value) in map {
                if key == "$ref" {
                    if let Some(name) = value.as_str().and_then(|r| r.strip_prefix(COMPONENTS)) {
                        out.insert(name.to_owned());
                    }
                } else {
                    refs(value, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

/// Builds the Rust types of the schemas an operation set uses.
pub struct Types<'a> {
    doc: &'a Document,
    space: TypeSpace,
}

impl<'a> Types<'a> {
    /// A type space holding every component schema reachable from `roots`.
    pub fn new(doc: &'a Document, roots: &[&Value]) -> Result<Types<'a>, String> {
        let mut settings = TypeSpaceSettings::default();
        settings.with_derive("schemars::JsonSchema".to_owned());
        let mut space = TypeSpace::new(&settings);
        let mut wanted = BTreeSet::new();
        for root in roots {
            refs(root, &mut wanted);
        }
        let mut defs: BTreeMap<String, schemars08::schema::Schema> = BTreeMap::new();
        let mut queue: Vec<String> = wanted.into_iter().collect();
        while let Some(name) = queue.pop() {
            if defs.contains_key(&name) {
                continue;
            }
            let schema = doc
                .schema_ref(&format!("{COMPONENTS}{name}"))
                .ok_or_else(|| format!("the schema `{name}` is referred to but not defined"))?;
            let mut more = BTreeSet::new();
            refs(schema, &mut more);
            queue.extend(more);
            let converted = serde_json::from_value(to_json_schema(schema, Purpose::Types))
                .map_err(|e| format!("the schema `{name}` is not valid JSON Schema: {e}"))?;
            defs.insert(name, converted);
        }
        space
            .add_ref_types(defs)
            .map_err(|e| format!("cannot generate types for the document's schemas: {e}"))?;
        Ok(Types { doc, space })
    }

    /// The Rust type of a schema (named `name` when it needs a type of its own).
    pub fn type_of(&mut self, schema: &Value, name: &str) -> Result<String, String> {
        let converted: schemars08::schema::Schema =
            serde_json::from_value(to_json_schema(schema, Purpose::Types))
                .map_err(|e| format!("{name}: not valid JSON Schema: {e}"))?;
        let id = self
            .space
            .add_type_with_name(&converted, Some(name.to_owned()))
            .map_err(|e| format!("{name}: {e}"))?;
        let ty = self
            .space
            .get_type(&id)
            .map_err(|e| format!("{name}: {e}"))?;
        Ok(ty.ident().to_string())
    }

    /// True when the schema is an object with properties (a body flattened into the input).
    pub fn is_object(&self, schema: &Value) -> bool {
        self.doc.schema_kind(schema) == "object"
    }

    /// The source of every type added, formatted.
    pub fn render(&self) -> Result<String, String> {
        let file: syn::File = syn::parse2(doc_lines(self.space.to_stream()))
            .map_err(|e| format!("typify's output does not parse: {e}"))?;
        let text = prettyplease::unparse(&file);
        let text = untested_examples(&text);
        // typify documents the extra-fields map only in the schema; say it on the field.
        Ok(text.replace(
            "    #[serde(flatten)]\n    pub extra:",
            "    /// Every other field, as the service sent it.\n    #[serde(flatten)]\n    pub extra:",
        ))
    }
}

/// Marks the document's bare code fences in doc comments (JSON examples, mostly) as
/// `text`, so that rustdoc does not compile them as Rust doctests.
fn untested_examples(text: &str) -> String {
    let mut open = false;
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let body = line.trim_start();
        let fence = body.strip_prefix("///").map(str::trim_start);
        match fence {
            Some(rest) if rest.starts_with("```") => {
                if !open && rest.trim() == "```" {
                    out.push_str(&line.replacen("```", "```text", 1));
                } else {
                    out.push_str(line);
                }
                open = !open;
            }
            _ => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

/// Splits every multi-line `#[doc = "..."]` into one attribute per line, so that the docs
/// are printed as `///` lines. Printed as one `/** ... */` block instead, `rustfmt` indents
/// its lines with the item, and rustdoc then reads the paragraphs after the first as
/// indented code blocks.
fn doc_lines(stream: TokenStream) -> TokenStream {
    let mut out = Vec::new();
    let mut tokens = stream.into_iter().peekable();
    while let Some(token) = tokens.next() {
        match token {
            TokenTree::Punct(hash) if hash.as_char() == '#' => {
                let lines = match tokens.peek() {
                    Some(TokenTree::Group(attr)) if attr.delimiter() == Delimiter::Bracket => {
                        doc_text(attr.stream()).filter(|text| text.contains('\n'))
                    }
                    _ => None,
                };
                match lines {
                    Some(text) => {
                        tokens.next();
                        for line in text.split('\n') {
                            let attr: TokenStream = [
                                TokenTree::Ident(Ident::new("doc", Span::call_site())),
                                TokenTree::Punct(Punct::new('=', Spacing::Alone)),
                                TokenTree::Literal(Literal::string(line)),
                            ]
                            .into_iter()
                            .collect();
                            out.push(TokenTree::Punct(hash.clone()));
                            out.push(TokenTree::Group(Group::new(Delimiter::Bracket, attr)));
                        }
                    }
                    None => out.push(TokenTree::Punct(hash)),
                }
            }
            TokenTree::Group(group) => {
                let mut inner = Group::new(group.delimiter(), doc_lines(group.stream()));
                inner.set_span(group.span());
                out.push(TokenTree::Group(inner));
            }
            other => out.push(other),
        }
    }
    out.into_iter().collect()
}

/// The text of an attribute's body when it is `doc = "..."`.
fn doc_text(attr: TokenStream) -> Option<String> {
    let mut tokens = attr.into_iter();
    match (tokens.next(), tokens.next(), tokens.next(), tokens.next()) {
        (
            Some(TokenTree::Ident(name)),
            Some(TokenTree::Punct(eq)),
            Some(TokenTree::Literal(lit)),
            None,
        ) if name == "doc" && eq.as_char() == '=' => {
            syn::parse2::<syn::LitStr>(TokenTree::Literal(lit).into())
                .ok()
                .map(|s| s.value())
        }
        _ => None,
    }
}
