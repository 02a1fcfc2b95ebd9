//! Fault injection: rules that make the next N matching requests fail in a chosen way.
//!
//! Rules are checked in the order they were pushed; the first live rule that matches a
//! request is spent (its `times` drops by one) and decides what happens to it. Requests
//! to the admin endpoints under `/__sandbox/` never match.
//!
//! Long on purpose: the rules, their matching and their JSON form for the admin routes
//! belong together; the last part is their tests.

use std::sync::Arc;
use std::sync::Mutex;
use std::time::Duration;

use axum::http::Method;
use serde_json::{Map, Value, json};

use crate::util::lock;

/// Which request paths a [`FaultRule`] matches (the query string is never considered).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PathMatch {
    /// Every path.
    Any,
    /// Paths that start with this string (`/api/v1/users` also matches `/api/v1/users/00u1/roles`).
    Prefix(String),
    /// Exactly this path.
    Exact(String),
}

impl PathMatch {
    fn matches(&self, path: &str) -> bool {
        match self {
            PathMatch::Any => true,
            PathMatch::Prefix(prefix) => path.starts_with(prefix.as_str()),
            PathMatch::Exact(exact) => path == exact,
        }
    }
}

/// What happens to a request a [`FaultRule`] matched.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Answer at once with this status, without reaching the emulated service. Without a
    /// body, the emulator writes its service's usual error body for that status.
    Status {
        /// HTTP status code (100..=999; anything else is answered as 500).
        status: u16,
        /// Response body, sent as is.
        body: Option<String>,
        /// Extra response headers, such as `Retry-After`.
        headers: Vec<(String, String)>,
    },
    /// Wait this long, then handle the request normally. The wait comes before the
    /// emulator sees the request, so it does not count against Okta's concurrency limit
    /// (use `OktaEmulator::set_latency` for slow calls that do).
    Delay(Duration),
    /// Close the connection without answering, before the service acts on the request.
    Drop,
    /// Let the service act on the request, then close the connection without sending the
    /// answer: the change happened, but the client never learns it.
    DropAfter,
}

impl Fault {
    /// A [`Fault::Status`] with the service's usual body for that status.
    pub fn status(status: u16) -> Self {
        Fault::Status {
            status,
            body: None,
            headers: Vec::new(),
        }
    }

    /// A [`Fault::Status`] with this body and these headers.
    pub fn status_with(
        status: u16,
        body: impl Into<String>,
        headers: impl IntoIterator<Item = (String, String)>,
    ) -> Self {
        Fault::Status {
            status,
            body: Some(body.into()),
            headers: headers.into_iter().collect(),
        }
    }
}

/// A fault and the requests it applies to. Build with [`FaultRule::new`] and the setters.
///
/// ```
/// use std::time::Duration;
/// use connector_sandbox::{Fault, FaultRule};
///
/// let rule = FaultRule::new(Fault::status(503))
///     .method(axum::http::Method::POST)
///     .path_prefix("/api/v1/users")
///     .times(2);
/// assert_eq!(rule.times, 2);
/// let _slow = FaultRule::new(Fault::Delay(Duration::from_millis(200))).graphql_field("create_board");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct FaultRule {
    /// The request method to match; `None` matches any.
    pub method: Option<Method>,
    /// The request paths to match.
    pub path: PathMatch,
    /// Matches only GraphQL requests whose document selects this root field
    /// (`create_board`, `boards`); `None` matches any body.
    pub graphql_field: Option<String>,
    /// How many more matching requests this rule applies to.
    pub times: usize,
    /// What happens to them.
    pub fault: Fault,
}

impl FaultRule {
    /// A rule for the next single request, whatever it is.
    pub fn new(fault: Fault) -> Self {
        FaultRule {
            method: None,
            path: PathMatch::Any,
            graphql_field: None,
            times: 1,
            fault,
        }
    }

    /// Only requests with this method.
    pub fn method(mut self, method: Method) -> Self {
        self.method = Some(method);
        self
    }

    /// Only requests whose path starts with `prefix`.
    pub fn path_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.path = PathMatch::Prefix(prefix.into());
        self
    }

    /// Only requests to exactly this path.
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.path = PathMatch::Exact(path.into());
        self
    }

    /// Only GraphQL requests selecting this root field.
    pub fn graphql_field(mut self, field: impl Into<String>) -> Self {
        self.graphql_field = Some(field.into());
        self
    }

    /// Apply to the next `times` matching requests (default 1).
    pub fn times(mut self, times: usize) -> Self {
        self.times = times;
        self
    }

    fn matches(&self, method: &Method, path: &str, body: &[u8]) -> bool {
        if self.times == 0 {
            return false;
        }
        if self.method.as_ref().is_some_and(|m| m != method) {
            return false;
        }
        if !self.path.matches(path) {
            return false;
        }
        match &self.graphql_field {
            None => true,
            Some(field) => graphql_root_fields(body).iter().any(|f| f == field),
        }
    }

    /// Reads a rule from its JSON form (the body of `POST /__sandbox/faults`):
    /// `{"method":"POST","path":"/api/v1/users","exact":false,"graphqlField":null,"times":1,
    /// "fault":"drop" | "dropAfter" | {"status":503,"body":"..","headers":{..}} | {"delayMs":250}}`.
    pub fn from_json(value: &Value) -> Result<Self, String> {
        let obj = value
            .as_object()
            .ok_or_else(|| "a fault rule is a JSON object".to_owned())?;
        for key in obj.keys() {
            if !["method", "path", "exact", "graphqlField", "times", "fault"]
                .contains(&key.as_str())
            {
                return Err(format!("unknown field `{key}` in fault rule"));
            }
        }
        let fault = parse_fault(obj.get("fault").ok_or("missing field `fault`")?)?;
        let mut rule = FaultRule::new(fault);
        if let Some(m) = obj.get("method").filter(|v| !v.is_null()) {
            let m = m.as_str().ok_or("`method` must be a string")?;
            let method = Method::from_bytes(m.to_ascii_uppercase().as_bytes())
                .map_err(|_| format!("`{m}` is not an HTTP method"))?;
            rule = rule.method(method);
        }
        let exact = match obj.get("exact") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err("`exact` must be a boolean".to_owned()),
        };
        if let Some(p) = obj.get("path").filter(|v| !v.is_null()) {
            let p = p.as_str().ok_or("`path` must be a string")?;
            rule = if exact {
                rule.path(p)
            } else {
                rule.path_prefix(p)
            };
        }
        if let Some(f) = obj.get("graphqlField").filter(|v| !v.is_null()) {
            rule = rule.graphql_field(f.as_str().ok_or("`graphqlField` must be a string")?);
        }
        if let Some(t) = obj.get("times").filter(|v| !v.is_null()) {
            let t = t.as_u64().ok_or("`times` must be a non-negative integer")?;
            rule = rule.times(usize::try_from(t).unwrap_or(usize::MAX));
        }
        Ok(rule)
    }

    /// The rule's JSON form, as [`FaultRule::from_json`] reads it.
    pub fn to_json(&self) -> Value {
        let (path, exact) = match &self.path {
            PathMatch::Any => (Value::Null, false),
            PathMatch::Prefix(p) => (Value::String(p.clone()), false),
            PathMatch::Exact(p) => (Value::String(p.clone()), true),
        };
        let fault = match &self.fault {
            Fault::Status {
                status,
                body,
                headers,
            } => {
                let headers: Map<String, Value> = headers
                    .iter()
                    .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                    .collect();
                json!({"status": status, "body": body, "headers": headers})
            }
            Fault::Delay(d) => {
                json!({"delayMs": u64::try_from(d.as_millis()).unwrap_or(u64::MAX)})
            }
            Fault::Drop => json!("drop"),
            Fault::DropAfter => json!("dropAfter"),
        };
        json!({
            "method": self.method.as_ref().map(Method::as_str),
            "path": path,
            "exact": exact,
            "graphqlField": self.graphql_field,
            "times": self.times,
            "fault": fault,
        })
    }
}

fn parse_fault(value: &Value) -> Result<Fault, String> {
    match value {
        Value::String(s) => match s.as_str() {
            "drop" => Ok(Fault::Drop),
            "dropAfter" | "drop_after" | "drop-after" => Ok(Fault::DropAfter),
            other => Err(format!(
                "unknown fault `{other}`: use \"drop\", \"dropAfter\", {{\"status\":..}} or {{\"delayMs\":..}}"
            )),
        },
        Value::Object(obj) => {
            if let Some(ms) = obj.get("delayMs") {
                let ms = ms
                    .as_u64()
                    .ok_or("`delayMs` must be a non-negative integer")?;
                return Ok(Fault::Delay(Duration::from_millis(ms)));
            }
            let status = obj
                .get("status")
                .and_then(Value::as_u64)
                .ok_or("a fault object needs `status` (100..=999) or `delayMs`")?;
            let status = u16::try_from(status)
                .ok()
                .filter(|s| (100..=999).contains(s))
                .ok_or("`status` must be between 100 and 999")?;
            let body = match obj.get("body") {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) => Some(s.clone()),
                // A JSON body given as JSON is sent as its text.
                Some(other) => Some(other.to_string()),
            };
            let mut headers = Vec::new();
            if let Some(h) = obj.get("headers").filter(|v| !v.is_null()) {
                let h = h.as_object().ok_or("`headers` must be an object")?;
                for (k, v) in h {
                    let v = match v {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    headers.push((k.clone(), v));
                }
            }
            Ok(Fault::Status {
                status,
                body,
                headers,
            })
        }
        _ => Err("`fault` must be a string or an object".to_owned()),
    }
}

/// The live fault rules of one emulator. Cloning shares the list.
#[derive(Clone, Debug, Default)]
pub struct Faults {
    inner: Arc<Mutex<FaultsInner>>,
}

#[derive(Debug, Default)]
struct FaultsInner {
    rules: Vec<FaultRule>,
    injected: u64,
}

impl Faults {
    /// Adds a rule after the existing ones.
    pub fn push(&self, rule: FaultRule) {
        if rule.times > 0 {
            lock(&self.inner).rules.push(rule);
        }
    }

    /// Removes every rule.
    pub fn clear(&self) {
        lock(&self.inner).rules.clear();
    }

    /// The rules still live (with their remaining `times`).
    pub fn rules(&self) -> Vec<FaultRule> {
        lock(&self.inner).rules.clone()
    }

    /// How many rules are still live.
    pub fn len(&self) -> usize {
        lock(&self.inner).rules.len()
    }

    /// Whether no rule is live.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many requests a fault was applied to since the start (or the last reset).
    pub fn injected(&self) -> u64 {
        lock(&self.inner).injected
    }

    pub(crate) fn reset_counter(&self) {
        lock(&self.inner).injected = 0;
    }

    /// Spends the first rule matching the request and returns its fault.
    pub(crate) fn take(&self, method: &Method, path: &str, body: &[u8]) -> Option<Fault> {
        let mut inner = lock(&self.inner);
        let index = inner
            .rules
            .iter()
            .position(|r| r.matches(method, path, body))?;
        let rule = &mut inner.rules[index];
        rule.times -= 1;
        let fault = rule.fault.clone();
        if rule.times == 0 {
            inner.rules.remove(index);
        }
        inner.injected += 1;
        Some(fault)
    }
}

/// The root fields a GraphQL request selects, from its JSON body `{"query": ...}`.
///
/// A small scanner, not a parser: it skips strings, comments and fragment definitions,
/// and reports the names selected at the outermost level of each operation (the field
/// name, not its alias). An unreadable body selects nothing.
pub(crate) fn graphql_root_fields(body: &[u8]) -> Vec<String> {
    let Ok(Value::Object(obj)) = serde_json::from_slice::<Value>(body) else {
        return Vec::new();
    };
    let Some(Value::String(query)) = obj.get("query") else {
        return Vec::new();
    };
    root_fields_of(query)
}

#[derive(Debug, PartialEq)]
enum Token<'a> {
    Name(&'a str),
    Punct(u8),
}

fn tokenize(doc: &str) -> Vec<Token<'_>> {
    let bytes = doc.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'"' => {
                // Block strings ("""...""") and ordinary strings with escapes.
                if bytes[i..].starts_with(b"\"\"\"") {
                    i += 3;
                    while i < bytes.len() && !bytes[i..].starts_with(b"\"\"\"") {
                        i += if bytes[i] == b'\\' { 2 } else { 1 };
                    }
                    i += 3;
                } else {
                    i += 1;
                    while i < bytes.len() && bytes[i] != b'"' {
                        i += if bytes[i] == b'\\' { 2 } else { 1 };
                    }
                    i += 1;
                }
            }
            b'_' | b'a'..=b'z' | b'A'..=b'Z' => {
                let start = i;
                while i < bytes.len() && (bytes[i] == b'_' || bytes[i].is_ascii_alphanumeric()) {
                    i += 1;
                }
                out.push(Token::Name(&doc[start..i]));
            }
            b'{' | b'}' | b'(' | b')' | b':' | b'[' | b']' | b'$' | b'@' => {
                out.push(Token::Punct(b));
                i += 1;
            }
            b'.' => {
                out.push(Token::Punct(b'.'));
                i += 1;
            }
            _ => i += 1,
        }
    }
    out
}

fn root_fields_of(doc: &str) -> Vec<String> {
    let tokens = tokenize(doc);
    let mut fields = Vec::new();
    let mut depth = 0usize;
    let mut parens = 0usize;
    let mut in_fragment_definition = false;
    let mut i = 0;
    while i < tokens.len() {
        match tokens[i] {
            Token::Punct(b'{') => depth += 1,
            Token::Punct(b'}') => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    in_fragment_definition = false;
                }
            }
            Token::Punct(b'(') => parens += 1,
            Token::Punct(b')') => parens = parens.saturating_sub(1),
            Token::Name("fragment") if depth == 0 => in_fragment_definition = true,
            Token::Name(name) if depth == 1 && parens == 0 && !in_fragment_definition => {
                let after_variable = i > 0 && tokens[i - 1] == Token::Punct(b'$');
                let after_directive = i > 0 && tokens[i - 1] == Token::Punct(b'@');
                let spread = i > 0 && tokens[i - 1] == Token::Punct(b'.');
                let type_condition = i > 0 && tokens[i - 1] == Token::Name("on");
                if after_variable || after_directive || spread || type_condition || name == "on" {
                    // `... on Query`, `...Fragment`, `@include`: not field names.
                } else if tokens.get(i + 1) == Some(&Token::Punct(b':')) {
                    // An alias: the field name follows the colon.
                    if let Some(Token::Name(field)) = tokens.get(i + 2) {
                        fields.push((*field).to_owned());
                        i += 2;
                    }
                } else {
                    fields.push(name.to_owned());
                }
            }
            _ => {}
        }
        i += 1;
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_root_fields_not_nested_ones() {
        let q = r#"mutation ($b: ID!, $u: [ID!]!) { add_users_to_board(board_id: $b, user_ids: $u) { id name } complexity { query } }"#;
        assert_eq!(root_fields_of(q), vec!["add_users_to_board", "complexity"]);
    }

    #[test]
    fn reads_aliases_and_skips_strings_and_fragments() {
        let q = r#"
            # boards { nope }
            query Q { first: boards(ids: ["{ x }"]) { ...B } users { id } }
            fragment B on Board { id owners { id } }
        "#;
        assert_eq!(root_fields_of(q), vec!["boards", "users"]);
    }

    #[test]
    fn spends_rules_in_order() {
        let faults = Faults::default();
        faults.push(FaultRule::new(Fault::Drop).path_prefix("/api").times(2));
        faults.push(FaultRule::new(Fault::status(500)));
        assert_eq!(
            faults.take(&Method::GET, "/api/v1/users", b""),
            Some(Fault::Drop)
        );
        assert_eq!(
            faults.take(&Method::GET, "/other", b""),
            Some(Fault::status(500))
        );
        assert_eq!(faults.take(&Method::GET, "/api/x", b""), Some(Fault::Drop));
        assert_eq!(faults.take(&Method::GET, "/api/x", b""), None);
        assert_eq!(faults.injected(), 3);
    }

    #[test]
    fn json_round_trip() {
        let rule = FaultRule::new(Fault::status_with(
            503,
            "busy",
            [("Retry-After".to_owned(), "1".to_owned())],
        ))
        .method(Method::POST)
        .path("/v2")
        .graphql_field("boards")
        .times(3);
        assert_eq!(FaultRule::from_json(&rule.to_json()), Ok(rule));
        assert!(FaultRule::from_json(&json!({"fault": "explode"})).is_err());
        assert!(FaultRule::from_json(&json!({"fault": {"status": 70000}})).is_err());
        assert!(FaultRule::from_json(&json!([1])).is_err());
    }
}
