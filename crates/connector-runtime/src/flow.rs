//! Flows: what the runtime runs for an event. A [`Flow`] says which event types trigger
//! it and runs for one event, recording each action it takes as a [`Card`] in its
//! [`RunContext`]. Flows must be idempotent: a run may be executed again after a crash
//! (its first execution may have acted before the process died), so acting twice must
//! leave the same state and report it (the help-desk template reads Okta's `E0000090`
//! "already assigned" as the outcome `alreadyAssigned`).

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;
use connector_core::{Error, Result, mask_secrets};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::calls;
use crate::event::Event;
use crate::metrics::Metrics;

/// A flow the runtime runs for events of some types.
#[async_trait]
pub trait Flow: Send + Sync + 'static {
    /// The flow's name, as Flow History shows it (unique among a runtime's flows).
    fn name(&self) -> &str;
    /// Whether an event of this type starts a run of this flow.
    fn triggered_by(&self, event_type: &str) -> bool;
    /// Runs the flow for one event. An error's kind decides what happens next: transient
    /// kinds are retried on the runtime's schedule, others dead-letter the run.
    async fn run(&self, event: &Event, cx: &mut RunContext) -> Result<FlowOutput>;
}

/// What a run ended with.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct FlowOutput {
    /// The outcome's name (`assigned`, `alreadyAssigned`, `skipped`, ...).
    pub outcome: String,
    /// Details for Flow History (secrets are masked before it is stored).
    pub output: Value,
}

impl FlowOutput {
    /// An outcome with details.
    pub fn new(outcome: impl Into<String>, output: Value) -> FlowOutput {
        FlowOutput {
            outcome: outcome.into(),
            output,
        }
    }
}

/// The facts of a failed card.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CardError {
    /// The error's kind (`not_found`, `upstream`, ...).
    pub kind: String,
    /// What went wrong.
    pub message: String,
    /// The HTTP status, when the service answered.
    pub status: Option<u16>,
    /// The service's error code (`E0000007`).
    pub code: Option<String>,
    /// The service's request id.
    pub request_id: Option<String>,
}

impl CardError {
    /// The facts of a connector error.
    pub fn from_error(error: &Error) -> CardError {
        CardError {
            kind: error.kind().as_str().to_owned(),
            message: error.message().to_owned(),
            status: error.status(),
            code: error.code().map(str::to_owned),
            request_id: error.request_id().map(str::to_owned),
        }
    }
}

/// One action of a run, as Flow History shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Card {
    /// The connector (`okta`).
    pub connector: String,
    /// The action id (`read-user`, `custom-api-action`).
    pub action: String,
    /// The card's title (`Okta · Read User`).
    pub title: String,
    /// The input, secrets masked.
    pub input: Value,
    /// The output, secrets masked (none when the action failed).
    pub output: Option<Value>,
    /// Attempts on the wire, retries included.
    pub attempts: u32,
    /// Wall time of the action, in milliseconds.
    pub duration_ms: f64,
    /// Time waiting for the rate limiter, in milliseconds.
    pub limiter_wait_ms: f64,
    /// The failure, if the action failed.
    pub error: Option<CardError>,
}

/// What a run records while it runs: its cards.
pub struct RunContext {
    cards: Vec<Card>,
    metrics: Option<Arc<Metrics>>,
}

impl std::fmt::Debug for RunContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunContext")
            .field("cards", &self.cards.len())
            .finish()
    }
}

impl Default for RunContext {
    fn default() -> Self {
        RunContext::new(None)
    }
}

impl RunContext {
    /// A context that reports API calls to `metrics`, if given.
    pub fn new(metrics: Option<Arc<Metrics>>) -> RunContext {
        RunContext {
            cards: Vec::new(),
            metrics,
        }
    }

    /// The cards recorded so far.
    pub fn cards(&self) -> &[Card] {
        &self.cards
    }

    /// Takes the cards recorded.
    pub fn into_cards(self) -> Vec<Card> {
        self.cards
    }

    /// Runs one action and records it as a card: `input` is what Flow History shows as the
    /// action's input (masked here), the future does the work.
    pub async fn card<T, F>(
        &mut self,
        connector: &str,
        action: &str,
        title: &str,
        input: Value,
        work: F,
    ) -> Result<T>
    where
        T: Serialize,
        F: Future<Output = Result<T>>,
    {
        let started = Instant::now();
        let (result, observed) = calls::observe(work).await;
        if let Some(metrics) = &self.metrics {
            metrics.observe_calls(connector, action, &observed);
        }
        let (output, error) = match &result {
            Ok(value) => (
                serde_json::to_value(value).ok().map(|v| mask_secrets(&v)),
                None,
            ),
            Err(e) => (None, Some(CardError::from_error(e))),
        };
        self.cards.push(Card {
            connector: connector.to_owned(),
            action: action.to_owned(),
            title: title.to_owned(),
            input: mask_secrets(&input),
            output,
            attempts: observed.attempts,
            duration_ms: started.elapsed().as_secs_f64() * 1000.0,
            limiter_wait_ms: observed.limiter_wait.as_secs_f64() * 1000.0,
            error,
        });
        result
    }
}

/// The flows of a runtime, by name.
#[derive(Clone, Default)]
pub struct Flows {
    flows: BTreeMap<String, Arc<dyn Flow>>,
}

impl std::fmt::Debug for Flows {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.flows.keys()).finish()
    }
}

impl Flows {
    /// No flows.
    pub fn new() -> Flows {
        Flows::default()
    }

    /// Adds a flow (replacing one of the same name).
    pub fn with(mut self, flow: impl Flow) -> Flows {
        self.flows.insert(flow.name().to_owned(), Arc::new(flow));
        self
    }

    /// The flow of this name.
    pub fn get(&self, name: &str) -> Option<&Arc<dyn Flow>> {
        self.flows.get(name)
    }

    /// The names of the flows an event of this type starts.
    pub fn triggered_by(&self, event_type: &str) -> Vec<String> {
        self.flows
            .iter()
            .filter(|(_, f)| f.triggered_by(event_type))
            .map(|(name, _)| name.clone())
            .collect()
    }
}
