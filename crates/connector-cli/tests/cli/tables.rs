//! Tables: every action on SQLite and on Postgres (the Postgres half skipped, with a
//! message, without initdb), a CSV round trip and a refused import, `tables.yaml` changes
//! at start, validation of table cards, and the table page in a browser at 1,280 px.

use std::process::{Command, Output};

use connector_core::ErrorKind;
use connector_runtime::tables::{TableOp, parse_tables};
use connector_runtime::{Store, TablesError, TempDb};
use serde_json::{Value, json};

use crate::pg_support::{Postgres, postgres_bin};
use crate::serve_support::TempDir;

const TABLES: &str = "tables:
  temporary-groups:
    columns: { group_name: text, duration_minutes: number, active: boolean }
    key: group_name
  temporary-memberships:
    columns: { user_id: text, group_id: text, expires_at: datetime, extra: json }
";

async fn act(store: &Store, action: &str, input: Value) -> connector_core::Result<Value> {
    store.table_action(&TableOp::parse(action, input)?).await
}

/// Every action on one store, its refusals included.
async fn every_action(store: &Store) {
    let tables = parse_tables("tables.yaml", TABLES).unwrap();
    store.apply_tables(&tables).await.unwrap();
    let g = "temporary-groups";
    let m = "temporary-memberships";

    // create-row: the row with its system fields; a missing column is null.
    let admins = act(
        store,
        "create-row",
        json!({"table": g, "row": {"group_name": "admins", "duration_minutes": 30}}),
    )
    .await
    .unwrap();
    assert_eq!(admins["group_name"], "admins");
    assert_eq!(admins["duration_minutes"], 30);
    assert_eq!(admins["active"], Value::Null);
    let id = admins["_id"].as_str().unwrap().to_owned();
    assert_eq!(admins["_createdAt"], admins["_updatedAt"]);

    // conflict on a duplicate key; invalid_input naming column and type; unknown column.
    let dup = act(
        store,
        "create-row",
        json!({"table": g, "row": {"group_name": "admins"}}),
    )
    .await
    .unwrap_err();
    assert_eq!(dup.kind(), ErrorKind::Conflict, "{dup}");
    assert!(dup.message().contains("group_name"), "{dup}");
    let wrong = act(
        store,
        "create-row",
        json!({"table": g, "row": {"group_name": "x", "duration_minutes": "ten"}}),
    )
    .await
    .unwrap_err();
    assert_eq!(wrong.kind(), ErrorKind::InvalidInput);
    assert!(
        wrong.message().contains("column duration_minutes") && wrong.message().contains("number"),
        "{wrong}"
    );
    let unknown = act(
        store,
        "create-row",
        json!({"table": g, "row": {"colour": "red"}}),
    )
    .await
    .unwrap_err();
    assert_eq!(unknown.kind(), ErrorKind::InvalidInput);
    assert!(unknown.message().contains("\"colour\""), "{unknown}");
    let no_table = act(store, "read-row", json!({"table": "nope", "id": id}))
        .await
        .unwrap_err();
    assert_eq!(no_table.kind(), ErrorKind::NotFound);

    // read-row, and not_found for an id that is not there.
    let read = act(store, "read-row", json!({"table": g, "id": id}))
        .await
        .unwrap();
    assert_eq!(read, admins);
    let missing = act(store, "read-row", json!({"table": g, "id": "no-such-id"}))
        .await
        .unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound);

    // upsert-row: updates the row with the key, creates another.
    let up = act(
        store,
        "upsert-row",
        json!({"table": g, "row": {"group_name": "admins", "active": true}}),
    )
    .await
    .unwrap();
    assert_eq!(up["created"], false);
    assert_eq!(up["row"]["_id"], id.as_str());
    assert_eq!(
        up["row"]["duration_minutes"], 30,
        "the columns not given stay"
    );
    assert_eq!(up["row"]["active"], true);
    let new = act(
        store,
        "upsert-row",
        json!({"table": g, "row": {"group_name": "ops", "duration_minutes": 5}}),
    )
    .await
    .unwrap();
    assert_eq!(new["created"], true);
    let keyless = act(
        store,
        "upsert-row",
        json!({"table": m, "row": {"user_id": "u"}}),
    )
    .await
    .unwrap_err();
    assert_eq!(keyless.kind(), ErrorKind::InvalidInput);

    // update-row: sets columns; a key taken by another row is a conflict.
    let updated = act(
        store,
        "update-row",
        json!({"table": g, "id": id, "set": {"duration_minutes": 45}}),
    )
    .await
    .unwrap();
    assert_eq!(updated["duration_minutes"], 45);
    assert_eq!(updated["active"], true);
    let taken = act(
        store,
        "update-row",
        json!({"table": g, "id": id, "set": {"group_name": "ops"}}),
    )
    .await
    .unwrap_err();
    assert_eq!(taken.kind(), ErrorKind::Conflict);
    let bad_set = act(
        store,
        "update-row",
        json!({"table": g, "id": id, "set": {"active": "yes"}}),
    )
    .await
    .unwrap_err();
    assert!(
        bad_set.message().contains("column active") && bad_set.message().contains("boolean"),
        "{bad_set}"
    );

    // search-rows: conditions, order, pages, count of every match.
    for i in 0..25 {
        act(
            store,
            "create-row",
            json!({"table": m, "row": {
            "user_id": format!("user{i:02}"), "group_id": if i % 2 == 0 { "even" } else { "odd" },
            "expires_at": format!("2026-12-{:02}T10:00:00+01:00", i + 1), "extra": {"i": i}}}),
        )
        .await
        .unwrap();
    }
    let page = act(
        store,
        "search-rows",
        json!({"table": m, "where": {"group_id": "even"}, "orderBy": "-user_id", "limit": 5}),
    )
    .await
    .unwrap();
    assert_eq!(page["count"], 13);
    assert_eq!(page["rows"].as_array().unwrap().len(), 5);
    assert_eq!(page["rows"][0]["user_id"], "user24");
    assert_eq!(page["rows"][0]["expires_at"], "2026-12-25T09:00:00.000Z");
    assert_eq!(page["rows"][0]["extra"], json!({"i": 24}));
    let next = act(store, "search-rows", json!({"table": m, "where": {"group_id": "even"}, "orderBy": "-user_id", "limit": 5, "cursor": page["nextCursor"]}))
        .await
        .unwrap();
    assert_eq!(next["rows"][0]["user_id"], "user14");
    let ops = act(store, "search-rows", json!({"table": m, "where": {
        "expires_at": {"ge": "2026-12-10T00:00:00Z", "lt": "2026-12-13T00:00:00Z"},
        "user_id": {"in": ["user09", "user10", "user11", "user20"], "contains": "user1", "ne": "user11"}}}))
        .await
        .unwrap();
    let users: Vec<&str> = ops["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["user_id"].as_str().unwrap())
        .collect();
    assert_eq!(users, ["user10"]);
    // `not_in`: as `ne` against each value listed.
    let odd = act(
        store,
        "search-rows",
        json!({"table": m, "where": {"group_id": "odd"}}),
    )
    .await
    .unwrap();
    let not_in = act(
        store,
        "search-rows",
        json!({"table": m, "where": {
        "group_id": "odd", "user_id": {"not_in": ["user01", "user03", "nobody"]}}}),
    )
    .await
    .unwrap();
    assert_eq!(
        not_in["count"].as_u64().unwrap(),
        odd["count"].as_u64().unwrap() - 2
    );
    assert!(
        not_in["rows"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["user_id"] != "user01" && r["user_id"] != "user03")
    );
    let nulls = act(
        store,
        "search-rows",
        json!({"table": g, "where": {"active": null}}),
    )
    .await
    .unwrap();
    assert_eq!(nulls["count"], 1);
    // `not_in` and rows without a value: they differ from every value listed, match a
    // listed `null` only by not being kept, and an empty list keeps every row.
    let count = |where_: Value| async move {
        act(store, "search-rows", json!({"table": g, "where": where_}))
            .await
            .unwrap()["count"]
            .as_u64()
            .unwrap()
    };
    let all = count(json!({})).await;
    let active = count(json!({"active": true})).await;
    assert_eq!(
        count(json!({"active": {"not_in": [true]}})).await,
        all - active
    );
    assert_eq!(count(json!({"active": {"not_in": [null]}})).await, all - 1);
    assert_eq!(
        count(json!({"active": {"not_in": [true, null]}})).await,
        all - active - 1
    );
    assert_eq!(count(json!({"active": {"not_in": []}})).await, all);
    let json_where = act(
        store,
        "search-rows",
        json!({"table": m, "where": {"extra": 1}}),
    )
    .await
    .unwrap_err();
    assert_eq!(json_where.kind(), ErrorKind::InvalidInput);
    let bad_op = act(
        store,
        "search-rows",
        json!({"table": m, "where": {"user_id": {"like": "x"}}}),
    )
    .await
    .unwrap_err();
    assert!(bad_op.message().contains("unknown operator"), "{bad_op}");
    let too_many = act(store, "search-rows", json!({"table": m, "limit": 10_001}))
        .await
        .unwrap_err();
    assert_eq!(too_many.kind(), ErrorKind::InvalidInput);

    // delete-rows by id and by where; clear-table.
    let by_id = act(store, "delete-rows", json!({"table": g, "id": id}))
        .await
        .unwrap();
    assert_eq!(by_id, json!({"deleted": 1}));
    let by_where = act(
        store,
        "delete-rows",
        json!({"table": m, "where": {"group_id": "odd"}}),
    )
    .await
    .unwrap();
    assert_eq!(by_where, json!({"deleted": 12}));
    let everything = act(store, "delete-rows", json!({"table": m, "where": {}}))
        .await
        .unwrap_err();
    assert_eq!(everything.kind(), ErrorKind::InvalidInput);
    let cleared = act(store, "clear-table", json!({"table": m}))
        .await
        .unwrap();
    assert_eq!(cleared, json!({"deleted": 13}));
    let left = act(store, "search-rows", json!({"table": m}))
        .await
        .unwrap();
    assert_eq!(left["count"], 0);
    assert_eq!(left["nextCursor"], Value::Null);

    // A dry run answers what it would do and changes nothing.
    let dry = store
        .table_action_dry(&TableOp::parse("clear-table", json!({"table": g})).unwrap())
        .await
        .unwrap();
    assert_eq!(dry, json!({"deleted": 1}));
    let still = act(store, "search-rows", json!({"table": g}))
        .await
        .unwrap();
    assert_eq!(still["count"], 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn every_table_action_on_sqlite_with_conflicts_and_invalid_inputs() {
    let db = TempDb::new();
    every_action(&Store::open(&db.url()).await.unwrap()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn every_table_action_on_postgres_with_conflicts_and_invalid_inputs() {
    let Some(bin) = postgres_bin() else {
        eprintln!(
            "SKIPPED: no initdb/pg_ctl (install the Debian package postgresql, or set PG_BIN)"
        );
        return;
    };
    let postgres = Postgres::start(bin);
    let store = Store::open(&postgres.url()).await.unwrap();
    every_action(&store).await;
    // The migrations still make the same tables on both backends (the tables' own are
    // kept apart, under `_tbl_`).
    let db = TempDb::new();
    let lite = Store::open(&db.url()).await.unwrap();
    lite.apply_tables(&parse_tables("t.yaml", TABLES).unwrap())
        .await
        .unwrap();
    assert_eq!(store.schema().await.unwrap(), lite.schema().await.unwrap());
}

fn connector(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_connector"))
        .args(args)
        .env_remove("CONNECTOR_STORE")
        .output()
        .unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "status {:?}\nstdout {}\nstderr {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

const FILL: &str = "name: fill
trigger: { manual: {} }
steps:
  - id: rows
    for_each: \"event.rows\"
    as: r
    card: table.create-row
    input: { table: temporary-memberships, row: \"{{ r }}\" }
";

#[tokio::test(flavor = "multi_thread")]
async fn a_csv_export_imports_into_an_empty_table_as_equal_rows_and_a_bad_import_changes_nothing() {
    let dir = TempDir::new("tables-csv");
    std::fs::write(dir.path().join("tables.yaml"), TABLES).unwrap();
    std::fs::write(dir.path().join("fill.yaml"), FILL).unwrap();
    let store = format!("sqlite://{}", dir.path().join("s.db").display());
    let rows = json!({"rows": [
        {"user_id": "ann", "group_id": "a,b \"quoted\"", "expires_at": "2026-12-01T10:00:00Z", "extra": {"k": [1, 2.5]}},
        {"user_id": "", "group_id": null, "expires_at": null, "extra": "text"},
        {"user_id": "line\nbreak", "group_id": " padded ", "extra": null},
    ]});
    let fill = dir.path().join("fill.yaml");
    let out = connector(&[
        "flow",
        "run",
        fill.to_str().unwrap(),
        "--store",
        &store,
        "--event",
        &rows.to_string(),
    ]);
    assert!(out.status.success(), "{}", text(&out));

    let out = connector(&[
        "table",
        "export",
        "temporary-memberships",
        "--store",
        &store,
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let csv = String::from_utf8(out.stdout).unwrap();
    assert!(
        csv.starts_with("user_id,group_id,expires_at,extra,_id,_createdAt,_updatedAt\n"),
        "{csv}"
    );
    let exported = connector(&[
        "table",
        "export",
        "temporary-memberships",
        "--format",
        "json",
        "--store",
        &store,
    ]);
    let before: Value = serde_json::from_slice(&exported.stdout).unwrap();

    // Into an empty table of another store: the same rows (their columns).
    let other = dir.path().join("other");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("tables.yaml"), TABLES).unwrap();
    std::fs::write(other.join("fill.yaml"), FILL).unwrap();
    let other_store = format!("sqlite://{}", other.join("s.db").display());
    let out = connector(&[
        "flow",
        "run",
        other.join("fill.yaml").to_str().unwrap(),
        "--store",
        &other_store,
        "--event",
        "{\"rows\":[]}",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let file = dir.path().join("export.csv");
    std::fs::write(&file, &csv).unwrap();
    let out = connector(&[
        "table",
        "import",
        "temporary-memberships",
        file.to_str().unwrap(),
        "--store",
        &other_store,
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let after: Value = serde_json::from_slice(
        &connector(&[
            "table",
            "export",
            "temporary-memberships",
            "--format",
            "json",
            "--store",
            &other_store,
        ])
        .stdout,
    )
    .unwrap();
    let columns = |v: &Value| -> Vec<Value> {
        v["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                let mut r = r.clone();
                for f in ["_id", "_createdAt", "_updatedAt"] {
                    r.as_object_mut().unwrap().remove(f);
                }
                r
            })
            .collect()
    };
    assert_eq!(columns(&before).len(), 3);
    assert_eq!(columns(&before), columns(&after));
    assert_eq!(
        columns(&after)[1]["user_id"],
        "",
        "a quoted empty field is an empty text"
    );
    assert_eq!(
        columns(&after)[1]["group_id"],
        Value::Null,
        "an empty field is null"
    );

    // A bad value on line 3: nothing imported, the line and column named, exit 2.
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "user_id,expires_at\nzed,2026-12-01T10:00:00Z\nyan,next tuesday\n",
    )
    .unwrap();
    let out = connector(&[
        "table",
        "import",
        "temporary-memberships",
        bad.to_str().unwrap(),
        "--store",
        &other_store,
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.csv:3")
            && err.contains("expires_at")
            && err.contains("nothing was imported"),
        "{err}"
    );
    // A duplicate key on line 3 of a keyed table: nothing imported either.
    let dup = dir.path().join("dup.csv");
    std::fs::write(&dup, "group_name,duration_minutes\nops,5\nops,6\n").unwrap();
    let out = connector(&[
        "table",
        "import",
        "temporary-groups",
        dup.to_str().unwrap(),
        "--store",
        &other_store,
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("dup.csv:3"),
        "{}",
        text(&out)
    );
    let list = connector(&["table", "list", "--json", "--store", &other_store]);
    let list: Value = serde_json::from_slice(&list.stdout).unwrap();
    let counts: Vec<(String, u64)> = list["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["name"].as_str().unwrap().to_owned(),
                t["rowCount"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        counts,
        [
            ("temporary-groups".to_owned(), 0),
            ("temporary-memberships".to_owned(), 3)
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn tables_yaml_additions_are_applied_and_changes_that_lose_rows_refused_at_start() {
    let dir = TempDir::new("tables-change");
    std::fs::write(dir.path().join("tables.yaml"), TABLES).unwrap();
    std::fs::write(dir.path().join("fill.yaml"), FILL).unwrap();
    let store = format!("sqlite://{}", dir.path().join("s.db").display());
    let fill = dir.path().join("fill.yaml");
    let run = |event: &str| {
        connector(&[
            "flow",
            "run",
            fill.to_str().unwrap(),
            "--store",
            &store,
            "--event",
            event,
        ])
    };
    let out = run("{\"rows\":[{\"user_id\":\"u1\"}]}");
    assert!(out.status.success(), "{}", text(&out));

    // Added: a column and a table.
    let added = TABLES.replace("extra: json }", "extra: json, note: text }")
        + "  audit:\n    columns: { what: text }\n";
    std::fs::write(dir.path().join("tables.yaml"), &added).unwrap();
    let out = run("{\"rows\":[{\"user_id\":\"u2\",\"note\":\"new column\"}]}");
    assert!(out.status.success(), "{}", text(&out));

    // Removed and retyped columns of a table with rows, a table with rows removed: refused,
    // each named, exit 2, nothing applied.
    let losing = "tables:\n  temporary-memberships:\n    columns: { user_id: number, group_id: text, expires_at: datetime }\n  audit:\n    columns: { what: text }\n";
    std::fs::write(dir.path().join("tables.yaml"), losing).unwrap();
    let out = run("{\"rows\":[]}");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("table temporary-memberships: column user_id is retyped from text to number"),
        "{err}"
    );
    assert!(
        err.contains("table temporary-memberships: column extra is removed"),
        "{err}"
    );
    assert!(
        err.contains("table temporary-memberships: column note is removed"),
        "{err}"
    );
    // An empty table may go: only the tables with rows are named.
    assert!(!err.contains("temporary-groups"), "{err}");
    let db = Store::open(&store).await.unwrap();
    let kept = db.table("temporary-memberships").await.unwrap().unwrap();
    assert!(kept.column("note").is_some(), "nothing applied");

    // The same refusal from `serve`, at start.
    let out = Command::new(env!("CARGO_BIN_EXE_connector"))
        .args([
            "serve",
            "--flows",
            dir.path().to_str().unwrap(),
            "--store",
            &store,
            "--listen",
            "127.0.0.1:0",
            "--admin-listen",
            "127.0.0.1:0",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("column user_id is retyped"),
        "{}",
        text(&out)
    );

    // Removing a column from an empty table is applied (the table is made again).
    let applied = db
        .apply_tables(
            &parse_tables("t.yaml", "tables:\n  audit:\n    columns: { who: text }\n").unwrap(),
        )
        .await;
    assert!(
        matches!(applied, Err(TablesError::Refused(ref why)) if why.len() == 1 && why[0].contains("table temporary-memberships is removed")),
        "{applied:?}"
    );
}

#[test]
fn validation_names_an_unknown_table_an_unknown_column_and_a_literal_of_the_wrong_type() {
    let dir = TempDir::new("tables-validate");
    std::fs::write(dir.path().join("tables.yaml"), TABLES).unwrap();
    let flow = "name: bad
trigger: { manual: {} }
steps:
  - id: a
    card: table.create-row
    input: { table: temporary-group, row: { group_name: x } }
  - id: b
    card: table.create-row
    input:
      table: temporary-groups
      row:
        group_name: x
        colour: red
        duration_minutes: ten
  - id: c
    card: table.update-row
    input: { table: temporary-memberships, id: \"{{ steps.a.output._id }}\", set: { expires_at: tomorrow, user_id: \"{{ run.id }}\" } }
";
    std::fs::write(dir.path().join("bad.yaml"), flow).unwrap();
    let out = connector(&["flow", "validate", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.yaml:6:21: table.create-row input")
            && err.contains("\"temporary-group\""),
        "{err}"
    );
    assert!(
        err.contains("bad.yaml:13:9: table.create-row input /row has no field \"colour\""),
        "{err}"
    );
    assert!(
        err.contains("bad.yaml:14:27: table.create-row input"),
        "{err}"
    );
    assert!(
        err.contains("bad.yaml:17:95: table.update-row input"),
        "{err}"
    );
    assert!(err.contains("4 errors"), "{err}");

    // A mistake in tables.yaml is reported with the flows', at its place.
    std::fs::write(
        dir.path().join("tables.yaml"),
        "tables:\n  t:\n    columns: { a: texts }\n",
    )
    .unwrap();
    std::fs::remove_file(dir.path().join("bad.yaml")).unwrap();
    let out = connector(&["flow", "validate", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("tables.yaml:3:19: column a of table t"),
        "{}",
        text(&out)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_table_pages_answer_json_and_html_and_the_rows_page_fits_1280_px_in_a_browser() {
    let dir = TempDir::new("tables-pages");
    std::fs::write(dir.path().join("tables.yaml"), TABLES).unwrap();
    std::fs::write(dir.path().join("fill.yaml"), FILL).unwrap();
    let store = format!("sqlite://{}", dir.path().join("s.db").display());
    let rows: Vec<Value> = (0..60)
        .map(|i| json!({"user_id": format!("00u{i:04}aaaabbbbccccdddd"), "group_id": "00g-temporary-admins", "expires_at": "2026-12-01T10:00:00Z", "extra": {"reason": "incident 4711", "apiToken": "s3cret-in-a-row", "approvedBy": "ada@example.com"}}))
        .collect();
    let fill = dir.path().join("fill.yaml");
    let out = connector(&[
        "flow",
        "run",
        fill.to_str().unwrap(),
        "--store",
        &store,
        "--event",
        &json!({"rows": rows}).to_string(),
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let folder = dir.path().to_str().unwrap().to_owned();
    let serve = crate::serve_support::ServeSpec {
        org_url: "http://127.0.0.1:9".to_owned(),
        token: "unused".to_owned(),
        store: store.clone(),
        args: vec!["--flows", &folder],
        admin_listen: "127.0.0.1:0".to_owned(),
        env: Vec::new(),
        without: Vec::new(),
        under: Vec::new(),
    }
    .start();
    let client = reqwest::Client::new();
    let get = |path: String| {
        let client = client.clone();
        async move {
            client
                .get(path)
                .header("accept", "application/json")
                .send()
                .await
                .unwrap()
        }
    };
    let list: Value = get(format!("{}/tables", serve.admin))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["tables"][1]["name"], "temporary-memberships");
    assert_eq!(list["tables"][1]["rowCount"], 60);
    assert_eq!(list["tables"][1]["columns"]["expires_at"], "datetime");
    let page: Value = get(format!(
        "{}/tables/temporary-memberships?limit=25",
        serve.admin
    ))
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(page["rows"].as_array().unwrap().len(), 25);
    assert_eq!(
        page["rows"][0]["extra"]["apiToken"], "****",
        "rows are masked as outputs are"
    );
    let next: Value = get(format!(
        "{}/tables/temporary-memberships?limit=25&cursor={}",
        serve.admin,
        page["nextCursor"].as_str().unwrap()
    ))
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(next["rows"][0]["user_id"], "00u0025aaaabbbbccccdddd");
    assert_eq!(
        get(format!("{}/tables/nope", serve.admin)).await.status(),
        404
    );
    let html = client
        .get(format!("{}/tables/temporary-memberships", serve.admin))
        .send()
        .await
        .unwrap();
    assert!(
        html.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = html.text().await.unwrap();
    assert!(
        html.contains("00u0001aaaabbbbccccdddd") && !html.contains("s3cret-in-a-row"),
        "{html}"
    );

    let Some(chromium) = crate::browser_support::chromium() else {
        eprintln!(
            "SKIPPED: no chromium on PATH (install the Debian package chromium, or set CHROMIUM)"
        );
        return;
    };
    let mut browser = crate::browser_support::Browser::start(&chromium).await;
    for (name, path) in [
        ("tables", "/tables"),
        ("table", "/tables/temporary-memberships"),
    ] {
        browser.open(&format!("{}{path}", serve.admin)).await;
        let png = browser.screenshot_at_1280().await;
        assert!(png.starts_with(b"\x89PNG"), "no screenshot of {path}");
        let shot = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("tables-{name}.png"));
        std::fs::write(&shot, &png).unwrap();
        let wide = browser.eval("document.documentElement.scrollWidth").await;
        assert!(
            wide.as_u64().is_some_and(|w| w <= 1280),
            "{path} is {wide} px wide"
        );
    }
    let shown = browser
        .eval("document.querySelectorAll('#rows tbody tr').length")
        .await;
    assert_eq!(shown, 50);
}
