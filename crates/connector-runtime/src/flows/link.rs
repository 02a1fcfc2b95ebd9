//! Linking the flows loaded together (`serve --flows DIR`, the files and folders given to
//! `flow validate|run`): each `call:` and `spawn:` names a loaded flow whose trigger is
//! `callable`; calls make no cycle and nest at most [`MAX_CALL_DEPTH`] deep (a spawn is a
//! run of its own: a flow may spawn itself, and spawn depth is checked as runs start).
//! Every mistake is reported at the place of the name, `file:line:col`. A linked flow
//! holds the flows it calls ([`Flow::callees`]), each linked in turn.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use super::model::Trigger;
use super::steps::MAX_CALL_DEPTH;
use super::validate::{Diagnostic, Flow, Reference};

fn callable(flow: &Flow) -> bool {
    matches!(flow.def.trigger, Trigger::Callable(_))
}

fn at(flow: &Flow, reference: &Reference, message: String) -> Diagnostic {
    Diagnostic {
        file: flow.file.clone(),
        pos: reference.pos,
        message,
    }
}

/// Links `flows` among themselves: the flows with their callees, or every mistake.
pub fn link(flows: Vec<Flow>) -> Result<Vec<Flow>, Vec<Diagnostic>> {
    let by_name: HashMap<&str, &Flow> = flows.iter().map(|f| (f.name(), f)).collect();
    let mut errors = Vec::new();
    // The call graph, by index; a bad name leaves its edge out.
    let index: HashMap<&str, usize> = flows
        .iter()
        .enumerate()
        .map(|(i, f)| (f.name(), i))
        .collect();
    let mut calls: Vec<Vec<(usize, &Reference)>> = vec![Vec::new(); flows.len()];
    for (i, flow) in flows.iter().enumerate() {
        for reference in &flow.references {
            let verb = if reference.spawn { "spawn" } else { "call" };
            match by_name.get(reference.target.as_str()) {
                None => errors.push(at(flow, reference, format!(
                    "{verb} names the unknown flow {:?}: it must be loaded with this one (the same --flows folder, or among the files given)",
                    reference.target
                ))),
                Some(target) if !callable(target) => errors.push(at(flow, reference, format!(
                    "{verb} names the flow {:?}, which is not callable: give it `trigger: {{ callable: {{}} }}`",
                    reference.target
                ))),
                Some(_) if !reference.spawn => calls[i].push((index[reference.target.as_str()], reference)),
                Some(_) => {}
            }
        }
    }
    let heights = match heights(&flows, &calls) {
        Ok(heights) => heights,
        Err(mut cycles) => {
            errors.append(&mut cycles);
            return Err(errors);
        }
    };
    for (i, flow) in flows.iter().enumerate() {
        for (callee, reference) in &calls[i] {
            // Reported once, where the chain first goes over: not again in its callers.
            if heights[*callee] == MAX_CALL_DEPTH {
                let mut chain = vec![flow.name()];
                let mut next = Some(*callee);
                while let Some(n) = next {
                    chain.push(flows[n].name());
                    next = calls[n]
                        .iter()
                        .map(|(c, _)| *c)
                        .find(|c| heights[*c] + 1 == heights[n]);
                }
                errors.push(at(
                    flow,
                    reference,
                    format!(
                        "calls nest more than {MAX_CALL_DEPTH} deep: {}",
                        chain.join(" -> ")
                    ),
                ));
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    // Linked from the leaves up, so that each callee is linked before its callers.
    let mut order: Vec<usize> = (0..flows.len()).collect();
    order.sort_by_key(|i| heights[*i]);
    let mut linked: Vec<Option<Flow>> = vec![None; flows.len()];
    for i in order {
        let callees: BTreeMap<String, Flow> = calls[i]
            .iter()
            .filter_map(|(c, _)| linked[*c].clone().map(|f| (f.name().to_owned(), f)))
            .collect();
        let mut flow = flows[i].clone();
        flow.callees = Arc::new(callees);
        linked[i] = Some(flow);
    }
    Ok(linked.into_iter().flatten().collect())
}

/// Links one flow (a stored definition a run started with) against flows linked before.
pub fn link_with(flow: Flow, linked: &[Flow]) -> Result<Flow, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let mut callees = BTreeMap::new();
    for reference in &flow.references {
        match linked.iter().find(|f| f.name() == reference.target) {
            Some(target) if callable(target) => {
                if !reference.spawn {
                    callees.insert(target.name().to_owned(), target.clone());
                }
            }
            _ => errors.push(at(
                &flow,
                reference,
                format!(
                    "the flow {:?} is not loaded as a callable flow",
                    reference.target
                ),
            )),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut flow = flow;
    flow.callees = Arc::new(callees);
    Ok(flow)
}

/// Each flow's height in the call graph (0: it calls nothing), or every cycle, reported
/// at the call that closes it.
fn heights(
    flows: &[Flow],
    calls: &[Vec<(usize, &Reference)>],
) -> Result<Vec<usize>, Vec<Diagnostic>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    let mut marks = vec![Mark::New; flows.len()];
    let mut heights = vec![0usize; flows.len()];
    let mut errors = Vec::new();
    for root in 0..flows.len() {
        if marks[root] != Mark::New {
            continue;
        }
        // An explicit stack (flow, next edge): no recursion however long the chain.
        let mut stack: Vec<(usize, usize)> = vec![(root, 0)];
        marks[root] = Mark::Open;
        while let Some(&mut (node, ref mut edge)) = stack.last_mut() {
            if let Some(&(next, reference)) = calls[node].get(*edge) {
                *edge += 1;
                match marks[next] {
                    Mark::New => {
                        marks[next] = Mark::Open;
                        stack.push((next, 0));
                    }
                    Mark::Open => {
                        let from = stack.iter().position(|(n, _)| *n == next).unwrap_or(0);
                        let mut cycle: Vec<&str> = stack[from..]
                            .iter()
                            .map(|(n, _)| flows[*n].name())
                            .collect();
                        cycle.push(flows[next].name());
                        errors.push(at(
                            &flows[node],
                            reference,
                            format!("calls make a cycle: {}", cycle.join(" -> ")),
                        ));
                    }
                    Mark::Done => {}
                }
            } else {
                marks[node] = Mark::Done;
                heights[node] = calls[node]
                    .iter()
                    .map(|(c, _)| heights[*c] + 1)
                    .max()
                    .unwrap_or(0);
                stack.pop();
            }
        }
    }
    if errors.is_empty() {
        Ok(heights)
    } else {
        Err(errors)
    }
}
