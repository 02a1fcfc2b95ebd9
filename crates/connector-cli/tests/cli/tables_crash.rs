//! Exactly once, with real processes: a `for_each` of 200 `create-row` steps under
//! `connector serve`, SIGKILLed at three different moments and started again each time,
//! leaves exactly 200 rows, none twice. The moments: (1) while the service waits for the
//! store's write lock, which this test holds, between two steps; (2) a moment after the
//! test lets go of that lock, so mid-transaction or mid-commit; (3) at whatever point the
//! service reached when 160 rows are seen, the store never held back.

use std::time::{Duration, Instant};

use connector_runtime::Store;
use connector_runtime::tables::TableOp;
use serde_json::{Value, json};
use sqlx::Connection as _;

use crate::serve_support::{Serve, ServeSpec, TempDir};

const TOKEN: &str = "invoke-token-tables-2f9";

fn spec<'a>(dir: &'a str, store: &str) -> ServeSpec<'a> {
    ServeSpec {
        org_url: "http://127.0.0.1:9".to_owned(),
        token: "unused".to_owned(),
        store: store.to_owned(),
        args: vec!["--flows", dir, "--lease", "3s", "--workers", "1"],
        admin_listen: "127.0.0.1:0".to_owned(),
        env: vec![("CONNECTOR_INVOKE_TOKEN", TOKEN.to_owned())],
        without: Vec::new(),
        under: Vec::new(),
    }
}

async fn count(conn: &mut sqlx::SqliteConnection) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM \"_tbl_items\"")
        .fetch_one(&mut *conn)
        .await
        .unwrap()
}

/// Lets the service go on a step or two at a time (the test takes the store's write lock
/// between its steps) until `target` rows exist; `true` when it got there holding the lock.
async fn step_to(conn: &mut sqlx::SqliteConnection, target: i64, deadline: Instant) -> bool {
    while Instant::now() < deadline {
        // No busy wait of SQLite's own (it backs off for up to tens of milliseconds, time
        // in which the service would run far ahead): the lock is asked for again at once.
        if sqlx::query("BEGIN IMMEDIATE")
            .execute(&mut *conn)
            .await
            .is_err()
        {
            tokio::time::sleep(Duration::from_micros(100)).await;
            continue;
        }
        if count(conn).await >= target {
            return true;
        }
        sqlx::query("ROLLBACK").execute(&mut *conn).await.unwrap();
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    false
}

#[tokio::test(flavor = "multi_thread")]
async fn a_for_each_of_200_create_rows_killed_three_times_leaves_exactly_200_rows() {
    let dir = TempDir::new("tables-crash");
    std::fs::write(
        dir.path().join("tables.yaml"),
        "tables:\n  items:\n    columns: { n: number }\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("fill.yaml"),
        "name: fill\ntrigger: { http: {} }\nsteps:\n  - id: rows\n    for_each: \"range(200)\"\n    as: n\n    card: table.create-row\n    input: { table: items, row: { n: \"{{ n }}\" } }\n  - id: done\n    return: { outcome: filled }\n",
    )
    .unwrap();
    let folder = dir.path().to_str().unwrap().to_owned();
    let file = dir.path().join("s.db");
    let store = format!("sqlite://{}", file.display());
    let deadline = Instant::now() + Duration::from_secs(120);

    let mut serve: Serve = spec(&folder, &store).start();
    let mut conn = sqlx::SqliteConnection::connect(&format!("{store}?mode=rw"))
        .await
        .unwrap();
    sqlx::query("PRAGMA busy_timeout = 0")
        .execute(&mut conn)
        .await
        .unwrap();
    let client = reqwest::Client::new();
    let started: Value = client
        .post(format!("http://{}/flows/fill/runs", serve.hook_addr()))
        .bearer_auth(TOKEN)
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let run_id = started["runId"]
        .as_str()
        .unwrap_or_else(|| panic!("{started}\n{}", serve.log()))
        .to_owned();

    // (1) Killed while it waits for the lock the test holds, after 40 rows.
    assert!(
        step_to(&mut conn, 40, deadline).await,
        "the run did not reach 40 rows"
    );
    serve.kill();
    let at_kill = count(&mut conn).await;
    sqlx::query("ROLLBACK").execute(&mut conn).await.unwrap();
    serve = spec(&folder, &store).start();

    // (2) Killed just after the lock is let go: inside a step's transaction or its commit.
    assert!(
        step_to(&mut conn, 100, deadline).await,
        "the run did not reach 100 rows"
    );
    // At once: an optimised build writes tens of rows a millisecond once the lock is gone.
    sqlx::query("ROLLBACK").execute(&mut conn).await.unwrap();
    serve.kill();
    let second = count(&mut conn).await;
    serve = spec(&folder, &store).start();

    // (3) Killed wherever it is once the new start has gone on by 20 rows (reads never
    // block it).
    while count(&mut conn).await < second + 20 {
        assert!(
            Instant::now() < deadline,
            "the run did not go on after its second start"
        );
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    serve.kill();
    let third = count(&mut conn).await;
    serve = spec(&folder, &store).start();
    assert!(
        at_kill < 100 && second < 200 && third < 200,
        "each kill came mid-run: at {at_kill}, {second} and {third} rows"
    );

    // The last start finishes the run.
    let db = Store::open(&store).await.unwrap();
    loop {
        let run = db.run(&run_id).await.unwrap().unwrap();
        if run.state.as_str() == "finished" {
            assert_eq!(run.outcome.as_deref(), Some("filled"));
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the run did not finish: {:?}\n{}",
            run.state,
            serve.log()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let found = db
        .table_action(
            &TableOp::parse(
                "search-rows",
                json!({"table": "items", "orderBy": "n", "limit": 10_000}),
            )
            .unwrap(),
        )
        .await
        .unwrap();
    let numbers: Vec<i64> = found["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["n"].as_i64().unwrap())
        .collect();
    assert_eq!(found["count"], 200, "rows: {numbers:?}");
    assert_eq!(
        numbers,
        (0..200).collect::<Vec<_>>(),
        "each item's row exactly once"
    );
    // Each item's step was committed once, with its row as its output.
    let steps = db.steps(&run_id).await.unwrap();
    let mut items: Vec<usize> = steps
        .iter()
        .filter(|s| s.id == "rows")
        .filter_map(|s| s.item)
        .collect();
    items.sort_unstable();
    assert_eq!(items, (0..200).collect::<Vec<_>>());
    let tries = db.run(&run_id).await.unwrap().unwrap().tries;
    assert!(
        tries >= 4,
        "three kills make at least four tries ({tries}); kills at {at_kill}, {second}, {third} rows"
    );
    drop(serve);
}
