//! The flow engine on a catalog of test cards: each step kind, each `on_error` form, card
//! retries, `for_each` with concurrency, durable steps (a resumed try sends no finished
//! card again), dry runs, and validation that reports every mistake with its place.

use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use connector_core::{Error, ErrorKind, Result};
use connector_runtime::flows::{
    Catalog, Ending, MemoryJournal, StepRecord, StepStatus, Try, run_try, validate,
};
use serde_json::{Value, json};

/// `test.echo` answers its input; `test.fail` fails with `{kind, code}` from its input
/// (`times`: only the first N calls, then echoes; kind `ok`: echoes); every call is
/// counted by its input.
#[derive(Default)]
pub(crate) struct Cards {
    pub(crate) calls: Mutex<Vec<(String, Value)>>,
}

impl Cards {
    pub(crate) fn calls(&self, card: &str) -> Vec<Value> {
        self.calls
            .lock()
            .unwrap()
            .iter()
            .filter(|(c, _)| c == card)
            .map(|(_, v)| v.clone())
            .collect()
    }
}

#[async_trait]
impl Catalog for Cards {
    fn input_schema(&self, card: &str) -> Option<Value> {
        match card {
            "test.echo" => Some(json!({"type": "object"})),
            "test.fail" => Some(json!({
                "type": "object",
                "properties": {"kind": {"type": "string"}, "code": {"type": "string"}, "times": {"type": "integer"}, "n": {}},
                "required": ["kind"],
                "additionalProperties": false
            })),
            _ => None,
        }
    }

    fn connection_error(&self, _name: &str, _card: &str) -> Option<String> {
        None
    }

    async fn run(&self, card: &str, _connection: Option<&str>, input: Value) -> Result<Value> {
        let n = {
            let mut calls = self.calls.lock().unwrap();
            calls.push((card.to_owned(), input.clone()));
            calls
                .iter()
                .filter(|(c, i)| c == card && *i == input)
                .count()
        };
        match card {
            "test.fail" if input["kind"] == "ok" => Ok(input),
            "test.fail" => {
                let times = input["times"].as_u64().unwrap_or(u64::MAX);
                if (n as u64) > times {
                    return Ok(input);
                }
                let kind = match input["kind"].as_str().unwrap_or("") {
                    "conflict" => ErrorKind::Conflict,
                    "unavailable" => ErrorKind::Unavailable,
                    "not_found" => ErrorKind::NotFound,
                    _ => ErrorKind::Upstream,
                };
                let mut error = Error::new(kind, "the test card failed").with_attempts(1);
                if let Some(code) = input["code"].as_str() {
                    error = error.with_code(code);
                }
                Err(error)
            }
            _ => Ok(input),
        }
    }
}

pub(crate) fn flow(text: &str, cards: &Cards) -> connector_runtime::flows::Flow {
    validate("test.yaml", text, cards).unwrap_or_else(|errors| {
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

pub(crate) async fn run(
    text: &str,
    cards: &Cards,
    event: Value,
    done: &[StepRecord],
    try_no: u32,
) -> (Ending, Vec<StepRecord>) {
    run_flow(&flow(text, cards), cards, &event, done, try_no, false).await
}

/// One try of `flow` on an in-memory journal (no store: no spawner, the system's clock):
/// how it ended, and the records it committed.
pub(crate) async fn run_flow(
    flow: &connector_runtime::flows::Flow,
    cards: &Cards,
    event: &Value,
    done: &[StepRecord],
    try_no: u32,
    dry_run: bool,
) -> (Ending, Vec<StepRecord>) {
    let journal = MemoryJournal::default();
    let ending = run_try(
        Try {
            flow,
            event,
            run_id: "run_test",
            try_no,
            done,
            dry_run,
            metrics: None,
            spawner: None,
            clock: None,
        },
        cards,
        &journal,
    )
    .await;
    (ending, journal.records())
}

pub(crate) fn returned(ending: &Ending) -> (String, Value) {
    match ending {
        Ending::Returned { outcome, output } => (outcome.clone(), output.clone()),
        other => panic!("expected a return, got {other:?}"),
    }
}

#[tokio::test]
async fn cards_assign_if_and_return_run_in_order_with_typed_templates() {
    let cards = Cards::default();
    let text = r#"
name: steps-in-order
trigger: { manual: {} }
steps:
  - id: user
    card: test.echo
    input: { id: "{{ event.id }}", profile: { role: "{{ event.role }}" }, n: "{{ event.n }}" }
  - id: names
    assign: { upper: "steps.user.output.id | upper", twice: "steps.user.output.n * 2" }
  - id: not_support
    if: "steps.user.output.profile.role != 'Support'"
    return: { outcome: skipped }
  - id: done
    return: { outcome: assigned, output: { who: "{{ steps.names.output.upper }}", n: "{{ steps.names.output.twice }}", path: "/users/{{ steps.user.output.id }}/roles" } }
"#;
    let (ending, records) = run(
        text,
        &cards,
        json!({"id": "u1", "role": "Support", "n": 21}),
        &[],
        1,
    )
    .await;
    assert_eq!(
        returned(&ending),
        (
            "assigned".to_owned(),
            json!({"who": "U1", "n": 42, "path": "/users/u1/roles"})
        )
    );
    assert_eq!(
        cards.calls("test.echo"),
        [json!({"id": "u1", "profile": {"role": "Support"}, "n": 21})]
    );
    let statuses: Vec<_> = records.iter().map(|r| (r.id.as_str(), r.status)).collect();
    assert_eq!(
        statuses,
        [
            ("user", StepStatus::Succeeded),
            ("names", StepStatus::Succeeded),
            ("not_support", StepStatus::Skipped),
            ("done", StepStatus::Succeeded)
        ]
    );
    let (ending, _) = run(
        text,
        &cards,
        json!({"id": "u2", "role": "Engineering", "n": 1}),
        &[],
        1,
    )
    .await;
    assert_eq!(returned(&ending).0, "skipped");
}

#[tokio::test]
async fn each_on_error_form_decides_what_an_error_means() {
    let cards = Cards::default();
    let text = r#"
name: on-error-forms
trigger: { manual: {} }
steps:
  - id: ignored
    card: test.fail
    input: { kind: not_found }
    on_error: continue
  - id: conflict
    card: test.fail
    input: { kind: "{{ event.kind }}", code: "{{ 'E0000090' if event.kind == 'conflict' else 'E0000001' }}" }
    on_error:
      - if: "error.code == 'E0000090'"
        return: { outcome: alreadyAssigned, output: { code: "{{ error.code }}" } }
      - if: "error.kind == 'not_found'"
        then: continue
      - if: "error.kind == 'unavailable'"
        then: fail
  - id: after
    return: { outcome: done, output: { ignored: "{{ steps.ignored.status }}", kind: "{{ steps.ignored.error.kind }}" } }
"#;
    let (ending, records) = run(text, &cards, json!({"kind": "conflict"}), &[], 1).await;
    assert_eq!(
        returned(&ending),
        ("alreadyAssigned".to_owned(), json!({"code": "E0000090"}))
    );
    assert_eq!(records[0].status, StepStatus::Continued);
    assert_eq!(records[0].error.as_ref().unwrap().kind, "not_found");

    // `then: fail` keeps the kind: a transient one is retried by the flow's backoff.
    let (ending, _) = run(text, &cards, json!({"kind": "unavailable"}), &[], 1).await;
    assert!(
        matches!(&ending, Ending::Failed(e) if e.kind() == ErrorKind::Unavailable),
        "{ending:?}"
    );

    // No handler matches an upstream error: it fails the run.
    let (ending, records) = run(text, &cards, json!({"kind": "upstream"}), &[], 1).await;
    assert!(
        matches!(&ending, Ending::Failed(e) if e.kind() == ErrorKind::Upstream),
        "{ending:?}"
    );
    assert_eq!(records.last().unwrap().status, StepStatus::Failed);
}

#[tokio::test]
async fn a_fail_step_ends_the_run_at_once_with_its_message() {
    let cards = Cards::default();
    let text = r#"
name: fail-step
trigger: { manual: {} }
steps:
  - id: stop
    if: "event.bad"
    fail: { message: "refusing {{ event.who }}", code: "REFUSED_{{ event.who | upper }}" }
  - id: fine
    return: { outcome: fine }
"#;
    let (ending, records) = run(text, &cards, json!({"bad": true, "who": "mallory"}), &[], 1).await;
    match ending {
        Ending::Failed(e) => {
            assert_eq!(
                e.kind(),
                ErrorKind::Failed,
                "permanent: dead-lettered at once"
            );
            assert_eq!(e.message(), "refusing mallory");
            assert_eq!(e.code(), Some("REFUSED_MALLORY"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(records[0].status, StepStatus::Failed);
    let (ending, _) = run(text, &cards, json!({"bad": false}), &[], 1).await;
    assert_eq!(returned(&ending).0, "fine");
}

#[tokio::test(start_paused = true)]
async fn a_card_retry_repeats_transient_errors_only() {
    let cards = Cards::default();
    let text = r#"
name: card-retry
trigger: { manual: {} }
steps:
  - id: flaky
    card: test.fail
    input: { kind: unavailable, times: 2 }
    retry: { attempts: 3, backoff: [1s, 5s] }
  - id: missing
    card: test.fail
    input: { kind: not_found }
    retry: { attempts: 3 }
"#;
    let started = tokio::time::Instant::now();
    let (ending, records) = run(text, &cards, json!({}), &[], 1).await;
    assert_eq!(records[0].status, StepStatus::Succeeded);
    assert_eq!(records[0].attempts, 3);
    assert_eq!(
        started.elapsed(),
        Duration::from_secs(6),
        "waited 1 s then 5 s, on the test clock"
    );
    assert_eq!(records[1].attempts, 1, "not_found is not retried");
    assert!(matches!(&ending, Ending::Failed(e) if e.kind() == ErrorKind::NotFound));
}

#[tokio::test]
async fn for_each_runs_the_card_per_item_in_order_with_bounded_concurrency() {
    let cards = Cards::default();
    let text = r#"
name: loop
trigger: { manual: {} }
steps:
  - id: each
    for_each: "event.users | selectattr('active')"
    as: user
    concurrency: 3
    card: test.echo
    input: { id: "{{ user.id }}" }
  - id: done
    return: { outcome: looped, output: { ids: "{{ steps.each.output | map(attribute='id') | list }}" } }
"#;
    let users: Vec<Value> = (0..10)
        .map(|i| json!({"id": format!("u{i}"), "active": i % 2 == 0}))
        .collect();
    let (ending, records) = run(text, &cards, json!({"users": users}), &[], 1).await;
    assert_eq!(
        returned(&ending).1,
        json!({"ids": ["u0", "u2", "u4", "u6", "u8"]})
    );
    assert_eq!(cards.calls("test.echo").len(), 5);
    let items: Vec<_> = records.iter().filter_map(|r| r.item).collect();
    assert_eq!(items.len(), 5, "each item is committed on its own");
}

#[tokio::test]
async fn a_for_each_over_more_than_100000_items_fails_before_any_item_runs() {
    let cards = Cards::default();
    let text = r#"
name: loop
trigger: { manual: {} }
steps:
  - id: each
    for_each: "range(100000) + [100000]"
    card: test.echo
    input: { n: "{{ item }}" }
"#;
    let (ending, _) = run(text, &cards, json!({}), &[], 1).await;
    let Ending::Failed(error) = ending else {
        panic!("expected a failure, got {ending:?}");
    };
    assert_eq!(error.kind(), connector_core::ErrorKind::InvalidInput);
    assert!(error.message().contains("100001 items"), "{error}");
    assert!(cards.calls("test.echo").is_empty());
}

#[tokio::test]
async fn a_resumed_try_goes_on_after_its_last_committed_step_and_sends_no_finished_card_again() {
    let cards = Cards::default();
    let text = r#"
name: three-cards
trigger: { manual: {} }
steps:
  - id: one
    card: test.echo
    input: { n: 1 }
  - id: two
    for_each: "[1, 2, 3]"
    card: test.fail
    input: { kind: "{{ 'not_found' if item == 3 and event.broken else 'ok' }}", n: "{{ item }}" }
  - id: three
    card: test.fail
    input: { kind: ok }
  - id: done
    return: { outcome: done, output: { one: "{{ steps.one.output.n }}", two: "{{ steps.two.output | length }}" } }
"#;
    // The first try: the loop's third item fails for good (a permanent kind).
    let (ending, first) = run(text, &cards, json!({"broken": true}), &[], 1).await;
    assert!(
        matches!(&ending, Ending::Failed(e) if e.kind() == ErrorKind::NotFound),
        "{ending:?}"
    );
    assert_eq!(cards.calls("test.echo").len(), 1);
    assert_eq!(cards.calls("test.fail").len(), 3);
    // The second try (a resume after the cause was fixed): card one and the loop's first
    // two items are not sent again.
    let (ending, second) = run(text, &cards, json!({"broken": false}), &first, 2).await;
    assert_eq!(
        returned(&ending),
        ("done".to_owned(), json!({"one": 1, "two": 3}))
    );
    assert_eq!(
        cards.calls("test.echo").len(),
        1,
        "card one ran once in all"
    );
    assert_eq!(
        cards.calls("test.fail").len(),
        5,
        "item 3 and card three only"
    );
    assert!(second.iter().all(|r| r.try_no == 2));
}

#[tokio::test]
async fn a_dry_run_lists_every_reachable_card_and_marks_those_that_need_an_answer() {
    let cards = Cards::default();
    let text = r#"
name: dry
trigger: { manual: {} }
steps:
  - id: user
    card: test.echo
    input: { id: "{{ event.id }}" }
  - id: not_support
    if: "steps.user.output.role != 'Support'"
    return: { outcome: skipped }
  - id: grant
    card: test.echo
    input: { relativeUrl: "/api/v1/users/{{ steps.user.output.id }}/roles" }
  - id: done
    return: { outcome: assigned }
"#;
    let flow = flow(text, &cards);
    let (ending, records) = run_flow(&flow, &cards, &json!({"id": "u1"}), &[], 1, true).await;
    assert_eq!(returned(&ending).0, "assigned");
    let cards_listed: Vec<_> = records.iter().filter(|r| r.card.is_some()).collect();
    assert_eq!(cards_listed.len(), 2);
    assert!(!cards_listed[0].depends_on_answer);
    assert!(cards_listed[1].depends_on_answer);
    assert_eq!(
        cards_listed[1].input,
        Some(json!({"relativeUrl": "/api/v1/users/:id/roles"}))
    );
}

#[test]
fn validation_reports_every_mistake_of_a_file_with_its_place() {
    let cards = Cards::default();
    let text = r#"name: many-mistakes
trigger: { okta_event: { types: [user.lifecycle.create] } }
colour: blue
steps:
  - id: first
    card: test.nope
    input: {}
  - id: first
    card: test.fail
    input: { kind: 3, extra: true }
  - id: third
    if: "steps.later.output.x == 1"
    return: { outcome: x }
  - id: bad_expr
    assign: { a: "1 +" }
  - id: later
    return: { outcome: "y", output: { v: "{{ secrets.token }}" } }
  - id: Two_Kinds
    card: test.echo
    fail: { message: no }
"#;
    let errors = validate("flows/many.yaml", text, &cards).unwrap_err();
    let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
    let expect = [
        "flows/many.yaml:3:1: unknown key \"colour\"",
        "flows/many.yaml:6:11: unknown card \"test.nope\"",
        "flows/many.yaml:8:9: step id \"first\" is already used by step 1",
        "flows/many.yaml:10:23: test.fail takes no input \"extra\"",
        "flows/many.yaml:12:9: steps.later is not a step defined before this one",
        "flows/many.yaml:17:42: \"secrets\" is not in scope",
        "flows/many.yaml:18:9: step id \"Two_Kinds\" must be [a-z0-9_]+",
    ];
    for e in expect {
        assert!(
            shown.iter().any(|s| s.starts_with(e)),
            "missing {e:?} in\n{}",
            shown.join("\n")
        );
    }
    assert!(
        shown
            .iter()
            .any(|s| s.starts_with("flows/many.yaml:10:") && s.contains("not of type")),
        "{shown:#?}"
    );
    assert!(
        shown
            .iter()
            .any(|s| s.starts_with("flows/many.yaml:15:") && s.contains("not an expression")),
        "{shown:#?}"
    );
    assert!(
        shown.iter().any(|s| s.contains("several kinds")),
        "{shown:#?}"
    );
    assert!(errors.len() >= 10, "{shown:#?}");
}

#[test]
fn expressions_that_read_files_or_loop_forever_are_refused_or_stopped() {
    let cards = Cards::default();
    // No template can name a file: there is no loader, and `include` is refused at once.
    let text = r#"
name: hostile
trigger: { manual: {} }
steps:
  - id: read
    return: { outcome: x, output: { f: "{% include '/etc/passwd' %}" } }
"#;
    let errors = validate("hostile.yaml", text, &cards).unwrap_err();
    assert!(errors[0].message.contains("include"), "{errors:?}");
    let endless = r#"
name: endless
trigger: { manual: {} }
steps:
  - id: spin
    return: { outcome: x, output: { s: "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}" } }
"#;
    let flow = self::flow(endless, &cards);
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let (ending, _) = rt.block_on(run_flow(&flow, &cards, &json!({}), &[], 1, false));
    match ending {
        Ending::Failed(e) => assert!(e.message().contains("fuel"), "{}", e.message()),
        other => panic!("the loop was not stopped: {other:?}"),
    }
}
