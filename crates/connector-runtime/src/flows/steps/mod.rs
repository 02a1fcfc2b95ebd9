//! One module per step kind: what the step does when the engine reaches it, and in a dry
//! run. The `match`es below have no wildcard: a new [`StepKind`] does not compile until
//! it is handled here (and in [`lower`](super::program::lower) and the pages' `kind_name`).

mod assign;
mod block;
mod call;
mod card;
mod fail;
mod for_each;
mod ret;
mod spawn;

pub use call::MAX_CALL_DEPTH;
pub(crate) use call::check_input;
pub use for_each::MAX_ITEMS;
pub use spawn::{MAX_SPAWN_DEPTH, Spawner};

use connector_core::Error;

use super::program::{EachBody, Step, StepKind};
use super::runner::{Ending, Runner};

/// Runs one step whose guard held; `Some` ends the try.
pub(super) async fn run(runner: &mut Runner<'_, '_>, step: &Step) -> Result<Option<Ending>, Error> {
    match &step.kind {
        StepKind::Card(card) => card::run(runner, step, card).await,
        StepKind::ForEach(each) => for_each::run(runner, step, each).await,
        StepKind::Assign(assign) => assign::run(runner, step, assign).await,
        StepKind::Return(ret) => ret::run(runner, step, ret).await,
        StepKind::Fail(fail) => fail::run(runner, step, fail).await,
        StepKind::Block(block) => block::run(runner, step, block).await,
        StepKind::Call(call) => call::run(runner, step, call).await,
        StepKind::Spawn(spawn) => spawn::run(runner, step, spawn).await,
    }
}

/// In a dry run, whether a step under a guard that needs an answer is listed (cards are,
/// and the steps that hold cards, so that every reachable request shows) or passed over
/// (steps that end the run).
pub(super) fn lists_cards(kind: &StepKind) -> bool {
    match kind {
        StepKind::Card(_)
        | StepKind::ForEach(_)
        | StepKind::Block(_)
        | StepKind::Call(_)
        | StepKind::Spawn(_) => true,
        StepKind::Assign(_) | StepKind::Return(_) | StepKind::Fail(_) => false,
    }
}

/// The kind's word, as pages and listings show it (`card`, `for_each`, `return`, ...).
pub fn kind_name(kind: &StepKind) -> &'static str {
    match kind {
        StepKind::Card(_) => "card",
        StepKind::ForEach(_) => "for_each",
        StepKind::Assign(_) => "assign",
        StepKind::Return(_) => "return",
        StepKind::Fail(_) => "fail",
        StepKind::Block(_) => "if",
        StepKind::Call(_) => "call",
        StepKind::Spawn(_) => "spawn",
    }
}

/// The card a step runs, if it runs one.
pub fn card_of(kind: &StepKind) -> Option<&str> {
    match kind {
        StepKind::Card(card) => Some(&card.card),
        StepKind::ForEach(each) => match &each.body {
            EachBody::Card(card) => Some(&card.card),
            EachBody::Call(_) | EachBody::Spawn(_) => None,
        },
        StepKind::Assign(_)
        | StepKind::Return(_)
        | StepKind::Fail(_)
        | StepKind::Block(_)
        | StepKind::Call(_)
        | StepKind::Spawn(_) => None,
    }
}

/// The flow a step calls or spawns (itself or per item), with `true` for a spawn.
pub fn flow_of(kind: &StepKind) -> Option<(&str, bool)> {
    match kind {
        StepKind::Call(call) => Some((&call.flow, false)),
        StepKind::Spawn(spawn) => Some((&spawn.flow, true)),
        StepKind::ForEach(each) => match &each.body {
            EachBody::Call(call) => Some((&call.flow, false)),
            EachBody::Spawn(spawn) => Some((&spawn.flow, true)),
            EachBody::Card(_) => None,
        },
        StepKind::Card(_)
        | StepKind::Assign(_)
        | StepKind::Return(_)
        | StepKind::Fail(_)
        | StepKind::Block(_) => None,
    }
}
