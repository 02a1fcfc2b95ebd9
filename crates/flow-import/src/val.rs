//! A card input's value as the importer builds it: a literal typed in the designer, or
//! an expression over `event`, `steps.<id>.output` and the loop's item; written either as
//! a bare expression (`assign`, `if`) or inside a template (`input`).

use serde_json::Value;

use crate::emit::Y;

/// A value: literal or expression.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Val {
    /// A literal JSON value.
    Lit(Value),
    /// A MiniJinja expression.
    Code(String),
}

impl Val {
    /// An expression giving the value.
    pub(crate) fn expr(&self) -> String {
        match self {
            Val::Lit(v) => literal(v),
            Val::Code(code) => code.clone(),
        }
    }

    /// The expression in parentheses, safe beside any operator or filter.
    pub(crate) fn group(&self) -> String {
        match self {
            Val::Lit(_) => self.expr(),
            Val::Code(code) if is_simple(code) => code.clone(),
            Val::Code(code) => format!("({code})"),
        }
    }

    /// The value in a card's input: literal JSON (texts that look like templates are
    /// escaped), or `"{{ expr }}"`, which keeps the expression's JSON type.
    pub(crate) fn template(&self) -> Y {
        match self {
            Val::Lit(v) => lit_y(v),
            Val::Code(code) => Y::Str(format!("{{{{ {code} }}}}")),
        }
    }

    /// True for an empty literal (`""`, `null`, `{}`, `[]`): an input left blank.
    pub(crate) fn is_blank(&self) -> bool {
        match self {
            Val::Lit(Value::Null) => true,
            Val::Lit(Value::String(s)) => s.is_empty(),
            Val::Lit(Value::Object(m)) => m.is_empty(),
            Val::Lit(Value::Array(a)) => a.is_empty(),
            _ => false,
        }
    }
}

/// A path of plain names and subscripts (`steps.a.output['Last Login']`): no operator.
fn is_simple(code: &str) -> bool {
    let mut in_string: Option<char> = None;
    for c in code.chars() {
        match in_string {
            Some(q) if c == q => in_string = None,
            Some(_) => {}
            None if c == '\'' || c == '"' => in_string = Some(c),
            None if c.is_alphanumeric() || matches!(c, '_' | '.' | '[' | ']') => {}
            None => return false,
        }
    }
    true
}

fn lit_y(value: &Value) -> Y {
    match value {
        Value::String(s) if s.contains("{{") || s.contains("{%") || s.contains("{#") => {
            Y::Str(format!("{{{{ {} }}}}", string_literal(s)))
        }
        Value::String(s) => Y::Str(s.clone()),
        Value::Object(m) => Y::Map(m.iter().map(|(k, v)| (k.clone(), lit_y(v))).collect()),
        Value::Array(items) if items.iter().any(has_template_text) => {
            Y::Str(format!("{{{{ {} }}}}", literal(value)))
        }
        other => Y::Json(other.clone()),
    }
}

fn has_template_text(value: &Value) -> bool {
    match value {
        Value::String(s) => s.contains("{{") || s.contains("{%") || s.contains("{#"),
        Value::Array(items) => items.iter().any(has_template_text),
        Value::Object(m) => m.values().any(has_template_text),
        _ => false,
    }
}

/// A MiniJinja string literal.
pub(crate) fn string_literal(text: &str) -> String {
    let mut out = String::from("'");
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// A MiniJinja literal of a JSON value.
pub(crate) fn literal(value: &Value) -> String {
    match value {
        Value::Null => "none".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => string_literal(s),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(literal).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(m) => format!(
            "{{{}}}",
            m.iter()
                .map(|(k, v)| format!("{}: {}", string_literal(k), literal(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// `base` followed by a field (`.name` when it is a plain name, else `['Last Login']`).
pub(crate) fn field(base: &str, name: &str) -> String {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !matches!(
            name,
            "true" | "false" | "none" | "and" | "or" | "not" | "in" | "is" | "if" | "else"
        );
    if plain {
        format!("{base}.{name}")
    } else {
        format!("{base}[{}]", string_literal(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn literals_and_templates() {
        assert_eq!(
            literal(&json!({"a": [1, "it's"], "b": null})),
            "{'a': [1, 'it\\'s'], 'b': none}"
        );
        assert_eq!(field("event", "Okta User"), "event['Okta User']");
        assert_eq!(field("steps.x.output", "id"), "steps.x.output.id");
        assert_eq!(
            Val::Lit(json!("{{ x }}")).template(),
            Y::Str("{{ '{{ x }}' }}".into())
        );
        assert_eq!(
            Val::Code("steps.a.output.b".into()).template(),
            Y::Str("{{ steps.a.output.b }}".into())
        );
        assert_eq!(Val::Code("a | lower".into()).group(), "(a | lower)");
        assert_eq!(Val::Code("event['a b'].c".into()).group(), "event['a b'].c");
    }
}
