//! A run as every view shows it (Flow History's JSON and pages, `connector history`,
//! `connector flow run`), and the states it moves through.
//!
//! A run's state is one [`RunState`]; its `outcome` holds only the flow's own outcomes
//! (`assigned`, `skipped`, `completed`, ...), never a state: a dead-lettered run has no
//! outcome, and its `error` says why.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::flows::StepRecord;

/// Where a run is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum RunState {
    /// Due to be claimed (at `nextTryAt`).
    Queued,
    /// Claimed by a worker, under a lease.
    Running,
    /// Parked by a `wait` step until `waitingFor` says: it holds no worker, lease or
    /// connection, and goes on once its time comes or its signal arrives.
    Waiting,
    /// A try failed with a transient kind: due again at `nextTryAt`.
    Retrying,
    /// Ended with an outcome.
    Finished,
    /// Failed for good: a permanent kind, the end of the retry schedule, or a process that
    /// died twice running it. `history resume` takes it on from its failed step.
    DeadLettered,
    /// Ended by `history cancel` (a running run at its next step boundary).
    Cancelled,
}

impl RunState {
    /// Every state, in the order a run meets them.
    pub const ALL: [RunState; 7] = [
        RunState::Queued,
        RunState::Running,
        RunState::Waiting,
        RunState::Retrying,
        RunState::Finished,
        RunState::DeadLettered,
        RunState::Cancelled,
    ];

    /// The state's name, as the JSON, the store and `--state` write it.
    pub const fn as_str(self) -> &'static str {
        match self {
            RunState::Queued => "queued",
            RunState::Running => "running",
            RunState::Waiting => "waiting",
            RunState::Retrying => "retrying",
            RunState::Finished => "finished",
            RunState::DeadLettered => "deadLettered",
            RunState::Cancelled => "cancelled",
        }
    }

    /// The state of that name.
    pub fn parse(name: &str) -> Option<RunState> {
        RunState::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// True once the run will not run again by itself (`finished`, `deadLettered`,
    /// `cancelled`).
    pub const fn has_ended(self) -> bool {
        matches!(
            self,
            RunState::Finished | RunState::DeadLettered | RunState::Cancelled
        )
    }

    /// True while a worker may claim it when due (`queued`, `retrying`).
    pub const fn is_due_kind(self) -> bool {
        matches!(self, RunState::Queued | RunState::Retrying)
    }
}

impl std::fmt::Display for RunState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The names `?state=` and `connector history --state` take.
pub const STATES: &[&str] = &[
    RunState::Queued.as_str(),
    RunState::Running.as_str(),
    RunState::Waiting.as_str(),
    RunState::Retrying.as_str(),
    RunState::Finished.as_str(),
    RunState::DeadLettered.as_str(),
    RunState::Cancelled.as_str(),
];

/// One run as Flow History shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Run {
    /// The run's id.
    pub run_id: String,
    /// The flow's name.
    pub flow: String,
    /// The trigger's de-duplication key (an Okta event's `uuid`).
    pub event_id: String,
    /// What the run is about: the flow's `subject` rendered for the event.
    pub subject: Option<String>,
    /// Where the run is.
    pub state: RunState,
    /// The flow's outcome (`assigned`, `alreadyAssigned`, `skipped`, `completed`, ...),
    /// once the run ended with one; `null` before, and for a dead-lettered run.
    pub outcome: Option<String>,
    /// Tries so far.
    pub tries: u32,
    /// When the event was accepted (RFC 3339).
    pub queued_at: String,
    /// When the last try started.
    pub started_at: Option<String>,
    /// When the run finished (or its last try ended).
    pub finished_at: Option<String>,
    /// From the last try's start to its end.
    pub duration_ms: Option<i64>,
    /// When the next try is due, for a queued or retrying run.
    pub next_try_at: Option<String>,
    /// What a `waiting` run waits for: `{"wakeAt"}` (a time) or `{"signal","until"}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting_for: Option<Value>,
    /// The run this one re-runs.
    pub rerun_of: Option<String>,
    /// The run whose `spawn` step started this one.
    #[serde(default)]
    pub parent_run_id: Option<String>,
    /// The trigger's payload.
    pub event: Value,
    /// Every try's steps, in the order they were committed.
    pub steps: Vec<StepRecord>,
    /// The outcome's details.
    pub output: Option<Value>,
    /// The last failure (`kind`, `message`, `status`, `code`, `requestId`).
    pub error: Option<Value>,
}

impl Run {
    /// When a waiting run goes on by itself (milliseconds since the epoch): its `wakeAt`,
    /// or its signal's `until`; none for a run that is not waiting.
    pub fn wakes_at_ms(&self) -> Option<i64> {
        let waiting = self.waiting_for.as_ref()?;
        let at = waiting.get("wakeAt").or_else(|| waiting.get("until"))?;
        crate::time::parse_rfc3339_ms(at.as_str()?).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_has_one_name_both_ways() {
        for state in RunState::ALL {
            assert_eq!(RunState::parse(state.as_str()), Some(state));
            assert_eq!(
                serde_json::to_value(state).unwrap(),
                Value::String(state.as_str().to_owned())
            );
        }
        assert_eq!(
            STATES,
            RunState::ALL.map(RunState::as_str).as_slice(),
            "STATES lists every state in order"
        );
        assert_eq!(RunState::parse("retry"), None);
    }
}
