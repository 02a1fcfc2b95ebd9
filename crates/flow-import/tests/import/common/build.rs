//! Small exports written by the tests: cards, their wires and their flows.

use serde_json::{Value, json};

/// An input or output port.
pub(crate) fn port(id: &str, key: &str, data: Value) -> Value {
    json!({"id": id, "key": key, "value": {"type": "string", "data": data}, "metadata": {"index": 0}})
}

/// A port in a group.
pub(crate) fn grouped(id: &str, key: &str, group: &str, data: Value) -> Value {
    json!({"id": id, "key": key, "group": group, "value": {"type": "string", "data": data}})
}

/// A card: its ports in order (their `index` set from it) and its wires
/// (`[(output, target card, target input)]`).
pub(crate) fn card(
    uuid: &str,
    address: &str,
    title: &str,
    inputs: Vec<Value>,
    outputs: Vec<Value>,
    wires: &[(&str, &str, &str)],
) -> Value {
    let ports = |list: Vec<Value>| {
        let mut map = serde_json::Map::new();
        for (i, mut p) in list.into_iter().enumerate() {
            p["metadata"]["index"] = json!(i);
            map.insert(p["id"].as_str().unwrap().to_owned(), p);
        }
        Value::Object(map)
    };
    let mut pins = serde_json::Map::new();
    for (out, target, input) in wires {
        let entry = pins.entry(out.to_string()).or_insert_with(|| json!({}));
        entry[*target] = json!([{"input": input, "transform": null}]);
    }
    json!({"address": address, "uuid": uuid, "node": {"data": {"name": title},
        "model": {"inputs": {"data": ports(inputs)}, "outputs": {"data": ports(outputs)}}}, "pins": pins})
}

/// A function card `module.key`.
pub(crate) fn function(
    uuid: &str,
    module_key: &str,
    title: &str,
    inputs: Vec<Value>,
    outputs: Vec<Value>,
    wires: &[(&str, &str, &str)],
) -> Value {
    let (module, key) = module_key.split_once('.').unwrap();
    card(
        uuid,
        &format!("root:kernel:{module}:0.0.1:{key}"),
        title,
        inputs,
        outputs,
        wires,
    )
}

/// An Okta card.
pub(crate) fn okta(
    uuid: &str,
    key: &str,
    title: &str,
    inputs: Vec<Value>,
    outputs: Vec<Value>,
    wires: &[(&str, &str, &str)],
) -> Value {
    card(
        uuid,
        &format!("root:channels:http:okta:1.0.1:{key}"),
        title,
        inputs,
        outputs,
        wires,
    )
}

/// A flow's data: its cards chained in the order given.
pub(crate) fn flow_data(cards: Vec<Value>, callable: bool) -> Value {
    let mut orderings = serde_json::Map::new();
    for (i, pair) in cards.windows(2).enumerate() {
        orderings.insert(format!("o{i}"), json!([pair[0]["uuid"], pair[1]["uuid"]]));
    }
    json!({"display": {"isCallable": callable}, "methods": cards, "orderings": orderings})
}

/// A callable first card giving the fields `keys` of its input.
pub(crate) fn start(keys: &[&str]) -> Value {
    let ports: Vec<Value> = keys
        .iter()
        .map(|k| port(&format!("in-{k}"), k, Value::Null))
        .collect();
    let outs: Vec<Value> = keys
        .iter()
        .map(|k| port(&format!("start-{k}"), k, Value::Null))
        .collect();
    card(
        "start",
        "root:kernel:control:0.0.1:callable",
        "Helper Flow",
        ports,
        outs,
        &[],
    )
}

/// An export of flows `(id, name, data)`, tables and connections.
pub(crate) fn export(flows: Vec<(&str, &str, Value)>, tables: Value, configs: Value) -> String {
    let mut flos = serde_json::Map::new();
    for (id, name, data) in flows {
        flos.insert(id.to_owned(), json!({"id": id, "name": name, "data": data}));
    }
    json!({"type": "flopack", "version": "1.5.0", "data": {"flos": flos, "tables": tables, "configs": configs}}).to_string()
}
