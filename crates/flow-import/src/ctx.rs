//! One flow being translated: its cards by id, the wiring (`pins`) seen from the input's
//! side, the step id each translated card got, and the expression each output stands for.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::Value;

use crate::cards;
use crate::emit::FlowOut;
use crate::model::{Card, Port};
use crate::report::Untranslated;
use crate::slug::{Names, id_slug};
use crate::val::{Val, field};

/// How deep hidden picking cards may chain (an `object.expand` of an `object.expand`).
const MAX_REF_DEPTH: usize = 32;

/// What the whole export shares while its flows are translated.
#[derive(Debug, Default)]
pub(crate) struct Shared {
    /// Flow names given so far (every file written to one folder).
    pub(crate) names: Names,
    /// An export's flows: id -> name.
    pub(crate) flow_names: HashMap<String, String>,
    /// An export's flows: id -> the field its Return card gives first (a Filter
    /// Custom's helper returns its verdict there).
    pub(crate) returns: HashMap<String, Option<String>>,
    /// The flows (by name) whose first card's "Caller" (`parent`) output something reads:
    /// each call of one passes it `parent`.
    pub(crate) reads_parent: HashSet<String>,
    /// Connections: id -> the name a step gives (`None`: the connector's default).
    pub(crate) connections: HashMap<String, Option<String>>,
    /// Tables: id -> name, and each column's name in the export and here.
    pub(crate) tables: HashMap<String, TableNames>,
    /// How deep inline helper flows nest while they are extracted.
    pub(crate) depth: usize,
    /// Helper flows extracted from inline cards, with their cards left untranslated.
    pub(crate) helpers: Vec<Translated>,
}

/// A table's name here, and each column's name in the export and here.
pub(crate) type TableNames = (String, Vec<(String, String)>);

/// A flow translated: its file (or none, when a card was left untranslated).
#[derive(Debug)]
pub(crate) struct Translated {
    /// Its name (also its file's stem).
    pub(crate) name: String,
    /// The flow's title in the export.
    pub(crate) title: String,
    /// The file to write.
    pub(crate) flow: FlowOut,
    /// Cards it could not translate.
    pub(crate) untranslated: Vec<Untranslated>,
    /// Flows it calls or spawns.
    pub(crate) calls: BTreeSet<String>,
}

use std::collections::BTreeSet;

/// One flow being translated.
pub(crate) struct FlowCtx<'a, 's> {
    /// The flow's name.
    pub(crate) name: String,
    /// Its cards by id.
    pub(crate) cards: HashMap<&'a str, &'a Card>,
    /// Output id -> the card and port.
    outputs: HashMap<&'a str, (&'a Card, &'a Port)>,
    /// (card, input) -> (output id, transform).
    wires: HashMap<(&'a str, &'a str), Vec<(&'a str, &'a Value)>>,
    /// Outputs something reads.
    pub(crate) used: HashSet<&'a str>,
    /// Step ids given.
    ids: Names,
    /// Card id -> its step id.
    step_ids: HashMap<String, String>,
    /// A Join card's outputs, as expressions.
    pub(crate) joined: HashMap<String, String>,
    /// A Branch card -> the steps calling each case's helper, in order.
    pub(crate) branched: HashMap<String, Vec<String>>,
    /// An If Error card -> the step calling its error handler (when it has one).
    pub(crate) caught: HashMap<String, Option<String>>,
    /// Cards left untranslated.
    pub(crate) untranslated: Vec<Untranslated>,
    /// Flows called or spawned.
    pub(crate) calls: BTreeSet<String>,
    /// The export's shared state.
    pub(crate) shared: &'s mut Shared,
}

impl<'a, 's> FlowCtx<'a, 's> {
    pub(crate) fn new(name: String, methods: &'a [Card], shared: &'s mut Shared) -> Self {
        let mut cards = HashMap::new();
        let mut outputs = HashMap::new();
        let mut wires = HashMap::new();
        let mut used = HashSet::new();
        for card in methods {
            cards.insert(card.uuid.as_str(), card);
            for port in card.node.model.outputs.data.values() {
                outputs.insert(port.id.as_str(), (card, port));
            }
        }
        for card in methods {
            for (out, targets) in &card.pins {
                for (target, pins) in targets {
                    for pin in pins {
                        used.insert(out.as_str());
                        wires
                            .entry((target.as_str(), pin.input.as_str()))
                            .or_insert_with(Vec::new)
                            .push((out.as_str(), &pin.transform));
                    }
                }
            }
            for pins in card.joins.values() {
                for pin in pins {
                    used.insert(pin.output.as_str());
                }
            }
            for port in card.node.model.inputs.data.values() {
                if let Some(src) = port.metadata.get("srcOutputId").and_then(Value::as_str)
                    && let Some((_, p)) = outputs.get(src)
                {
                    used.insert(p.id.as_str());
                }
            }
        }
        FlowCtx {
            name,
            cards,
            outputs,
            wires,
            used,
            ids: Names::default(),
            step_ids: HashMap::new(),
            joined: HashMap::new(),
            caught: HashMap::new(),
            branched: HashMap::new(),
            untranslated: Vec::new(),
            calls: BTreeSet::new(),
            shared,
        }
    }

    /// The step id of `card` (given once, from its title).
    pub(crate) fn step_id(&mut self, card: &Card) -> String {
        if let Some(id) = self.step_ids.get(&card.uuid) {
            return id.clone();
        }
        let id = self.ids.unique(&id_slug(card.title()), '_');
        self.step_ids.insert(card.uuid.clone(), id.clone());
        id
    }

    /// A step id that belongs to no card (a join's values).
    pub(crate) fn fresh_id(&mut self, base: &str) -> String {
        self.ids.unique(&id_slug(base), '_')
    }

    /// Records a card the importer cannot translate.
    pub(crate) fn untranslated(&mut self, card: &Card, why: impl Into<String>) {
        self.untranslated.push(Untranslated {
            title: card.title().to_owned(),
            address: card.address.clone(),
            why: why.into(),
        });
    }

    /// True when one of the card's outputs is read.
    pub(crate) fn is_used(&self, port: &Port) -> bool {
        self.used.contains(port.id.as_str())
    }

    /// The value of a card's input: its wire, or its literal.
    pub(crate) fn input_val(&self, card: &Card, port: &Port) -> Result<Val, String> {
        if let Some((out, transform)) = self
            .wires
            .get(&(card.uuid.as_str(), port.id.as_str()))
            .and_then(|w| w.first())
        {
            let expr = self.output_expr(out, 0)?;
            return Ok(Val::Code(transformed(expr, transform)));
        }
        if port.value.proxy.get("dynamic") == Some(&Value::Bool(true)) {
            let path = port
                .value
                .proxy
                .get("path")
                .and_then(Value::as_str)
                .unwrap_or("");
            return Ok(Val::Code(path_of("item", path)));
        }
        Ok(Val::Lit(port.value.data.clone()))
    }

    /// The value of the input named `key` (a blank literal when the card has none).
    pub(crate) fn input(&self, card: &Card, key: &str) -> Result<Val, String> {
        match card.input_named(key) {
            Some(port) => self.input_val(card, port),
            None => Ok(Val::Lit(Value::Null)),
        }
    }

    /// The card and output an input is wired to.
    pub(crate) fn wire_source(&self, card: &Card, port: &Port) -> Option<(&'a Card, &'a Port)> {
        let (out, _) = self
            .wires
            .get(&(card.uuid.as_str(), port.id.as_str()))?
            .first()?;
        self.outputs.get(out).copied()
    }

    /// Every value wired to an input (a Join card's input takes one from each branch).
    pub(crate) fn input_sources(&self, card: &Card, port: &Port) -> Result<Vec<String>, String> {
        let Some(wires) = self.wires.get(&(card.uuid.as_str(), port.id.as_str())) else {
            return Ok(Vec::new());
        };
        wires
            .iter()
            .map(|(out, t)| self.output_expr(out, 0).map(|e| transformed(e, t)))
            .collect()
    }

    /// True when the input is wired to an output.
    pub(crate) fn is_wired(&self, card: &Card, port: &Port) -> bool {
        self.wires
            .contains_key(&(card.uuid.as_str(), port.id.as_str()))
    }

    /// The expression an output stands for.
    pub(crate) fn output_expr(&self, out: &str, depth: usize) -> Result<String, String> {
        if depth > MAX_REF_DEPTH {
            return Err("its wiring nests too deep".into());
        }
        let Some((card, port)) = self.outputs.get(out) else {
            return Err(format!("reads an output ({out}) no card of the flow has"));
        };
        let kind = card.kind();
        match kind.as_str() {
            "object.expand" => {
                let src = port
                    .metadata
                    .get("srcOutputId")
                    .and_then(Value::as_str)
                    .or_else(|| {
                        card.inputs()
                            .first()
                            .and_then(|p| p.metadata.get("srcOutputId"))
                            .and_then(Value::as_str)
                    });
                let base = match src {
                    Some(src) => self.output_expr(src, depth + 1)?,
                    None => {
                        let input = card.inputs().first().copied().ok_or("an empty pick")?;
                        self.input_val(card, input)?.group()
                    }
                };
                let path: Vec<String> = port
                    .metadata
                    .get("path")
                    .and_then(Value::as_array)
                    .map(|p| {
                        p.iter()
                            .map(|s| {
                                s.as_str()
                                    .map(str::to_owned)
                                    .unwrap_or_else(|| s.to_string())
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                if port.key == "key" {
                    return Ok(crate::val::literal(&Value::from(
                        path.last().cloned().unwrap_or_default(),
                    )));
                }
                Ok(path.iter().fold(base, |acc, name| field(&acc, name)))
            }
            "control.join" => self
                .joined
                .get(out)
                .cloned()
                .ok_or_else(|| "reads a Join card's value before the branches".into()),
            _ => {
                if let Some(expr) = cards::start_output(&kind, port)? {
                    return Ok(expr);
                }
                let Some(id) = self.step_ids.get(&card.uuid) else {
                    return Err(format!(
                        "reads the card {:?}, which does not run before it",
                        card.title()
                    ));
                };
                let base = format!("steps.{id}.output");
                if kind == "control.branch" {
                    let calls = self.branched.get(&card.uuid).cloned().unwrap_or_default();
                    return Ok(calls.iter().rev().fold(String::from("none"), |acc, call| {
                        let value = field(&format!("steps.{call}.output"), &port.key);
                        format!("({value} if steps.{call}.status == 'succeeded' else {acc})")
                    }));
                }
                if kind == "control.tryCatch" {
                    let tried = field(&base, &port.key);
                    return Ok(match self.caught.get(&card.uuid).cloned().flatten() {
                        Some(caught) => format!(
                            "({tried} if steps.{id}.status == 'succeeded' else {})",
                            field(&format!("steps.{caught}.output"), &port.key)
                        ),
                        None => tried,
                    });
                }
                if card.is_function() {
                    let keys = out_keys(card);
                    let key = keys.get(port.id.as_str()).cloned().unwrap_or_default();
                    return Ok(field(&base, &key));
                }
                cards::connector_output(&kind, card, port, &base)
            }
        }
    }
}

/// A value converted as a wire says (`toString`, `parse`, `wrapArray`).
fn transformed(expr: String, transform: &Value) -> String {
    let convert = transform
        .as_object()
        .and_then(|m| m.values().next())
        .and_then(|t| t.get("convert"))
        .and_then(Value::as_str)
        .unwrap_or("");
    let grouped = Val::Code(expr.clone()).group();
    match convert {
        "toString" => format!("{grouped} | string"),
        "parse" => format!("(({grouped} | from_json) if {grouped} is string else {grouped})"),
        "wrapArray" => format!("({grouped} if {grouped} is sequence else [{grouped}])"),
        _ => expr,
    }
}

/// `base` with a dotted path (`profile.login`) of fields.
pub(crate) fn path_of(base: &str, path: &str) -> String {
    path.split('.')
        .filter(|p| !p.is_empty())
        .fold(base.to_owned(), |acc, name| field(&acc, name))
}

/// The `assign` names of a function card's outputs, by output id.
pub(crate) fn out_keys(card: &Card) -> BTreeMap<&str, String> {
    let mut names = Names::default();
    card.outputs()
        .into_iter()
        .map(|p| (p.id.as_str(), names.unique(&id_slug(&p.key), '_')))
        .collect()
}
