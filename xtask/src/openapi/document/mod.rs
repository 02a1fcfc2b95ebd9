//! The OpenAPI document: the operations a connector asked for, with their parameters,
//! bodies and answers resolved, and every construct the generator cannot serve refused
//! by name.

mod operation;

use std::path::Path;

use openapiv3::OpenAPI;
use serde_json::Value;

use super::config::OperationConfig;

/// A parsed document: the typed tree, and the raw JSON for schemas and examples.
pub struct Document {
    /// The typed document (`openapiv3`).
    pub api: OpenAPI,
    /// The same document as JSON (schemas are converted from here, losslessly).
    pub raw: Value,
}

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    /// A templated path segment, escaped with core's `path_segment`.
    Path,
    /// A query parameter.
    Query,
    /// A request header.
    Header,
}

/// How a query parameter's array value is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArrayStyle {
    /// `k=a&k=b` (`form`, explode).
    Repeat,
    /// `k=a,b` (`form`, not exploded), `k=a%20b` (`spaceDelimited`), `k=a|b` (`pipeDelimited`).
    Join(&'static str),
}

/// One parameter of an operation.
#[derive(Debug, Clone)]
pub struct Param {
    /// The name in the document.
    pub name: String,
    /// Where it goes.
    pub location: Location,
    /// Required by the document.
    pub required: bool,
    /// The document's description.
    pub description: String,
    /// Its schema (OpenAPI JSON, `$ref`s unresolved).
    pub schema: Value,
    /// How an array value is written (query parameters).
    pub array_style: ArrayStyle,
    /// The document's example, when it gives one.
    pub example: Option<Value>,
    /// What the action sends when the input leaves it out (`openapi.toml`'s `defaults`).
    pub default: Option<Value>,
}

/// A JSON request body.
#[derive(Debug, Clone)]
pub struct Body {
    /// Its schema (OpenAPI JSON).
    pub schema: Value,
    /// Required by the document.
    pub required: bool,
    /// The document's example, when it gives one.
    pub example: Option<Value>,
}

/// The successful answer.
#[derive(Debug, Clone)]
pub struct Answer {
    /// The documented 2xx status.
    pub status: u16,
    /// Its JSON schema; `None` for an answer without content (204).
    pub schema: Option<Value>,
    /// The document's example, when it gives one.
    pub example: Option<Value>,
}

/// An operation, ready to generate.
#[derive(Debug, Clone)]
pub struct Operation {
    /// The document's `operationId`.
    pub operation_id: String,
    /// The action id.
    pub action_id: String,
    /// The display name.
    pub name: String,
    /// The description.
    pub description: String,
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path template as the document writes it, after the base path.
    pub path: String,
    /// Path, query and header parameters (path item's first, then the operation's).
    pub params: Vec<Param>,
    /// The JSON body.
    pub body: Option<Body>,
    /// The answer.
    pub answer: Answer,
    /// Body properties offered under another input name: (body property, input name).
    pub lift: Vec<(String, String)>,
    /// For a paged list: the parameter without which an empty page ends the list.
    pub ends_at_empty_page_without: Option<String>,
}

impl Document {
    /// Reads a YAML or JSON document.
    pub fn load(path: &Path) -> Result<Document, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the OpenAPI document {}: {e}", path.display()))?;
        let mut raw: Value = serde_norway::from_str(&text)
            .map_err(|e| format!("{} is not YAML or JSON: {e}", path.display()))?;
        unlink_relative(&mut raw);
        let api: OpenAPI = serde_json::from_value(raw.clone())
            .map_err(|e| format!("{} is not an OpenAPI 3.0 document: {e}", path.display()))?;
        Ok(Document { api, raw })
    }

    /// The path of the first server URL (`/v1`), without a trailing slash.
    pub fn server_base_path(&self) -> String {
        let Some(server) = self.api.servers.first() else {
            return String::new();
        };
        let url = server.url.as_str();
        let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
        let path = if url.contains("://") {
            after_scheme.find('/').map_or("", |i| &after_scheme[i..])
        } else {
            after_scheme
        };
        path.trim_end_matches('/').to_owned()
    }

    /// Resolves the operations a connector asked for; the first problem is an error naming
    /// the operation and the construct.
    pub fn operations(
        &self,
        wanted: &[OperationConfig],
        base_path: &str,
    ) -> Result<Vec<Operation>, String> {
        let mut out: Vec<Operation> = Vec::new();
        for config in wanted {
            let op = self.operation(config, base_path)?;
            if let Some(other) = out.iter().find(|o| o.action_id == op.action_id) {
                return Err(format!(
                    "operations `{}` and `{}` would both be the action `{}`; give one another id",
                    other.operation_id, op.operation_id, op.action_id
                ));
            }
            out.push(op);
        }
        Ok(out)
    }

    /// Operation ids close to `id`, as a hint after an unknown one.
    fn suggest(&self, id: &str) -> String {
        let lower = id.to_ascii_lowercase();
        let mut close: Vec<&str> = self
            .api
            .operations()
            .filter_map(|(_, _, op)| op.operation_id.as_deref())
            .filter(|o| {
                let o = o.to_ascii_lowercase();
                o.contains(&lower) || lower.contains(&o) || common_prefix(&o, &lower) >= 6
            })
            .collect();
        close.sort_unstable();
        close.truncate(5);
        if close.is_empty() {
            String::new()
        } else {
            format!(" (close: {})", close.join(", "))
        }
    }

    /// A schema by `$ref` (`#/components/schemas/Name`).
    pub fn schema_ref(&self, reference: &str) -> Option<&Value> {
        let name = reference.strip_prefix("#/components/schemas/")?;
        self.raw["components"]["schemas"].get(name)
    }

    /// `object`, `array`, `string`, ... of a schema, through `$ref`s; `""` when untyped.
    pub fn schema_kind<'a>(&'a self, schema: &'a Value) -> &'a str {
        let mut current = schema;
        for _ in 0..16 {
            match current.get("$ref").and_then(Value::as_str) {
                Some(r) => match self.schema_ref(r) {
                    Some(target) => current = target,
                    None => return "",
                },
                None => break,
            }
        }
        match current.get("type").and_then(Value::as_str) {
            Some(t) => t,
            None if current.get("properties").is_some() || current.get("allOf").is_some() => {
                "object"
            }
            None => "",
        }
    }
}

/// Turns the Markdown links of every `description` whose target is relative to the
/// vendor's site (`[resources](/openapi/...)`, `[see](#anchor)`) into their text: copied
/// into rustdoc, the reference pages and the schemas, they would lead nowhere.
fn unlink_relative(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, value) in map.iter_mut() {
                match value {
                    Value::String(text) if key == "description" => *text = unlinked(text),
                    _ => unlink_relative(value),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(unlink_relative),
        _ => {}
    }
}

/// `text` with each `[label](target)` whose target is not an absolute `http(s)` URL
/// replaced by `label`.
fn unlinked(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        let Some(close) = rest[open..].find(']').map(|i| open + i) else {
            break;
        };
        let link = rest[close + 1..]
            .strip_prefix('(')
            .and_then(|after| after.find(')').map(|end| &after[..end]));
        out.push_str(&rest[..open]);
        match link {
            Some(target) if !target.starts_with("http://") && !target.starts_with("https://") => {
                out.push_str(&rest[open + 1..close]);
                rest = &rest[close + 2 + target.len() + 1..];
            }
            Some(target) => {
                out.push_str(&rest[open..close + 2 + target.len() + 1]);
                rest = &rest[close + 2 + target.len() + 1..];
            }
            None => {
                out.push_str(&rest[open..=close]);
                rest = &rest[close + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn common_prefix(a: &str, b: &str) -> usize {
    a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count()
}

impl Document {
    /// Follows `$ref`s to the schema they name.
    pub fn resolve<'a>(&'a self, mut schema: &'a Value) -> &'a Value {
        for _ in 0..16 {
            match schema
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| self.schema_ref(r))
            {
                Some(target) => schema = target,
                None => break,
            }
        }
        schema
    }

    /// The property names of an object schema, through `$ref`s and `allOf`.
    pub fn property_names(&self, schema: &Value) -> Vec<String> {
        let schema = self.resolve(schema);
        let mut names: Vec<String> = schema
            .get("properties")
            .and_then(Value::as_object)
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default();
        if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
            for part in parts {
                names.extend(self.property_names(part));
            }
        }
        names
    }

    /// The item schema of an array schema.
    pub fn array_items<'a>(&'a self, schema: &'a Value) -> Option<&'a Value> {
        self.resolve(schema).get("items")
    }
}

#[cfg(test)]
mod tests {
    use super::unlinked;

    #[test]
    fn links_relative_to_the_vendor_site_become_their_text() {
        assert_eq!(
            unlinked("[Discoverable resources](/openapi/group#t=response) related to it"),
            "Discoverable resources related to it"
        );
        assert_eq!(
            unlinked("see [below](#x) and [RFC](https://a.b/c)."),
            "see below and [RFC](https://a.b/c)."
        );
        assert_eq!(unlinked("an array [0] and [a](b"), "an array [0] and [a](b");
        assert_eq!(unlinked("[0] then [x](/y)"), "[0] then x");
    }
}
