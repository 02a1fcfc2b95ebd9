//! What the demo records as it goes: the test flow's cards, the runtime's runs and the
//! checks. The scenario fills it, the runner adds to it and the renderer reads it.

use std::time::Duration;

use serde_json::Value;

/// One card of the test flow.
pub(crate) struct Card {
    pub(crate) flow: &'static str,
    pub(crate) title: String,
    pub(crate) input: Value,
    pub(crate) result: Result<Value, String>,
    pub(crate) summary: Option<String>,
    pub(crate) duration: Duration,
    pub(crate) requests_seen: u64,
}

/// One check the demo makes.
pub(crate) struct Check {
    pub(crate) what: String,
    pub(crate) holds: bool,
}

/// The recorded demo: the test flow's cards, the runtime's runs, and the checks.
pub(crate) struct History {
    pub(crate) cards: Vec<Card>,
    pub(crate) runs: Vec<connector_runtime::Run>,
    pub(crate) deliveries: u64,
    pub(crate) checks: Vec<Check>,
}

impl History {
    /// The runs an event started (a re-run is not one).
    pub(crate) fn event_runs(&self) -> usize {
        self.runs.iter().filter(|r| r.rerun_of.is_none()).count()
    }

    /// True when every check held and no card failed.
    pub(crate) fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.holds) && self.cards.iter().all(|c| c.result.is_ok())
    }
}
