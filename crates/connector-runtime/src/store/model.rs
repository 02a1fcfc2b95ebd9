//! What the store gives back: runs as Flow History shows them, and pages of them.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::flows::StepRecord;
use crate::run::{Run, RunState};
use crate::time::rfc3339;

/// A page of Flow History, newest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Page {
    /// The runs.
    pub runs: Vec<Run>,
    /// Pass as `cursor` for the next page; none on the last.
    pub next_cursor: Option<String>,
}

/// Which runs to list.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct HistoryQuery {
    /// Only runs with this outcome (one of the flows' own).
    pub outcome: Option<String>,
    /// Only runs in this state: `queued`, `running`, `waiting`, `retrying`, `finished`,
    /// `deadLettered`, `cancelled`.
    pub state: Option<String>,
    /// Only runs of this flow.
    pub flow: Option<String>,
    /// Only runs whose subject holds this text.
    pub subject: Option<String>,
    /// Only runs queued at or after this time (RFC 3339).
    pub since: Option<String>,
    /// Only runs queued before this time (RFC 3339).
    pub until: Option<String>,
    /// At most this many (default 50, at most 500).
    pub limit: Option<u32>,
    /// Where the previous page ended.
    pub cursor: Option<String>,
}

impl HistoryQuery {
    /// The newest `limit` runs.
    pub fn newest(limit: u32) -> HistoryQuery {
        HistoryQuery {
            limit: Some(limit),
            ..HistoryQuery::default()
        }
    }

    /// Only runs in this state.
    pub fn with_state(mut self, state: impl Into<String>) -> HistoryQuery {
        self.state = Some(state.into());
        self
    }

    /// Where the previous page ended (its `nextCursor`).
    pub fn with_cursor(mut self, cursor: impl Into<String>) -> HistoryQuery {
        self.cursor = Some(cursor.into());
        self
    }

    /// Only runs of this flow.
    pub fn with_flow(mut self, flow: impl Into<String>) -> HistoryQuery {
        self.flow = Some(flow.into());
        self
    }

    /// Only runs whose subject holds this text.
    pub fn with_subject(mut self, subject: impl Into<String>) -> HistoryQuery {
        self.subject = Some(subject.into());
        self
    }

    /// Only runs with this outcome.
    pub fn with_outcome(mut self, outcome: impl Into<String>) -> HistoryQuery {
        self.outcome = Some(outcome.into());
        self
    }
}

/// A run a worker claimed.
#[derive(Clone, Debug)]
pub(crate) struct Claimed {
    pub run_id: String,
    pub flow: String,
    pub event_key: String,
    pub event: Value,
    pub tries: u32,
    pub schedule_from: u32,
    pub definition_hash: Option<String>,
    /// Claims of this run in a row that ended with the process dying, this one included
    /// when it took over an expired lease with no step committed since the last claim.
    pub deaths: u32,
}

/// A row struct with `sqlx::FromRow` by column name for both backends, as sqlx's derive
/// would write it (the derive needs sqlx's macro crates, which this crate does without).
macro_rules! row {
    ($(#[$meta:meta])* $name:ident { $($field:ident: $ty:ty),* $(,)? }) => {
        $(#[$meta])*
        pub(crate) struct $name {
            $(pub $field: $ty),*
        }

        impl<'r, R: sqlx::Row> sqlx::FromRow<'r, R> for $name
        where
            &'static str: sqlx::ColumnIndex<R>,
            $($ty: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,)*
        {
            fn from_row(row: &'r R) -> Result<Self, sqlx::Error> {
                Ok($name { $($field: row.try_get(stringify!($field))?),* })
            }
        }
    };
}

row! {
    /// The row as stored.
    RunRow {
        run_id: String,
        event_key: String,
        flow: String,
        subject: Option<String>,
        event: String,
        state: String,
        outcome: Option<String>,
        tries: i64,
        due_ms: i64,
        created_ms: i64,
        started_ms: Option<i64>,
        finished_ms: Option<i64>,
        rerun_of: Option<String>,
        output: Option<String>,
        error: Option<String>,
        parent_run_id: Option<String>,
        waiting_for: Option<String>,
    }
}

impl RunRow {
    pub(crate) fn into_run(self, steps: Vec<StepRecord>) -> Run {
        let json = |text: Option<String>| text.and_then(|t| serde_json::from_str(&t).ok());
        // A state the store does not know can only come from a newer version's row: show
        // it as queued rather than fail the whole page.
        let state = RunState::parse(&self.state).unwrap_or(RunState::Queued);
        Run {
            next_try_at: state.is_due_kind().then(|| rfc3339(self.due_ms)),
            waiting_for: json(self.waiting_for.clone()).filter(|_| state == RunState::Waiting),
            duration_ms: self
                .started_ms
                .zip(self.finished_ms)
                .map(|(s, f)| (f - s).max(0)),
            run_id: self.run_id,
            event_id: self.event_key,
            subject: self.subject,
            flow: self.flow,
            state,
            outcome: self.outcome,
            tries: u32::try_from(self.tries).unwrap_or(0),
            queued_at: rfc3339(self.created_ms),
            started_at: self.started_ms.map(rfc3339),
            finished_at: self.finished_ms.map(rfc3339),
            rerun_of: self.rerun_of,
            parent_run_id: self.parent_run_id,
            event: serde_json::from_str(&self.event).unwrap_or(Value::Null),
            steps,
            output: json(self.output),
            error: json(self.error),
        }
    }
}

row! {
    /// The row a claim returns.
    ClaimRow {
        run_id: String,
        flow: String,
        event_key: String,
        event: String,
        tries: i64,
        schedule_from: i64,
        definition_hash: Option<String>,
        deaths: i64,
    }
}

impl ClaimRow {
    pub(crate) fn into_claimed(self) -> Claimed {
        Claimed {
            run_id: self.run_id,
            flow: self.flow,
            event_key: self.event_key,
            event: serde_json::from_str(&self.event).unwrap_or(Value::Null),
            tries: u32::try_from(self.tries).unwrap_or(0),
            schedule_from: u32::try_from(self.schedule_from).unwrap_or(0),
            definition_hash: self.definition_hash,
            deaths: u32::try_from(self.deaths).unwrap_or(0),
        }
    }
}
