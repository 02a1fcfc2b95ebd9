//! The typed program: what validation lowers a file into, and what the engine does with the
//! parts that were once re-derived at run time (durations, the kind rules, the journal of a
//! step that ended the run).

use std::time::Duration;

use connector_core::{Error, ErrorKind};
use connector_runtime::flows::program::StepKind;
use connector_runtime::flows::{StepStatus, validate};
use connector_runtime::is_transient;
use serde_json::json;

use crate::engine::{Cards, flow, returned, run};

#[test]
fn a_bad_backoff_is_a_validation_error_at_its_line_and_column() {
    let cards = Cards::default();
    let text = "name: soon\ntrigger: { manual: {} }\nretry: { backoff: [1m, later] }\nsteps:\n  - id: call\n    card: test.echo\n    input: {}\n    retry: { attempts: 3, backoff: [2s, soon] }\n";
    let errors = validate("soon.yaml", text, &cards).unwrap_err();
    let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(shown.len(), 2, "{shown:#?}");
    assert!(
        shown[0].starts_with("soon.yaml:3:24: bad duration \"later\""),
        "{shown:#?}"
    );
    assert!(
        shown[1].starts_with("soon.yaml:8:41: bad duration \"soon\""),
        "{shown:#?}"
    );
}

#[test]
fn durations_are_parsed_once_into_the_program() {
    let cards = Cards::default();
    let flow = flow(
        "name: waits\ntrigger: { manual: {} }\nretry: { backoff: [1m, 2h] }\nsteps:\n  - id: call\n    card: test.echo\n    input: {}\n    retry: { attempts: 3, backoff: [500ms, 2s] }\n",
        &cards,
    );
    assert_eq!(
        flow.program.backoff,
        Some(vec![Duration::from_secs(60), Duration::from_secs(7200)])
    );
    match &flow.program.steps[0].kind {
        StepKind::Card(card) => {
            assert_eq!(card.attempts, 3);
            assert_eq!(
                card.waits,
                vec![Duration::from_millis(500), Duration::from_secs(2)]
            );
        }
        other => panic!("expected a card step, got {other:?}"),
    }
}

#[tokio::test]
async fn an_on_error_return_is_journaled_as_returned_and_a_later_try_ends_the_same_way() {
    let cards = Cards::default();
    let text = "name: grant\ntrigger: { manual: {} }\nsteps:\n  - id: grant\n    card: test.fail\n    input: { kind: conflict, code: E0000090 }\n    on_error:\n      - if: \"error.code == 'E0000090'\"\n        return: { outcome: alreadyAssigned, output: { code: \"{{ error.code }}\" } }\n  - id: after\n    card: test.echo\n    input: { never: true }\n";
    let (ending, records) = run(text, &cards, json!({}), &[], 1).await;
    assert_eq!(
        returned(&ending),
        ("alreadyAssigned".to_owned(), json!({"code": "E0000090"}))
    );
    assert_eq!(records.len(), 1, "{records:#?}");
    assert_eq!(records[0].status, StepStatus::Returned);
    assert_eq!(
        records[0].output,
        Some(json!({"outcome": "alreadyAssigned", "output": {"code": "E0000090"}}))
    );
    assert_eq!(
        records[0].error.as_ref().map(|e| e.kind.as_str()),
        Some("conflict")
    );
    assert_eq!(
        serde_json::to_value(&records[0]).unwrap()["status"],
        "returned"
    );

    // A try that finds the step committed (the process died before the run's end was)
    // ends with the same outcome and sends nothing: not the failed card, not the next one.
    let (again, more) = run(text, &cards, json!({}), &records, 2).await;
    assert_eq!(
        returned(&again),
        ("alreadyAssigned".to_owned(), json!({"code": "E0000090"}))
    );
    assert!(more.is_empty(), "{more:#?}");
    assert_eq!(cards.calls("test.fail").len(), 1);
    assert!(cards.calls("test.echo").is_empty());
}

#[tokio::test]
async fn a_for_each_item_that_returned_ends_a_later_try_the_same_way() {
    let cards = Cards::default();
    let text = "name: items\ntrigger: { manual: {} }\nsteps:\n  - id: each\n    for_each: \"[1, 2, 3]\"\n    card: test.fail\n    input: { kind: \"{{ 'conflict' if item == 2 else 'ok' }}\", n: \"{{ item }}\" }\n    on_error:\n      - return: { outcome: stopped }\n  - id: after\n    card: test.echo\n    input: {}\n";
    let (ending, records) = run(text, &cards, json!({}), &[], 1).await;
    assert_eq!(returned(&ending).0, "stopped");
    let statuses: Vec<_> = records.iter().map(|r| (r.item, r.status)).collect();
    assert!(
        statuses.contains(&(Some(1), StepStatus::Returned)),
        "{statuses:?}"
    );
    let before = cards.calls("test.fail").len();
    let (again, more) = run(text, &cards, json!({}), &records, 2).await;
    assert_eq!(returned(&again).0, "stopped");
    assert!(more.is_empty(), "{more:#?}");
    assert_eq!(cards.calls("test.fail").len(), before);
    assert!(cards.calls("test.echo").is_empty());
}

#[test]
fn upstream_is_transient_only_for_a_5xx_answer() {
    let upstream = |status| Error::new(ErrorKind::Upstream, "answer").with_status(status);
    assert!(
        !is_transient(&upstream(405)),
        "a 4xx answer is never transient"
    );
    assert!(!is_transient(&upstream(422)));
    assert!(is_transient(&upstream(500)));
    assert!(is_transient(&upstream(502)));
    assert!(is_transient(&Error::new(ErrorKind::Upstream, "no status")));
    assert!(is_transient(&Error::new(
        ErrorKind::RateLimited,
        "slow down"
    )));
    assert!(!is_transient(&Error::new(ErrorKind::NotFound, "gone")));
}

#[test]
fn a_bad_duration_is_reported_with_the_other_mistakes_of_the_file() {
    let cards = Cards::default();
    let text = "name: Bad\ntrigger: { manual: {} }\nretry: { backoff: [soon] }\nsteps:\n  - id: a\n    assign: { n: \"[1, 2] | lenght\" }\n";
    let shown: Vec<String> = validate("both.yaml", text, &cards)
        .unwrap_err()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(shown.len(), 3, "{shown:#?}");
    assert!(
        shown[0].starts_with("both.yaml:1:7: flow name"),
        "{shown:#?}"
    );
    assert!(
        shown[1].starts_with("both.yaml:3:20: bad duration \"soon\""),
        "{shown:#?}"
    );
    assert!(shown[2].starts_with("both.yaml:6:18:"), "{shown:#?}");
}
