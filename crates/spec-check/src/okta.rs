//! Okta's OpenAPI 3.0 documents: request and response validation.
//!
//! Long on purpose: matching a request or an answer to Okta's document (paths, parameters,
//! bodies, the document's quirks) is one job; the last part is its tests.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use jsonschema::{Draft, Validator};
use serde_json::{Map, Value, json};

use crate::convert::{Mode, add_polymorphism, convert_schema, inline_refs, rewrite_refs};

const MANAGEMENT_FILE: &str = "okta-management-openapi.yaml";
const OAUTH_FILE: &str = "okta-oauth-openapi.yaml";
const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];
/// How deep `$ref`s are inlined into a parameter's schema.
const PARAM_REF_DEPTH: usize = 8;

/// Okta's management OpenAPI document (`okta-management-openapi.yaml`), parsed once and
/// cached for the process, or `None` (after one line on stderr) when the file is absent.
///
/// Panics if the file exists but is not a readable OpenAPI document.
pub fn okta() -> Option<&'static OktaSpec> {
    static SPEC: OnceLock<Option<OktaSpec>> = OnceLock::new();
    SPEC.get_or_init(|| OktaSpec::load(MANAGEMENT_FILE))
        .as_ref()
}

/// Okta's OAuth 2.0 OpenAPI document (`okta-oauth-openapi.yaml`: `/oauth2/v1/token`,
/// `/oauth2/v1/keys`, `/.well-known/openid-configuration`, …), parsed once and cached, or
/// `None` (after one line on stderr) when the file is absent.
///
/// Its form-encoded request bodies (e.g. the token request) are checked by passing the
/// form fields as a JSON object of strings to [`OktaSpec::validate_request`].
pub fn okta_oauth() -> Option<&'static OktaSpec> {
    static SPEC: OnceLock<Option<OktaSpec>> = OnceLock::new();
    SPEC.get_or_init(|| OktaSpec::load(OAUTH_FILE)).as_ref()
}

/// Any OpenAPI 3.0 document (YAML or JSON) by path, parsed once per path and cached for the
/// process, or `None` (after one line on stderr) when the file is absent. It is checked as
/// Okta's are: the generated tests of OpenAPI-generated connectors validate their requests
/// against the document their actions come from.
///
/// Panics if the file exists but is not a readable OpenAPI document.
pub fn openapi(path: &str) -> Option<&'static OktaSpec> {
    static SPECS: OnceLock<Mutex<HashMap<String, Option<&'static OktaSpec>>>> = OnceLock::new();
    let specs = SPECS.get_or_init(|| Mutex::new(HashMap::new()));
    let mut specs = specs.lock().unwrap_or_else(|e| e.into_inner());
    *specs.entry(path.to_owned()).or_insert_with(|| {
        let file = std::path::Path::new(path);
        if !file.is_file() {
            let line = format!("skipping spec validation: {path} not found\n");
            let _ = std::io::Write::write_all(&mut std::io::stderr(), line.as_bytes());
            return None;
        }
        let text =
            std::fs::read_to_string(file).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
        let doc: Value = serde_norway::from_str(&text)
            .unwrap_or_else(|e| panic!("cannot parse {path} as YAML: {e}"));
        // Cached for the process, as the named documents are: leaked once per path.
        let name: &'static str = Box::leak(
            file.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
                .into_boxed_str(),
        );
        Some(&*Box::leak(Box::new(OktaSpec::from_document(name, doc))))
    })
}

/// One of Okta's OpenAPI 3.0 documents, with lazily compiled (and cached) validators.
///
/// Obtain it from [`okta`] or [`okta_oauth`]. Every error message names the operation as
/// `METHOD /path/{template}`.
pub struct OktaSpec {
    file: &'static str,
    doc: Value,
    routes: Vec<Route>,
    /// `components.schemas` converted to JSON Schema, per mode.
    schemas: [OnceLock<Converted>; 2],
    validators: Mutex<HashMap<String, Arc<Validator>>>,
}

impl std::fmt::Debug for OktaSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OktaSpec")
            .field("file", &self.file)
            .field("paths", &self.routes.len())
            .finish_non_exhaustive()
    }
}

/// `components.schemas` converted for one mode.
struct Converted {
    /// An object: schema name -> JSON Schema (plus the `…__dispatch` schemas).
    schemas: Value,
    /// `$ref` rewrites that make references to discriminated base schemas polymorphic.
    rewrites: Vec<(String, String)>,
}

/// A path template split into segments.
struct Route {
    template: String,
    segments: Vec<Segment>,
}

enum Segment {
    Literal(String),
    /// `{name}`, possibly with literal text around it (`prefix{name}suffix`).
    Param {
        name: String,
        prefix: String,
        suffix: String,
    },
}

/// An operation found for a request.
struct Operation<'a> {
    template: &'a str,
    method: &'static str,
    path_item: &'a Value,
    op: &'a Value,
    path_values: Vec<(String, String)>,
}

impl Operation<'_> {
    fn label(&self) -> String {
        format!("{} {}", self.method.to_uppercase(), self.template)
    }
}

/// A request target split into decoded path segments and decoded query pairs.
struct Target {
    segments: Vec<String>,
    query: Vec<(String, String)>,
}

impl OktaSpec {
    fn load(file: &'static str) -> Option<Self> {
        let path = crate::spec_file(file)?;
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let doc: Value = serde_norway::from_str(&text)
            .unwrap_or_else(|e| panic!("cannot parse {} as YAML: {e}", path.display()));
        Some(Self::from_document(file, doc))
    }

    fn from_document(file: &'static str, doc: Value) -> Self {
        let routes = doc
            .get("paths")
            .and_then(Value::as_object)
            .map(|paths| {
                paths
                    .keys()
                    .map(|template| Route {
                        template: template.clone(),
                        segments: template
                            .trim_start_matches('/')
                            .split('/')
                            .map(parse_segment)
                            .collect(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        Self {
            file,
            doc,
            routes,
            schemas: [OnceLock::new(), OnceLock::new()],
            validators: Mutex::new(HashMap::new()),
        }
    }

    /// Checks a request: the operation exists for `method` + path (templated segments such
    /// as `/api/v1/users/{userId}` match any value; literal segments win over templates
    /// when both match); every query parameter is declared by the operation or its path
    /// item and its value fits the parameter's schema (type, enum, bounds, …); required
    /// query parameters are present; path parameter values fit their schemas; and the
    /// JSON `body` validates against `requestBody.content."application/json".schema`
    /// (`$ref`s resolved against the document's `components`).
    ///
    /// A `body` for an operation that documents none is an error, and so is `None` when
    /// the document marks the request body as required. For a form-encoded body
    /// (`application/x-www-form-urlencoded`) pass the fields as a JSON object of strings;
    /// they are converted to the documented types before validation.
    ///
    /// `url` may be a full URL (`https://x.okta.com/api/v1/users?limit=2`) or a path with
    /// an optional query (`/api/v1/users?search=profile.role%20eq%20%22Support%22`).
    ///
    /// # Errors
    ///
    /// Every problem found, one message each.
    pub fn validate_request(
        &self,
        method: &str,
        url: &str,
        body: Option<&Value>,
    ) -> Result<(), Vec<String>> {
        let target = parse_target(url).map_err(|e| vec![e])?;
        let op = self
            .find_operation(method, &target.segments)
            .map_err(|e| vec![e])?;
        let label = op.label();
        let mut errors = Vec::new();

        let params = self.parameters(&op);
        // Query parameters: declared, and fitting their schema.
        let mut grouped: Vec<(&str, Vec<&str>)> = Vec::new();
        for (name, value) in &target.query {
            match grouped.iter_mut().find(|(n, _)| n == name) {
                Some((_, values)) => values.push(value),
                None => grouped.push((name, vec![value])),
            }
        }
        for (name, values) in &grouped {
            if let Some(param) = find_param(&params, "query", name) {
                self.check_param(&op, param, values, &mut errors);
            } else if !deep_object_member(&params, name) {
                let declared: Vec<&str> = params
                    .iter()
                    .filter(|p| p.get("in").and_then(Value::as_str) == Some("query"))
                    .filter_map(|p| p.get("name").and_then(Value::as_str))
                    .collect();
                errors.push(format!(
                    "{label}: query parameter `{name}` is not declared (declared: {})",
                    if declared.is_empty() {
                        "none".to_owned()
                    } else {
                        declared.join(", ")
                    }
                ));
            }
        }
        for param in &params {
            if param.get("in").and_then(Value::as_str) == Some("query")
                && param.get("required") == Some(&Value::Bool(true))
            {
                let name = param
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                if !grouped.iter().any(|(n, _)| *n == name) {
                    errors.push(format!(
                        "{label}: required query parameter `{name}` is missing"
                    ));
                }
            }
        }
        // Path parameters: values fitting their schema.
        for (name, value) in &op.path_values {
            if let Some(param) = find_param(&params, "path", name) {
                self.check_param(&op, param, &[value.as_str()], &mut errors);
            }
        }

        // Body.
        let request_body = op.op.get("requestBody").map(|b| self.resolve(b));
        match (request_body, body) {
            (None, Some(_)) => errors.push(format!(
                "{label}: the operation documents no request body, but one was given"
            )),
            (Some(rb), None) => {
                if rb.get("required") == Some(&Value::Bool(true)) {
                    errors.push(format!("{label}: the request body is required"));
                }
            }
            (Some(rb), Some(body)) => self.check_request_body(&op, rb, body, &mut errors),
            (None, None) => {}
        }

        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// Checks a response `body` against the operation's documented response schema for
    /// `status` (an exact code, else a range such as `2XX`, else `default`), with
    /// `readOnly` properties allowed and `writeOnly` ones not required.
    ///
    /// `Ok` when the operation documents no JSON body for that status, including a status
    /// it does not document at all (OpenAPI does not require the list to be complete; see
    /// [`OktaSpec::documented_statuses`] to check that).
    ///
    /// # Errors
    ///
    /// An unknown operation, or every way the body departs from the schema.
    pub fn validate_response(
        &self,
        method: &str,
        url: &str,
        status: u16,
        body: &Value,
    ) -> Result<(), Vec<String>> {
        let target = parse_target(url).map_err(|e| vec![e])?;
        let op = self
            .find_operation(method, &target.segments)
            .map_err(|e| vec![e])?;
        let Some((code, response)) = self.response_for(&op, status) else {
            return Ok(());
        };
        let Some((_, media)) = json_media(response) else {
            return Ok(());
        };
        let Some(schema) = media.get("schema") else {
            return Ok(());
        };
        let key = format!("{}|response|{code}", op.label());
        let context = format!("{}: response {status} body", op.label());
        let mut errors = Vec::new();
        self.check_body(&key, schema, Mode::Response, body, &context, &mut errors);
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// The JSON example documented for an operation's response to `status` (for fixtures
    /// in tests): among the media type's `example` and `examples` (see
    /// [`OktaSpec::response_examples`]), the first that validates against the response
    /// schema, else the first. Some of Okta's own examples do not match its schemas (typos
    /// such as `"href\""`, `null` in non-nullable fields), hence the preference.
    ///
    /// `None` when the operation is unknown or documents no JSON example for that status.
    /// `path_template_or_url` may be the template (`/api/v1/users/{id}`) or a concrete
    /// URL/path (`/api/v1/users/00u1`).
    pub fn response_example(
        &self,
        method: &str,
        path_template_or_url: &str,
        status: u16,
    ) -> Option<Value> {
        let examples = self.response_examples(method, path_template_or_url, status);
        let valid = examples.iter().find(|(_, example)| {
            self.validate_response(method, path_template_or_url, status, example)
                .is_ok()
        });
        valid
            .or(examples.first())
            .map(|(_, example)| example.clone())
    }

    /// Every JSON example documented for an operation's response to `status`, as
    /// `(name, value)` pairs: a lone `example` first (named `"example"`), then the named
    /// `examples` sorted by name (`$ref`s to `components/examples` resolved). Empty when
    /// there are none.
    pub fn response_examples(
        &self,
        method: &str,
        path_template_or_url: &str,
        status: u16,
    ) -> Vec<(String, Value)> {
        let Ok(target) = parse_target(path_template_or_url) else {
            return Vec::new();
        };
        let Ok(op) = self.find_operation(method, &target.segments) else {
            return Vec::new();
        };
        let Some((_, response)) = self.response_for(&op, status) else {
            return Vec::new();
        };
        let Some((_, media)) = json_media(response) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        if let Some(example) = media.get("example") {
            out.push(("example".to_owned(), example.clone()));
        }
        if let Some(examples) = media.get("examples").and_then(Value::as_object) {
            let mut named: Vec<(String, Value)> = examples
                .iter()
                .filter_map(|(name, example)| {
                    let value = self.resolve(example).get("value")?;
                    Some((name.clone(), value.clone()))
                })
                .collect();
            named.sort_by(|a, b| a.0.cmp(&b.0));
            out.extend(named);
        }
        out
    }

    /// The response statuses an operation documents (`"200"`, `"4XX"`, `"default"`, …), in
    /// the document's map order, or `None` when no operation matches `method` + `url`.
    pub fn documented_statuses(&self, method: &str, url: &str) -> Option<Vec<String>> {
        let target = parse_target(url).ok()?;
        let op = self.find_operation(method, &target.segments).ok()?;
        let responses = op.op.get("responses")?.as_object()?;
        Some(responses.keys().cloned().collect())
    }

    /// The path template and `operationId` of the operation that `method` + `url` reach
    /// (e.g. `("/api/v1/users/{id}", "getUser")`), or `None` when none does.
    pub fn operation(&self, method: &str, url: &str) -> Option<(&str, &str)> {
        let target = parse_target(url).ok()?;
        let op = self.find_operation(method, &target.segments).ok()?;
        let id = op
            .op
            .get("operationId")
            .and_then(Value::as_str)
            .unwrap_or("");
        Some((op.template, id))
    }

    // ---- lookup -------------------------------------------------------------------------

    fn find_operation(&self, method: &str, segments: &[String]) -> Result<Operation<'_>, String> {
        let lower = method.to_ascii_lowercase();
        let Some(method) = METHODS.iter().copied().find(|m| *m == lower) else {
            return Err(format!("unknown HTTP method `{method}`"));
        };
        let paths = self.doc.get("paths").and_then(Value::as_object);
        let path_text = format!("/{}", segments.join("/"));
        // (route, score): a literal match scores higher than a template, left to right.
        let mut best: Option<(&Route, Vec<u8>)> = None;
        let mut any_path = Vec::new();
        for route in &self.routes {
            let Some(score) = route_score(route, segments) else {
                continue;
            };
            let item = paths.and_then(|p| p.get(&route.template));
            let has_method = item.and_then(|i| i.get(method)).is_some();
            any_path.push(route.template.as_str());
            if has_method && best.as_ref().is_none_or(|(_, s)| score > *s) {
                best = Some((route, score));
            }
        }
        let Some((route, _)) = best else {
            if any_path.is_empty() {
                return Err(format!(
                    "{} {path_text}: no such path in {}",
                    method.to_uppercase(),
                    self.file
                ));
            }
            let documented: Vec<String> = any_path
                .iter()
                .filter_map(|t| paths.and_then(|p| p.get(*t)).and_then(Value::as_object))
                .flat_map(|item| item.keys())
                .filter(|k| METHODS.contains(&k.as_str()))
                .map(|k| k.to_uppercase())
                .collect();
            return Err(format!(
                "{} {path_text}: method not documented for {} (documented: {})",
                method.to_uppercase(),
                any_path.join(", "),
                documented.join(", ")
            ));
        };
        let path_item = paths
            .and_then(|p| p.get(&route.template))
            .expect("route comes from paths");
        let path_values = route
            .segments
            .iter()
            .zip(segments)
            .filter_map(|(seg, value)| match seg {
                Segment::Param {
                    name,
                    prefix,
                    suffix,
                } => Some((
                    name.clone(),
                    value[prefix.len()..value.len() - suffix.len()].to_owned(),
                )),
                Segment::Literal(_) => None,
            })
            .collect();
        Ok(Operation {
            template: &route.template,
            method,
            path_item,
            op: path_item.get(method).expect("method checked"),
            path_values,
        })
    }

    /// Follows local `$ref`s (`#/components/...`) until a non-reference object.
    fn resolve<'a>(&'a self, mut value: &'a Value) -> &'a Value {
        for _ in 0..16 {
            let Some(pointer) = value.get("$ref").and_then(Value::as_str) else {
                break;
            };
            match pointer.strip_prefix('#').and_then(|p| self.doc.pointer(p)) {
                Some(target) => value = target,
                None => break,
            }
        }
        value
    }

    /// The operation's parameters (path item's, overridden by the operation's by name and
    /// location), with `$ref`s resolved.
    fn parameters<'a>(&'a self, op: &Operation<'a>) -> Vec<&'a Value> {
        let mut out: Vec<&Value> = Vec::new();
        for source in [op.path_item, op.op] {
            let Some(list) = source.get("parameters").and_then(Value::as_array) else {
                continue;
            };
            for param in list {
                let param = self.resolve(param);
                let key = (param.get("name"), param.get("in"));
                out.retain(|p| (p.get("name"), p.get("in")) != key);
                out.push(param);
            }
        }
        out
    }

    /// The response object for `status`, with the key it was found under.
    fn response_for<'a>(&'a self, op: &Operation<'a>, status: u16) -> Option<(String, &'a Value)> {
        let responses = op.op.get("responses")?.as_object()?;
        let exact = status.to_string();
        let range = format!("{}XX", status / 100);
        for key in [exact.as_str(), range.as_str(), "default"] {
            let found = responses.iter().find(|(k, _)| k.eq_ignore_ascii_case(key));
            if let Some((k, response)) = found {
                return Some((k.clone(), self.resolve(response)));
            }
        }
        None
    }

    // ---- validation ---------------------------------------------------------------------

    fn check_param(
        &self,
        op: &Operation<'_>,
        param: &Value,
        values: &[&str],
        errors: &mut Vec<String>,
    ) {
        let name = param
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let location = param.get("in").and_then(Value::as_str).unwrap_or_default();
        let Some(schema) = param.get("schema") else {
            return;
        };
        let key = format!("{}|param|{location}|{name}", op.label());
        let validator = match self.validator(&key, || {
            let converted = self.convert_root(schema, Mode::Request);
            match self.converted(Mode::Request).schemas.as_object() {
                Some(schemas) => inline_refs(&converted, schemas, PARAM_REF_DEPTH),
                None => converted,
            }
        }) {
            Ok(v) => v,
            Err(e) => {
                errors.push(e);
                return;
            }
        };
        let resolved = self.resolve(schema);
        let explode = param
            .get("explode")
            .and_then(Value::as_bool)
            .unwrap_or_else(|| {
                matches!(
                    param.get("style").and_then(Value::as_str),
                    None | Some("form")
                )
            });
        let value = match schema_type(resolved) {
            Some("array") => {
                let items = resolved.get("items").map(|i| self.resolve(i));
                let item_type = items.and_then(schema_type);
                let parts: Vec<&str> = if explode {
                    values.to_vec()
                } else {
                    values.iter().flat_map(|v| v.split(',')).collect()
                };
                Value::Array(parts.iter().map(|p| coerce(p, item_type)).collect())
            }
            Some("object") => return,
            other => {
                if values.len() > 1 {
                    errors.push(format!(
                        "{}: {location} parameter `{name}` is given {} times but is not an array",
                        op.label(),
                        values.len()
                    ));
                }
                coerce(values[0], other)
            }
        };
        for error in validator.iter_errors(&value) {
            errors.push(format!(
                "{}: {location} parameter `{name}`: {error}",
                op.label()
            ));
        }
    }

    fn check_request_body(
        &self,
        op: &Operation<'_>,
        request_body: &Value,
        body: &Value,
        errors: &mut Vec<String>,
    ) {
        let label = op.label();
        if let Some((_, media)) = json_media(request_body) {
            if let Some(schema) = media.get("schema") {
                let key = format!("{label}|request");
                let context = format!("{label}: request body");
                self.check_body(&key, schema, Mode::Request, body, &context, errors);
            }
            return;
        }
        let form = request_body
            .get("content")
            .and_then(|c| c.get("application/x-www-form-urlencoded"));
        if let Some(form) = form {
            let Some(schema) = form.get("schema") else {
                return;
            };
            let coerced = self.coerce_form(schema, body);
            let key = format!("{label}|request-form");
            let context = format!("{label}: form body");
            self.check_body(&key, schema, Mode::Request, &coerced, &context, errors);
            return;
        }
        let types: Vec<&String> = request_body
            .get("content")
            .and_then(Value::as_object)
            .map(|c| c.keys().collect())
            .unwrap_or_default();
        errors.push(format!(
            "{label}: the request body is documented as {types:?}, not JSON"
        ));
    }

    /// Converts the string fields of a form body to the types its schema declares.
    fn coerce_form(&self, schema: &Value, body: &Value) -> Value {
        let Value::Object(fields) = body else {
            return body.clone();
        };
        let schema = self.resolve(schema);
        let props = schema.get("properties").and_then(Value::as_object);
        let coerced: Map<String, Value> = fields
            .iter()
            .map(|(name, value)| {
                let prop = props.and_then(|p| p.get(name)).map(|p| self.resolve(p));
                let value = match (value, prop.and_then(schema_type)) {
                    (Value::String(s), ty @ Some("integer" | "number" | "boolean")) => {
                        coerce(s, ty)
                    }
                    _ => value.clone(),
                };
                (name.clone(), value)
            })
            .collect();
        Value::Object(coerced)
    }

    fn check_body(
        &self,
        key: &str,
        schema: &Value,
        mode: Mode,
        body: &Value,
        context: &str,
        errors: &mut Vec<String>,
    ) {
        let validator = self.validator(key, || {
            json!({
                "allOf": [self.convert_root(schema, mode)],
                "components": { "schemas": self.converted(mode).schemas.clone() },
            })
        });
        match validator {
            Ok(validator) => {
                for error in validator.iter_errors(body) {
                    let path = error.instance_path().to_string();
                    let at = if path.is_empty() { "/" } else { &path };
                    errors.push(format!("{context} at {at}: {error}"));
                }
            }
            Err(e) => errors.push(e),
        }
    }

    /// The cached validator for `key`, compiling `schema()` on first use.
    fn validator(
        &self,
        key: &str,
        schema: impl FnOnce() -> Value,
    ) -> Result<Arc<Validator>, String> {
        if let Some(v) = self.lock().get(key) {
            return Ok(Arc::clone(v));
        }
        // Compiled outside the lock: another thread may compile the same schema, which is
        // harmless, while unrelated validations are not held up.
        let schema = schema();
        let validator = jsonschema::options()
            .with_draft(Draft::Draft7)
            .should_validate_formats(true)
            .build(&schema)
            .map_err(|e| format!("{key}: the spec's schema does not compile: {e}"))?;
        let validator = Arc::new(validator);
        self.lock()
            .entry(key.to_owned())
            .or_insert_with(|| Arc::clone(&validator));
        Ok(validator)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Validator>>> {
        self.validators
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// `components.schemas`, converted for `mode` (computed once per mode).
    fn converted(&self, mode: Mode) -> &Converted {
        let slot = match mode {
            Mode::Request => &self.schemas[0],
            Mode::Response => &self.schemas[1],
        };
        slot.get_or_init(|| {
            let empty = Map::new();
            let original = self
                .doc
                .pointer("/components/schemas")
                .and_then(Value::as_object)
                .unwrap_or(&empty);
            let mut schemas: Map<String, Value> = original
                .iter()
                .map(|(name, schema)| (name.clone(), convert_schema(schema, mode)))
                .collect();
            let rewrites = add_polymorphism(original, &mut schemas);
            Converted {
                schemas: Value::Object(schemas),
                rewrites,
            }
        })
    }

    /// An operation's (or parameter's) schema converted for `mode`, with references to
    /// discriminated base schemas made polymorphic.
    fn convert_root(&self, schema: &Value, mode: Mode) -> Value {
        let mut converted = convert_schema(schema, mode);
        rewrite_refs(&mut converted, &self.converted(mode).rewrites);
        converted
    }
}

fn parse_segment(text: &str) -> Segment {
    if let (Some(open), Some(close)) = (text.find('{'), text.rfind('}'))
        && open < close
    {
        return Segment::Param {
            name: text[open + 1..close].to_owned(),
            prefix: text[..open].to_owned(),
            suffix: text[close + 1..].to_owned(),
        };
    }
    Segment::Literal(text.to_owned())
}

/// `None` when `route` does not match; otherwise one byte per segment, 1 for a literal
/// match and 0 for a template, so that comparing scores prefers literals left to right.
fn route_score(route: &Route, segments: &[String]) -> Option<Vec<u8>> {
    if route.segments.len() != segments.len() {
        return None;
    }
    route
        .segments
        .iter()
        .zip(segments)
        .map(|(seg, value)| match seg {
            Segment::Literal(lit) => (lit == value).then_some(1),
            Segment::Param { prefix, suffix, .. } => (value.len() > prefix.len() + suffix.len()
                && value.starts_with(prefix.as_str())
                && value.ends_with(suffix.as_str()))
            .then_some(0),
        })
        .collect()
}

fn parse_target(url: &str) -> Result<Target, String> {
    let parsed = if url.starts_with('/') {
        url::Url::parse("http://spec-check.invalid").and_then(|base| base.join(url))
    } else {
        url::Url::parse(url)
    }
    .map_err(|e| format!("cannot parse request target `{url}`: {e}"))?;
    let segments = parsed
        .path()
        .trim_start_matches('/')
        .split('/')
        .map(percent_decode)
        .collect();
    let query = parsed
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    Ok(Target { segments, query })
}

fn percent_decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

fn find_param<'a>(params: &[&'a Value], location: &str, name: &str) -> Option<&'a Value> {
    params.iter().copied().find(|p| {
        p.get("in").and_then(Value::as_str) == Some(location)
            && p.get("name").and_then(Value::as_str) == Some(name)
    })
}

/// Whether `name` is a member (`filter[status]`) of a declared object-valued query
/// parameter (`style: deepObject`).
fn deep_object_member(params: &[&Value], name: &str) -> bool {
    let Some((base, _)) = name.split_once('[') else {
        return false;
    };
    params.iter().any(|p| {
        p.get("in").and_then(Value::as_str) == Some("query")
            && p.get("name").and_then(Value::as_str) == Some(base)
    })
}

fn schema_type(schema: &Value) -> Option<&str> {
    schema.get("type").and_then(Value::as_str)
}

/// A string parameter value as the JSON value of the declared type, left as a string
/// when it does not parse (so that the validator reports the type mismatch).
fn coerce(text: &str, ty: Option<&str>) -> Value {
    let parsed = match ty {
        Some("integer") => text.parse::<i64>().ok().map(Value::from),
        Some("number") => text
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number),
        Some("boolean") => match text {
            "true" => Some(Value::Bool(true)),
            "false" => Some(Value::Bool(false)),
            _ => None,
        },
        _ => None,
    };
    parsed.unwrap_or_else(|| Value::from(text))
}

/// The JSON media type of a request body or response (`application/json`, else any
/// `…/…+json` or `…json…` type).
fn json_media(holder: &Value) -> Option<(&String, &Value)> {
    let content = holder.get("content")?.as_object()?;
    content
        .iter()
        .find(|(k, _)| k.as_str() == "application/json")
        .or_else(|| content.iter().find(|(k, _)| k.contains("json")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> OktaSpec {
        let doc = json!({
            "openapi": "3.0.3",
            "paths": {
                "/api/v1/users/{id}": {"get": {"responses": {}}},
                "/api/v1/users/me": {"get": {"operationId": "me", "responses": {}}},
                "/api/v1/users/{id}/roles": {"post": {"responses": {}}}
            }
        });
        OktaSpec::from_document("test.yaml", doc)
    }

    #[test]
    fn literal_segments_win_over_templates() {
        let spec = spec();
        assert_eq!(
            spec.operation("GET", "/api/v1/users/me"),
            Some(("/api/v1/users/me", "me"))
        );
        assert_eq!(
            spec.operation("get", "https://x.okta.com/api/v1/users/00u1?x=1"),
            Some(("/api/v1/users/{id}", ""))
        );
        assert!(spec.operation("GET", "/api/v1/users/00u1/roles").is_none());
        assert!(spec.operation("GET", "/api/v1/users/").is_none());
    }

    #[test]
    fn decodes_paths() {
        assert_eq!(percent_decode("a%40b.c"), "a@b.c");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
    }
}

/// A diagnostic over the whole document (about two minutes: it compiles ~3,000 schemas):
/// validates every documented JSON example against its own schema and prints those that
/// fail, i.e. the places where Okta's examples (and often its real responses) depart from
/// its schemas. Run with
/// `cargo test -p spec-check --lib documented_examples -- --ignored --nocapture`.
#[cfg(test)]
mod documented_examples {
    use super::*;

    fn examples(spec: &OktaSpec, media: &Value) -> Vec<Value> {
        media
            .get("examples")
            .and_then(Value::as_object)
            .map(|e| {
                e.values()
                    .filter_map(|x| spec.resolve(x).get("value").cloned())
                    .collect()
            })
            .unwrap_or_default()
    }

    #[test]
    #[ignore = "slow diagnostic; run explicitly"]
    fn documented_examples_validate_against_their_schemas() {
        let Some(spec) = okta() else { return };
        let started = std::time::Instant::now();
        let paths = spec.doc["paths"].as_object().cloned().unwrap_or_default();
        let (mut passed, mut failed) = (0, 0);
        let mut check =
            |key: String, schema: &Value, mode: Mode, example: &Value, context: String| {
                let mut errors = Vec::new();
                spec.check_body(&key, schema, mode, example, &context, &mut errors);
                if errors.is_empty() {
                    passed += 1;
                } else {
                    failed += 1;
                    println!("{}", errors.join("\n  "));
                }
            };
        for (template, item) in &paths {
            for method in METHODS {
                let Some(op) = item.get(*method) else {
                    continue;
                };
                let label = format!("{} {template}", method.to_uppercase());
                if let Some(rb) = op.get("requestBody").map(|b| spec.resolve(b))
                    && let Some((_, media)) = json_media(rb)
                    && let Some(schema) = media.get("schema")
                {
                    for example in examples(spec, media) {
                        let context = format!("{label} request example");
                        check(
                            format!("{label}|request"),
                            schema,
                            Mode::Request,
                            &example,
                            context,
                        );
                    }
                }
                let responses = op.get("responses").and_then(Value::as_object);
                for (code, response) in responses.into_iter().flatten() {
                    let Some((_, media)) = json_media(spec.resolve(response)) else {
                        continue;
                    };
                    let Some(schema) = media.get("schema") else {
                        continue;
                    };
                    for example in examples(spec, media) {
                        let context = format!("{label} response {code} example");
                        let key = format!("{label}|response|{code}");
                        check(key, schema, Mode::Response, &example, context);
                    }
                }
            }
        }
        println!(
            "documented examples: {passed} pass, {failed} fail ({:?})",
            started.elapsed()
        );
    }
}
