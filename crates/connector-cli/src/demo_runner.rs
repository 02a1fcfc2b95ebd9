//! The demo's test flow, card by card: each action card through the registry's JSON layer,
//! and the template's re-run through the runtime, each recorded for the report.

use std::io::Write as _;
use std::time::Instant;

use connector_core::action::Session;
use connector_runtime::Run;
use connector_sandbox::{Fault, FaultRule, Method, Sandbox};
use serde_json::{Value, json};

use crate::demo_history::{Card, Check, History};
use crate::demo_loop::Loop;

/// The test flow's cards: two users (create, list roles), the template run again on the
/// first (by the runtime), and five boards cards.
const STEPS: usize = 10;

pub(crate) struct Runner<'a> {
    pub(crate) sandbox: &'a Sandbox,
    pub(crate) okta: Box<dyn Session>,
    pub(crate) boards: Box<dyn Session>,
    pub(crate) history: History,
    pub(crate) progress: bool,
}

impl Runner<'_> {
    fn requests(&self) -> u64 {
        self.sandbox.okta().stats().requests + self.sandbox.boards().state().stats().requests
    }

    fn progress(&self, title: &str) {
        if self.progress {
            let n = self.history.cards.len() + 1;
            err!("\r\x1b[2K[{n:>2}/{STEPS}] {title} …");
            let _ = std::io::stderr().flush();
        }
    }

    /// Runs one action card through the registry's JSON layer.
    pub(crate) async fn card(
        &mut self,
        flow: &'static str,
        connector: &str,
        action: &str,
        title: &str,
        input: Value,
    ) -> Option<Value> {
        self.progress(title);
        let before = self.requests();
        let started = Instant::now();
        let session = if connector == "okta" {
            &self.okta
        } else {
            &self.boards
        };
        let result = session
            .run(action, input.clone())
            .await
            .map_err(|e| e.to_string());
        let requests_seen = self.requests() - before;
        let output = result.as_ref().ok().cloned();
        self.history.cards.push(Card {
            flow,
            title: title.to_owned(),
            input,
            summary: output
                .as_ref()
                .and_then(|o| crate::demo_render::summarize(action, o)),
            result,
            duration: started.elapsed(),
            requests_seen,
        });
        output
    }

    /// Runs the "Add User to Admin Role" template again for the run `first` (as after a
    /// crash, or the history page's re-run): the runtime's own engine runs it, through
    /// `Store::rerun`, and the new run is shown as one card.
    pub(crate) async fn rerun(&mut self, runtime: &Loop, first: Option<&Run>) -> Option<Run> {
        let title = "Okta · Add User to Admin Role (template)";
        self.progress(title);
        let before = self.requests();
        let started = Instant::now();
        let rerun_of = first.map(|run| run.run_id.clone()).unwrap_or_default();
        let run = match first {
            Some(first) => runtime.rerun(&first.run_id).await,
            None => None,
        };
        let requests_seen = self.requests() - before;
        let grant = run
            .iter()
            .flat_map(|r| &r.steps)
            .find(|s| s.id == "grant")
            .and_then(|s| s.input.clone());
        let user_id = run
            .as_ref()
            .and_then(|r| r.output.as_ref())
            .and_then(|o| o.get("userId"))
            .cloned()
            .unwrap_or(Value::Null);
        let result = match &run {
            Some(run) => Ok(json!({
                "runId": run.run_id,
                "outcome": run.outcome,
                "output": run.output,
            })),
            None => Err(format!("the re-run of {rerun_of} did not finish")),
        };
        self.history.cards.push(Card {
            flow: "Add User to Admin Role",
            title: title.to_owned(),
            input: json!({
                "rerunOf": rerun_of,
                "userId": user_id,
                "roleType": grant.as_ref().and_then(|g| g.pointer("/body/type")).cloned().unwrap_or(Value::Null),
            }),
            summary: result.as_ref().ok().and_then(|o| crate::demo_render::summarize("template", o)),
            result,
            duration: started.elapsed(),
            requests_seen,
        });
        run
    }

    pub(crate) fn check(&mut self, what: impl Into<String>, holds: bool) {
        self.history.checks.push(Check {
            what: what.into(),
            holds,
        });
    }
}

pub(crate) fn role_types(output: &Option<Value>) -> Vec<String> {
    output
        .as_ref()
        .and_then(|o| o.get("roles"))
        .and_then(Value::as_array)
        .map(|roles| {
            roles
                .iter()
                .filter_map(|r| r.get("type").and_then(Value::as_str).map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

pub(crate) fn str_at<'v>(value: &'v Option<Value>, pointer: &str) -> Option<&'v str> {
    value.as_ref()?.pointer(pointer)?.as_str()
}

/// The next role call is answered 429 once (with `Retry-After: 0`), so that Flow History
/// shows a card that needed more than one attempt.
pub(crate) fn inject_one_429(sandbox: &Sandbox) {
    let body = r#"{"errorCode":"E0000047","errorSummary":"API call exceeded rate limit due to too many requests.","errorLink":"E0000047","errorId":"oae-demo","errorCauses":[]}"#;
    sandbox.okta().faults().push(
        FaultRule::new(Fault::status_with(
            429,
            body,
            [("Retry-After".to_owned(), "0".to_owned())],
        ))
        .method(Method::POST)
        .path_prefix("/api/v1/users/")
        .times(1),
    );
}
