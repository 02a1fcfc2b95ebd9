//! A flow file's text as a JSON value, with where each value and key stood in the text
//! (line and column, 1-based), so that every error can name its `file:line:col`. YAML is
//! read by `yaml-rust2`'s event parser; JSON is YAML.

use std::collections::HashMap;

use serde_json::{Map, Number, Value};
use yaml_rust2::Yaml;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// A place in a file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Pos {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub col: usize,
}

impl std::fmt::Display for Pos {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.line, self.col)
    }
}

/// A parsed document and the places of its parts, by JSON pointer (`/steps/0/input`).
#[derive(Clone, Debug, Default)]
pub struct Located {
    /// The document.
    pub value: Value,
    values: HashMap<String, Pos>,
    keys: HashMap<String, Pos>,
}

impl Located {
    /// Where the value at `pointer` starts; else its nearest parent's.
    pub fn value_pos(&self, pointer: &str) -> Pos {
        let mut p = pointer.to_owned();
        loop {
            if let Some(pos) = self.values.get(&p) {
                return *pos;
            }
            match p.rfind('/') {
                Some(i) => p.truncate(i),
                None => return Pos { line: 1, col: 1 },
            }
        }
    }

    /// Where the key of the value at `pointer` stands (for unknown or misplaced keys).
    pub fn key_pos(&self, pointer: &str) -> Pos {
        self.keys
            .get(pointer)
            .copied()
            .unwrap_or_else(|| self.value_pos(pointer))
    }
}

/// Why a text is not a document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    /// Where.
    pub pos: Pos,
    /// What.
    pub message: String,
}

fn pos(mark: Marker) -> Pos {
    Pos {
        line: mark.line(),
        col: mark.col() + 1,
    }
}

/// Escapes a key for a JSON pointer.
pub(crate) fn pointer_part(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

enum Frame {
    Map {
        map: Map<String, Value>,
        pointer: String,
        key: Option<(String, Pos)>,
        anchor: usize,
    },
    Seq {
        items: Vec<Value>,
        pointer: String,
        anchor: usize,
    },
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    done: Option<Value>,
    documents: usize,
    anchors: HashMap<usize, Value>,
    values: HashMap<String, Pos>,
    keys: HashMap<String, Pos>,
    errors: Vec<SyntaxError>,
}

impl Builder {
    /// The pointer of the next value, and whether it is a mapping key.
    fn next_pointer(&self) -> (String, bool) {
        match self.stack.last() {
            None => (String::new(), false),
            Some(Frame::Seq { items, pointer, .. }) => {
                (format!("{pointer}/{}", items.len()), false)
            }
            Some(Frame::Map { pointer, key, .. }) => match key {
                Some((k, _)) => (format!("{pointer}/{}", pointer_part(k)), false),
                None => (pointer.clone(), true),
            },
        }
    }

    fn put(&mut self, value: Value, at: Pos) {
        match self.stack.last_mut() {
            None => {
                self.values.insert(String::new(), at);
                self.done = Some(value);
            }
            Some(Frame::Seq { items, pointer, .. }) => {
                self.values.insert(format!("{pointer}/{}", items.len()), at);
                items.push(value);
            }
            Some(Frame::Map {
                map, pointer, key, ..
            }) => match key.take() {
                Some((k, key_at)) => {
                    let child = format!("{pointer}/{}", pointer_part(&k));
                    self.values.insert(child.clone(), at);
                    self.keys.insert(child, key_at);
                    if map.insert(k.clone(), value).is_some() {
                        self.errors.push(SyntaxError {
                            pos: key_at,
                            message: format!("the key {k:?} appears twice"),
                        });
                    }
                }
                None => {
                    if map.is_empty() {
                        self.values.entry(pointer.clone()).or_insert(at);
                    }
                    let k = match value {
                        Value::String(s) => s,
                        other => other.to_string(),
                    };
                    *key = Some((k, at));
                }
            },
        }
    }
}

fn scalar(text: String, style: TScalarStyle) -> Value {
    if style != TScalarStyle::Plain {
        return Value::String(text);
    }
    match Yaml::from_str(&text) {
        Yaml::Integer(i) => Value::from(i),
        Yaml::Real(r) => r
            .parse::<f64>()
            .ok()
            .and_then(Number::from_f64)
            .map_or(Value::String(text), Value::Number),
        Yaml::Boolean(b) => Value::Bool(b),
        Yaml::Null => Value::Null,
        _ => Value::String(text),
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, event: Event, mark: Marker) {
        let at = pos(mark);
        match event {
            Event::DocumentStart => {
                self.documents += 1;
                if self.documents > 1 {
                    self.errors.push(SyntaxError {
                        pos: at,
                        message: "a flow file holds one document".to_owned(),
                    });
                }
            }
            Event::Scalar(text, style, anchor, _) => {
                let value = scalar(text, style);
                if anchor > 0 {
                    self.anchors.insert(anchor, value.clone());
                }
                self.put(value, at);
            }
            Event::Alias(anchor) => {
                let value = self.anchors.get(&anchor).cloned().unwrap_or(Value::Null);
                self.put(value, at);
            }
            Event::SequenceStart(anchor, _) => {
                let (pointer, _) = self.next_pointer();
                self.values.insert(pointer.clone(), at);
                self.stack.push(Frame::Seq {
                    items: Vec::new(),
                    pointer,
                    anchor,
                });
            }
            Event::MappingStart(anchor, _) => {
                let (pointer, is_key) = self.next_pointer();
                if is_key {
                    self.errors.push(SyntaxError {
                        pos: at,
                        message: "a key must be text, not a mapping or a list".to_owned(),
                    });
                }
                // A block mapping's start mark is unreliable: its place is its first key's.
                self.stack.push(Frame::Map {
                    map: Map::new(),
                    pointer,
                    key: None,
                    anchor,
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (value, anchor) = match self.stack.pop() {
                    Some(Frame::Seq { items, anchor, .. }) => (Value::Array(items), anchor),
                    Some(Frame::Map { map, anchor, .. }) => (Value::Object(map), anchor),
                    None => return,
                };
                if anchor > 0 {
                    self.anchors.insert(anchor, value.clone());
                }
                // The value's place was recorded at its start; `put` records it again
                // with this end mark, so keep the start.
                let (pointer, _) = self.next_pointer();
                let start = self.values.get(&pointer).copied().unwrap_or(at);
                self.put(value, start);
            }
            _ => {}
        }
    }
}

/// Parses a flow file's text.
pub fn parse(text: &str) -> Result<Located, Vec<SyntaxError>> {
    let mut builder = Builder::default();
    let mut parser = Parser::new_from_str(text);
    if let Err(e) = parser.load(&mut builder, true) {
        return Err(vec![SyntaxError {
            pos: pos(*e.marker()),
            message: e.info().to_owned(),
        }]);
    }
    if !builder.errors.is_empty() {
        return Err(builder.errors);
    }
    Ok(Located {
        value: builder.done.unwrap_or(Value::Null),
        values: builder.values,
        keys: builder.keys,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_and_keys_keep_their_places() {
        let text = "name: a\nsteps:\n  - id: one\n    input: { n: 3, ok: true, s: '3' }\n";
        let doc = parse(text).unwrap();
        assert_eq!(
            doc.value,
            json!({"name": "a", "steps": [{"id": "one", "input": {"n": 3, "ok": true, "s": "3"}}]})
        );
        assert_eq!(doc.key_pos("/steps/0/input"), Pos { line: 4, col: 5 });
        assert_eq!(doc.value_pos("/steps/0/id"), Pos { line: 3, col: 9 });
        assert_eq!(doc.value_pos("/steps/0/input/n"), Pos { line: 4, col: 17 });
        assert_eq!(
            doc.value_pos("/steps/0/nothing/here"),
            Pos { line: 3, col: 5 }
        );
    }

    #[test]
    fn json_is_read_too_and_syntax_errors_have_a_place() {
        let doc = parse(r#"{"name": "a", "steps": []}"#).unwrap();
        assert_eq!(doc.value, json!({"name": "a", "steps": []}));
        let errors = parse("name: a\n  bad: [\n").unwrap_err();
        assert!(errors[0].pos.line >= 2, "{errors:?}");
        let twice = parse("name: a\nname: b\n").unwrap_err();
        assert_eq!(twice[0].pos, Pos { line: 2, col: 1 });
    }
}
