//! One module per step kind: what the step does when the engine reaches it, and in a dry
//! run. The two `match`es below have no wildcard: a new [`StepKind`] does not compile until
//! it is handled here (and in [`lower`](super::program::lower) and the pages' `kind_name`).

mod assign;
mod card;
mod fail;
mod for_each;

pub use for_each::MAX_ITEMS;
mod ret;
mod table;

use connector_core::Error;

use super::program::{Step, StepKind};
use super::runner::{Ending, Runner};

/// Runs one step whose guard held; `Some` ends the try.
pub(super) async fn run(runner: &mut Runner<'_, '_>, step: &Step) -> Result<Option<Ending>, Error> {
    match &step.kind {
        StepKind::Card(card) => card::run(runner, step, card).await,
        StepKind::ForEach(each) => for_each::run(runner, step, each).await,
        StepKind::Assign(assign) => assign::run(runner, step, assign).await,
        StepKind::Return(ret) => ret::run(runner, step, ret).await,
        StepKind::Fail(fail) => fail::run(runner, step, fail).await,
    }
}

/// In a dry run, whether a step under a guard that needs an answer is listed (cards are,
/// so that every reachable request shows) or passed over (steps that end the run).
pub(super) fn lists_cards(kind: &StepKind) -> bool {
    match kind {
        StepKind::Card(_) | StepKind::ForEach(_) => true,
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
    }
}

/// The card a step runs, if it runs one.
pub fn card_of(kind: &StepKind) -> Option<&str> {
    match kind {
        StepKind::Card(card) => Some(&card.card),
        StepKind::ForEach(each) => Some(&each.card.card),
        StepKind::Assign(_) | StepKind::Return(_) | StepKind::Fail(_) => None,
    }
}
