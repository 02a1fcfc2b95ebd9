//! An export translated: its connections, its tables, and each flow (and each inline
//! helper flow) as a flow file, with the cards it could not translate.

use serde_json::Value;

use crate::ctx::{FlowCtx, Shared, Translated};
use crate::emit::{FlowOut, Y};
use crate::lower::{Order, lower_flow};
use crate::model::{Export, FloData};
use crate::report::Untranslated;
use crate::slug::{Names, flow_slug, id_slug};

/// The most inline helper flows nest (a helper inside a helper's card, ...).
const MAX_HELPER_DEPTH: usize = 10;

/// A connection of an export, for `connector.toml.example`.
#[derive(Clone, Debug)]
pub(crate) struct Connection {
    pub(crate) name: String,
    pub(crate) connector: &'static str,
    pub(crate) title: String,
}

/// A table of an export, for `tables.yaml`.
#[derive(Clone, Debug)]
pub(crate) struct TableOut {
    pub(crate) name: String,
    pub(crate) columns: Vec<(String, &'static str)>,
}

/// What one export gives.
#[derive(Debug, Default)]
pub(crate) struct ExportOut {
    pub(crate) flows: Vec<Translated>,
    pub(crate) tables: Vec<TableOut>,
    pub(crate) connections: Vec<Connection>,
}

/// Our connector for an export's connection module.
fn connector_of(module: &str) -> Option<&'static str> {
    match module {
        "okta" => Some("okta"),
        "httpfunctions" => Some("http"),
        _ => None,
    }
}

/// A table column's type here.
fn column_type(kind: &str) -> &'static str {
    match kind {
        "str" | "string" | "txt" => "text",
        "dec" | "num" | "int" | "number" => "number",
        "bln" | "bool" | "boolean" => "boolean",
        "date" | "dte" | "datetime" => "datetime",
        _ => "json",
    }
}

/// Translates every flow of `export`; flow and table names are unique across `flow_names`
/// and `table_names` (one folder holds them all).
pub(crate) fn translate_export(
    export: &Export,
    file: &str,
    flow_names: &mut Names,
    table_names: &mut Names,
) -> ExportOut {
    let mut out = ExportOut::default();
    let mut shared = Shared {
        names: std::mem::take(flow_names),
        ..Shared::default()
    };
    let mut per_connector: std::collections::HashMap<&str, usize> =
        std::collections::HashMap::new();
    for config in export.data.configs.values() {
        if let Some(c) = connector_of(&config.module) {
            *per_connector.entry(c).or_default() += 1;
        }
    }
    let mut connection_names = Names::default();
    for (id, config) in &export.data.configs {
        let Some(connector) = connector_of(&config.module) else {
            continue;
        };
        let name = connection_names.unique(&flow_slug(&config.name), '-');
        let named = per_connector.get(connector).is_some_and(|n| *n > 1);
        shared
            .connections
            .insert(id.clone(), named.then(|| name.clone()));
        out.connections.push(Connection {
            name,
            connector,
            title: config.name.clone(),
        });
    }
    for (id, table) in &export.data.tables {
        let name = table_names.unique(&flow_slug(&table.name), '-');
        let mut columns_here = Names::default();
        let mut columns = Vec::new();
        let mut map = Vec::new();
        for column in &table.data.structure {
            let here = columns_here.unique(&id_slug(&column.name), '_');
            map.push((column.name.clone(), here.clone()));
            columns.push((here, column_type(&column.kind)));
        }
        shared.tables.insert(id.clone(), (name.clone(), map));
        out.tables.push(TableOut { name, columns });
    }
    for (id, flo) in &export.data.flos {
        let name = shared.names.unique(&flow_slug(&flo.name), '-');
        shared.flow_names.insert(id.clone(), name.clone());
        shared.returns.insert(id.clone(), return_key(&flo.data));
        if reads_caller(&flo.data) {
            shared.reads_parent.insert(name.clone());
        }
        if let Some(uuid) = &flo.data.uuid {
            shared.flow_names.insert(uuid.clone(), name.clone());
            shared.returns.insert(uuid.clone(), return_key(&flo.data));
        }
    }
    for (id, flo) in &export.data.flos {
        let name = shared.flow_names.get(id).cloned().unwrap_or_default();
        let shown = std::path::Path::new(file)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| file.to_owned());
        let mut header = vec![format!("Okta Workflows flow {:?}, from {shown}", flo.name)];
        if let Some(text) = flo.description.as_deref().filter(|d| !d.trim().is_empty()) {
            header.extend(text.lines().map(str::to_owned));
        }
        let translated = translate_flow(&mut shared, &name, &flo.name, header, &flo.data, false);
        out.flows.push(translated);
    }
    out.flows.append(&mut shared.helpers);
    *flow_names = shared.names;
    out
}

/// The field a flow's Return card gives first, if it has one that gives any.
pub(crate) fn return_key(data: &FloData) -> Option<String> {
    data.methods
        .iter()
        .filter(|c| c.kind() == "control.return")
        .find_map(|c| {
            crate::cards::functions::data_inputs(c)
                .first()
                .map(|p| p.key.clone())
        })
}

/// Whether a helper flow reads its "Caller" (the first card's `parent` or `caller`
/// output), through a wire or a picker.
pub(crate) fn reads_caller(data: &FloData) -> bool {
    let Some(first) = data.methods.iter().find(|c| c.kind() == "control.callable") else {
        return false;
    };
    let ids: Vec<&str> = first
        .outputs()
        .into_iter()
        .filter(|p| matches!(p.key.as_str(), "parent" | "caller"))
        .map(|p| p.id.as_str())
        .collect();
    data.methods.iter().any(|card| {
        card.pins.keys().any(|out| ids.contains(&out.as_str()))
            || card.inputs().iter().any(|p| {
                p.metadata
                    .get("srcOutputId")
                    .and_then(Value::as_str)
                    .is_some_and(|src| ids.contains(&src))
            })
    })
}

/// Extracts an inline helper flow as a callable flow named `name`.
pub(crate) fn inline_helper(
    shared: &mut Shared,
    name: &str,
    card_title: &str,
    data: &FloData,
) -> Result<(), String> {
    if shared.depth >= MAX_HELPER_DEPTH {
        return Err(format!(
            "holds helper flows nested over {MAX_HELPER_DEPTH} deep"
        ));
    }
    shared.depth += 1;
    if reads_caller(data) {
        shared.reads_parent.insert(name.to_owned());
    }
    let header = vec![format!("The helper flow of the card {card_title:?}")];
    let translated = translate_flow(shared, name, card_title, header, data, true);
    shared.depth -= 1;
    shared.helpers.push(translated);
    Ok(())
}

fn translate_flow(
    shared: &mut Shared,
    name: &str,
    title: &str,
    header: Vec<String>,
    data: &FloData,
    inline: bool,
) -> Translated {
    let mut ctx = FlowCtx::new(name.to_owned(), &data.methods, shared);
    let order = Order::new(&data.orderings);
    let cards: Vec<&crate::model::Card> = data.methods.iter().collect();
    let mut untranslated = Vec::new();
    let (trigger, steps) = match order.start(&cards) {
        None => {
            untranslated.push(Untranslated {
                title: title.to_owned(),
                address: String::new(),
                why: "the flow has no first card".into(),
            });
            (
                Y::Map(vec![("manual".into(), Y::Map(Vec::new()))]),
                Vec::new(),
            )
        }
        Some(start) => {
            let trigger = match trigger_of(start, data, inline) {
                Ok(t) => t,
                Err(why) => {
                    ctx.untranslated(start, why);
                    Y::Map(vec![("manual".into(), Y::Map(Vec::new()))])
                }
            };
            let steps = lower_flow(&mut ctx, &order, start);
            (trigger, steps)
        }
    };
    untranslated.append(&mut ctx.untranslated);
    let calls = std::mem::take(&mut ctx.calls);
    let flow = FlowOut {
        header,
        fields: vec![
            ("name".into(), Y::Str(name.to_owned())),
            ("description".into(), Y::Str(title.to_owned())),
            ("trigger".into(), trigger),
            ("steps".into(), Y::Steps(steps)),
        ],
    };
    Translated {
        name: name.to_owned(),
        title: title.to_owned(),
        flow,
        untranslated,
        calls,
    }
}

/// The trigger a flow's first card stands for.
fn trigger_of(start: &crate::model::Card, data: &FloData, inline: bool) -> Result<Y, String> {
    let kind = start.kind();
    let empty = || Y::Map(Vec::new());
    let key = kind.split('.').nth(1).unwrap_or("");
    Ok(match kind.as_str() {
        "control.callable" if inline => Y::Map(vec![("callable".into(), empty())]),
        "control.callable" if data.scheduled == Some(true) => schedule(data.cron.as_ref())?,
        "control.callable" if data.display.is_callable == Some(true) => {
            Y::Map(vec![("callable".into(), empty())])
        }
        // A flow without an event card (its first card a Noop) runs when someone runs it.
        "control.callable" | "http.delegated" | "control.noop" => {
            Y::Map(vec![("manual".into(), empty())])
        }
        "http.accept" => Y::Map(vec![("http".into(), empty())]),
        _ if !start.is_function() => match crate::cards::events::event_type(key) {
            Some(t) => Y::Map(vec![(
                "okta_event".into(),
                Y::Map(vec![(
                    "types".into(),
                    Y::Json(Value::Array(vec![Value::String(t.into())])),
                )]),
            )]),
            None => {
                return Err(format!(
                    "the event card {key:?} has no Okta event type here"
                ));
            }
        },
        _ => return Err("a flow starting with this card has no trigger here".into()),
    })
}

/// A scheduled flow's `cron` as a `schedule` trigger.
fn schedule(cron: Option<&Value>) -> Result<Y, String> {
    let cron = cron.ok_or("a scheduled flow without its schedule")?;
    let part = |k: &str| -> String {
        match cron.get(k) {
            Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_owned(),
            Some(Value::Number(n)) => n.to_string(),
            _ => "*".into(),
        }
    };
    let seconds = part("seconds");
    if !matches!(seconds.as_str(), "*" | "0" | "00") {
        return Err(format!(
            "runs at second {seconds} of a minute: a schedule fires on whole minutes"
        ));
    }
    let line = format!(
        "{} {} {} {} {}",
        part("minutes"),
        part("hours"),
        part("dayOfTheMonth"),
        part("month"),
        part("dayOfTheWeek")
    );
    let mut fields = vec![("cron".to_owned(), Y::Str(line))];
    if let Some(Value::String(tz)) = cron.get("timeZone")
        && !tz.is_empty()
    {
        fields.push(("timezone".into(), Y::Str(tz.clone())));
    }
    Ok(Y::Map(vec![("schedule".into(), Y::Map(fields))]))
}
