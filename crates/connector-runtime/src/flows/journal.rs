//! What a try commits: one record per step (per item of a `for_each`), and where it is
//! committed before the next step starts. A called flow's steps are records of the same
//! run, their ids under the call's: `CALL/STEP`, or `CALL[i]/STEP` in a `for_each`.

use connector_core::Error;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// How a step ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum StepStatus {
    /// It ran and gave its output.
    Succeeded,
    /// Its error ended the run.
    Failed,
    /// Its `if` was false.
    Skipped,
    /// It failed, and `on_error` said to go on.
    Continued,
    /// It failed, and an `on_error` handler ended the run with an outcome.
    Returned,
    /// A `wait` step parked the run: its output says until when, or for which signal. A
    /// later record of the same step says how the wait ended.
    Waiting,
}

impl StepStatus {
    /// The status's name, as the JSON and the metrics write it.
    pub const fn as_str(self) -> &'static str {
        match self {
            StepStatus::Succeeded => "succeeded",
            StepStatus::Failed => "failed",
            StepStatus::Skipped => "skipped",
            StepStatus::Continued => "continued",
            StepStatus::Returned => "returned",
            StepStatus::Waiting => "waiting",
        }
    }
}

/// The facts of a card's error, as `error` in expressions and Flow History show them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct StepError {
    /// `not_found`, `rate_limited`, ...
    pub kind: String,
    /// What went wrong.
    pub message: String,
    /// The HTTP status, when the service answered.
    pub status: Option<u16>,
    /// The service's error code (`E0000090`).
    pub code: Option<String>,
    /// The service's request id.
    pub request_id: Option<String>,
    /// True when a write may have taken effect without an answer.
    pub outcome_unknown: bool,
}

impl StepError {
    /// The facts of a connector error.
    pub fn from_error(error: &Error) -> StepError {
        StepError {
            kind: error.kind().as_str().to_owned(),
            message: error.message().to_owned(),
            status: error.status(),
            code: error.code().map(str::to_owned),
            request_id: error.request_id().map(str::to_owned),
            outcome_unknown: error.outcome_unknown(),
        }
    }
}

/// One step (or one item of a `for_each`) of one try, as committed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct StepRecord {
    /// The step's id.
    pub id: String,
    /// The card, for card steps.
    pub card: Option<String>,
    /// The try of the run that ran it (1-based).
    #[serde(rename = "try")]
    pub try_no: u32,
    /// The item's index, for a `for_each` item.
    pub item: Option<usize>,
    /// How it ended.
    pub status: StepStatus,
    /// The rendered input (secrets masked).
    pub input: Option<Value>,
    /// Its output (secrets masked).
    pub output: Option<Value>,
    /// Its error.
    pub error: Option<StepError>,
    /// Attempts on the wire (the pipeline's retries and the card's own `retry` included);
    /// a card that sends nothing counts its runs.
    pub attempts: u32,
    /// Time spent waiting for the rate limiter.
    #[serde(default)]
    pub limiter_wait_ms: f64,
    /// Wall time.
    pub duration_ms: f64,
    /// When the step started (RFC 3339, UTC): what `now()` read in its expressions, kept
    /// so that a resumed run does not read the clock again for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
    /// In a dry run: the input uses an earlier answer, which a dry run does not have.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub depends_on_answer: bool,
    /// For a `call` (or one item of a `for_each` of calls): the called flow's outcome.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
}

/// Where step results are committed before the next step starts.
#[async_trait::async_trait]
pub trait Journal: Send + Sync {
    /// Commits one record; an error stops the run (it is tried again later).
    async fn commit(&self, record: &StepRecord) -> Result<(), String>;

    /// Whether the run was asked to stop (`history cancel`): checked at each step
    /// boundary. A journal that cannot be cancelled answers false.
    async fn cancelled(&self) -> bool {
        false
    }

    /// Applies a table card's action and commits `record` (its output set to the
    /// action's) in one transaction: the output, or the refusal (nothing changed, nothing
    /// committed); `Err` when the journal cannot take it. A journal without a store has no
    /// tables.
    async fn commit_table(
        &self,
        record: &StepRecord,
        op: &crate::tables::TableOp,
    ) -> Result<Result<Value, Error>, String> {
        let _ = (record, op);
        Ok(Err(Error::configuration(
            "table cards need the runtime's store: run the flow with --store, or under `connector serve`",
        )
        .with_attempts(0)))
    }
}

/// A journal kept in memory (one process, `connector flow run` without a store).
#[derive(Debug, Default)]
pub struct MemoryJournal {
    records: std::sync::Mutex<Vec<StepRecord>>,
}

impl MemoryJournal {
    /// The records so far.
    pub fn records(&self) -> Vec<StepRecord> {
        self.records
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

#[async_trait::async_trait]
impl Journal for MemoryJournal {
    async fn commit(&self, record: &StepRecord) -> Result<(), String> {
        self.records
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(record.clone());
        Ok(())
    }
}
