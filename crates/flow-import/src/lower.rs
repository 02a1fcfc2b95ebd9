//! The card graph lowered to steps. `orderings` chain the cards from the first; an
//! If/Else or Branch card starts branches (`branches`: each branch's first card, a Noop,
//! and its value) that run along `orderings` to a Join card, whose values (`joins`) are
//! whichever branch gave them. Comment cards become YAML comments on the next step;
//! Noop and Join cards are no steps of their own.

use std::collections::HashMap;

use serde_json::Value;

use crate::cards;
use crate::ctx::FlowCtx;
use crate::emit::{StepOut, Y};
use crate::model::Card;

/// The most cards one flow's walk visits (the cards of a flow are far fewer).
const MAX_VISITS: usize = 100_000;

/// The order of a flow's cards: who follows whom.
pub(crate) struct Order {
    next: HashMap<String, Vec<String>>,
    has_prev: std::collections::HashSet<String>,
}

impl Order {
    pub(crate) fn new(orderings: &std::collections::BTreeMap<String, Value>) -> Order {
        let mut next: HashMap<String, Vec<String>> = HashMap::new();
        let mut has_prev = std::collections::HashSet::new();
        for pair in orderings.values() {
            if let Some([Value::String(from), Value::String(to)]) =
                pair.as_array().map(Vec::as_slice)
            {
                next.entry(from.clone()).or_default().push(to.clone());
                has_prev.insert(to.clone());
            }
        }
        Order { next, has_prev }
    }

    /// The card the flow starts with: a trigger card, else the first of the chain.
    pub(crate) fn start<'a>(&self, cards: &[&'a Card]) -> Option<&'a Card> {
        let starts = |c: &&&Card| {
            let kind = c.kind();
            kind == "control.callable"
                || kind == "http.accept"
                || kind == "http.delegated"
                || (!c.is_function()
                    && cards::events::event_type(kind.split('.').nth(1).unwrap_or("")).is_some())
        };
        // A branch's first card has no card before it either: it is not the flow's.
        let branch_starts: std::collections::HashSet<&str> = cards
            .iter()
            .flat_map(|c| c.branches.keys().map(String::as_str))
            .collect();
        cards
            .iter()
            .find(starts)
            .or_else(|| {
                cards.iter().find(|c| {
                    !self.has_prev.contains(&c.uuid)
                        && !branch_starts.contains(c.uuid.as_str())
                        && (self.next.contains_key(&c.uuid) || c.kind() == "control.noop")
                })
            })
            .copied()
    }
}

/// Walks the chain from the card after `start`; every step it makes.
pub(crate) fn lower_flow(ctx: &mut FlowCtx<'_, '_>, order: &Order, start: &Card) -> Vec<StepOut> {
    let mut steps = Vec::new();
    let mut visits = 0;
    let mut comments = start.comment_lines();
    let first = next_of(ctx, order, &start.uuid);
    if let Next::Card(first) = first {
        chain(ctx, order, &first, &mut steps, &mut comments, &mut visits);
    }
    if !comments.is_empty() {
        // Notes after the last card: kept above the last step.
        if let Some(last) = steps.last_mut() {
            last.comments.extend(comments);
        }
    }
    steps
}

enum Next {
    Card(String),
    Join(String),
    End,
}

fn is_join(ctx: &FlowCtx<'_, '_>, uuid: &str) -> bool {
    ctx.cards
        .get(uuid)
        .is_some_and(|c| c.kind() == "control.join")
}

/// A hidden card that picks fields for others: read through, never a step.
fn is_hidden(ctx: &FlowCtx<'_, '_>, uuid: &str) -> bool {
    ctx.cards
        .get(uuid)
        .is_some_and(|c| c.kind() == "object.expand")
}

/// What follows `uuid`: a card of the same chain, the Join that ends its branch, or nothing.
fn next_of(ctx: &FlowCtx<'_, '_>, order: &Order, uuid: &str) -> Next {
    let Some(targets) = order.next.get(uuid) else {
        return Next::End;
    };
    let step =
        |t: &&String| t.as_str() != uuid && !is_join(ctx, t) && ctx.cards.contains_key(t.as_str());
    if let Some(card) = targets.iter().filter(step).find(|t| !is_hidden(ctx, t)) {
        return Next::Card(card.clone());
    }
    if let Some(card) = targets.iter().find(step) {
        return Next::Card(card.clone());
    }
    match targets.iter().find(|t| is_join(ctx, t)) {
        Some(join) => Next::Join(join.clone()),
        None => Next::End,
    }
}

/// Lowers the chain from `from`; returns the Join card that ends it, if one does.
fn chain(
    ctx: &mut FlowCtx<'_, '_>,
    order: &Order,
    from: &str,
    steps: &mut Vec<StepOut>,
    comments: &mut Vec<String>,
    visits: &mut usize,
) -> Option<String> {
    let mut current = from.to_owned();
    let mut seen = std::collections::HashSet::new();
    loop {
        *visits += 1;
        // A card met again is a cycle in the order: the chain ends there.
        if *visits > MAX_VISITS || !seen.insert(current.clone()) {
            return None;
        }
        let card = ctx.cards.get(current.as_str()).copied()?;
        let kind = card.kind();
        match kind.as_str() {
            "control.comment" => comments.extend(card.comment_lines()),
            "control.noop" | "object.expand" => {}
            "control.join" => return Some(current),
            "control.if" => {
                let after = block(ctx, order, card, steps, comments, visits);
                match after {
                    Some(join) => {
                        join_values(ctx, card, ctx.cards.get(join.as_str()).copied(), steps);
                        current = match next_of(ctx, order, &join) {
                            Next::Card(c) => c,
                            Next::Join(j) => return Some(j),
                            Next::End => return None,
                        };
                        continue;
                    }
                    None => return None,
                }
            }
            _ => {
                let mut notes = std::mem::take(comments);
                notes.extend(card.comment_lines());
                // Its id first: a card reading this one refers to it even when this one
                // is left untranslated (the report names the cause once).
                ctx.step_id(card);
                match cards::lower(ctx, card) {
                    Ok(mut made) => {
                        if let Some(first) = made.first_mut() {
                            first.comments = notes;
                            describe(first, card);
                        }
                        steps.extend(made);
                    }
                    Err(why) => ctx.untranslated(card, why),
                }
            }
        }
        current = match next_of(ctx, order, &current) {
            Next::Card(c) => c,
            Next::Join(j) => return Some(j),
            Next::End => return None,
        };
    }
}

/// Puts the card's title on its step, after the id.
fn describe(step: &mut StepOut, card: &Card) {
    if !card.title().is_empty() {
        step.fields
            .insert(1, ("description".into(), Y::Str(card.title().to_owned())));
    }
}

/// An If/Else (or a Branch) card: a block per branch; returns the Join that ends them.
fn block(
    ctx: &mut FlowCtx<'_, '_>,
    order: &Order,
    card: &Card,
    steps: &mut Vec<StepOut>,
    comments: &mut Vec<String>,
    visits: &mut usize,
) -> Option<String> {
    let mut branches: Vec<(&String, &Value)> = card.branches.iter().collect();
    // The true branch first, then the values in order, the default (`false`) last.
    branches.sort_by_key(|(_, v)| match v {
        Value::Bool(true) => 0,
        Value::Bool(false) => 2,
        _ => 1,
    });
    let condition = match card.kind().as_str() {
        "control.if" => cards::functions::compare(ctx, card),
        _ => Err("Branch cards choose among several conditions, which the importer does not translate yet".to_owned()),
    };
    let condition = match condition {
        Ok(c) => c,
        Err(why) => {
            ctx.untranslated(card, why);
            String::from("false")
        }
    };
    let mut join = None;
    let mut lowered: Vec<(bool, Vec<StepOut>)> = Vec::new();
    for (first, value) in branches {
        let mut inner = Vec::new();
        let mut notes = Vec::new();
        let end = chain(ctx, order, first, &mut inner, &mut notes, visits);
        if let Some(last) = inner.last_mut() {
            last.comments.extend(notes);
        }
        join = join.or(end);
        lowered.push((*value == Value::Bool(true), inner));
    }
    let id = ctx.step_id(card);
    let mut step = StepOut::new(&id).with("if", Y::Str(condition));
    step.comments = std::mem::take(comments);
    step.comments.extend(card.comment_lines());
    describe(&mut step, card);
    let (then, otherwise): (Vec<_>, Vec<_>) = lowered.into_iter().partition(|(t, _)| *t);
    let then: Vec<StepOut> = then.into_iter().flat_map(|(_, s)| s).collect();
    let otherwise: Vec<StepOut> = otherwise.into_iter().flat_map(|(_, s)| s).collect();
    // A block needs a step in `then`; an empty branch is a no-op assign.
    let then = if then.is_empty() {
        vec![nothing(ctx, card)]
    } else {
        then
    };
    step = step.with("then", Y::Steps(then));
    if !otherwise.is_empty() {
        step = step.with("else", Y::Steps(otherwise));
    }
    steps.push(step);
    join
}

/// A step that does nothing (an empty branch).
fn nothing(ctx: &mut FlowCtx<'_, '_>, card: &Card) -> StepOut {
    let id = ctx.fresh_id(&format!("{} nothing", card.title()));
    StepOut::new(&id).with(
        "assign",
        Y::Map(vec![("branch".into(), Y::Str("'empty'".into()))]),
    )
}

/// A Join card's values: each the first of the branches' values that ran.
fn join_values(
    ctx: &mut FlowCtx<'_, '_>,
    block: &Card,
    join: Option<&Card>,
    steps: &mut Vec<StepOut>,
) {
    let Some(join) = join else { return };
    let mut entries = Vec::new();
    let mut exprs: Vec<(String, String)> = Vec::new();
    for port in join.outputs() {
        if !ctx.is_used(port) {
            continue;
        }
        // The join's input that gives this output, fed by one wire per branch.
        let input = join
            .joins
            .iter()
            .find(|(_, pins)| pins.iter().any(|p| p.output == port.id))
            .and_then(|(input, _)| join.node.model.inputs.data.get(input))
            .or_else(|| join.inputs().into_iter().find(|i| i.key == port.key));
        let sources = match input.map(|i| ctx.input_sources(join, i)) {
            Some(Ok(sources)) => sources,
            Some(Err(why)) => {
                ctx.untranslated(join, why);
                return;
            }
            None => Vec::new(),
        };
        let sources: Vec<String> = sources
            .into_iter()
            .map(|s| crate::val::Val::Code(s).group())
            .collect();
        let expr = sources.iter().rev().fold(String::from("none"), |acc, s| {
            format!("({s} if {s} is defined and {s} is not none else {acc})")
        });
        let name = crate::slug::id_slug(&port.key);
        entries.push((name.clone(), Y::Str(expr)));
        exprs.push((port.id.clone(), name));
    }
    if entries.is_empty() {
        return;
    }
    let id = ctx.fresh_id(&format!("{} joined", block.title()));
    for (out, name) in exprs {
        ctx.joined.insert(out, format!("steps.{id}.output.{name}"));
    }
    steps.push(
        StepOut::new(&id)
            .with(
                "description",
                Y::Str(format!(
                    "{}: the value of the branch that ran",
                    join.title()
                )),
            )
            .with("assign", Y::Map(entries)),
    );
}
