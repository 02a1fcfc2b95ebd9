//! One operation of the document: its parameters, body and answer resolved, and what the
//! generator cannot serve (callbacks, non-JSON bodies, cookie or `content` parameters, ...)
//! refused by name.

use openapiv3::{
    Parameter, ParameterSchemaOrContent, QueryStyle, ReferenceOr, RequestBody, Response, StatusCode,
};
use serde_json::Value;

use super::super::config::OperationConfig;
use super::super::names::{kebab, title};
use super::{Answer, ArrayStyle, Body, Document, Location, Operation, Param};

impl Document {
    pub(super) fn operation(
        &self,
        config: &OperationConfig,
        base_path: &str,
    ) -> Result<Operation, String> {
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
        for name in &config.omit {
            match params.iter().position(|p| &p.name == name) {
                Some(i) if !params[i].required => {
                    params.remove(i);
                }
                Some(_) => return refuse(format!("omitting the required parameter `{name}`")),
                None => {
                    return Err(format!(
                        "operation `{id}` has no parameter `{name}` to omit"
                    ));
                }
            }
        }
        for (name, value) in &config.defaults {
            let Some(param) = params.iter_mut().find(|p| &p.name == name) else {
                return Err(format!(
                    "operation `{id}` has no parameter `{name}` to default"
                ));
            };
            if param.location != Location::Query || param.required {
                return refuse(format!(
                    "a default for the parameter `{name}` (only optional query parameters take one)"
                ));
            }
            let value = match value {
                toml::Value::Boolean(b) => Value::Bool(*b),
                toml::Value::Integer(n) => Value::from(*n),
                toml::Value::String(s) => Value::String(s.clone()),
                _ => {
                    return refuse(format!(
                        "the default of `{name}` (a boolean, integer or string)"
                    ));
                }
            };
            param.default = Some(value);
        }
        if let Some(name) = &config.ends_at_empty_page_without
            && !params
                .iter()
                .any(|p| &p.name == name && p.location == Location::Query)
        {
            return Err(format!("operation `{id}` has no query parameter `{name}`"));
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
            lift: config
                .lift
                .iter()
                .map(|(property, input)| (property.clone(), input.clone()))
                .collect(),
            ends_at_empty_page_without: config.ends_at_empty_page_without.clone(),
        })
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
            default: None,
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
}

fn is_json(media: &str) -> bool {
    let media = media.split(';').next().unwrap_or("").trim();
    media == "application/json" || media.ends_with("+json")
}
