//! Durable time and signals through the store, on an injected clock (never a real sleep):
//! a wait parks the run and the store's claim wakes it once after its time; a signal moves
//! a parked run once per Idempotency-Key; a signal's timeout is an outcome through
//! `on_error` or a dead letter, never a retry; cancel and disabled flows.

use std::sync::Arc;
use std::time::Duration;

use connector_core::clock::ManualClock;
use connector_core::secrecy::SecretString;
use connector_runtime::flows::{Catalog, StepStatus};
use connector_runtime::{
    Cancel, Flows, HistoryQuery, Run, RunState, RuntimeConfig, Service, Signalled, Store, TempDb,
};
use serde_json::{Value, json};

use crate::engine::{Cards, flow};

const WAIT_FOR: &str = r#"
name: hold
trigger: { manual: {} }
steps:
  - id: add
    card: test.echo
    input: { op: add, user: "{{ event.user }}" }
  - id: hold
    wait: { for: 30m }
  - id: remove
    card: test.echo
    input: { op: remove, user: "{{ event.user }}" }
  - id: done
    return: { outcome: removed, output: { woke: "{{ steps.hold.output.wokeAt }}" } }
"#;

const WAIT_UNTIL: &str = r#"
name: until
trigger: { manual: {} }
steps:
  - id: ends
    assign: { at: "now() | datetime_add('2h')", started: "now()" }
  - id: hold
    wait: { until: "{{ steps.ends.output.at }}" }
  - id: done
    return: { outcome: done, output: { at: "{{ steps.ends.output.at }}", started: "{{ steps.ends.output.started }}" } }
"#;

const APPROVAL: &str = r#"
name: approval
trigger: { manual: {} }
steps:
  - id: approval
    wait: { signal: approval, timeout: 3d }
    on_error:
      - if: "error.kind == 'timeout'"
        return: { outcome: notApproved, output: { code: "{{ error.code }}" } }
  - id: grant
    card: test.echo
    input: { op: grant, by: "{{ steps.approval.output.by }}" }
  - id: done
    return: { outcome: granted, output: { by: "{{ steps.approval.output.by }}" } }
"#;

const UNHANDLED: &str = r#"
name: unhandled
trigger: { manual: {} }
retry: { backoff: [1s, 1s, 1s] }
steps:
  - id: approval
    wait: { signal: approval, timeout: 1h }
"#;

struct Rig {
    service: Service,
    store: Store,
    clock: ManualClock,
    cards: Arc<Cards>,
    _db: TempDb,
}

async fn rig(texts: &[&str]) -> Rig {
    let db = TempDb::new();
    let store = Store::open(&db.url()).await.unwrap();
    let cards = Arc::new(Cards::default());
    let clock = ManualClock::new();
    let mut config = RuntimeConfig::new(SecretString::from("secret"));
    config.clock = Arc::new(clock.clone());
    let catalog: Arc<dyn Catalog> = cards.clone();
    let mut flows = Flows::new(catalog);
    for text in texts {
        flows = flows.with(flow(text, &cards));
    }
    Rig {
        service: Service::new(store.clone(), flows, config),
        store,
        clock,
        cards,
        _db: db,
    }
}

impl Rig {
    async fn start(&self, name: &str, key: &str, event: Value) -> String {
        let flow = self.service.flows().get(name).unwrap().clone();
        let now = self.service.config().now_ms();
        self.store.enqueue(&flow, key, &event, now).await.unwrap()
    }

    async fn run(&self, id: &str) -> Run {
        self.store.run(id).await.unwrap().unwrap()
    }
}

#[tokio::test]
async fn a_wait_for_parks_the_run_and_the_claim_wakes_it_once_after_its_time() {
    let rig = rig(&[WAIT_FOR]).await;
    let id = rig.start("hold", "k1", json!({"user": "ada"})).await;
    assert_eq!(rig.service.drain(10).await, 1);
    let parked = rig.run(&id).await;
    assert_eq!(parked.state, RunState::Waiting);
    let wake = parked.waiting_for.clone().expect("waitingFor");
    assert!(wake["wakeAt"].is_string(), "{wake}");
    assert_eq!(
        parked.wakes_at_ms().unwrap() - rig.service.config().now_ms(),
        30 * 60 * 1000
    );
    let json = serde_json::to_value(&parked).unwrap();
    assert_eq!(json["waitingFor"], wake);
    assert_eq!(json["state"], "waiting");

    // Not due: nothing is claimed, however often the workers look.
    for _ in 0..3 {
        assert_eq!(rig.service.drain(10).await, 0);
    }
    rig.clock.advance(Duration::from_secs(29 * 60));
    assert_eq!(rig.service.drain(10).await, 0);
    rig.clock.advance(Duration::from_secs(61));
    assert_eq!(rig.service.drain(10).await, 1);
    let done = rig.run(&id).await;
    assert_eq!(done.state, RunState::Finished, "{done:?}");
    assert_eq!(done.outcome.as_deref(), Some("removed"));
    assert_eq!(done.waiting_for, None);
    assert_eq!(done.tries, 2);
    // The card before the wait ran once, the one after once.
    assert_eq!(rig.cards.calls("test.echo").len(), 2);
    let statuses: Vec<(String, StepStatus)> = done
        .steps
        .iter()
        .map(|s| (s.id.clone(), s.status))
        .collect();
    assert_eq!(
        statuses,
        [
            ("add".to_owned(), StepStatus::Succeeded),
            ("hold".to_owned(), StepStatus::Waiting),
            ("hold".to_owned(), StepStatus::Succeeded),
            ("remove".to_owned(), StepStatus::Succeeded),
            ("done".to_owned(), StepStatus::Succeeded),
        ]
    );
    // Nothing runs twice: the run is over.
    rig.clock.advance(Duration::from_secs(3600));
    assert_eq!(rig.service.drain(10).await, 0);
}

#[tokio::test]
async fn wait_until_reads_now_once_and_a_resumed_try_keeps_the_journaled_instant() {
    let rig = rig(&[WAIT_UNTIL]).await;
    let id = rig.start("until", "k1", json!({})).await;
    let started = rig.service.config().now_ms();
    rig.service.drain(10).await;
    let parked = rig.run(&id).await;
    assert_eq!(parked.state, RunState::Waiting);
    assert_eq!(parked.wakes_at_ms(), Some(started + 2 * 3600 * 1000));
    let ends = &parked.steps[0];
    assert_eq!(
        ends.started_at.as_deref(),
        ends.output.as_ref().unwrap()["started"].as_str()
    );
    rig.clock.advance(Duration::from_secs(2 * 3600));
    rig.service.drain(10).await;
    let done = rig.run(&id).await;
    assert_eq!(done.outcome.as_deref(), Some("done"));
    // The output was computed from the journaled instants, not from the later clock.
    assert_eq!(
        done.output.as_ref().unwrap()["started"],
        ends.output.as_ref().unwrap()["started"]
    );
}

#[tokio::test]
async fn a_signal_moves_a_waiting_run_once_per_idempotency_key() {
    let rig = rig(&[APPROVAL]).await;
    let id = rig.start("approval", "k1", json!({})).await;
    rig.service.drain(10).await;
    let parked = rig.run(&id).await;
    assert_eq!(parked.state, RunState::Waiting);
    assert_eq!(parked.waiting_for.as_ref().unwrap()["signal"], "approval");
    assert!(parked.waiting_for.as_ref().unwrap()["until"].is_string());
    let now = rig.service.config().now_ms();

    // Not the signal it waits for; no such run.
    let other = rig
        .store
        .signal(&id, "other", &json!({}), None, now)
        .await
        .unwrap();
    assert!(
        matches!(other, Signalled::NotWaiting { waits_for: Some(ref s), .. } if s == "approval"),
        "{other:?}"
    );
    let missing = rig
        .store
        .signal("run_nope", "approval", &json!({}), None, now)
        .await
        .unwrap();
    assert_eq!(missing, Signalled::NotFound);

    let body = json!({"by": "ann"});
    let first = rig
        .store
        .signal(&id, "approval", &body, Some("key-1"), now)
        .await
        .unwrap();
    assert_eq!(first, Signalled::Accepted);
    let again = rig
        .store
        .signal(&id, "approval", &json!({"by": "bob"}), Some("key-1"), now)
        .await
        .unwrap();
    assert_eq!(
        again,
        Signalled::Repeated {
            name: "approval".into()
        }
    );
    assert_eq!(rig.run(&id).await.state, RunState::Queued);
    assert_eq!(rig.service.drain(10).await, 1);
    let done = rig.run(&id).await;
    assert_eq!(done.outcome.as_deref(), Some("granted"));
    assert_eq!(done.output.as_ref().unwrap()["by"], "ann");
    // Repeated after the run moved on: the same answer, nothing moves.
    let late = rig
        .store
        .signal(&id, "approval", &body, Some("key-1"), now)
        .await
        .unwrap();
    assert_eq!(
        late,
        Signalled::Repeated {
            name: "approval".into()
        }
    );
    // Without the key, a run that has moved on is not waiting.
    let keyless = rig
        .store
        .signal(&id, "approval", &body, None, now)
        .await
        .unwrap();
    assert!(
        matches!(
            keyless,
            Signalled::NotWaiting {
                state: RunState::Finished,
                ..
            }
        ),
        "{keyless:?}"
    );
    assert_eq!(rig.service.drain(10).await, 0);
    assert_eq!(
        rig.cards.calls("test.echo"),
        [json!({"op": "grant", "by": "ann"})]
    );
    let signalled = done
        .steps
        .iter()
        .filter(|s| s.id == "approval" && s.status == StepStatus::Succeeded)
        .count();
    assert_eq!(signalled, 1);
}

#[tokio::test]
async fn a_signal_timeout_is_an_outcome_through_on_error_or_a_dead_letter_never_a_retry() {
    let rig = rig(&[APPROVAL, UNHANDLED]).await;
    let handled = rig.start("approval", "k1", json!({})).await;
    let unhandled = rig.start("unhandled", "k2", json!({})).await;
    assert_eq!(rig.service.drain(10).await, 2);
    rig.clock.advance(Duration::from_secs(3600 + 1));
    assert_eq!(
        rig.service.drain(10).await,
        1,
        "only the 1 h timeout is due"
    );
    let dead = rig.run(&unhandled).await;
    assert_eq!(dead.state, RunState::DeadLettered, "{dead:?}");
    assert_eq!(dead.error.as_ref().unwrap()["kind"], "timeout");
    assert_eq!(dead.error.as_ref().unwrap()["code"], "signal_timeout");
    rig.clock.advance(Duration::from_secs(3 * 86_400));
    assert_eq!(rig.service.drain(10).await, 1);
    let done = rig.run(&handled).await;
    assert_eq!(done.state, RunState::Finished);
    assert_eq!(done.outcome.as_deref(), Some("notApproved"));
    assert_eq!(done.output.as_ref().unwrap()["code"], "signal_timeout");
    assert!(
        rig.cards.calls("test.echo").is_empty(),
        "nothing was granted"
    );
    // A signal after the timeout finds nothing waiting.
    let late = rig
        .store
        .signal(&handled, "approval", &json!({}), None, 0)
        .await
        .unwrap();
    assert!(matches!(late, Signalled::NotWaiting { .. }));
    assert_eq!(rig.service.drain(10).await, 0);
}

#[tokio::test]
async fn cancel_ends_queued_and_waiting_runs_and_refuses_ended_or_unknown_ones() {
    let rig = rig(&[WAIT_FOR]).await;
    let queued = rig.start("hold", "k1", json!({"user": "a"})).await;
    let now = rig.service.config().now_ms();
    assert_eq!(
        rig.store.cancel(&queued, now).await.unwrap(),
        Cancel::Cancelled
    );
    assert_eq!(rig.run(&queued).await.state, RunState::Cancelled);
    assert_eq!(
        rig.service.drain(10).await,
        0,
        "a cancelled run is not claimed"
    );

    let waiting = rig.start("hold", "k2", json!({"user": "b"})).await;
    rig.service.drain(10).await;
    assert_eq!(rig.run(&waiting).await.state, RunState::Waiting);
    assert_eq!(
        rig.store.cancel(&waiting, now).await.unwrap(),
        Cancel::Cancelled
    );
    rig.clock.advance(Duration::from_secs(3600));
    assert_eq!(
        rig.service.drain(10).await,
        0,
        "a cancelled wait never wakes"
    );
    let cancelled = rig.run(&waiting).await;
    assert_eq!(cancelled.state, RunState::Cancelled);
    assert_eq!(cancelled.waiting_for, None);
    assert_eq!(
        rig.store.cancel(&waiting, now).await.unwrap(),
        Cancel::Ended(RunState::Cancelled)
    );
    assert_eq!(
        rig.store.cancel("run_nope", now).await.unwrap(),
        Cancel::NotFound
    );
    // The history filters by the new states.
    let page = rig
        .store
        .history(&HistoryQuery::newest(10).with_state("cancelled"))
        .await
        .unwrap();
    assert_eq!(page.runs.len(), 2);
    // Only the first card of the second run was sent.
    assert_eq!(
        rig.cards.calls("test.echo"),
        [json!({"op": "add", "user": "b"})]
    );
}

/// A card that asks the store to cancel the run it is part of (as `history cancel` from
/// another process would, while the run is running), and one that counts its calls.
struct CancelDuring {
    store: Store,
    after: std::sync::Mutex<u32>,
}

#[async_trait::async_trait]
impl Catalog for CancelDuring {
    fn input_schema(&self, _card: &str) -> Option<Value> {
        Some(json!({"type": "object"}))
    }

    async fn run(
        &self,
        card: &str,
        _: Option<&str>,
        input: Value,
    ) -> connector_core::Result<Value> {
        if card == "test.cancel" {
            let asked = self
                .store
                .cancel(input["run"].as_str().unwrap(), 0)
                .await
                .unwrap();
            return Ok(json!({"asked": format!("{asked:?}")}));
        }
        *self.after.lock().unwrap() += 1;
        Ok(input)
    }
}

#[tokio::test]
async fn a_running_run_asked_to_cancel_stops_at_its_next_step_boundary() {
    let db = TempDb::new();
    let store = Store::open(&db.url()).await.unwrap();
    let cards = Arc::new(CancelDuring {
        store: store.clone(),
        after: Default::default(),
    });
    let text = r#"
name: stops
trigger: { manual: {} }
steps:
  - id: first
    card: test.cancel
    input: { run: "{{ run.id }}" }
  - id: second
    card: test.echo
    input: {}
"#;
    let flow = connector_runtime::flows::validate("stops.yaml", text, cards.as_ref()).unwrap();
    let catalog: Arc<dyn Catalog> = cards.clone();
    let service = Service::new(
        store.clone(),
        Flows::new(catalog).with(flow.clone()),
        RuntimeConfig::new(SecretString::from("s")),
    );
    let id = store.enqueue(&flow, "k", &json!({}), 0).await.unwrap();
    assert!(service.run_now(&id).await);
    let run = store.run(&id).await.unwrap().unwrap();
    assert_eq!(run.state, RunState::Cancelled, "{run:?}");
    assert_eq!(run.steps.len(), 1);
    assert_eq!(run.steps[0].output.as_ref().unwrap()["asked"], "Requested");
    assert_eq!(
        *cards.after.lock().unwrap(),
        0,
        "the step after the boundary never ran"
    );
    assert_eq!(
        store.cancel(&id, 0).await.unwrap(),
        Cancel::Ended(RunState::Cancelled)
    );
}

#[tokio::test]
async fn a_disabled_flow_starts_nothing_until_it_is_enabled() {
    let rig = rig(&[WAIT_FOR]).await;
    let flow = rig.service.flows().get("hold").unwrap().clone();
    rig.store.register_flows(&["hold"], 0).await.unwrap();
    assert!(rig.store.set_enabled("hold", false, 0).await.unwrap());
    assert!(
        !rig.store.set_enabled("nope", false, 0).await.unwrap(),
        "unknown flow"
    );
    assert!(!rig.store.is_enabled("hold").await.unwrap());
    assert_eq!(rig.store.disabled_flows().await.unwrap(), ["hold"]);
    let refused = rig
        .store
        .enqueue_once(&flow, "k1", &json!({}), None, 0)
        .await
        .unwrap();
    assert_eq!(refused, connector_runtime::Enqueued::Disabled);
    assert!(rig.store.enqueue(&flow, "k1", &json!({}), 0).await.is_err());
    assert!(rig.store.set_enabled("hold", true, 0).await.unwrap());
    let started = rig
        .store
        .enqueue_once(&flow, "k1", &json!({}), None, 0)
        .await
        .unwrap();
    assert!(started.is_fresh());
}

const PARKED: &str = r#"
name: parked
trigger: { manual: {} }
steps:
  - id: hold
    wait: { for: 1h }
  - id: done
    return: { outcome: woke }
"#;

const QUICK: &str = r#"
name: quick
trigger: { manual: {} }
steps:
  - id: echo
    card: test.echo
    input: { n: "{{ event.n }}" }
  - id: done
    return: { outcome: done }
"#;

/// Polls `check` every 20 ms for at most `limit`.
async fn within<F, Fut>(limit: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = std::time::Instant::now() + limit;
    while std::time::Instant::now() < deadline {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_waiting_runs_hold_no_worker_a_new_run_starts_and_finishes_while_they_wait() {
    const PARKED_RUNS: usize = 10_000;
    let db = TempDb::new();
    let store = Store::open(&db.url()).await.unwrap();
    let cards = Arc::new(Cards::default());
    let catalog: Arc<dyn Catalog> = cards.clone();
    let (parked, quick) = (flow(PARKED, &cards), flow(QUICK, &cards));
    let mut config = RuntimeConfig::new(SecretString::from("secret"));
    config.workers = 2;
    config.poll = Duration::from_millis(20);
    config.listen = "127.0.0.1:0".parse().unwrap();
    config.admin_listen = "127.0.0.1:0".parse().unwrap();
    let service = Service::new(
        store.clone(),
        Flows::new(catalog).with(parked.clone()).with(quick.clone()),
        config,
    );
    let started = connector_runtime::start(service).await.unwrap();
    let stop = connector_runtime::CancellationToken::new();
    let serving = tokio::spawn(started.serve(stop.clone()));
    let t0 = std::time::Instant::now();
    for i in 0..PARKED_RUNS {
        store
            .enqueue(&parked, &format!("p{i}"), &json!({}), 0)
            .await
            .unwrap();
    }
    let waiting = || async {
        store
            .counts()
            .await
            .unwrap()
            .iter()
            .find(|(state, _)| state == "waiting")
            .map_or(0, |(_, n)| *n as usize)
    };
    let all_parked = within(Duration::from_secs(300), || async {
        waiting().await == PARKED_RUNS
    })
    .await;
    assert!(
        all_parked,
        "only {} of {PARKED_RUNS} runs parked",
        waiting().await
    );
    let parked_in = t0.elapsed();

    // Two workers, 10,000 parked runs: a new run is claimed, run and finished at once.
    let t1 = std::time::Instant::now();
    let id = store
        .enqueue(&quick, "q1", &json!({"n": 1}), 0)
        .await
        .unwrap();
    let finished = within(Duration::from_secs(5), || async {
        store.state_of(&id).await.unwrap() == Some(RunState::Finished)
    })
    .await;
    let took = t1.elapsed();
    assert!(
        finished,
        "the new run did not finish within 5 s while {PARKED_RUNS} runs waited"
    );
    assert_eq!(waiting().await, PARKED_RUNS, "every parked run still waits");
    assert_eq!(cards.calls("test.echo"), [json!({"n": 1})]);
    eprintln!(
        "figures: {PARKED_RUNS} runs queued and parked in {:.1} s (debug build); a new run finished {:.0} ms after it was queued, with 2 workers",
        parked_in.as_secs_f64(),
        took.as_secs_f64() * 1000.0
    );
    stop.cancel();
    let _ = serving.await;
}
