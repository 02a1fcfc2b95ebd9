//! Two `connector serve` replicas on one real Postgres (started here with initdb and
//! pg_ctl on a free loopback port in a temporary folder): 1,000 events delivered
//! alternately to both, one replica SIGKILLed halfway; every event ends with exactly one
//! finished run, and role calls beyond one per user are re-executions that end
//! `alreadyAssigned`. Skipped, with a message, when the Postgres binaries are absent.

use crate::pg_support::{Postgres, postgres_bin};
use crate::serve_support;

use std::collections::HashMap;
use std::time::Duration;

use connector_runtime::Store;
use serve_support::{ServeSpec, all_runs, deliver, eventually, roomy_sandbox, support_users};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_replicas_on_one_postgres_one_killed_halfway_run_every_event_exactly_once() {
    let Some(bin) = postgres_bin() else {
        eprintln!(
            "SKIPPED: no initdb/pg_ctl (install the Debian package postgresql, or set PG_BIN)"
        );
        return;
    };
    let postgres = Postgres::start(bin);
    let sandbox = roomy_sandbox().await;
    sandbox.okta().set_latency(Duration::from_millis(2));
    let users = support_users(&sandbox, "replica", 1_000);
    let spec = ServeSpec::new(&sandbox, &postgres.url()).args(&["--lease", "1s"]);
    let mut first = spec.start();
    let second = spec.start();
    let client = reqwest::Client::new();
    let events: Vec<(String, String)> = users
        .iter()
        .enumerate()
        .map(|(i, u)| (format!("evt-replica-{i}"), u.clone()))
        .collect();
    for (n, pair) in events.chunks(2).enumerate() {
        if n == 250 {
            // Halfway: the first replica dies with runs in flight.
            first.kill();
        }
        let mut sends = Vec::new();
        for (i, event) in pair.iter().enumerate() {
            let hook = if i == 0 && n < 250 {
                first.hook.clone()
            } else {
                second.hook.clone()
            };
            let client = client.clone();
            let event = event.clone();
            sends.push(tokio::spawn(async move {
                deliver(&client, &hook, &[event]).await.0
            }));
        }
        for send in sends {
            assert_eq!(send.await.unwrap(), 200);
        }
    }
    let store = Store::open(&postgres.url()).await.unwrap();
    let done = eventually(Duration::from_secs(45), || async {
        all_runs(&store)
            .await
            .iter()
            .filter(|r| r.state == connector_runtime::RunState::Finished)
            .count()
            == 1_000
    })
    .await;
    assert!(done, "not every run finished:\n{}", second.log());
    let runs = all_runs(&store).await;
    let mut per_event: HashMap<&str, usize> = HashMap::new();
    for run in &runs {
        *per_event.entry(run.event_id.as_str()).or_default() += 1;
    }
    assert_eq!(per_event.len(), 1_000);
    assert!(per_event.values().all(|&n| n == 1), "one run per event");
    let already: Vec<_> = runs
        .iter()
        .filter(|r| r.outcome.as_deref() == Some("alreadyAssigned"))
        .collect();
    assert_eq!(
        runs.iter()
            .filter(|r| r.outcome.as_deref() == Some("assigned"))
            .count()
            + already.len(),
        1_000
    );
    // Every alreadyAssigned is a re-execution of a run the killed replica had started.
    assert!(already.iter().all(|r| r.tries >= 2), "{already:#?}");
    // Role calls beyond one per user come only from runs executed again after the kill:
    // those that had assigned already end alreadyAssigned; a call the killed replica had in
    // flight may also have died with it before taking effect (counted, never acted on).
    let role_calls = sandbox.okta().stats().buckets["roles"].requests;
    let re_executed = runs.iter().filter(|r| r.tries >= 2).count() as u64;
    assert!(
        role_calls >= 1_000 + already.len() as u64,
        "{role_calls} role calls"
    );
    assert!(
        role_calls - 1_000 <= re_executed,
        "{role_calls} role calls, {re_executed} runs executed again"
    );
    for user in &users {
        assert_eq!(
            sandbox.okta().user_role_types(user),
            Some(vec!["HELP_DESK_ADMIN".to_owned()])
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sqlite_and_postgres_migrations_make_the_same_tables_columns_and_indexes() {
    let Some(bin) = postgres_bin() else {
        eprintln!(
            "SKIPPED: no initdb/pg_ctl (install the Debian package postgresql, or set PG_BIN)"
        );
        return;
    };
    let postgres = Postgres::start(bin);
    let on_postgres = Store::open(&postgres.url()).await.unwrap();
    let db = connector_runtime::TempDb::new();
    let on_sqlite = Store::open(&db.url()).await.unwrap();
    let (pg, lite) = (
        on_postgres.schema().await.unwrap(),
        on_sqlite.schema().await.unwrap(),
    );
    assert!(
        lite.iter()
            .any(|(t, c)| t == "steps" && c.contains(&"record".to_owned())),
        "{lite:?}"
    );
    assert_eq!(pg, lite);
    let (pg, lite) = (
        on_postgres.indexes().await.unwrap(),
        on_sqlite.indexes().await.unwrap(),
    );
    assert!(lite.contains(&"runs.runs_ended".to_owned()), "{lite:?}");
    assert_eq!(pg, lite, "the same indexes on both backends");
}
