//! A run's journal drawn as a tree: a called flow's steps (`CALL/STEP`, `CALL[i]/STEP`)
//! under their call, in the order they were committed. A call's own record is committed
//! after its callee's steps, so a call whose try ended inside its callee has no record of
//! its own in that try: it is drawn as unfinished, its steps under it.

use crate::flows::program::StepKind;
use crate::flows::{Flow, StepRecord, flow_of, kind_name};

/// One box: a record (or an unfinished call) and what is nested under it.
pub(super) struct Node<'r> {
    /// The key's last part (`send`, `notify[2]`).
    pub(super) label: String,
    /// The record, when this try committed one.
    pub(super) record: Option<&'r StepRecord>,
    /// The records under it.
    pub(super) children: Vec<Node<'r>>,
}

/// The key a record nests others under: its id, and `[i]` for an item.
fn key(record: &StepRecord) -> String {
    match record.item {
        Some(i) => format!("{}[{i}]", record.id),
        None => record.id.clone(),
    }
}

/// The records of one try as a tree, in commit order.
pub(super) fn tree<'r>(records: impl IntoIterator<Item = &'r StepRecord>) -> Vec<Node<'r>> {
    let mut roots: Vec<Node<'r>> = Vec::new();
    for record in records {
        let key = key(record);
        let parts: Vec<&str> = key.split('/').collect();
        let Some((last, parents)) = parts.split_last() else {
            continue;
        };
        let mut level = &mut roots;
        for part in parents {
            let at = match level.iter().rposition(|n| n.label == *part) {
                Some(at) => at,
                None => {
                    level.push(Node {
                        label: (*part).to_owned(),
                        record: None,
                        children: Vec::new(),
                    });
                    level.len() - 1
                }
            };
            level = &mut level[at].children;
        }
        // A call's record comes after its steps: it fills the box they opened.
        match level
            .iter_mut()
            .rfind(|n| n.label == *last && n.record.is_none())
        {
            Some(node) => node.record = Some(record),
            None => level.push(Node {
                label: (*last).to_owned(),
                record: Some(record),
                children: Vec::new(),
            }),
        }
    }
    roots
}

/// What the step a journal id names is (`return`, `call helper`, ...), looked up in the
/// flow and, through each `CALL/` part, in the flows it calls.
pub(super) fn kind_at(flow: &Flow, id: &str) -> Option<String> {
    let mut flow = flow;
    let mut parts = id.split('/').peekable();
    while let Some(part) = parts.next() {
        let base = part.split('[').next().unwrap_or(part);
        let step = flow
            .program
            .all_steps()
            .into_iter()
            .find(|s| s.id == base)?;
        if parts.peek().is_none() {
            let kind = kind_name(&step.kind);
            return Some(match flow_of(&step.kind) {
                Some((name, _)) if !matches!(step.kind, StepKind::ForEach(_)) => {
                    format!("{kind} {name}")
                }
                Some((name, spawn)) => {
                    format!("{kind} · {} {name}", if spawn { "spawn" } else { "call" })
                }
                None => kind.to_owned(),
            });
        }
        let (name, _) = flow_of(&step.kind)?;
        flow = flow.callees.get(name)?;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flows::StepStatus;

    fn record(id: &str, item: Option<usize>) -> StepRecord {
        serde_json::from_value(serde_json::json!({
            "id": id, "card": null, "try": 1, "item": item, "status": "succeeded",
            "input": null, "output": null, "error": null, "attempts": 1, "durationMs": 1.0
        }))
        .unwrap()
    }

    #[test]
    fn a_call_s_steps_nest_under_it_and_items_under_their_own_box() {
        let records = [
            record("user", None),
            record("each[0]/send", None),
            record("each[0]/done", None),
            record("each", Some(0)),
            record("each[1]/send", None),
            record("each", None),
        ];
        let tree = tree(&records);
        let labels: Vec<(&str, bool, usize)> = tree
            .iter()
            .map(|n| (n.label.as_str(), n.record.is_some(), n.children.len()))
            .collect();
        // Item 1's call never committed: its box is unfinished, its step under it.
        assert_eq!(
            labels,
            [
                ("user", true, 0),
                ("each[0]", true, 2),
                ("each[1]", false, 1),
                ("each", true, 0)
            ]
        );
        assert_eq!(tree[1].children[0].label, "send");
        assert_eq!(
            tree[1].record.map(|r| r.status),
            Some(StepStatus::Succeeded)
        );
    }
}
