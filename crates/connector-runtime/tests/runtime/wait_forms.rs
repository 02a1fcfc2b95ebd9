//! The wait step's forms and mistakes, each mistake at its file:line:col, and the date
//! and JSON functions of expressions (names are a contract).

use std::time::Duration;

use connector_runtime::flows::program::{StepKind, WaitFor};
use connector_runtime::flows::{Expressions, validate};
use serde_json::{Value, json};

use crate::engine::{Cards, flow};

fn errors(text: &str) -> Vec<String> {
    let cards = Cards::default();
    validate("w.yaml", text, &cards)
        .unwrap_err()
        .iter()
        .map(ToString::to_string)
        .collect()
}

const HEAD: &str = "name: w\ntrigger: { manual: {} }\nsteps:\n";

#[test]
fn each_wait_form_lowers_into_the_program() {
    let cards = Cards::default();
    let text = format!(
        "{HEAD}  - id: a\n    wait: {{ for: 30m }}\n  - id: b\n    wait: {{ until: \"{{{{ now() | datetime_add('7d') }}}}\" }}\n  - id: c\n    wait: {{ signal: approval, timeout: 3d }}\n    on_error: continue\n  - id: d\n    wait: {{ signal: later }}\n  - id: e\n    wait: {{ until: \"2026-12-01T09:00:00Z\" }}\n"
    );
    // A literal `until` is checked against today: this one may lie in the past, which is
    // no mistake (the wait ends at once).
    let flow = flow(&text, &cards);
    let kinds: Vec<&WaitFor> = flow
        .program
        .steps
        .iter()
        .map(|s| match &s.kind {
            StepKind::Wait(w) => &w.until,
            other => panic!("{other:?}"),
        })
        .collect();
    assert!(matches!(kinds[0], WaitFor::Time(d) if *d == Duration::from_secs(1800)));
    assert!(matches!(kinds[1], WaitFor::Instant(t) if t.contains("datetime_add")));
    assert!(
        matches!(kinds[2], WaitFor::Signal { name, timeout } if name == "approval" && *timeout == Duration::from_secs(3 * 86_400))
    );
    assert!(
        matches!(kinds[3], WaitFor::Signal { timeout, .. } if *timeout == Duration::from_secs(366 * 86_400)),
        "the default timeout is 366 days"
    );
    assert_eq!(
        connector_runtime::flows::kind_name(&flow.program.steps[0].kind),
        "wait"
    );
}

#[test]
fn wait_mistakes_are_reported_at_their_line_and_column() {
    let text = format!(
        "{HEAD}  - id: bad_for\n    wait: {{ for: soon }}\n  - id: too_long\n    wait: {{ for: 400d }}\n  - id: far\n    wait: {{ until: \"2999-01-01T00:00:00Z\" }}\n  - id: not_time\n    wait: {{ until: \"next week\" }}\n  - id: two\n    wait: {{ for: 1m, signal: go }}\n  - id: none\n    wait: {{}}\n  - id: timeout_alone\n    wait: {{ for: 1m, timeout: 1h }}\n  - id: bad_name\n    wait: {{ signal: \"Appro val\" }}\n  - id: long_timeout\n    wait: {{ signal: go, timeout: 367d }}\n  - id: scope\n    wait: {{ until: \"{{{{ steps.later.output.at }}}}\" }}\n"
    );
    let shown = errors(&text);
    let expect = [
        "w.yaml:5:18: bad duration \"soon\"",
        "w.yaml:7:18: a wait is at most 366 days; \"400d\" is longer",
        "w.yaml:9:20: a wait is at most 366 days; \"2999-01-01T00:00:00Z\" is further ahead",
        "w.yaml:11:20: \"next week\" is not an RFC 3339 time",
        "w.yaml:13:13: a wait has exactly one of `for`, `until`, `signal`",
        "w.yaml:15:12: a wait needs one of `for`, `until`, `signal`",
        "w.yaml:17:31: `timeout` belongs to a signal wait",
        "w.yaml:19:21: signal name \"Appro val\" must be [a-z0-9_]+",
        "w.yaml:21:34: a wait is at most 366 days; \"367d\" is longer",
        "w.yaml:23:20: steps.later is not a step defined before this one",
    ];
    for want in expect {
        assert!(
            shown.iter().any(|s| s.starts_with(want)),
            "missing {want:?} in\n{}",
            shown.join("\n")
        );
    }
    assert_eq!(shown.len(), expect.len(), "{}", shown.join("\n"));
    // A wait of the wrong shape: its unknown key, and a value that is not text.
    let shape = errors(&format!(
        "{HEAD}  - id: unknown\n    wait: {{ for: 1m, every: 2m }}\n  - id: number\n    wait: {{ signal: [go] }}\n"
    ));
    assert_eq!(
        shape,
        [
            "w.yaml:5:22: unknown key \"every\"",
            "w.yaml:7:21: `signal` is text"
        ],
        "{shape:#?}"
    );
}

#[test]
fn a_typo_in_a_date_function_names_the_nearest() {
    let text = format!(
        "{HEAD}  - id: a\n    assign: {{ at: \"now() | datetime_ad('1d')\", n: \"noww()\" }}\n"
    );
    let shown = errors(&text);
    assert!(
        shown
            .iter()
            .any(|s| s.starts_with("w.yaml:5:19:") && s.contains("did you mean `datetime_add`")),
        "{shown:#?}"
    );
    assert!(
        shown.iter().any(|s| s.contains("did you mean `now`")),
        "{shown:#?}"
    );
}

fn eval(expr: &str, scope: Value) -> Result<Value, String> {
    Expressions::new().eval(expr, &scope).map_err(|e| e.message)
}

#[test]
fn date_functions_compute_in_utc_and_read_zones() {
    let at = json!({"at": "2026-03-28T23:30:00Z", "b": "2026-03-29T01:30:00+01:00"});
    assert_eq!(
        eval(
            "at | datetime_add('30d')",
            json!({"at": "2026-01-31T10:00:00Z"})
        )
        .unwrap(),
        "2026-03-02T10:00:00Z"
    );
    assert_eq!(
        eval("event.at | datetime_add('-45s')", json!({"event": at})).unwrap(),
        "2026-03-28T23:29:15Z"
    );
    assert_eq!(
        eval(
            "event.at | datetime_add('2h') | datetime_add('10m')",
            json!({"event": at})
        )
        .unwrap(),
        "2026-03-29T01:40:00Z"
    );
    // a minus b, in seconds.
    assert_eq!(
        eval("event.b | datetime_diff(event.at)", json!({"event": at})).unwrap(),
        json!(3600)
    );
    assert_eq!(
        eval("event.at | datetime_diff(event.b)", json!({"event": at})).unwrap(),
        json!(-3600)
    );
    assert_eq!(
        eval(
            "'2026-01-01T00:00:01.500Z' | datetime_diff('2026-01-01T00:00:00Z')",
            json!({})
        )
        .unwrap(),
        json!(1.5)
    );
    // Paris moves to summer time on 2026-03-29 at 02:00.
    assert_eq!(
        eval(
            "event.at | datetime_format('%Y-%m-%d %H:%M %Z', tz='Europe/Paris')",
            json!({"event": at})
        )
        .unwrap(),
        "2026-03-29 00:30 CET"
    );
    assert_eq!(
        eval("event.at | datetime_format('%A')", json!({"event": at})).unwrap(),
        "Saturday"
    );
    assert_eq!(
        eval(
            "'03/29/2026 09:15' | datetime_parse('%m/%d/%Y %H:%M', tz='Europe/Paris')",
            json!({})
        )
        .unwrap(),
        "2026-03-29T07:15:00Z"
    );
    assert_eq!(
        eval(
            "'12/01/2026' | datetime_parse('%m/%d/%Y', tz='UTC')",
            json!({})
        )
        .unwrap(),
        "2026-12-01T00:00:00Z"
    );
    assert_eq!(
        eval("'{\"a\": [1, {\"b\": null}]}' | from_json", json!({})).unwrap(),
        json!({"a": [1, {"b": null}]})
    );
    assert_eq!(
        eval("now()", json!({"__now": "2026-01-01T00:00:00Z"})).unwrap(),
        "2026-01-01T00:00:00Z"
    );
    let now = eval("now()", json!({})).unwrap();
    assert!(now.as_str().unwrap().ends_with('Z'), "{now}");
}

#[test]
fn date_functions_refuse_bad_input_without_panicking() {
    for (expr, why) in [
        ("'soon' | datetime_add('1d')", "not an RFC 3339 time"),
        (
            "'2026-01-01T00:00:00Z' | datetime_add('1w')",
            "not an amount",
        ),
        (
            "'2026-01-01T00:00:00Z' | datetime_add('99999999d')",
            "100 years",
        ),
        (
            "'2026-01-01T00:00:00Z' | datetime_format('%Q %')",
            "not a strftime format",
        ),
        (
            "'2026-01-01T00:00:00Z' | datetime_format('%Y', tz='Mars/Base')",
            "not an IANA time zone",
        ),
        (
            "'2026-01-01T00:00:00Z' | datetime_format('%Y' * 200)",
            "at most 256 bytes",
        ),
        (
            "'31/31/2026' | datetime_parse('%m/%d/%Y')",
            "does not match the format",
        ),
        (
            "'2026-03-29 02:30' | datetime_parse('%Y-%m-%d %H:%M', tz='Europe/Paris')",
            "does not exist",
        ),
        ("'{' | from_json", "not JSON"),
        (
            "5 | datetime_diff('2026-01-01T00:00:00Z')",
            "must be RFC 3339 text",
        ),
    ] {
        let error = eval(expr, json!({})).unwrap_err();
        assert!(error.contains(why), "{expr}: {error}");
    }
    // from_json's value is bounded as any other: 200 levels of nesting are refused.
    let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
    assert!(eval("event.t | from_json", json!({"event": {"t": deep}})).is_err());
}

#[test]
fn a_signal_wait_nested_in_a_block_counts_as_the_flow_s_own() {
    let cards = Cards::default();
    let nested = format!(
        "{HEAD}  - id: pick\n    if: \"event.ask\"\n    then:\n      - id: approval\n        wait: {{ signal: approval }}\n    else:\n      - id: done\n        return: {{ outcome: skipped }}\n"
    );
    let plain = format!("{HEAD}  - id: hold\n    wait: {{ for: 1m }}\n");
    assert!(connector_runtime::signals::has_signal_wait(&flow(
        &nested, &cards
    )));
    assert!(!connector_runtime::signals::has_signal_wait(&flow(
        &plain, &cards
    )));
}
