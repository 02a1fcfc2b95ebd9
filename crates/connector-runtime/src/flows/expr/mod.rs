//! Expressions and templates: MiniJinja, with builtins but no loader (nothing reads files,
//! the environment or the network), with missing fields as `none`, and bounded: fuel
//! counts the instructions, every value built is weighed as it is built (16 MiB, 128
//! levels deep), and the work of all operators and filters is paid from one budget.
//!
//! - A bare expression (`if`, `for_each`, `filter`, `assign` entries) is compiled with
//!   `compile_expression`.
//! - Any other string is a template. One holding exactly one `{{ expr }}` and nothing else
//!   takes the expression's JSON type; others render as text, and a missing field or a
//!   `null` in them fails (so no request is sent with `none` in it).
//!
//! | module | what |
//! |---|---|
//! | `bounds` | the budgets and how a value is weighed |
//! | `bounded` | the bounded operators, filters and tests |
//! | `consts` | constant parts MiniJinja would fold at compile time |
//! | `dates` | `now()` and the date and JSON filters (`datetime_add`, ..., `from_json`) |
//! | `names` | the filters, tests and functions named exist (a typo names the nearest) |
//! | `walk` | visiting every expression of a parsed expression or template |
//! | `program` | compiling into bounded instructions, and running them |

mod bounded;
mod bounds;
mod consts;
mod dates;
mod more;
mod names;
mod program;
mod walk;

use std::collections::BTreeSet;

use minijinja::{Environment, UndefinedBehavior, Value as Mj};
use serde_json::Value;

use bounds::{Evaluation, weigh};
pub use bounds::{MAX_DEPTH, MAX_VALUE_BYTES, NODE_COST, WORK_BUDGET};
pub use dates::MAX_FORMAT_BYTES;
pub(crate) use dates::NOW_NAME;
pub use more::{MAX_PATTERN_BYTES, compile as compile_pattern};

/// Instructions one expression or template may execute.
pub const FUEL: u64 = 100_000;

/// The largest rendered value (1 MiB of JSON), and the longest rendered text.
pub const MAX_RENDERED_BYTES: usize = 1024 * 1024;

/// The message of a text template's missing or `none` part (found again to name it).
const MISSING: &str = "a part of the text is missing or null";

/// Why an expression or template failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExprError {
    /// What, naming the expression.
    pub message: String,
}

impl std::fmt::Display for ExprError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

fn fail(message: String) -> ExprError {
    ExprError { message }
}

/// The sandboxed MiniJinja environment of flows.
pub struct Expressions {
    env: Environment<'static>,
}

impl std::fmt::Debug for Expressions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Expressions")
    }
}

impl Default for Expressions {
    fn default() -> Self {
        Expressions::new()
    }
}

/// How a string input is read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Kind<'a> {
    /// No `{{` or `{%`: taken as it is.
    Literal,
    /// Exactly one `{{ expr }}` and nothing else: the expression's JSON value.
    Whole(&'a str),
    /// Text with template parts.
    Text,
}

pub(crate) fn kind(text: &str) -> Kind<'_> {
    if !text.contains("{{") && !text.contains("{%") && !text.contains("{#") {
        return Kind::Literal;
    }
    let trimmed = text.trim();
    if let Some(inner) = trimmed
        .strip_prefix("{{")
        .and_then(|rest| rest.strip_suffix("}}"))
        && !inner.contains("{{")
        && !inner.contains("}}")
        && !trimmed.contains("{%")
    {
        return Kind::Whole(inner.trim());
    }
    Kind::Text
}

/// The `{{ expr }}` parts of a text template.
fn parts(text: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        found.push(after[..end].trim());
        rest = &after[end + 2..];
    }
    found
}

impl Expressions {
    /// The environment: builtins made bounded, chainable undefined values, fuel, no loader.
    pub fn new() -> Expressions {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Chainable);
        env.set_fuel(Some(FUEL));
        env.set_recursion_limit(64);
        bounded::install(&mut env, MAX_RENDERED_BYTES as u64);
        Expressions { env }
    }

    /// Checks an expression's syntax; returns the names it reads (`steps.user.output.id`).
    pub fn check_expression(&self, source: &str) -> Result<BTreeSet<String>, ExprError> {
        let expr = self
            .env
            .compile_expression(source)
            .map_err(|e| fail(format!("{source:?} is not an expression: {}", short(&e))))?;
        program::expression(source)
            .map_err(|e| fail(format!("{source:?} is not an expression: {}", short(&e))))?;
        Ok(expr.undeclared_variables(true).into_iter().collect())
    }

    /// Checks a template's syntax; returns the names it reads.
    pub fn check_template(&self, source: &str) -> Result<BTreeSet<String>, ExprError> {
        match kind(source) {
            Kind::Literal => Ok(BTreeSet::new()),
            Kind::Whole(expr) => self.check_expression(expr),
            Kind::Text => {
                program::template(source)
                    .map_err(|e| fail(format!("{source:?} is not a template: {}", short(&e))))?;
                let template = self
                    .env
                    .template_from_str(source)
                    .map_err(|e| fail(format!("{source:?} is not a template: {}", short(&e))))?;
                Ok(template.undeclared_variables(true).into_iter().collect())
            }
        }
    }

    /// Evaluates a bare expression to a MiniJinja value, within the bounds.
    fn value(&self, source: &str, scope: &Value) -> Result<Mj, ExprError> {
        let program = program::expression(source)
            .map_err(|e| fail(format!("{source:?} is not an expression: {}", short(&e))))?;
        program
            .eval(&self.env, Mj::from_serialize(scope))
            .map_err(|e| fail(format!("{source:?} failed: {}", short(&e))))
    }

    /// Evaluates a bare expression against `scope`.
    pub fn eval(&self, source: &str, scope: &Value) -> Result<Value, ExprError> {
        let _budget = Evaluation::start();
        let value = self.value(source, scope)?;
        to_json(&value, source)
    }

    /// Evaluates an expression as a condition (Jinja truthiness).
    pub fn truthy(&self, source: &str, scope: &Value) -> Result<bool, ExprError> {
        let _budget = Evaluation::start();
        Ok(self.value(source, scope)?.is_true())
    }

    /// Renders every string inside `value` as a template against `scope`.
    pub fn render(&self, value: &Value, scope: &Value) -> Result<Value, ExprError> {
        let rendered = self.render_inner(value, scope, 0)?;
        let size = serde_json::to_string(&rendered).map_or(0, |t| t.len());
        if size > MAX_RENDERED_BYTES {
            return Err(fail(format!(
                "the rendered value is {size} bytes, over the 1 MiB limit"
            )));
        }
        Ok(rendered)
    }

    /// Renders for a dry run, which has no answers: a part that reads a missing answer
    /// becomes a placeholder named after its last field (`:id`), as core's dry run marks
    /// requests built from an earlier answer.
    pub fn render_placeholders(&self, value: &Value, scope: &Value) -> Value {
        match value {
            Value::String(text) => match kind(text) {
                Kind::Literal => value.clone(),
                Kind::Whole(expr) => match self.eval(expr, scope) {
                    Ok(Value::Null) | Err(_) => Value::String(placeholder(expr)),
                    Ok(v) => v,
                },
                Kind::Text => {
                    let mut out = text.clone();
                    for part in parts(text) {
                        let shown = match self.eval(part, scope) {
                            Ok(Value::String(s)) => s,
                            Ok(Value::Null) | Err(_) => placeholder(part),
                            Ok(other) => other.to_string(),
                        };
                        for form in [format!("{{{{ {part} }}}}"), format!("{{{{{part}}}}}")] {
                            out = out.replace(&form, &shown);
                        }
                    }
                    Value::String(out)
                }
            },
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|item| self.render_placeholders(item, scope))
                    .collect(),
            ),
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), self.render_placeholders(v, scope)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    fn render_inner(&self, value: &Value, scope: &Value, depth: usize) -> Result<Value, ExprError> {
        if depth > MAX_DEPTH {
            return Err(fail(format!(
                "a value is nested deeper than {MAX_DEPTH} levels, the deepest a flow may use"
            )));
        }
        match value {
            Value::String(text) => self.render_string(text, scope),
            Value::Array(items) => items
                .iter()
                .map(|item| self.render_inner(item, scope, depth + 1))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array),
            Value::Object(map) => map
                .iter()
                .map(|(k, v)| Ok((k.clone(), self.render_inner(v, scope, depth + 1)?)))
                .collect::<Result<serde_json::Map<_, _>, ExprError>>()
                .map(Value::Object),
            other => Ok(other.clone()),
        }
    }

    fn render_string(&self, text: &str, scope: &Value) -> Result<Value, ExprError> {
        match kind(text) {
            Kind::Literal => Ok(Value::String(text.to_owned())),
            Kind::Whole(expr) => self.eval(expr, scope),
            Kind::Text => {
                let program = program::template(text)
                    .map_err(|e| fail(format!("{text:?} is not a template: {}", short(&e))))?;
                let rendered = {
                    let _budget = Evaluation::start();
                    program.render(&self.env, Mj::from_serialize(scope))
                };
                match rendered {
                    Ok(rendered) => Ok(Value::String(rendered)),
                    Err(e) if e.detail() == Some(MISSING) => Err(self.missing_part(text, scope)),
                    Err(e) => Err(fail(format!("{text:?} failed: {}", short(&e)))),
                }
            }
        }
    }

    /// Names the part of a text that is missing or null, when it reads from the scope
    /// alone (a loop's own variable cannot be named this way).
    fn missing_part(&self, text: &str, scope: &Value) -> ExprError {
        for part in parts(text) {
            if matches!(self.eval(part, scope), Ok(Value::Null)) {
                return fail(format!(
                    "{{{{ {part} }}}} is missing or null in the text {text:?}"
                ));
            }
        }
        fail(format!("a part of the text {text:?} is missing or null"))
    }
}

/// `:id` for `steps.user.output.id`.
fn placeholder(expr: &str) -> String {
    let last = expr
        .rsplit(['.', '[', ']', ' ', '\''])
        .find(|p| !p.is_empty())
        .unwrap_or("answer");
    format!(":{last}")
}

/// A MiniJinja value as JSON: undefined is `null`; too deep or too big is refused
/// before anything recurses into it.
fn to_json(value: &Mj, source: &str) -> Result<Value, ExprError> {
    if value.is_undefined() {
        return Ok(Value::Null);
    }
    weigh(value).map_err(|e| fail(format!("{source:?} failed: {}", short(&e))))?;
    serde_json::to_value(value)
        .map_err(|e| fail(format!("{source:?} gave a value that is not JSON: {e}")))
}

/// MiniJinja's message without its debug info.
fn short(error: &minijinja::Error) -> String {
    let mut text = error.kind().to_string();
    if let Some(detail) = error.detail() {
        text.push_str(": ");
        text.push_str(detail);
    }
    text
}

#[cfg(test)]
mod tests;
