//! The OpenAPI document: the operations a connector asked for, with their parameters,
//! bodies and answers resolved, and every construct the generator cannot serve refused
//! by name.

use std::path::Path;

use openapiv3::{
    OpenAPI, Parameter, ParameterSchemaOrContent, QueryStyle, ReferenceOr, RequestBody, Response,
    StatusCode,
};
use serde_json::Value;

use super::config::OperationConfig;
use super::names::{kebab, title};

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
}

impl Document {
    /// Reads a YAML or JSON document.
    pub fn load(path: &Path) -> Result<Document, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the OpenAPI document {}: {e}", path.display()))?;
        let raw: Value = serde_norway::from_str(&text)
            .map_err(|e| format!("{} is not YAML or JSON: {e}", path.display()))?;
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

    fn operation(&self, config: &OperationConfig, base_path: &str) -> Result<Operation, String> {
        let id = config.operation_id.as_str();
        let mut found = None;
        for (path, item) in &self.api.paths.paths {
            let ReferenceOr::Item(item) = item else {
                continue;
            };
            for (method, op) in item.iter() {
                if op.operation_id.as_deref() == Some(id) {
                    found = Some((path, item, method, op));
                }
            }
        }
        let Some((path, item, method, op)) = found else {
            return Err(format!(
                "operation `{id}` is not in the document{}",
                self.suggest(id)
            ));
        };
        let refuse = |what: String| Err(format!("operation `{id}`: {what} is not supported"));
        if let Some(name) = op.callbacks.keys().next() {
            return refuse(format!("the callback `{name}`"));
        }
        let mut params = Vec::new();
        for p in item.parameters.iter().chain(&op.parameters) {
            let p = self.resolve_param(p).ok_or_else(|| {
                format!("operation `{id}`: a parameter reference cannot be resolved")
            })?;
            let param = self.param(id, p)?;
            params.retain(|q: &Param| !(q.name == param.name && q.location == param.location));
            params.push(param);
        }
        let body = match &op.request_body {
            None => None,
            Some(body) => {
                let body = self.resolve_body(body).ok_or_else(|| {
                    format!("operation `{id}`: the request body reference cannot be resolved")
                })?;
                Some(self.body(id, body)?)
            }
        };
        let answer = self.answer(id, &op.responses)?;
        let action_id = config.id.clone().unwrap_or_else(|| kebab(id));
        let description =
            config
                .description
                .clone()
                .unwrap_or_else(|| match (&op.summary, &op.description) {
                    (Some(s), Some(d)) => format!("{}. {d}", s.trim_end_matches('.')),
                    (Some(s), None) => s.clone(),
                    (None, Some(d)) => d.clone(),
                    (None, None) => format!("The `{id}` operation."),
                });
        Ok(Operation {
            operation_id: id.to_owned(),
            name: config.name.clone().unwrap_or_else(|| title(&action_id)),
            action_id,
            description: description.trim().to_owned(),
            method: method.to_ascii_uppercase(),
            path: format!("{base_path}{path}"),
            params,
            body,
            answer,
        })
    }

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

    fn resolve_param<'a>(&'a self, p: &'a ReferenceOr<Parameter>) -> Option<&'a Parameter> {
        match p {
            ReferenceOr::Item(p) => Some(p),
            ReferenceOr::Reference { reference } => {
                let name = reference.strip_prefix("#/components/parameters/")?;
                match self.api.components.as_ref()?.parameters.get(name)? {
                    ReferenceOr::Item(p) => Some(p),
                    ReferenceOr::Reference { .. } => None,
                }
            }
        }
    }

    fn resolve_body<'a>(&'a self, b: &'a ReferenceOr<RequestBody>) -> Option<&'a RequestBody> {
        match b {
            ReferenceOr::Item(b) => Some(b),
            ReferenceOr::Reference { reference } => {
                let name = reference.strip_prefix("#/components/requestBodies/")?;
                self.api
                    .components
                    .as_ref()?
                    .request_bodies
                    .get(name)?
                    .as_item()
            }
        }
    }

    fn resolve_response<'a>(&'a self, r: &'a ReferenceOr<Response>) -> Option<&'a Response> {
        match r {
            ReferenceOr::Item(r) => Some(r),
            ReferenceOr::Reference { reference } => {
                let name = reference.strip_prefix("#/components/responses/")?;
                self.api.components.as_ref()?.responses.get(name)?.as_item()
            }
        }
    }

    fn param(&self, id: &str, p: &Parameter) -> Result<Param, String> {
        let data = p.parameter_data_ref();
        let name = &data.name;
        let refuse = |what: &str| Err(format!("operation `{id}`: {what} is not supported"));
        let schema = match &data.format {
            ParameterSchemaOrContent::Schema(schema) => serde_json::to_value(schema)
                .map_err(|e| format!("operation `{id}`: parameter `{name}`: {e}"))?,
            ParameterSchemaOrContent::Content(_) => {
                return refuse(&format!("the parameter `{name}` with `content`"));
            }
        };
        let kind = self.schema_kind(&schema);
        let (location, array_style) = match p {
            Parameter::Path { .. } => (Location::Path, ArrayStyle::Join(",")),
            Parameter::Header { .. } => (Location::Header, ArrayStyle::Join(",")),
            Parameter::Cookie { .. } => return refuse(&format!("the cookie parameter `{name}`")),
            Parameter::Query { style, .. } => {
                let explode = data.explode.unwrap_or(matches!(style, QueryStyle::Form));
                let style = match style {
                    QueryStyle::Form if explode => ArrayStyle::Repeat,
                    QueryStyle::Form => ArrayStyle::Join(","),
                    QueryStyle::SpaceDelimited => ArrayStyle::Join(" "),
                    QueryStyle::PipeDelimited => ArrayStyle::Join("|"),
                    QueryStyle::DeepObject => {
                        return refuse(&format!("the deepObject query parameter `{name}`"));
                    }
                };
                (Location::Query, style)
            }
        };
        if kind == "object" {
            return refuse(&format!("the object-valued parameter `{name}`"));
        }
        if location != Location::Query && kind == "array" {
            return refuse(&format!(
                "the array-valued path or header parameter `{name}`"
            ));
        }
        let example = data.example.clone().or_else(|| {
            data.examples
                .values()
                .find_map(|e| e.as_item().and_then(|e| e.value.clone()))
        });
        Ok(Param {
            name: name.clone(),
            location,
            required: data.required || location == Location::Path,
            description: data.description.clone().unwrap_or_default(),
            schema,
            array_style,
            example,
        })
    }

    fn body(&self, id: &str, body: &RequestBody) -> Result<Body, String> {
        let json = body
            .content
            .iter()
            .find(|(media, _)| is_json(media))
            .map(|(_, m)| m);
        let Some(media) = json else {
            let media = body.content.keys().next().map_or("(none)", String::as_str);
            return Err(format!(
                "operation `{id}`: the request body `{media}` is not supported (only application/json)"
            ));
        };
        let schema = media
            .schema
            .as_ref()
            .map(serde_json::to_value)
            .transpose()
            .map_err(|e| format!("operation `{id}`: request body: {e}"))?
            .unwrap_or_else(|| serde_json::json!({}));
        Ok(Body {
            schema,
            required: body.required,
            example: media
                .example
                .clone()
                .or_else(|| self.first_example(&media.examples)),
        })
    }

    fn answer(&self, id: &str, responses: &openapiv3::Responses) -> Result<Answer, String> {
        let success = responses.responses.iter().find_map(|(code, r)| match code {
            StatusCode::Code(c) if (200..300).contains(c) => Some((*c, r)),
            StatusCode::Range(2) => Some((200, r)),
            _ => None,
        });
        let Some((status, response)) = success else {
            return Err(format!("operation `{id}` documents no 2xx answer"));
        };
        let response = self.resolve_response(response).ok_or_else(|| {
            format!("operation `{id}`: the {status} answer's reference cannot be resolved")
        })?;
        if response.content.is_empty() {
            return Ok(Answer {
                status,
                schema: None,
                example: None,
            });
        }
        let Some(media) = response
            .content
            .iter()
            .find(|(m, _)| is_json(m))
            .map(|(_, m)| m)
        else {
            let media = response.content.keys().next().map_or("", String::as_str);
            return Err(format!(
                "operation `{id}`: the {status} answer `{media}` is not supported (only application/json)"
            ));
        };
        let schema = media
            .schema
            .as_ref()
            .map(serde_json::to_value)
            .transpose()
            .map_err(|e| format!("operation `{id}`: answer: {e}"))?
            .unwrap_or_else(|| serde_json::json!({}));
        Ok(Answer {
            status,
            schema: Some(schema),
            example: media
                .example
                .clone()
                .or_else(|| self.first_example(&media.examples)),
        })
    }

    fn first_example<'a>(
        &self,
        examples: impl IntoIterator<Item = (&'a String, &'a ReferenceOr<openapiv3::Example>)>,
    ) -> Option<Value> {
        examples.into_iter().find_map(|(_, e)| match e {
            ReferenceOr::Item(e) => e.value.clone(),
            ReferenceOr::Reference { reference } => {
                let name = reference.strip_prefix("#/components/examples/")?;
                self.raw["components"]["examples"][name]
                    .get("value")
                    .cloned()
            }
        })
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

fn is_json(media: &str) -> bool {
    let media = media.split(';').next().unwrap_or("").trim();
    media == "application/json" || media.ends_with("+json")
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
