//! What an Okta Workflows export holds, as far as the importer reads it. No schema is
//! published: these types follow what the files show, take every field as optional and
//! ignore the fields they do not name, so that a newer export still reads.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// A whole export: `{"type": "flopack" | "folder" | "flow", "version", "data"}`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Export {
    /// `flopack`, `folder` or `flow`.
    #[serde(rename = "type")]
    #[serde(deserialize_with = "text")]
    pub kind: String,
    /// The export format's version (`1.2.0`, `1.5.0`).
    #[serde(deserialize_with = "text")]
    pub version: String,
    /// The flows, connections, tables and folders.
    #[serde(deserialize_with = "nullable")]
    pub data: ExportData,
}

/// The export's content.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ExportData {
    /// The flows, by id.
    #[serde(deserialize_with = "nullable")]
    pub flos: BTreeMap<String, Flo>,
    /// The connections, by id (never a secret).
    #[serde(deserialize_with = "nullable")]
    pub configs: BTreeMap<String, Config>,
    /// The tables, by id (their columns; rows are not exported).
    #[serde(deserialize_with = "nullable")]
    pub tables: BTreeMap<String, Table>,
}

/// One flow.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Flo {
    /// Its id.
    pub id: Option<String>,
    /// Its name as the designer shows it.
    #[serde(deserialize_with = "text")]
    pub name: String,
    /// What it does.
    pub description: Option<String>,
    /// Its cards and their order.
    #[serde(deserialize_with = "nullable")]
    pub data: FloData,
}

/// A flow's cards, their order and its schedule.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct FloData {
    /// Its id (inline helper flows carry theirs here).
    pub uuid: Option<String>,
    /// `isCallable` (a helper flow).
    #[serde(deserialize_with = "nullable")]
    pub display: Display,
    /// The cards.
    #[serde(deserialize_with = "nullable")]
    pub methods: Vec<Card>,
    /// `id -> [from, to]`: the order of the cards.
    #[serde(deserialize_with = "nullable")]
    pub orderings: BTreeMap<String, Value>,
    /// A scheduled flow (its `cron`).
    pub scheduled: Option<bool>,
    /// The schedule.
    pub cron: Option<Value>,
}

/// A flow's display settings.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Display {
    /// A helper flow (one another flow calls).
    #[serde(rename = "isCallable")]
    pub is_callable: Option<bool>,
}

/// A connection.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Config {
    /// Its name.
    #[serde(deserialize_with = "text")]
    pub name: String,
    /// Its connector (`okta`, `httpfunctions`, `slack`).
    #[serde(deserialize_with = "text")]
    pub module: String,
}

/// A table.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Table {
    /// Its name.
    #[serde(deserialize_with = "text")]
    pub name: String,
    /// Its columns.
    #[serde(deserialize_with = "nullable")]
    pub data: TableData,
}

/// A table's columns.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct TableData {
    /// The columns, in order.
    #[serde(deserialize_with = "nullable")]
    pub structure: Vec<Column>,
}

/// A column.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Column {
    /// Its name.
    #[serde(deserialize_with = "text")]
    pub name: String,
    /// `str`, `dec`, `num`, `bln`, `date`, ...
    #[serde(rename = "type")]
    #[serde(deserialize_with = "text")]
    pub kind: String,
}

/// A card.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Card {
    /// `root:kernel:<module>:<version>:<key>` or `root:channels:http:<connector>:<version>:<key>`.
    #[serde(deserialize_with = "text")]
    pub address: String,
    /// Its id in the flow.
    #[serde(deserialize_with = "text")]
    pub uuid: String,
    /// If/Else and Branch: the first card of each branch and its value.
    #[serde(deserialize_with = "nullable")]
    pub branches: BTreeMap<String, Value>,
    /// A Join card: its inputs and the outputs they take from the branches.
    #[serde(deserialize_with = "nullable")]
    pub joins: BTreeMap<String, Vec<JoinPin>>,
    /// Its title and model.
    #[serde(deserialize_with = "nullable")]
    pub node: Node,
    /// `output id -> target card -> [{input, transform}]`.
    #[serde(deserialize_with = "nullable")]
    pub pins: BTreeMap<String, BTreeMap<String, Vec<Pin>>>,
}

/// A Join card's input fed by a branch's output.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct JoinPin {
    /// The output id.
    #[serde(deserialize_with = "text")]
    pub output: String,
}

/// One wire: the input it feeds and how the value is converted.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Pin {
    /// The input id on the target card.
    #[serde(deserialize_with = "text")]
    pub input: String,
    /// `{outputId: {convert: "toString" | "parse" | "wrapArray" ...}}`, or null.
    pub transform: Value,
}

/// A card's title and model.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Node {
    /// `{name}`: the title.
    #[serde(deserialize_with = "nullable")]
    pub data: NodeData,
    /// Inputs, outputs, connection, error policy, comments.
    #[serde(deserialize_with = "nullable")]
    pub model: CardModel,
}

/// A card's title.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct NodeData {
    /// The title as the designer shows it.
    #[serde(deserialize_with = "text")]
    pub name: String,
}

/// A card's model.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct CardModel {
    /// Its inputs.
    #[serde(deserialize_with = "nullable")]
    pub inputs: Ports,
    /// Its outputs.
    #[serde(deserialize_with = "nullable")]
    pub outputs: Ports,
    /// The connection (a `configs` id).
    pub config: Option<Value>,
    /// Its notes: text, or `{title, markdown}` on a Comment card.
    pub comments: Option<Value>,
    /// `{error: {type}}`.
    pub policy: Option<Value>,
}

/// Inputs or outputs.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Ports {
    /// By id.
    #[serde(deserialize_with = "nullable")]
    pub data: BTreeMap<String, Port>,
}

/// One input or output.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Port {
    /// Its id.
    #[serde(deserialize_with = "text")]
    pub id: String,
    /// Its field name.
    #[serde(deserialize_with = "text")]
    pub key: String,
    /// The section it is shown in (`Profile Properties`, `context`).
    pub group: Option<String>,
    /// Its type and literal value.
    #[serde(deserialize_with = "nullable")]
    pub value: PortValue,
    /// Its place (`index`), and on hidden cards the path it picks.
    pub metadata: Value,
}

/// A port's type and value.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct PortValue {
    /// `string`, `number`, `object`, `flo`, or an object of nested fields.
    #[serde(rename = "type")]
    pub kind: Value,
    /// A list of them.
    pub collection: Option<bool>,
    /// The literal typed in the designer (empty when wired).
    pub data: Value,
    /// `{dynamic: true, path}` on a For Each's helper input: the item (or a field of it).
    pub proxy: Value,
}

impl Port {
    /// Its position among the card's ports.
    pub fn index(&self) -> u64 {
        self.metadata
            .get("index")
            .and_then(Value::as_u64)
            .unwrap_or(u64::MAX)
    }

    /// True for the run's context (`execution_id`, `index`, ...), not a field of data.
    pub fn is_context(&self) -> bool {
        self.group.as_deref() == Some("context")
    }
}

impl Card {
    /// `module.key` of a function card (`string.compose`) or `connector.key` of a
    /// connector card (`okta.readUser`).
    pub fn kind(&self) -> String {
        let parts: Vec<&str> = self.address.split(':').collect();
        match parts.as_slice() {
            ["root", "kernel", module, _, key, ..] => format!("{module}.{key}"),
            ["root", "channels", _, connector, _, key, ..] => format!("{connector}.{key}"),
            _ => self.address.clone(),
        }
    }

    /// True for a function card (`root:kernel:...`).
    pub fn is_function(&self) -> bool {
        self.address.starts_with("root:kernel:")
    }

    /// Its title.
    pub fn title(&self) -> &str {
        &self.node.data.name
    }

    /// Its inputs in the designer's order.
    pub fn inputs(&self) -> Vec<&Port> {
        let mut ports: Vec<&Port> = self.node.model.inputs.data.values().collect();
        ports.sort_by_key(|p| p.index());
        ports
    }

    /// Its outputs in the designer's order.
    pub fn outputs(&self) -> Vec<&Port> {
        let mut ports: Vec<&Port> = self.node.model.outputs.data.values().collect();
        ports.sort_by_key(|p| p.index());
        ports
    }

    /// The first input with this field name.
    pub fn input_named(&self, key: &str) -> Option<&Port> {
        self.inputs().into_iter().find(|p| p.key == key)
    }

    /// Its notes as text lines (a Comment card: its title and text).
    pub fn comment_lines(&self) -> Vec<String> {
        let text = match &self.node.model.comments {
            Some(Value::String(text)) => text.clone(),
            Some(Value::Object(map)) => {
                let title = map.get("title").and_then(Value::as_str).unwrap_or("");
                let body = map.get("markdown").and_then(Value::as_str).unwrap_or("");
                match (title.is_empty(), body.is_empty()) {
                    (false, false) => format!("{title}: {body}"),
                    (false, true) => title.to_owned(),
                    _ => body.to_owned(),
                }
            }
            _ => String::new(),
        };
        text.lines()
            .map(str::trim_end)
            .filter(|l| !l.trim().is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// The connection id it uses.
    pub fn config_id(&self) -> Option<&str> {
        self.node.model.config.as_ref().and_then(Value::as_str)
    }
}

/// A text field: `null` (or a missing field) is empty; a number or a boolean is its JSON.
fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(text) => text,
        Value::Null => String::new(),
        other => other.to_string(),
    })
}

/// A collection or a section: `null` is its default.
fn nullable<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}
