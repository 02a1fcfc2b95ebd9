//! A flow file's text as a JSON value, with where each value and key stood in the text
//! (line and column, 1-based), so that every error can name its `file:line:col`. YAML is
//! read by `yaml-rust2`'s event parser, one event at a time (its own `load` recurses
//! once per level, which a file of 50,000 `- ` turns into a stack overflow); JSON is
//! YAML.
//!
//! A file is bounded before it is read and while it is: at most [`MAX_FLOW_BYTES`], at
//! most [`MAX_YAML_NODES`] nodes once its aliases are expanded (a "billion laughs" file
//! stops there), nesting at most [`MAX_NESTING`] levels.

use std::collections::HashMap;

use serde_json::{Map, Number, Value};
use yaml_rust2::Yaml;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// The largest flow file: 1 MiB.
pub const MAX_FLOW_BYTES: usize = 1024 * 1024;

/// The most nodes (scalar values, lists, maps; a mapping's keys are not counted, being
/// text bounded by the file's size) a flow file may hold, counting each use of an alias
/// as the nodes of what it names.
pub const MAX_YAML_NODES: usize = 100_000;

/// The deepest a flow file may nest lists and maps.
pub const MAX_NESTING: usize = 64;

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
        nodes_before: usize,
    },
    Seq {
        items: Vec<Value>,
        pointer: String,
        anchor: usize,
        nodes_before: usize,
    },
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    done: Option<Value>,
    documents: usize,
    /// Each anchor's value and how many nodes it holds.
    anchors: HashMap<usize, (Value, usize)>,
    values: HashMap<String, Pos>,
    keys: HashMap<String, Pos>,
    errors: Vec<SyntaxError>,
    /// Nodes so far, aliases counted each time they are used.
    nodes: usize,
    /// A bound was reached: the rest of the file is not read.
    stopped: bool,
}

impl Builder {
    /// Whether the next scalar is a mapping's key.
    fn at_key(&self) -> bool {
        matches!(self.stack.last(), Some(Frame::Map { key: None, .. }))
    }

    /// Counts `n` more nodes; past [`MAX_YAML_NODES`] the file is refused.
    fn count(&mut self, n: usize, at: Pos) -> bool {
        self.nodes = self.nodes.saturating_add(n);
        if self.nodes > MAX_YAML_NODES {
            self.stop(
                at,
                format!("the file holds over {MAX_YAML_NODES} nodes (aliases counted each time they are used)"),
            );
            return false;
        }
        true
    }

    fn stop(&mut self, at: Pos, message: String) {
        self.errors.push(SyntaxError { pos: at, message });
        self.stopped = true;
    }

    /// Opens a list or map; past [`MAX_NESTING`] the file is refused.
    fn open(&mut self, at: Pos) -> bool {
        if self.stack.len() >= MAX_NESTING {
            self.stop(
                at,
                format!("the file nests deeper than {MAX_NESTING} levels"),
            );
            return false;
        }
        self.count(1, at)
    }

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
        if self.stopped {
            return;
        }
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
                // Keys are text, bounded by the file's size; values are what aliases grow.
                if !self.at_key() && !self.count(1, at) {
                    return;
                }
                let value = scalar(text, style);
                if anchor > 0 {
                    self.anchors.insert(anchor, (value.clone(), 1));
                }
                self.put(value, at);
            }
            Event::Alias(anchor) => {
                let size = self.anchors.get(&anchor).map_or(1, |(_, n)| *n);
                // Counted before it is copied: a file of aliases of aliases stops here.
                if !self.count(size, at) {
                    return;
                }
                let value = self
                    .anchors
                    .get(&anchor)
                    .map_or(Value::Null, |(v, _)| v.clone());
                self.put(value, at);
            }
            Event::SequenceStart(anchor, _) => {
                if !self.open(at) {
                    return;
                }
                let nodes_before = self.nodes;
                let (pointer, _) = self.next_pointer();
                self.values.insert(pointer.clone(), at);
                self.stack.push(Frame::Seq {
                    items: Vec::new(),
                    pointer,
                    anchor,
                    nodes_before,
                });
            }
            Event::MappingStart(anchor, _) => {
                if !self.open(at) {
                    return;
                }
                let nodes_before = self.nodes;
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
                    nodes_before,
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (value, anchor, nodes_before) = match self.stack.pop() {
                    Some(Frame::Seq {
                        items,
                        anchor,
                        nodes_before,
                        ..
                    }) => (Value::Array(items), anchor, nodes_before),
                    Some(Frame::Map {
                        map,
                        anchor,
                        nodes_before,
                        ..
                    }) => (Value::Object(map), anchor, nodes_before),
                    None => return,
                };
                if anchor > 0 {
                    let size = self.nodes - nodes_before + 1;
                    self.anchors.insert(anchor, (value.clone(), size));
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
    if text.len() > MAX_FLOW_BYTES {
        return Err(vec![SyntaxError {
            pos: Pos { line: 1, col: 1 },
            message: format!(
                "the file is {} bytes, over the {MAX_FLOW_BYTES} bytes (1 MiB) a flow file may hold",
                text.len()
            ),
        }]);
    }
    let mut builder = Builder::default();
    let mut parser = Parser::new_from_str(text);
    // One event at a time, never `Parser::load`, which recurses once per level.
    while !builder.stopped {
        match parser.next_token() {
            Ok((Event::StreamEnd, _)) => break,
            Ok((event, mark)) => builder.on_event(event, mark),
            Err(e) => {
                return Err(vec![SyntaxError {
                    pos: pos(*e.marker()),
                    message: e.info().to_owned(),
                }]);
            }
        }
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
mod tests;
