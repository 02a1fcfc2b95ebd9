//! Writing flow files. YAML serializers cannot write comments, and imported flows keep
//! the cards' notes as comments: this small emitter writes block YAML whose every string
//! is JSON-quoted (a JSON string is a valid double-quoted YAML scalar), so no text an
//! export holds can change the file's structure.

use serde_json::Value;

/// A YAML value in the order it is written.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Y {
    /// A string.
    Str(String),
    /// A JSON value (numbers, booleans, null; objects and arrays in block style).
    Json(Value),
    /// A mapping, in order.
    Map(Vec<(String, Y)>),
    /// A list of steps (each with its comments).
    Steps(Vec<StepOut>),
}

/// One step: its comment lines and its fields (`id` first).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct StepOut {
    /// Lines written as `# ...` above it.
    pub(crate) comments: Vec<String>,
    /// Its fields in order.
    pub(crate) fields: Vec<(String, Y)>,
}

impl StepOut {
    pub(crate) fn new(id: &str) -> StepOut {
        StepOut {
            comments: Vec::new(),
            fields: vec![("id".into(), Y::Str(id.to_owned()))],
        }
    }

    pub(crate) fn with(mut self, key: &str, value: Y) -> StepOut {
        self.fields.push((key.to_owned(), value));
        self
    }
}

/// A flow file to write.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct FlowOut {
    /// Lines written at the top as comments.
    pub(crate) header: Vec<String>,
    /// The top-level fields (`name`, `description`, `trigger`, `subject`, `steps`).
    pub(crate) fields: Vec<(String, Y)>,
}

/// The text of a flow file.
pub(crate) fn flow_text(flow: &FlowOut) -> String {
    let mut out = String::new();
    for line in &flow.header {
        comment(&mut out, 0, line);
    }
    map(&mut out, 0, &flow.fields);
    out
}

/// The text of any YAML mapping (tables.yaml).
pub(crate) fn map_text(header: &[String], fields: &[(String, Y)]) -> String {
    let mut out = String::new();
    for line in header {
        comment(&mut out, 0, line);
    }
    map(&mut out, 0, fields);
    out
}

fn comment(out: &mut String, indent: usize, line: &str) {
    // One line each; control characters would end the comment early.
    let clean: String = line
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    out.push_str(&" ".repeat(indent));
    out.push_str("# ");
    out.push_str(clean.trim_end());
    out.push('\n');
}

fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_owned())
}

/// A key as written: plain when it is a plain word, else JSON-quoted.
fn key(text: &str) -> String {
    let plain = text.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !matches!(
            text.to_ascii_lowercase().as_str(),
            "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "y" | "n"
        );
    if plain { text.to_owned() } else { quoted(text) }
}

fn json_to_y(value: &Value) -> Y {
    match value {
        Value::String(s) => Y::Str(s.clone()),
        Value::Object(m) => Y::Map(m.iter().map(|(k, v)| (k.clone(), json_to_y(v))).collect()),
        other => Y::Json(other.clone()),
    }
}

/// The scalar form of `value`, or `None` when it is written as a block.
fn inline(value: &Y) -> Option<String> {
    match value {
        Y::Str(s) => Some(quoted(s)),
        Y::Json(Value::Array(items)) if items.is_empty() => Some("[]".into()),
        Y::Json(Value::Object(m)) if m.is_empty() => Some("{}".into()),
        Y::Json(Value::String(s)) => Some(quoted(s)),
        Y::Json(Value::Array(_) | Value::Object(_)) => None,
        Y::Json(other) => Some(other.to_string()),
        Y::Map(m) if m.is_empty() => Some("{}".into()),
        Y::Steps(s) if s.is_empty() => Some("[]".into()),
        Y::Map(_) | Y::Steps(_) => None,
    }
}

fn map(out: &mut String, indent: usize, fields: &[(String, Y)]) {
    for (k, v) in fields {
        out.push_str(&" ".repeat(indent));
        entry(out, indent, k, v);
    }
}

/// `key: value` (the indentation already written).
fn entry(out: &mut String, indent: usize, k: &str, v: &Y) {
    out.push_str(&key(k));
    out.push(':');
    match inline(v) {
        Some(scalar) => {
            out.push(' ');
            out.push_str(&scalar);
            out.push('\n');
        }
        None => {
            out.push('\n');
            block(out, indent + 2, v);
        }
    }
}

fn block(out: &mut String, indent: usize, value: &Y) {
    match value {
        Y::Map(fields) => map(out, indent, fields),
        Y::Json(Value::Object(m)) => {
            let fields: Vec<(String, Y)> =
                m.iter().map(|(k, v)| (k.clone(), json_to_y(v))).collect();
            map(out, indent, &fields);
        }
        Y::Json(Value::Array(items)) => {
            for item in items {
                item_line(out, indent, &json_to_y(item));
            }
        }
        Y::Steps(steps) => {
            for step in steps {
                for line in &step.comments {
                    comment(out, indent, line);
                }
                item_line(out, indent, &Y::Map(step.fields.clone()));
            }
        }
        other => {
            out.push_str(&" ".repeat(indent));
            out.push_str(&inline(other).unwrap_or_default());
            out.push('\n');
        }
    }
}

/// `- item` at `indent`: a mapping's first entry on the dash's line.
fn item_line(out: &mut String, indent: usize, item: &Y) {
    out.push_str(&" ".repeat(indent));
    out.push_str("- ");
    let fields: Vec<(String, Y)> = match item {
        Y::Map(fields) if !fields.is_empty() => fields.clone(),
        Y::Json(Value::Object(m)) if !m.is_empty() => {
            m.iter().map(|(k, v)| (k.clone(), json_to_y(v))).collect()
        }
        other => {
            match inline(other) {
                Some(scalar) => {
                    out.push_str(&scalar);
                    out.push('\n');
                }
                None => {
                    // A list in a list: on lines of its own.
                    out.push('\n');
                    block(out, indent + 2, other);
                }
            }
            return;
        }
    };
    for (i, (k, v)) in fields.iter().enumerate() {
        if i > 0 {
            out.push_str(&" ".repeat(indent + 2));
        }
        entry(out, indent + 2, k, v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strings_are_json_quoted_and_comments_stay_on_their_line() {
        let step = StepOut {
            comments: vec!["a note\nwith: a newline".into()],
            fields: vec![
                ("id".into(), Y::Str("x".into())),
                (
                    "input".into(),
                    Y::Json(json!({"a b": "c: d # e", "n": [1, {"k": "v"}], "e": {}})),
                ),
            ],
        };
        let flow = FlowOut {
            header: vec!["From: test".into()],
            fields: vec![
                ("name".into(), Y::Str("f".into())),
                ("steps".into(), Y::Steps(vec![step])),
            ],
        };
        let text = flow_text(&flow);
        assert_eq!(
            text,
            "# From: test\nname: \"f\"\nsteps:\n  # a note with: a newline\n  - id: \"x\"\n    input:\n      \"a b\": \"c: d # e\"\n      e: {}\n      \"n\":\n        - 1\n        - k: \"v\"\n"
        );
    }
}
