//! Tables: a key lookup and a one-column `where` on a 100,000-row table (p50 of 2,000
//! each), and `create-row` steps per second through the engine (a `for_each` of
//! `create-row` cards, each item's row committed with its step), on SQLite and, when
//! `BENCH_POSTGRES_URL` names a server, on Postgres.

use std::sync::Arc;
use std::time::{Duration, Instant};

use connector_core::secrecy::SecretString;
use connector_runtime::flows::{Catalog, validate};
use connector_runtime::tables::{TableOp, parse_tables};
use connector_runtime::{Flows, RuntimeConfig, Service, Store, TempDb};
use serde_json::{Map, Value, json};

use crate::measure::Samples;
use crate::report::Summary;

/// Rows in the searched table.
const ROWS: usize = 100_000;

/// Distinct values of the filtered column: each `where` matches `ROWS / TAGS` rows.
const TAGS: usize = 10_000;

/// Lookups of each kind timed.
const LOOKUPS: usize = 2_000;

const TABLES: &str =
    "tables:\n  items:\n    columns: { k: text, tag: text, n: number }\n    key: k\n";

const FILL: &str = "name: fill\ntrigger: { manual: {} }\nsteps:\n  - id: rows\n    for_each: \"range(event.n)\"\n    as: i\n    card: table.create-row\n    input: { table: items, row: { k: \"step-{{ run.id }}-{{ i }}\", tag: t, n: \"{{ i }}\" } }\n";

async fn lookups(store: &Store, make: impl Fn(usize) -> Value) -> Result<f64, String> {
    let mut samples = Samples::default();
    for i in 0..LOOKUPS {
        let op = TableOp::parse("search-rows", make(i)).map_err(|e| e.to_string())?;
        let t = Instant::now();
        let found = store.table_action(&op).await.map_err(|e| e.to_string())?;
        samples.push(t.elapsed());
        if found["count"].as_u64().unwrap_or(0) == 0 {
            return Err(format!("lookup {i} found nothing"));
        }
    }
    Ok((samples.quantile_ms(0.5) * 1000.0).round() / 1000.0)
}

async fn one_backend(
    store: Store,
    steps: usize,
    prefix: &str,
    summary: &mut Summary,
) -> Result<(), String> {
    let tables = parse_tables("tables.yaml", TABLES).map_err(|e| format!("{e:?}"))?;
    store
        .apply_tables(&tables)
        .await
        .map_err(|e| e.to_string())?;
    let rows: Vec<(usize, Map<String, Value>)> = (0..ROWS)
        .map(|i| {
            let row = json!({"k": format!("key-{i}"), "tag": format!("tag-{}", i % TAGS), "n": i});
            (i + 2, row.as_object().cloned().unwrap_or_default())
        })
        .collect();
    store
        .import_rows("items", rows)
        .await
        .map_err(|e| e.message)?;
    let spread = |i: usize| (i * 7919) % ROWS;
    let key = lookups(
        &store,
        |i| json!({"table": "items", "where": {"k": format!("key-{}", spread(i))}}),
    )
    .await?;
    let tag = lookups(
        &store,
        |i| json!({"table": "items", "where": {"tag": format!("tag-{}", spread(i) % TAGS)}}),
    )
    .await?;
    summary.set(&format!("{prefix}_key_lookup_p50_ms"), key);
    summary.set(&format!("{prefix}_where_p50_ms"), tag);

    // create-row steps through the engine: one run, a for_each of `steps` items.
    let cards: Arc<dyn Catalog> = Arc::new(
        connector_runtime::cards::Cards::new(
            connector_cli::registry(),
            connector_core::Env::default(),
        )
        .with_tables(tables),
    );
    let flow = validate("fill.yaml", FILL, cards.as_ref()).map_err(|e| format!("{e:?}"))?;
    let mut config = RuntimeConfig::new(SecretString::from("bench"));
    config.poll = Duration::from_millis(5);
    let service = Service::new(store.clone(), Flows::new(cards).with(flow.clone()), config);
    let id = store
        .enqueue(&flow, "fill", &json!({"n": steps}), 0)
        .await
        .map_err(|e| e.to_string())?;
    let t = Instant::now();
    if !service.run_now(&id).await {
        return Err("the fill run was not run".into());
    }
    let seconds = t.elapsed().as_secs_f64();
    let run = store
        .run(&id)
        .await
        .map_err(|e| e.to_string())?
        .ok_or("no run")?;
    if run.state.as_str() != "finished" {
        return Err(format!(
            "the fill run ended {:?}: {:?}",
            run.state, run.error
        ));
    }
    summary.set(
        &format!("{prefix}_create_row_steps_per_s"),
        (steps as f64 / seconds).round(),
    );
    store.close().await;
    Ok(())
}

pub(crate) async fn run(steps: usize, summary: &mut Summary) -> Result<(), String> {
    let db = TempDb::new();
    let store = Store::open(&db.url()).await.map_err(|e| e.to_string())?;
    one_backend(store, steps, "tables_sqlite", summary).await?;
    match std::env::var("BENCH_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => {
            let store = Store::open(&url).await.map_err(|e| e.to_string())?;
            one_backend(store, steps, "tables_postgres", summary).await?;
        }
        _ => {
            eprintln!("tables: set BENCH_POSTGRES_URL (an empty database) to measure Postgres too")
        }
    }
    Ok(())
}
