//! The results: flat figures (`target/bench/summary.json`), the table, and the measured
//! section of `docs/performance.md`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::time::SystemTime;

use serde_json::{Map, Value};

use crate::measure::Machine;

/// Every figure of a run, by flat key.
#[derive(Debug, Default)]
pub(crate) struct Summary {
    figures: BTreeMap<String, f64>,
}

impl Summary {
    pub(crate) fn set(&mut self, key: &str, value: f64) {
        self.figures.insert(key.to_owned(), value);
    }

    pub(crate) fn get(&self, key: &str) -> Option<f64> {
        self.figures.get(key).copied()
    }

    /// The figures as one flat JSON object of numbers, keys sorted.
    pub(crate) fn to_json(&self) -> String {
        let map: Map<String, Value> = self
            .figures
            .iter()
            .map(|(k, v)| {
                // Whole figures print as integers; the rest keep 4 significant decimals.
                let value = if v.fract() == 0.0 && v.abs() < 9e15 {
                    Value::from(*v as i64)
                } else {
                    serde_json::Number::from_f64((v * 10_000.0).round() / 10_000.0)
                        .map_or(Value::Null, Value::Number)
                };
                (k.clone(), value)
            })
            .collect();
        let mut text = serde_json::to_string_pretty(&Value::Object(map)).unwrap_or_default();
        text.push('\n');
        text
    }
}

/// A target: the figure it judges and whether the figure meets it.
enum Target {
    AtLeast(f64),
    AtMost(f64),
    Below(f64),
    Zero,
    None,
}

impl Target {
    fn text(&self) -> String {
        match self {
            Target::AtLeast(v) => format!("≥ {v}"),
            Target::AtMost(v) => format!("≤ {v}"),
            Target::Below(v) => format!("< {v}"),
            Target::Zero => "0".to_owned(),
            Target::None => String::new(),
        }
    }

    fn met(&self, value: f64) -> Option<bool> {
        match self {
            Target::AtLeast(v) => Some(value >= *v),
            Target::AtMost(v) => Some(value <= *v),
            Target::Below(v) => Some(value < *v),
            Target::Zero => Some(value == 0.0),
            Target::None => None,
        }
    }
}

/// One line of the table: the project's figure, the baseline's, the target on the former.
struct Row {
    scenario: &'static str,
    metric: &'static str,
    ours: &'static str,
    theirs: Option<&'static str>,
    target: Target,
    decimals: usize,
}

const fn row(
    scenario: &'static str,
    metric: &'static str,
    ours: &'static str,
    theirs: Option<&'static str>,
    target: Target,
    decimals: usize,
) -> Row {
    Row {
        scenario,
        metric,
        ours,
        theirs,
        target,
        decimals,
    }
}

// One row a line reads as the table it makes.
#[rustfmt::skip]
fn rows() -> Vec<Row> {
    use Target::*;
    vec![
        row("overhead", "throughput, calls/s (pipeline vs raw `reqwest`, not decoded)", "overhead_pipeline_rps", Some("overhead_raw_rps"), None, 0),
        row("overhead", "throughput, calls/s (pipeline vs a: `reqwest` + `serde_json`)", "overhead_pipeline_rps", Some("overhead_decode_rps"), None, 0),
        row("overhead", "throughput, calls/s (pipeline vs b: `reqwest-middleware` + `reqwest-retry`)", "overhead_pipeline_rps", Some("overhead_middleware_rps"), None, 0),
        row("overhead", "`overhead_ratio` (pipeline / raw)", "overhead_ratio", Option::None, None, 3),
        row("overhead", "`overhead_ratio_vs_decode` (pipeline / a)", "overhead_ratio_vs_decode", Option::None, AtLeast(0.9), 3),
        row("overhead", "`overhead_ratio_vs_middleware` (pipeline / b)", "overhead_ratio_vs_middleware", Option::None, AtLeast(1.0), 3),
        row("overhead", "latency p50, µs (pipeline vs raw)", "overhead_p50_us", Some("overhead_raw_p50_us"), None, 0),
        row("overhead", "latency p99, µs (pipeline vs raw)", "overhead_p99_us", Some("overhead_raw_p99_us"), None, 0),
        row("overhead", "latency p99, µs (pipeline vs a)", "overhead_p99_us", Some("overhead_decode_p99_us"), None, 0),
        row("overhead", "latency p99, µs (pipeline vs b)", "overhead_p99_us", Some("overhead_middleware_p99_us"), None, 0),
        row("overhead", "CPU per call, µs (pipeline vs raw)", "overhead_cpu_us_per_call", Some("overhead_raw_cpu_us_per_call"), None, 1),
        row("overhead", "CPU per call, µs (pipeline vs a)", "overhead_cpu_us_per_call", Some("overhead_decode_cpu_us_per_call"), None, 1),
        row("overhead", "CPU per call, µs (pipeline vs b)", "overhead_cpu_us_per_call", Some("overhead_middleware_cpu_us_per_call"), None, 1),
        row("okta", "utilization of the bucket", "okta_utilization", Some("okta_baseline_utilization"), AtLeast(0.95), 3),
        row("okta", "429 answers on the wire", "okta_429", Some("okta_baseline_429"), Zero, 0),
        row("okta", "failed actions", "okta_failed", Some("okta_baseline_failed"), Zero, 0),
        row("okta", "latency p50, ms", "okta_p50_ms", Some("okta_baseline_p50_ms"), None, 0),
        row("okta", "latency p99, ms", "okta_p99_ms", Some("okta_baseline_p99_ms"), None, 0),
        row("okta", "fair-queue p99, ms (arrival order at the bucket's rate)", "okta_fair_p99_ms", Option::None, None, 0),
        row("okta", "`okta_p99_over_fair` (p99 / fair-queue p99)", "okta_p99_over_fair", Some("okta_baseline_p99_over_fair"), AtMost(1.5), 2),
        row("boards", "utilization of the complexity budget", "boards_utilization", Some("boards_baseline_utilization"), AtLeast(0.90), 3),
        row("boards", "`COMPLEXITY_BUDGET_EXHAUSTED` answers", "boards_exhausted", Some("boards_baseline_exhausted"), Zero, 0),
        row("boards", "failed actions", "boards_failed", Some("boards_baseline_failed"), Zero, 0),
        row("boards", "latency p99, ms", "boards_p99_ms", Some("boards_baseline_p99_ms"), None, 0),
        row("pagination", "users/s (stream vs Vec)", "pagination_users_per_s", Some("pagination_vec_users_per_s"), None, 0),
        row("pagination", "peak resident memory, MiB (stream vs Vec)", "pagination_stream_peak_mib", Some("pagination_vec_peak_mib"), Below(64.0), 1),
        row("flows", "engine time per step p50, ms (commit + expressions, a card that answers at once)", "flow_step_overhead_p50_ms", Option::None, AtMost(1.0), 3),
        row("flows", "engine time per step p99, ms", "flow_step_overhead_p99_ms", Option::None, None, 3),
        row("flows", "what a `call` step adds to its callee's card, p50, ms", "flow_call_overhead_p50_ms", Option::None, None, 3),
        row("flows", "a `call` step's overhead over a card step's p50", "flow_call_overhead_vs_card_step", Option::None, AtMost(2.0), 2),
        row("flows", "runs/s of a 3-card flow on the sandbox (SQLite)", "flow_runs_per_s", Option::None, AtLeast(300.0), 0),
        row("waits", "wake-ups/s of 10,000 runs parked on 1 s waits (SQLite, 8 workers)", "flow_wait_wakeups_per_s", Option::None, None, 0),
        row("waits", "lateness p99, ms (woke minus wake time)", "flow_wait_lateness_p99_ms", Option::None, None, 0),
        row("waits", "lateness max, ms (every run within 5 s of its time)", "flow_wait_lateness_max_ms", Option::None, AtMost(5000.0), 0),
        row("tables", "key lookup on 100,000 rows, p50 ms (SQLite)", "tables_sqlite_key_lookup_p50_ms", Option::None, AtMost(1.0), 3),
        row("tables", "1-column where on 100,000 rows, p50 ms (SQLite)", "tables_sqlite_where_p50_ms", Option::None, AtMost(1.0), 3),
        row("tables", "create-row steps/s (SQLite)", "tables_sqlite_create_row_steps_per_s", Option::None, AtLeast(1000.0), 0),
        row("tables", "key lookup on 100,000 rows, p50 ms (Postgres)", "tables_postgres_key_lookup_p50_ms", Option::None, None, 3),
        row("tables", "1-column where on 100,000 rows, p50 ms (Postgres)", "tables_postgres_where_p50_ms", Option::None, None, 3),
        row("tables", "create-row steps/s (Postgres)", "tables_postgres_create_row_steps_per_s", Option::None, None, 0),
        row("runtime", "deliveries accepted/s (SQLite, 1 process)", "runtime_sqlite_accepted_per_s", Option::None, None, 0),
        row("runtime", "deliveries accepted/s (Postgres, 1 process)", "runtime_postgres_accepted_per_s", Option::None, None, 0),
        row("runtime", "deliveries accepted/s (Postgres, 2 processes)", "runtime_postgres_2_accepted_per_s", Option::None, None, 0),
        row("runtime", "hook answer p99, ms (SQLite, 1 process)", "runtime_sqlite_ack_p99_ms", Option::None, None, 1),
        row("runtime", "hook answer p99, ms (Postgres, 1 process)", "runtime_postgres_ack_p99_ms", Option::None, None, 1),
        row("runtime", "hook answer p99, ms (Postgres, 2 processes)", "runtime_postgres_2_ack_p99_ms", Option::None, None, 1),
        row("runtime", "3-card runs/s (SQLite, 1 process)", "runtime_sqlite_runs_per_s", Option::None, AtLeast(300.0), 0),
        row("runtime", "3-card runs/s (Postgres, 1 process)", "runtime_postgres_runs_per_s", Option::None, AtLeast(300.0), 0),
        row("runtime", "3-card runs/s (Postgres, 2 processes)", "runtime_postgres_2_runs_per_s", Option::None, None, 0),
        row("runtime", "2 processes over 1 on Postgres (runs/s)", "runtime_postgres_2_over_1", Option::None, AtLeast(1.0), 2),
        row("runtime", "card step p50 / p99, ms (SQLite)", "runtime_sqlite_step_p50_ms", Some("runtime_sqlite_step_p99_ms"), None, 2),
        row("runtime", "card step p50 / p99, ms (Postgres, 1 process)", "runtime_postgres_step_p50_ms", Some("runtime_postgres_step_p99_ms"), None, 2),
        row("runtime", "card step p50 / p99, ms (Postgres, 2 processes)", "runtime_postgres_2_step_p50_ms", Some("runtime_postgres_2_step_p99_ms"), None, 2),
        row("runtime", "claim plans that read every run", "runtime_claim_full_scans", Option::None, Zero, 0),
        row("history", "runs seeded (each store)", "history_seeded_runs", Option::None, None, 0),
        row("history", "seeding, s (SQLite)", "history_sqlite_seed_s", Option::None, None, 1),
        row("history", "seeding, s (Postgres)", "history_postgres_seed_s", Option::None, None, 1),
        row("history", "first page `GET /` p99, ms (SQLite)", "history_sqlite_first_page_p99_ms", Option::None, AtMost(200.0), 1),
        row("history", "first page `GET /` p99, ms (Postgres)", "history_postgres_first_page_p99_ms", Option::None, AtMost(200.0), 1),
        row("history", "first page `GET /history` p99, ms (SQLite)", "history_sqlite_first_page_json_p99_ms", Option::None, AtMost(200.0), 1),
        row("history", "first page `GET /history` p99, ms (Postgres)", "history_postgres_first_page_json_p99_ms", Option::None, AtMost(200.0), 1),
        row("history", "flow + outcome + subject page p99, ms (SQLite)", "history_sqlite_filtered_page_p99_ms", Option::None, AtMost(200.0), 1),
        row("history", "flow + outcome + subject page p99, ms (Postgres)", "history_postgres_filtered_page_p99_ms", Option::None, AtMost(200.0), 1),
        row("history", "run page `GET /runs/{id}` p99, ms (SQLite)", "history_sqlite_run_page_p99_ms", Option::None, AtMost(200.0), 1),
        row("history", "run page `GET /runs/{id}` p99, ms (Postgres)", "history_postgres_run_page_p99_ms", Option::None, AtMost(200.0), 1),
        row("history", "runs deleted by retention (SQLite)", "history_sqlite_retention_deleted", Option::None, None, 0),
        row("history", "runs deleted by retention (Postgres)", "history_postgres_retention_deleted", Option::None, None, 0),
        row("history", "retention's round, s (SQLite)", "history_sqlite_retention_s", Option::None, None, 1),
        row("history", "retention's round, s (Postgres)", "history_postgres_retention_s", Option::None, None, 1),
        row("history", "a run meanwhile, slowest ms (SQLite)", "history_sqlite_retention_run_max_ms", Option::None, Below(1000.0), 0),
        row("history", "a run meanwhile, slowest ms (Postgres)", "history_postgres_retention_run_max_ms", Option::None, Below(1000.0), 0),
        row("history", "retention rounds that failed a delivery or a run (SQLite)", "history_sqlite_retention_failed", Option::None, Zero, 0),
        row("history", "retention rounds that failed a delivery or a run (Postgres)", "history_postgres_retention_failed", Option::None, Zero, 0),
        row("cli", "`connector list`, median ms", "cli_start_ms", Option::None, Below(20.0), 1),
    ]
}

/// The table as Markdown: it reads as well in a terminal as in the docs.
pub(crate) fn table(summary: &Summary) -> String {
    let mut out = String::from(
        "| scenario | figure | this project | baseline | target | met |\n|---|---|---:|---:|---|---|\n",
    );
    for r in rows() {
        let Some(ours) = summary.get(r.ours) else {
            continue;
        };
        let theirs = r
            .theirs
            .and_then(|k| summary.get(k))
            .map_or_else(|| "—".to_owned(), |v| number(v, r.decimals));
        let met = match r.target.met(ours) {
            Some(true) => "yes",
            Some(false) => "**no**",
            Option::None => "",
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            r.scenario,
            r.metric,
            number(ours, r.decimals),
            theirs,
            r.target.text(),
            met
        );
    }
    out
}

/// The targets a run missed, by figure name.
pub(crate) fn missed(summary: &Summary) -> Vec<String> {
    rows()
        .into_iter()
        .filter_map(|r| {
            let v = summary.get(r.ours)?;
            (r.target.met(v) == Some(false)).then(|| {
                format!(
                    "{} = {} (target {})",
                    r.ours,
                    number(v, r.decimals),
                    r.target.text()
                )
            })
        })
        .collect()
}

/// A figure with thousands separators and `decimals` decimals.
fn number(value: f64, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
    let (int, frac) = match text.split_once('.') {
        Some((i, f)) => (i.to_owned(), Some(f.to_owned())),
        Option::None => (text.clone(), Option::None),
    };
    let (sign, digits) = match int.strip_prefix('-') {
        Some(d) => ("-", d.to_owned()),
        Option::None => ("", int),
    };
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        Option::None => format!("{sign}{grouped}"),
    }
}

/// Today's date (UTC) as `YYYY-MM-DD`.
pub(crate) fn today() -> String {
    let stamp = humantime::format_rfc3339_seconds(SystemTime::now()).to_string();
    stamp.get(..10).unwrap_or(&stamp).to_owned()
}

/// Where the measured section of `docs/performance.md` starts and ends.
const BEGIN: &str =
    "<!-- bench:begin (written by `cargo xtask bench`; edit outside these markers) -->";
const END: &str = "<!-- bench:end -->";

/// The measured section: when, where, how, and the table.
pub(crate) fn measured_section(
    summary: &Summary,
    machine: &Machine,
    command: &str,
    revision: &str,
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{BEGIN}");
    let _ = writeln!(
        out,
        "Measured on {} with `{command}` at revision `{revision}`, on {} cores of an {} ({}), in {:.0} s.\n",
        today(),
        machine.cores,
        machine.cpu_model,
        machine.kernel,
        summary.get("bench_seconds").unwrap_or(0.0),
    );
    out.push_str(&table(summary));
    let missed = missed(summary);
    out.push('\n');
    if missed.is_empty() {
        out.push_str("Every target was met in this run.\n");
    } else {
        let _ = writeln!(out, "Targets missed in this run: {}.", missed.join("; "));
    }
    let _ = writeln!(
        out,
        "\nEvery figure of the run is in `target/bench/summary.json`. Setup: {} GETs a round for each of the four ways at concurrency {}, {} rounds; Okta {} requests per {} ms window, {} callers, {} s × {} runs each; boards {} points per window at {} points a read, {} callers; {} users, {} a page; {} runs of `connector list`.",
        number(summary.get("overhead_calls").unwrap_or(0.0), 0),
        summary.get("overhead_concurrency").unwrap_or(0.0),
        summary.get("overhead_rounds").unwrap_or(0.0),
        summary.get("okta_limit_per_window").unwrap_or(0.0),
        summary.get("okta_window_ms").unwrap_or(0.0),
        summary.get("okta_callers").unwrap_or(0.0),
        summary.get("okta_seconds").unwrap_or(0.0),
        summary.get("okta_rounds").unwrap_or(0.0),
        number(summary.get("boards_budget_per_window").unwrap_or(0.0), 0),
        number(summary.get("boards_cost_per_read").unwrap_or(0.0), 0),
        summary.get("boards_callers").unwrap_or(0.0),
        number(summary.get("pagination_users").unwrap_or(0.0), 0),
        summary.get("pagination_page_size").unwrap_or(0.0),
        summary.get("cli_runs").unwrap_or(0.0),
    );
    if let Some(events) = summary.get("runtime_events") {
        let _ = writeln!(
            out,
            "\nruntime: {} events per variant and round (2 rounds, A B C C B A), `connector serve` processes with 8 workers each, Postgres with `synchronous_commit = off` (SQLite: WAL, `synchronous = NORMAL`).",
            number(events, 0)
        );
    }
    if let Some(runs) = summary.get("history_seeded_runs") {
        let _ = writeln!(
            out,
            "\nhistory: {} finished runs seeded per store (5 steps each), {} requests per page, retention with `--history-days 30` over runs spread across 60 days.",
            number(runs, 0),
            100
        );
    }
    let _ = writeln!(out, "{END}");
    out
}

/// Replaces the measured section of the document (or, when it has none, puts one after
/// its title), keeping everything written by hand around it.
pub(crate) fn update_doc(path: &Path, section: &str) -> std::io::Result<()> {
    let current = std::fs::read_to_string(path).unwrap_or_default();
    let updated = match (current.find(BEGIN), current.find(END)) {
        (Some(begin), Some(end)) if end > begin => {
            let after = &current[end + END.len()..];
            let after = after.strip_prefix('\n').unwrap_or(after);
            format!("{}{section}{after}", &current[..begin])
        }
        _ if current.is_empty() => format!("# Performance\n\n{section}"),
        _ => {
            let split = current.find("\n\n").map_or(current.len(), |i| i + 2);
            format!("{}{section}\n{}", &current[..split], &current[split..])
        }
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, updated)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_group_thousands_and_keep_decimals() {
        assert_eq!(number(1234567.0, 0), "1,234,567");
        assert_eq!(number(999.0, 0), "999");
        assert_eq!(number(0.95123, 3), "0.951");
        assert_eq!(number(-12345.5, 1), "-12,345.5");
    }

    #[test]
    fn missed_targets_are_named_and_met_ones_are_not() {
        let mut s = Summary::default();
        s.set("overhead_ratio", 0.97);
        s.set("okta_utilization", 0.5);
        s.set("cli_start_ms", 3.0);
        let missed = missed(&s);
        assert_eq!(
            missed,
            vec!["okta_utilization = 0.500 (target ≥ 0.95)".to_owned()]
        );
        assert!(
            table(&s)
                .contains("| okta | utilization of the bucket | 0.500 | — | ≥ 0.95 | **no** |")
        );
    }

    #[test]
    fn the_summary_is_flat_json_of_numbers() {
        let mut s = Summary::default();
        s.set("b", 2.0);
        s.set("a", 0.123456);
        let v: Value = serde_json::from_str(&s.to_json()).unwrap();
        assert_eq!(v, serde_json::json!({"a": 0.1235, "b": 2}));
    }

    #[test]
    fn the_measured_section_is_replaced_and_the_rest_kept() {
        let dir = std::env::temp_dir().join(format!("bench-doc-{}", std::process::id()));
        let path = dir.join("performance.md");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            &path,
            format!("# Performance\n\nintro\n\n{BEGIN}\nold\n{END}\n\n## Notes\nkept\n"),
        )
        .unwrap();
        update_doc(&path, &format!("{BEGIN}\nnew\n{END}\n")).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text,
            format!("# Performance\n\nintro\n\n{BEGIN}\nnew\n{END}\n\n## Notes\nkept\n")
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn today_is_a_civil_date() {
        let day = today();
        assert_eq!(day.len(), 10, "{day}");
        assert!(day.starts_with("20") && day.as_bytes()[4] == b'-' && day.as_bytes()[7] == b'-');
    }
}
