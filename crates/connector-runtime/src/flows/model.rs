//! The flow file's format: its Rust types are the one source for parsing, validation and
//! the JSON Schema editors use (`docs/schemas/flow.schema.json`).

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A flow: a trigger and a list of steps.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct FlowFile {
    /// `[a-z0-9-]+`, unique among the loaded flows; Flow History and `?flow=` use it.
    pub name: String,
    /// What the flow does, for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// What starts a run (exactly one kind).
    pub trigger: Trigger,
    /// A template over `event`: what Flow History shows as the run's subject.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// The whole run's retry schedule (default: `--flow-backoff`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry: Option<FlowRetry>,
    /// The steps, run in order.
    pub steps: Vec<Step>,
}

/// What starts a run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum Trigger {
    /// Deliveries to `/okta/event-hook`: one run per event of a listed type.
    OktaEvent(OktaEventTrigger),
    /// A cron schedule.
    Schedule(ScheduleTrigger),
    /// `POST /flows/{name}/runs`.
    Http(Empty),
    /// Only `connector flow run`.
    Manual(Empty),
    /// A helper flow: run by another flow's `call` or `spawn` step, its input its `event`.
    Callable(CallableTrigger),
}

/// A callable (helper) flow's trigger.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct CallableTrigger {
    /// A JSON Schema the input of every `call` and `spawn` must match (checked before the
    /// flow runs; a mismatch fails the calling step `invalid_input`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<Value>,
}

/// An Okta event hook trigger.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct OktaEventTrigger {
    /// Event types (`user.lifecycle.create`).
    pub types: Vec<String>,
    /// An expression over `event`: only events for which it is true start a run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
}

/// A schedule trigger.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ScheduleTrigger {
    /// 5-field crontab (minute hour day-of-month month day-of-week).
    pub cron: String,
    /// An IANA time zone (default UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
}

/// A trigger without settings (`http: {}`, `manual: {}`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Empty {}

/// A flow's retry schedule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct FlowRetry {
    /// Waits before each new try (`1m`, `5m`, ...).
    pub backoff: Vec<String>,
}

/// One step: exactly one of `card`, `call`, `spawn`, `assign`, `for_each` (with a `card`,
/// `call` or `spawn`), `return`, `fail`, `wait`, or a block (`if` with `then`, and `else`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Step {
    /// `[a-z0-9_]+`, unique in the flow; later steps read `steps.<id>`.
    pub id: String,
    /// What the step does, for people (an imported card keeps its title here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// An expression: the step runs only when it is true (else it is `skipped`); with
    /// `then`, it chooses the branch of a block.
    #[serde(rename = "if", default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    /// A block: the steps run when `if` is true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub then: Option<Vec<Step>>,
    /// A block's steps run when `if` is false.
    #[serde(rename = "else", default, skip_serializing_if = "Option::is_none")]
    pub else_: Option<Vec<Step>>,
    /// A card: `<connector>.<action>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card: Option<String>,
    /// A callable flow run inside this run (its name): its `return` is the step's output.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call: Option<String>,
    /// A callable flow started as a run of its own (its name): the step's output is
    /// `{runId}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spawn: Option<String>,
    /// The card's (or called flow's) input; strings are templates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<Value>,
    /// A named connection from the connections file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection: Option<String>,
    /// Retries of transient errors on top of the pipeline's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry: Option<CardRetry>,
    /// What an error of the card means.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_error: Option<OnError>,
    /// Names and expressions: the step's output is that object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assign: Option<BTreeMap<String, String>>,
    /// An expression giving a list: the card (or `call`, or `spawn`) runs once per item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub for_each: Option<String>,
    /// The item's name in the loop's expressions (default `item`).
    #[serde(rename = "as", default, skip_serializing_if = "Option::is_none")]
    pub as_name: Option<String>,
    /// Items run at once (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concurrency: Option<u32>,
    /// Ends the run with an outcome.
    #[serde(rename = "return", default, skip_serializing_if = "Option::is_none")]
    pub return_: Option<ReturnSpec>,
    /// Ends the run as failed (permanent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail: Option<FailSpec>,
    /// Parks the run for a time, until a time, or until a signal arrives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait: Option<WaitSpec>,
}

/// `wait:` exactly one of `for` (a duration), `until` (an RFC 3339 time, a template) or
/// `signal` (a name, with an optional `timeout`); at most 366 days.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct WaitSpec {
    /// How long (`45s`, `30m`, `2h`, `7d`).
    #[serde(rename = "for", default, skip_serializing_if = "Option::is_none")]
    pub for_: Option<String>,
    /// Until when: RFC 3339 text, or a template giving it (`{{ event.endsAt }}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    /// Until `POST /runs/{runId}/signals/{signal}` (or `connector history signal`): its
    /// JSON body is the step's output.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signal: Option<String>,
    /// How long a signal is waited for (default and at most 366 days); then the step fails
    /// with kind `timeout`, which `on_error` can turn into an outcome.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
}

/// A card's own retries.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct CardRetry {
    /// Tries in all (at least 1).
    pub attempts: u32,
    /// Waits between tries (`500ms`, `2s`); the last repeats.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub backoff: Vec<String>,
}

/// What an error of a card means.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
#[non_exhaustive]
pub enum OnError {
    /// `continue`: the step is `continued`, its `error` readable, the run goes on.
    Continue(ContinueWord),
    /// Handlers, first match wins; no match fails the run.
    Handlers(Vec<Handler>),
}

/// The word `continue`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ContinueWord {
    /// Go on with the next step.
    Continue,
}

/// One `on_error` handler: `{if, then}` or `{if, return}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Handler {
    /// An expression over `error` (and the run's names); none matches every error.
    #[serde(rename = "if", default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    /// `continue` or `fail`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub then: Option<Then>,
    /// Ends the run with an outcome.
    #[serde(rename = "return", default, skip_serializing_if = "Option::is_none")]
    pub return_: Option<ReturnSpec>,
}

/// What a matching handler does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Then {
    /// Go on with the next step.
    Continue,
    /// Fail the run by the error's kind (transient kinds: the flow's backoff).
    Fail,
}

/// `return: {outcome, output}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ReturnSpec {
    /// The run's outcome (`assigned`, `skipped`, ...).
    pub outcome: String,
    /// The run's output; strings are templates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<Value>,
}

/// `fail: {message, code}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct FailSpec {
    /// Why; a template.
    pub message: String,
    /// A code of the flow's own for the error (`error.code` in a caller's `on_error`); a
    /// template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// The JSON Schema of a flow file.
pub fn flow_schema() -> Value {
    serde_json::to_value(schemars::schema_for!(FlowFile)).unwrap_or(Value::Null)
}
