//! Helper flows: `call` runs a callable flow inside the run (journaled as `CALL/STEP`,
//! `CALL[i]/STEP` in a `for_each`, resumed inside it), its output and outcome on the step
//! and its failure the step's error; the callee's input schema is checked; names resolve
//! among the flows loaded together, and every linking mistake is reported at its place.

use connector_core::ErrorKind;
use connector_runtime::flows::{Diagnostic, Ending, Flow, StepRecord, StepStatus, link, validate};
use serde_json::{Value, json};

use crate::engine::{Cards, returned, run_flow};

/// Validates and links `files` (name, text) as flows loaded together.
pub(crate) fn load(files: &[(&str, &str)], cards: &Cards) -> Result<Vec<Flow>, Vec<Diagnostic>> {
    let mut flows = Vec::new();
    let mut errors = Vec::new();
    for (file, text) in files {
        match validate(file, text, cards) {
            Ok(flow) => flows.push(flow),
            Err(mut e) => errors.append(&mut e),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    link(flows)
}

fn loaded(files: &[(&str, &str)], cards: &Cards) -> Vec<Flow> {
    load(files, cards).unwrap_or_else(|errors| {
        panic!(
            "{}",
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        )
    })
}

async fn run_first(
    flows: &[Flow],
    cards: &Cards,
    event: Value,
    done: &[StepRecord],
    try_no: u32,
) -> (Ending, Vec<StepRecord>) {
    run_flow(&flows[0], cards, &event, done, try_no, false).await
}

const HELPER: &str = r#"
name: grant-one
trigger:
  callable:
    input:
      type: object
      required: [login]
      properties: { login: { type: string }, fail: { type: [string, "null"] } }
steps:
  - id: read
    card: test.echo
    input: { login: "{{ event.login }}" }
  - id: broken
    if: "event.fail"
    card: test.fail
    input: { kind: "{{ event.fail }}", code: E0000042, times: 1 }
  - id: stop
    if: "event.login == 'nobody'"
    fail: { message: "no user {{ event.login }}", code: NO_USER }
  - id: done
    return: { outcome: granted, output: { who: "{{ steps.read.output.login }}" } }
"#;

#[tokio::test]
async fn a_call_runs_the_callee_inside_the_run_with_its_output_and_outcome() {
    let cards = Cards::default();
    let caller = r#"
name: caller
trigger: { manual: {} }
steps:
  - id: grant
    call: grant-one
    input: { login: "{{ event.login }}" }
  - id: done
    return: { outcome: done, output: { outcome: "{{ steps.grant.outcome }}", output: "{{ steps.grant.output }}" } }
"#;
    let flows = loaded(&[("caller.yaml", caller), ("helper.yaml", HELPER)], &cards);
    let (ending, records) = run_first(&flows, &cards, json!({"login": "ann"}), &[], 1).await;
    assert_eq!(
        returned(&ending),
        (
            "done".to_owned(),
            json!({"outcome": "granted", "output": {"who": "ann"}})
        )
    );
    let ids: Vec<(&str, StepStatus)> = records.iter().map(|r| (r.id.as_str(), r.status)).collect();
    assert_eq!(
        ids,
        [
            ("grant/read", StepStatus::Succeeded),
            ("grant/broken", StepStatus::Skipped),
            ("grant/stop", StepStatus::Skipped),
            ("grant/done", StepStatus::Succeeded),
            ("grant", StepStatus::Succeeded),
            ("done", StepStatus::Succeeded),
        ]
    );
    assert_eq!(records[4].outcome.as_deref(), Some("granted"));
    assert_eq!(records[4].input, Some(json!({"login": "ann"})));
}

#[tokio::test]
async fn a_callee_s_error_fails_the_call_with_its_kind_and_code_for_on_error_to_judge() {
    let cards = Cards::default();
    let caller = r#"
name: caller
trigger: { manual: {} }
steps:
  - id: grant
    call: grant-one
    input: { login: "{{ event.login }}", fail: "{{ event.fail }}" }
    on_error:
      - if: "error.code == 'E0000042' and error.kind == 'conflict'"
        return: { outcome: taken, output: { kind: "{{ error.kind }}" } }
      - if: "'no user' in error.message and error.kind == 'failed' and error.code == 'NO_USER'"
        return: { outcome: nobody, output: { message: "{{ error.message }}" } }
  - id: done
    return: { outcome: ok }
"#;
    let flows = loaded(&[("caller.yaml", caller), ("helper.yaml", HELPER)], &cards);
    let (ending, records) = run_first(
        &flows,
        &cards,
        json!({"login": "ann", "fail": "conflict"}),
        &[],
        1,
    )
    .await;
    assert_eq!(
        returned(&ending),
        ("taken".to_owned(), json!({"kind": "conflict"}))
    );
    let call = records.iter().find(|r| r.id == "grant").unwrap();
    assert_eq!(call.status, StepStatus::Returned);
    assert_eq!(
        call.error.as_ref().unwrap().code.as_deref(),
        Some("E0000042")
    );
    // The callee's `fail` step: a permanent error with its message.
    let (ending, _) = run_first(
        &flows,
        &cards,
        json!({"login": "nobody", "fail": null}),
        &[],
        1,
    )
    .await;
    assert_eq!(
        returned(&ending),
        ("nobody".to_owned(), json!({"message": "no user nobody"}))
    );
    // Unhandled, the callee's error is the run's: a transient one is tried again.
    let (ending, records) = run_first(
        &flows,
        &cards,
        json!({"login": "bo", "fail": "unavailable"}),
        &[],
        1,
    )
    .await;
    assert!(
        matches!(&ending, Ending::Failed(e) if e.kind() == ErrorKind::Unavailable && e.code() == Some("E0000042")),
        "{ending:?}"
    );
    // The next try goes on inside the callee: its finished card is not sent again.
    let reads = cards.calls("test.echo").len();
    let (ending, second) = run_first(
        &flows,
        &cards,
        json!({"login": "bo", "fail": "unavailable"}),
        &records,
        2,
    )
    .await;
    assert_eq!(returned(&ending).0, "ok");
    assert_eq!(
        cards.calls("test.echo").len(),
        reads,
        "grant/read is not sent again"
    );
    assert_eq!(second[0].id, "grant/broken");
}

#[tokio::test]
async fn an_input_that_does_not_match_the_callee_s_schema_fails_invalid_input_naming_the_field() {
    let cards = Cards::default();
    let caller = r#"
name: caller
trigger: { manual: {} }
steps:
  - id: grant
    call: grant-one
    input: { login: "{{ event.login }}" }
"#;
    let flows = loaded(&[("caller.yaml", caller), ("helper.yaml", HELPER)], &cards);
    let (ending, records) = run_first(&flows, &cards, json!({"login": 42}), &[], 1).await;
    let Ending::Failed(error) = ending else {
        panic!("{ending:?}")
    };
    assert_eq!(error.kind(), ErrorKind::InvalidInput);
    assert!(error.message().contains("input field /login"), "{error}");
    assert!(
        !error.message().contains("42"),
        "the value is not echoed: {error}"
    );
    assert!(cards.calls("test.echo").is_empty(), "no callee step ran");
    assert_eq!(records.len(), 1);
    let caller = caller.replace("{ login: \"{{ event.login }}\" }", "{ name: x }");
    let flows = loaded(&[("caller.yaml", &caller), ("helper.yaml", HELPER)], &cards);
    let (ending, _) = run_first(&flows, &cards, json!({}), &[], 1).await;
    let Ending::Failed(error) = ending else {
        panic!("{ending:?}")
    };
    assert!(error.message().contains("input field /login"), "{error}");
}

const EACH: &str = r#"
name: each-caller
trigger: { manual: {} }
steps:
  - id: each
    for_each: "event.logins"
    as: login
    concurrency: 3
    call: grant-one
    input: { login: "{{ login }}", fail: "{{ 'unavailable' if login == event.flaky else none }}" }
  - id: done
    return: { outcome: done, output: "{{ steps.each.output }}" }
"#;

#[tokio::test]
async fn a_for_each_of_calls_gives_the_results_in_item_order_and_resumes_inside_each_callee() {
    let cards = Cards::default();
    let flows = loaded(&[("each.yaml", EACH), ("helper.yaml", HELPER)], &cards);
    let logins = ["a", "b", "c", "d", "e"];
    let event = json!({"logins": logins, "flaky": "c"});
    let (ending, first) = run_first(&flows, &cards, event.clone(), &[], 1).await;
    assert!(matches!(ending, Ending::Failed(_)), "{ending:?}");
    for i in 0..5 {
        assert!(
            first.iter().any(|r| r.id == format!("each[{i}]/read")),
            "{first:?}"
        );
    }
    let failed = first
        .iter()
        .find(|r| r.id == "each" && r.item == Some(2))
        .unwrap();
    assert_eq!(failed.status, StepStatus::Failed);
    assert_eq!(cards.calls("test.echo").len(), 5);
    let (ending, second) = run_first(&flows, &cards, event, &first, 2).await;
    let (_, output) = returned(&ending);
    assert_eq!(
        output,
        json!(logins.iter().map(|l| json!({"who": l})).collect::<Vec<_>>()),
        "in item order"
    );
    assert_eq!(
        cards.calls("test.echo").len(),
        5,
        "no finished item's card again"
    );
    let ran: Vec<&str> = second.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ran[0], "each[2]/broken");
    assert!(
        second.iter().all(|r| !r.id.starts_with("each[0]")),
        "{ran:?}"
    );
}

fn errors(files: &[(&str, &str)]) -> Vec<String> {
    let mut found: Vec<String> = load(files, &Cards::default())
        .map(|_| Vec::new())
        .unwrap_or_else(|e| e.iter().map(ToString::to_string).collect());
    found.sort();
    found
}

fn callable(name: &str, calls: &str) -> String {
    let step = if calls.is_empty() {
        "  - id: done\n    return: { outcome: ok }\n".to_owned()
    } else {
        format!("  - id: next\n    call: {calls}\n")
    };
    format!("name: {name}\ntrigger: {{ callable: {{}} }}\nsteps:\n{step}")
}

#[test]
fn unknown_and_non_callable_targets_are_errors_at_their_place() {
    let caller = "name: caller\ntrigger: { manual: {} }\nsteps:\n  - id: a\n    call: nowhere\n  - id: b\n    spawn: plain\n  - id: c\n    for_each: \"[1]\"\n    call: plain\n";
    let plain =
        "name: plain\ntrigger: { manual: {} }\nsteps:\n  - id: done\n    return: { outcome: ok }\n";
    assert_eq!(
        errors(&[("flows/caller.yaml", caller), ("flows/plain.yaml", plain)]),
        [
            "flows/caller.yaml:10:11: call names the flow \"plain\", which is not callable: give it `trigger: { callable: {} }`",
            "flows/caller.yaml:5:11: call names the unknown flow \"nowhere\": it must be loaded with this one (the same --flows folder, or among the files given)",
            "flows/caller.yaml:7:12: spawn names the flow \"plain\", which is not callable: give it `trigger: { callable: {} }`",
        ]
    );
}

#[test]
fn a_call_cycle_is_an_error_at_the_call_that_closes_it_and_a_flow_may_spawn_itself() {
    let a = callable("a", "b");
    let b = callable("b", "c");
    let c = callable("c", "a");
    assert_eq!(
        errors(&[
            ("flows/a.yaml", &a),
            ("flows/b.yaml", &b),
            ("flows/c.yaml", &c)
        ]),
        ["flows/c.yaml:5:11: calls make a cycle: a -> b -> c -> a"]
    );
    let own = callable("own", "own");
    assert_eq!(
        errors(&[("flows/own.yaml", &own)]),
        ["flows/own.yaml:5:11: calls make a cycle: own -> own"]
    );
    let spawner =
        "name: again\ntrigger: { callable: {} }\nsteps:\n  - id: more\n    spawn: again\n";
    assert!(errors(&[("flows/again.yaml", spawner)]).is_empty());
}

#[test]
fn calls_nest_at_most_ten_deep() {
    // f0 calls f1 ... calls f10: ten calls, allowed; f11 makes eleven.
    let texts: Vec<(String, String)> = (0..=11)
        .map(|i| {
            let calls = if i < 11 {
                format!("f{}", i + 1)
            } else {
                String::new()
            };
            (
                format!("flows/f{i}.yaml"),
                callable(&format!("f{i}"), &calls),
            )
        })
        .collect();
    let files: Vec<(&str, &str)> = texts
        .iter()
        .map(|(f, t)| (f.as_str(), t.as_str()))
        .collect();
    assert_eq!(
        errors(&files),
        [
            "flows/f0.yaml:5:11: calls nest more than 10 deep: f0 -> f1 -> f2 -> f3 -> f4 -> f5 -> f6 -> f7 -> f8 -> f9 -> f10 -> f11"
        ]
    );
    assert!(errors(&files[1..]).is_empty());
}

#[test]
fn a_call_step_takes_no_retry_and_no_connection() {
    let caller = "name: caller\ntrigger: { manual: {} }\nsteps:\n  - id: a\n    call: helper\n    retry: { attempts: 3 }\n    connection: other\n";
    let helper = callable("helper", "");
    assert_eq!(
        errors(&[
            ("flows/caller.yaml", caller),
            ("flows/helper.yaml", &helper)
        ]),
        [
            "flows/caller.yaml:6:5: a call step takes no retry: the called flow's steps carry their own",
            "flows/caller.yaml:7:5: connection belongs to a card step",
        ]
    );
}
