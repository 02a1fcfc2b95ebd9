//! Flow History shows no secret: every part of a run (the event, each step's input,
//! output and error, the run's output and error) passes through the one masking rule,
//! [`connector_core::pipeline::mask_secrets`], in every view: the JSON of `/history`, the
//! HTML pages, `connector history` (JSON and table) and `flow run`'s printout. The store
//! keeps the event and the output as they were, since a run needs its event and the
//! `http` trigger's `?wait=` answers its caller with the flow's own output.

use connector_core::pipeline::mask_secrets;
use serde_json::Value;

use crate::flows::{StepError, StepRecord};
use crate::run::Run;
use crate::store::Page;

fn mask_value(value: &mut Value) {
    *value = mask_secrets(value);
}

fn mask_error(error: &mut StepError) {
    if let Ok(json) = serde_json::to_value(&*error)
        && let Ok(masked) = serde_json::from_value(mask_secrets(&json))
    {
        *error = masked;
    }
}

/// Masks every step's input, output and error.
pub fn mask_steps(steps: &mut [StepRecord]) {
    for step in steps {
        step.input.as_mut().map(mask_value);
        step.output.as_mut().map(mask_value);
        step.error.as_mut().map(mask_error);
    }
}

/// The run as a view shows it: every part masked.
pub fn masked_run(mut run: Run) -> Run {
    mask_value(&mut run.event);
    mask_steps(&mut run.steps);
    run.output.as_mut().map(mask_value);
    run.error.as_mut().map(mask_value);
    run
}

/// A page of runs as a view shows it.
pub fn masked_page(mut page: Page) -> Page {
    page.runs = page.runs.into_iter().map(masked_run).collect();
    page
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn every_part_of_a_run_is_masked() {
        let secrets = json!({"accessToken": "a1", "client_secret": "c1", "pw": "p1", "apiKeys": ["k1"], "login": "ada"});
        let run: Run = serde_json::from_value(json!({
            "runId": "r", "flow": "f", "eventId": "e", "subject": null, "state": "finished",
            "outcome": "done", "tries": 1, "queuedAt": "", "startedAt": null, "finishedAt": null,
            "durationMs": null, "nextTryAt": null, "rerunOf": null, "event": secrets,
            "steps": [{"id": "s", "card": null, "try": 1, "item": null, "status": "succeeded",
                       "input": secrets, "output": secrets, "error": null, "attempts": 1,
                       "limiterWaitMs": 0.0, "durationMs": 0.0}],
            "output": {"nested": secrets}, "error": secrets,
        }))
        .unwrap();
        let text = serde_json::to_string(&masked_run(run)).unwrap();
        for secret in ["a1", "c1", "p1", "k1"] {
            assert!(
                !text.contains(&format!("\"{secret}\"")),
                "{secret} in {text}"
            );
        }
        assert!(text.contains("\"ada\""), "{text}");
    }
}
