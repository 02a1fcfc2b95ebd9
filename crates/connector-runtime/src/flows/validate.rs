//! Checking a flow file before anything runs, like a compiler: every error of the file,
//! each at its own `file:line:col`, never the first one only.
//!
//! - the file's shape against the format's JSON Schema (unknown keys, wrong types,
//!   missing keys), from the Rust types in [`model`](super::model);
//! - names: the flow's (`[a-z0-9-]+`) and each step's (`[a-z0-9_]+`, unique);
//! - each step is exactly one kind; cards exist in the [`Catalog`];
//! - expressions and templates parse, and read only names in scope: `event`, `run`,
//!   `steps.<id>` of an earlier step, `error` inside `on_error`, the loop's item;
//! - the literal parts of a card's input match the card's input schema.
//!
//! Long on purpose: one checker walks the file once and every rule reports through it (the
//! document, the catalog, the scope and the errors it holds); the lowering is `program.rs`,
//! the triggers' rules their own modules.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use serde_json::Value;

use super::Catalog;
use super::expr::{Expressions, Kind, kind};
use super::model::{FlowFile, flow_schema};
use super::program::{MAX_BLOCK_DEPTH, Program, lower};
use super::source::{Located, Pos, parse, pointer_part};
use crate::triggers::Check;

/// One mistake in a flow file.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Diagnostic {
    /// The file, as given.
    pub file: String,
    /// Where in it.
    pub pos: Pos,
    /// What is wrong and why.
    pub message: String,
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.pos, self.message)
    }
}

/// A flow that passed validation.
#[derive(Clone, Debug)]
pub struct Flow {
    /// Its definition, as the file writes it.
    pub def: Arc<FlowFile>,
    /// The typed program the engine, the dry run and the pages run and draw.
    pub program: Arc<Program>,
    /// The file it came from.
    pub file: String,
    /// Its text, as stored with each run (a run keeps the definition it started with).
    pub source: String,
    /// The SHA-256 of its text, hex: the key of the definition a run started with.
    pub hash: String,
    /// The flows its `call` steps run, by name, each linked in turn (empty until the
    /// flows loaded together are linked: see `link`).
    pub callees: Arc<BTreeMap<String, Flow>>,
    /// Where it names other flows (`call:`, `spawn:`), for linking.
    pub(crate) references: Vec<Reference>,
}

/// A `call:` or `spawn:` naming another flow, and where.
#[derive(Clone, Debug)]
pub(crate) struct Reference {
    /// The flow named.
    pub(crate) target: String,
    /// True for `spawn`, false for `call`.
    pub(crate) spawn: bool,
    /// Where the name is written.
    pub(crate) pos: Pos,
}

impl Flow {
    /// The flow's name.
    pub fn name(&self) -> &str {
        &self.def.name
    }
}

struct Checker<'a> {
    file: &'a str,
    doc: &'a Located,
    catalog: &'a dyn Catalog,
    exprs: &'a Expressions,
    errors: Vec<Diagnostic>,
    references: Vec<Reference>,
}

/// Names MiniJinja provides itself, which an expression may call.
const GLOBALS: &[&str] = &["range", "dict", "namespace", "loop", "now", "random_int"];

fn is_name(text: &str, extra: char) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == extra)
}

impl Checker<'_> {
    fn at_value(&mut self, pointer: &str, message: String) {
        let pos = self.doc.value_pos(pointer);
        self.push(pos, message);
    }

    fn at_key(&mut self, pointer: &str, message: String) {
        let pos = self.doc.key_pos(pointer);
        self.push(pos, message);
    }

    fn push(&mut self, pos: Pos, message: String) {
        self.errors.push(Diagnostic {
            file: self.file.to_owned(),
            pos,
            message,
        });
    }

    fn shape(&mut self) {
        let schema = flow_schema();
        let Ok(validator) = jsonschema::validator_for(&schema) else {
            self.push(
                Pos::default(),
                "the flow format's schema does not compile".into(),
            );
            return;
        };
        for error in validator.iter_errors(&self.doc.value) {
            let pointer = error.instance_path().to_string();
            match error.kind() {
                jsonschema::error::ValidationErrorKind::AdditionalProperties { unexpected } => {
                    for key in unexpected {
                        self.at_key(
                            &format!("{pointer}/{}", pointer_part(key)),
                            format!("unknown key {key:?}"),
                        );
                    }
                }
                // The step and handler kinds are checked below with clearer words.
                jsonschema::error::ValidationErrorKind::AnyOf { .. }
                | jsonschema::error::ValidationErrorKind::OneOfNotValid { .. }
                    if pointer.contains("/on_error") =>
                {
                    self.at_value(
                        &pointer,
                        "on_error is `continue` or a list of handlers `{if, then: continue|fail}` or `{if, return}`".into(),
                    );
                }
                jsonschema::error::ValidationErrorKind::AnyOf { .. }
                    if pointer.ends_with("/wait") =>
                {
                    self.wait_shape(&pointer);
                }
                _ => self.at_value(&pointer, error.to_string()),
            }
        }
    }

    /// A `wait` the schema refused, in plain words: its unknown keys, or what it must be.
    fn wait_shape(&mut self, pointer: &str) {
        let Some(Value::Object(wait)) = self.doc.value.pointer(pointer) else {
            self.at_value(
                pointer,
                "a wait is `{for}`, `{until}` or `{signal, timeout}`".into(),
            );
            return;
        };
        let keys: Vec<String> = wait.keys().cloned().collect();
        for key in keys {
            match (key.as_str(), wait.get(&key)) {
                ("for" | "until" | "signal" | "timeout", Some(Value::String(_))) => {}
                ("for" | "until" | "signal" | "timeout", _) => {
                    self.at_value(&format!("{pointer}/{key}"), format!("`{key}` is text"));
                }
                _ => self.at_key(
                    &format!("{pointer}/{}", pointer_part(&key)),
                    format!("unknown key {key:?}"),
                ),
            }
        }
    }

    /// Checks an expression (bare) or a template; `scope` says which names it may read.
    fn expression(&mut self, pointer: &str, source: &str, bare: bool, scope: &Scope<'_>) {
        let names = if bare {
            self.exprs.check_expression(source)
        } else {
            self.exprs.check_template(source)
        };
        match names {
            Err(e) => self.at_value(pointer, e.message),
            Ok(names) => {
                for name in names {
                    if let Some(why) = scope.refuses(&name) {
                        self.at_value(pointer, why);
                    }
                }
            }
        }
    }

    /// Every string inside `value` is a template.
    fn templates(&mut self, pointer: &str, value: &Value, scope: &Scope<'_>) {
        match value {
            Value::String(text) => self.expression(pointer, text, false, scope),
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.templates(&format!("{pointer}/{i}"), item, scope);
                }
            }
            Value::Object(map) => {
                for (k, v) in map {
                    self.templates(&format!("{pointer}/{}", pointer_part(k)), v, scope);
                }
            }
            _ => {}
        }
    }

    fn steps(&mut self) {
        let doc = self.doc;
        let Some(steps) = doc.value.get("steps").and_then(Value::as_array) else {
            return;
        };
        // Ids are unique across the file, nested steps included; `earlier` holds the ids
        // before this step in the file's order (grown as the walk goes, so that validation
        // stays linear in the number of steps).
        let mut seen: HashMap<String, String> = HashMap::new();
        let mut earlier: HashSet<&str> = HashSet::new();
        self.step_list("/steps", steps, 1, &mut seen, &mut earlier);
    }

    /// The steps of a list (the flow's, or a branch's at `depth`), nested ones after each.
    fn step_list<'d>(
        &mut self,
        at: &str,
        steps: &'d [Value],
        depth: usize,
        seen: &mut HashMap<String, String>,
        earlier: &mut HashSet<&'d str>,
    ) {
        for (index, step) in steps.iter().enumerate() {
            let Some(step) = step.as_object() else {
                continue;
            };
            let here = format!("{at}/{index}");
            self.step(&here, step, seen, earlier);
            if let Some(id) = step.get("id").and_then(Value::as_str) {
                let first = if depth == 1 {
                    format!("step {}", index + 1)
                } else {
                    format!("the step at {}", self.doc.value_pos(&format!("{here}/id")))
                };
                seen.entry(id.to_owned()).or_insert(first);
                earlier.insert(id);
            }
            for branch in ["then", "else"] {
                let Some(Value::Array(nested)) = step.get(branch) else {
                    continue;
                };
                if depth >= MAX_BLOCK_DEPTH {
                    self.at_key(
                        &format!("{here}/{branch}"),
                        format!("blocks nest at most {MAX_BLOCK_DEPTH} deep (top-level steps are depth 1)"),
                    );
                    continue;
                }
                self.step_list(
                    &format!("{here}/{branch}"),
                    nested,
                    depth + 1,
                    seen,
                    earlier,
                );
            }
        }
    }

    fn step(
        &mut self,
        at: &str,
        step: &serde_json::Map<String, Value>,
        seen: &HashMap<String, String>,
        earlier: &HashSet<&str>,
    ) {
        {
            let id = step.get("id").and_then(Value::as_str).unwrap_or("");
            if !id.is_empty() {
                if !is_name(id, '_') {
                    self.at_value(
                        &format!("{at}/id"),
                        format!("step id {id:?} must be [a-z0-9_]+"),
                    );
                }
                if let Some(first) = seen.get(id) {
                    self.at_value(
                        &format!("{at}/id"),
                        format!("step id {id:?} is already used by {first}"),
                    );
                }
            }
            let kinds: Vec<&str> = [
                "card", "call", "spawn", "assign", "return", "fail", "wait", "then",
            ]
            .into_iter()
            .filter(|k| step.contains_key(*k))
            .collect();
            match kinds.len() {
                0 => self.at_value(at, format!("step {id:?} has no kind: give one of card, call, spawn, assign, for_each with a card, call or spawn, return, fail, wait, or if with then")),
                1 => {}
                _ => self.at_value(at, format!("step {id:?} has several kinds ({}); give exactly one", kinds.join(", "))),
            }
            if step.contains_key("for_each")
                && !["card", "call", "spawn"]
                    .iter()
                    .any(|k| step.contains_key(*k))
            {
                self.at_key(
                    &format!("{at}/for_each"),
                    "for_each runs a card, a call or a spawn: give one, with its `input`".into(),
                );
            }
            self.block_and_calls(at, step);
            let base = Scope {
                earlier,
                item: None,
                error: false,
            };
            if let Some(Value::String(cond)) = step.get("if") {
                self.expression(&format!("{at}/if"), cond, true, &base);
            }
            let item = step.get("for_each").map(|_| {
                step.get("as")
                    .and_then(Value::as_str)
                    .unwrap_or("item")
                    .to_owned()
            });
            if let Some(Value::String(list)) = step.get("for_each") {
                self.expression(&format!("{at}/for_each"), list, true, &base);
            }
            let in_loop = Scope {
                earlier,
                item: item.as_deref(),
                error: false,
            };
            if let Some(Value::String(card)) = step.get("card") {
                self.card(at, card, step.get("input"), &in_loop);
                if let Some(Value::String(connection)) = step.get("connection")
                    && let Some(why) = self.catalog.connection_error(connection, card)
                {
                    self.at_value(&format!("{at}/connection"), why);
                }
            } else if step.contains_key("call") || step.contains_key("spawn") {
                if let Some(input) = step.get("input") {
                    self.templates(&format!("{at}/input"), input, &in_loop);
                }
            } else if step.contains_key("input") {
                self.at_key(
                    &format!("{at}/input"),
                    "input belongs to a card, call or spawn step".into(),
                );
            }
            if let Some(Value::Object(assign)) = step.get("assign") {
                for (name, expr) in assign {
                    if let Value::String(expr) = expr {
                        self.expression(
                            &format!("{at}/assign/{}", pointer_part(name)),
                            expr,
                            true,
                            &base,
                        );
                    }
                }
            }
            if let Some(output) = step.get("return").and_then(|r| r.get("output")) {
                self.templates(&format!("{at}/return/output"), output, &base);
            }
            if let Some(Value::String(message)) = step.get("fail").and_then(|f| f.get("message")) {
                self.expression(&format!("{at}/fail/message"), message, false, &base);
            }
            if let Some(Value::Object(wait)) = step.get("wait") {
                self.wait(&format!("{at}/wait"), wait, &base);
            }
            if let Some(Value::Array(handlers)) = step.get("on_error") {
                let on_error = Scope {
                    earlier,
                    item: item.as_deref(),
                    error: true,
                };
                for (h, handler) in handlers.iter().enumerate() {
                    let hat = format!("{at}/on_error/{h}");
                    if let Some(Value::String(cond)) = handler.get("if") {
                        self.expression(&format!("{hat}/if"), cond, true, &on_error);
                    }
                    match (
                        handler.get("then").is_some(),
                        handler.get("return").is_some(),
                    ) {
                        (true, true) => {
                            self.at_value(&hat, "a handler has `then` or `return`, not both".into())
                        }
                        (false, false) => self.at_value(
                            &hat,
                            "a handler needs `then: continue|fail` or `return`".into(),
                        ),
                        _ => {}
                    }
                    if let Some(output) = handler.get("return").and_then(|r| r.get("output")) {
                        self.templates(&format!("{hat}/return/output"), output, &on_error);
                    }
                }
            }
        }
    }

    /// A block's and a call's or spawn's own rules; the flows they name are recorded for
    /// linking, where unknown and non-callable flows, cycles and depth are found.
    fn block_and_calls(&mut self, at: &str, step: &serde_json::Map<String, Value>) {
        let has = |key: &str| step.contains_key(key);
        if has("then") && !has("if") {
            self.at_key(
                &format!("{at}/then"),
                "a block needs `if`: the condition that chooses `then`".into(),
            );
        }
        if has("then") {
            for key in ["retry", "on_error", "connection"] {
                if has(key) {
                    self.at_key(
                        &format!("{at}/{key}"),
                        format!("a block takes no {key}: its steps carry their own"),
                    );
                }
            }
        }
        if has("else") && !has("then") {
            self.at_key(
                &format!("{at}/else"),
                "`else` belongs to a block: give `if` and `then` too".into(),
            );
        }
        for (key, spawn) in [("call", false), ("spawn", true)] {
            let Some(Value::String(target)) = step.get(key) else {
                continue;
            };
            self.references.push(Reference {
                target: target.clone(),
                spawn,
                pos: self.doc.value_pos(&format!("{at}/{key}")),
            });
            if has("retry") {
                self.at_key(
                    &format!("{at}/retry"),
                    format!("a {key} step takes no retry: the called flow's steps carry their own"),
                );
            }
            if has("connection") {
                self.at_key(
                    &format!("{at}/connection"),
                    "connection belongs to a card step".into(),
                );
            }
        }
    }

    /// A wait's signal name and its `until` (a template; a literal time is read now, and
    /// may not be more than 366 days ahead). Durations are checked when lowering.
    fn wait(&mut self, at: &str, wait: &serde_json::Map<String, Value>, scope: &Scope<'_>) {
        if let Some(Value::String(name)) = wait.get("signal")
            && (name.len() > super::steps::MAX_SIGNAL_NAME || !is_name(name, '_'))
        {
            self.at_value(
                &format!("{at}/signal"),
                format!("signal name {name:?} must be [a-z0-9_]+, at most 64 characters"),
            );
        }
        if let Some(Value::String(until)) = wait.get("until") {
            let pointer = format!("{at}/until");
            if kind(until) == Kind::Literal {
                if let Err(why) = super::steps::wait_until(until, crate::time::now_ms()) {
                    self.at_value(&pointer, why);
                }
            } else {
                self.expression(&pointer, until, false, scope);
            }
        }
    }

    fn card(&mut self, at: &str, card: &str, input: Option<&Value>, scope: &Scope<'_>) {
        let Some(schema) = self.catalog.input_schema(card) else {
            self.at_value(
                &format!("{at}/card"),
                format!(
                    "unknown card {card:?}: {}",
                    self.catalog.known_cards_hint(card)
                ),
            );
            return;
        };
        let Some(input) = input else { return };
        self.templates(&format!("{at}/input"), input, scope);
        let Ok(validator) = jsonschema::validator_for(&schema) else {
            return;
        };
        let templated = templated_pointers(input, "");
        for error in validator.iter_errors(input) {
            let inner = error.instance_path().to_string();
            if templated
                .iter()
                .any(|t| inner == *t || inner.starts_with(&format!("{t}/")))
            {
                continue;
            }
            if let jsonschema::error::ValidationErrorKind::AdditionalProperties { unexpected } =
                error.kind()
            {
                for key in unexpected {
                    let message = if inner.is_empty() {
                        format!("{card} takes no input {key:?}")
                    } else {
                        format!("{card} input {inner} has no field {key:?}")
                    };
                    self.at_key(&format!("{at}/input{inner}/{}", pointer_part(key)), message);
                }
                continue;
            }
            self.at_value(
                &format!("{at}/input{inner}"),
                format!("{card} input: {error}"),
            );
        }
    }
}

/// Pointers (inside an input) of the strings that are templates: checked when rendered.
fn templated_pointers(value: &Value, pointer: &str) -> Vec<String> {
    match value {
        Value::String(text) if kind(text) != Kind::Literal => vec![pointer.to_owned()],
        Value::Array(items) => items
            .iter()
            .enumerate()
            .flat_map(|(i, v)| templated_pointers(v, &format!("{pointer}/{i}")))
            .collect(),
        Value::Object(map) => map
            .iter()
            .flat_map(|(k, v)| templated_pointers(v, &format!("{pointer}/{}", pointer_part(k))))
            .collect(),
        _ => Vec::new(),
    }
}

/// The names an expression may read where it stands.
struct Scope<'a> {
    earlier: &'a HashSet<&'a str>,
    item: Option<&'a str>,
    error: bool,
}

impl Scope<'_> {
    fn refuses(&self, name: &str) -> Option<String> {
        let mut parts = name.split('.');
        let root = parts.next().unwrap_or("");
        match root {
            "event" | "run" => None,
            "error" if self.error => None,
            "steps" => match parts.next() {
                None => None,
                Some(id) if self.earlier.contains(id) => None,
                Some(id) => Some(format!("steps.{id} is not a step defined before this one")),
            },
            _ if Some(root) == self.item => None,
            _ if GLOBALS.contains(&root) => None,
            "error" => Some("`error` is only readable inside on_error".into()),
            other => Some(format!(
                "{other:?} is not in scope (event, steps.<id>, run{}{})",
                if self.error { ", error" } else { "" },
                self.item.map(|i| format!(", {i}")).unwrap_or_default()
            )),
        }
    }
}

/// The SHA-256 of a flow's text, as hex.
pub(crate) fn hash_of(text: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Validates one flow file's text; `Err` holds every mistake.
pub fn validate(file: &str, text: &str, catalog: &dyn Catalog) -> Result<Flow, Vec<Diagnostic>> {
    let doc = match parse(text) {
        Ok(doc) => doc,
        Err(errors) => {
            return Err(errors
                .into_iter()
                .map(|e| Diagnostic {
                    file: file.to_owned(),
                    pos: e.pos,
                    message: e.message,
                })
                .collect());
        }
    };
    let exprs = Expressions::new();
    let mut checker = Checker {
        file,
        doc: &doc,
        catalog,
        exprs: &exprs,
        errors: Vec::new(),
        references: Vec::new(),
    };
    checker.shape();
    if let Some(Value::String(name)) = doc.value.get("name")
        && !is_name(name, '-')
    {
        checker.at_value("/name", format!("flow name {name:?} must be [a-z0-9-]+"));
    }
    let no_steps = HashSet::new();
    let events_only = Scope {
        earlier: &no_steps,
        item: None,
        error: false,
    };
    if let Some(Value::String(subject)) = doc.value.get("subject") {
        checker.expression("/subject", subject, false, &events_only);
    }
    for check in crate::triggers::check(doc.value.get("trigger")) {
        match check {
            Check::Invalid { at, message } => checker.at_value(&at, message),
            Check::Expression { at, text } => checker.expression(&at, &text, true, &events_only),
        }
    }
    checker.steps();
    let references = checker.references;
    let mut errors = checker.errors;
    // The file is lowered whenever its shape allows, so that its durations' mistakes are
    // reported with the others; a shape the checks above refused is not reported twice.
    match serde_json::from_value::<FlowFile>(doc.value.clone()) {
        Ok(def) => match lower(&def) {
            Ok(program) if errors.is_empty() => {
                return Ok(Flow {
                    def: Arc::new(def),
                    program: Arc::new(program),
                    file: file.to_owned(),
                    source: text.to_owned(),
                    hash: hash_of(text),
                    callees: Arc::default(),
                    references,
                });
            }
            Ok(_) => {}
            Err(mistakes) => {
                for (pointer, message) in mistakes {
                    errors.push(Diagnostic {
                        file: file.to_owned(),
                        pos: doc.value_pos(&pointer),
                        message,
                    });
                }
            }
        },
        Err(e) if errors.is_empty() => errors.push(Diagnostic {
            file: file.to_owned(),
            pos: Pos::default(),
            message: e.to_string(),
        }),
        Err(_) => {}
    }
    errors.sort();
    errors.dedup();
    Err(errors)
}
