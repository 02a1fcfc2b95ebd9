//! The cards that became expressions over the runtime's pattern, list, object, random
//! and calendar functions, Filter Custom over a helper flow, and an Okta card's status:
//! each imported flow validates and, run, gives what the Okta card gives.

use crate::cards::{import, ret, run};
use crate::common::build::*;
use serde_json::{Value, json};

#[tokio::test]
async fn pattern_calendar_object_list_and_random_cards_compute_what_okta_computes() {
    let cards_ = vec![
        start(&["name", "key"]),
        function(
            "replace",
            "string.replaceAny",
            "Replace Patterns",
            vec![
                port("r-text", "text", json!("")),
                port("r-with", "replacement", json!("a")),
                port("r-all", "global", json!(true)),
                port("r-case", "case sensitive", json!(false)),
                grouped("r-p1", "input", "patterns", json!("[àá]")),
                grouped("r-p2", "input2", "patterns", json!("â")),
            ],
            vec![port("r-out", "output", json!(null))],
            &[("r-out", "ret", "ret-clean")],
        ),
        function(
            "find",
            "string.match",
            "Find Pattern",
            vec![
                port("f-in", "string", json!("")),
                port("f-p", "target", json!("[0-9]")),
            ],
            vec![port("f-out", "output", json!(null))],
            &[("f-out", "ret", "ret-digit_at")],
        ),
        function(
            "months",
            "date.add",
            "Add",
            vec![
                port("d-start", "start", json!("2026-01-31T09:00:00Z")),
                port("d-scale", "scale", json!(1)),
                port("d-unit", "unit", json!("months")),
            ],
            vec![port("d-out", "output", json!(null))],
            &[("d-out", "ret", "ret-next_month")],
        ),
        function(
            "years",
            "date.subtract",
            "Subtract",
            vec![
                port("y-start", "start", json!("2028-02-29T00:00:00Z")),
                port("y-scale", "scale", json!(1)),
                port("y-unit", "unit", json!("years")),
            ],
            vec![port("y-out", "output", json!(null))],
            &[("y-out", "ret", "ret-last_year")],
        ),
        function(
            "set",
            "object.set",
            "Set",
            vec![
                port("s-obj", "object", json!({"a": 1})),
                port("s-path", "path", json!("")),
                port("s-val", "value", json!(2)),
            ],
            vec![port("s-out", "output", json!(null))],
            &[("s-out", "ret", "ret-set")],
        ),
        function(
            "flat",
            "list.flatten",
            "Flatten",
            vec![port("l-in", "lists", json!([[1, [2]], 3]))],
            vec![port("l-out", "list", json!(null))],
            &[("l-out", "ret", "ret-flat")],
        ),
        function(
            "dice",
            "math.random",
            "Random Integer",
            vec![port("m-a", "a", json!(3)), port("m-b", "b", json!(3))],
            vec![port("m-out", "output", json!(null))],
            &[("m-out", "ret", "ret-dice")],
        ),
        ret(&[
            ("", "clean", ""),
            ("", "digit_at", ""),
            ("", "next_month", ""),
            ("", "last_year", ""),
            ("", "set", ""),
            ("", "flat", ""),
            ("", "dice", ""),
        ]),
    ];
    let mut flow = flow_data(cards_, true);
    flow["methods"][0]["pins"] = json!({
        "start-name": {"replace": [{"input": "r-text"}], "find": [{"input": "f-in"}]},
        "start-key": {"set": [{"input": "s-path"}]}
    });
    let (report, files) = import(&export(vec![("f", "More", flow)], json!({}), json!({})));
    assert!(report.all_written(), "{}", report.as_text());
    let text = &files["more.yaml"];
    for part in [
        "regex_replace(",
        "regex_search(",
        "datetime_add_months(",
        "set_path(",
    ] {
        assert!(text.contains(part), "{part}\n{text}");
    }
    let (_, output) = run(&files, "more", json!({"name": "ÀnnÂ 42", "key": "b.c"})).await;
    assert_eq!(
        output,
        json!({"clean": "anna 42", "digit_at": 5, "next_month": "2026-02-28T09:00:00Z",
               "last_year": "2027-02-28T00:00:00Z", "set": {"a": 1, "b": {"c": 2}},
               "flat": [1, 2, 3], "dice": 3})
    );
}

#[test]
fn a_pattern_the_runtime_cannot_run_is_reported_and_nothing_is_written() {
    let flow = flow_data(
        vec![
            start(&["name"]),
            function(
                "find",
                "string.match",
                "Find Pattern",
                vec![
                    port("f-in", "string", json!("x")),
                    port("f-p", "target", json!("(?<=a)b")),
                ],
                vec![port("f-out", "output", json!(null))],
                &[("f-out", "ret", "ret-at")],
            ),
            ret(&[("", "at", "")]),
        ],
        true,
    );
    let (report, files) = import(&export(vec![("f", "Look", flow)], json!({}), json!({})));
    assert!(!report.all_written());
    let text = report.as_text();
    assert!(
        text.contains("Find Pattern") && text.contains("cannot run here"),
        "{text}"
    );
    assert!(!files.contains_key("look.yaml"), "{files:?}");
}

#[tokio::test]
async fn filter_custom_keeps_the_items_its_helper_returns_true_for() {
    // The helper: `keep` is `value > 2`.
    let helper = flow_data(
        vec![
            start(&["value"]),
            function(
                "cmp",
                "boolean.compare",
                "Compare",
                vec![
                    port("c-l", "left-operand", json!(0)),
                    port("c-op", "operator", json!(">")),
                    port("c-r", "right-operand", json!(2)),
                ],
                vec![port("c-out", "result", json!(null))],
                &[("c-out", "ret", "ret-keep")],
            ),
            ret(&[("", "keep", "")]),
        ],
        true,
    );
    let mut helper = helper;
    helper["methods"][0]["pins"] = json!({"start-value": {"cmp": [{"input": "c-l"}]}});
    let item = json!({"id": "v", "key": "value", "value": {"type": "number", "data": 0,
        "proxy": {"dynamic": true, "path": ""}}, "metadata": {"index": 2}});
    let flo = json!({"id": "x-f", "key": "flo", "value": {"type": "flo", "data": "h"}, "metadata": {"index": 1}});
    let mut main = flow_data(
        vec![
            start(&["numbers"]),
            function(
                "filter",
                "list.filter",
                "Filter Custom",
                vec![port("x-l", "list", json!([])), flo, item],
                vec![port("x-out", "list", json!(null))],
                &[("x-out", "ret", "ret-big")],
            ),
            ret(&[("", "big", "")]),
        ],
        true,
    );
    main["methods"][0]["pins"] = json!({"start-numbers": {"filter": [{"input": "x-l"}]}});
    let (report, files) = import(&export(
        vec![("m", "Main", main), ("h", "Keep Big", helper)],
        json!({}),
        json!({}),
    ));
    assert!(report.all_written(), "{}", report.as_text());
    let text = &files["main.yaml"];
    assert!(
        text.contains("call: \"keep-big\"") && text.contains("compress("),
        "{text}"
    );
    let (_, output) = run(&files, "main", json!({"numbers": [1, 5, 2, 9]})).await;
    assert_eq!(output, json!({"big": [5, 9]}));
}

#[test]
fn an_okta_card_that_answers_nothing_gives_its_status() {
    let flow = flow_data(
        vec![
            start(&["user", "group"]),
            okta(
                "add",
                "addNewUserToGroup",
                "Add User to Group",
                vec![
                    grouped("a-u", "User ID", "User", json!("00u1")),
                    grouped("a-g", "Group ID", "Group", json!("00g1")),
                ],
                vec![grouped("a-out", "status", "Result", Value::Null)],
                &[("a-out", "ret", "ret-status")],
            ),
            ret(&[("", "status", "")]),
        ],
        true,
    );
    let (report, files) = import(&export(vec![("f", "Grant", flow)], json!({}), json!({})));
    assert!(report.all_written(), "{}", report.as_text());
    let text = &files["grant.yaml"];
    assert!(text.contains("okta.add-user-to-group"), "{text}");
    assert!(
        text.contains("(204 if steps.add_user_to_group.status == 'succeeded' else none)"),
        "{text}"
    );
}

#[test]
fn a_card_whose_error_policy_runs_a_flow_calls_it_with_the_caller_and_the_error_then_stops() {
    // The error flow reads its "Caller" (a context output) and the error.
    let mut handler = flow_data(
        vec![
            card(
                "start",
                "root:kernel:control:0.0.1:callable",
                "Helper Flow",
                vec![],
                vec![
                    grouped("start-parent", "parent", "context", Value::Null),
                    grouped("start-error", "error", "context", Value::Null),
                ],
                &[],
            ),
            ret(&[("", "who", ""), ("", "why", "")]),
        ],
        true,
    );
    handler["methods"][0]["pins"] = json!({
        "start-parent": {"ret": [{"input": "ret-who"}]},
        "start-error": {"ret": [{"input": "ret-why"}]}
    });
    let mut read = okta(
        "read",
        "readUser",
        "Read User",
        vec![grouped(
            "r-id",
            "ID or Login",
            "User",
            json!("ada@example.com"),
        )],
        vec![],
        &[],
    );
    read["node"]["model"]["policy"] = json!({"error": {"type": "flo", "retry": 0, "flo": "e"}});
    let main = flow_data(vec![start(&["login"]), read], true);
    let (report, files) = import(&export(
        vec![("m", "Main", main), ("e", "Notify Admins", handler)],
        json!({}),
        json!({}),
    ));
    assert!(report.all_written(), "{}", report.as_text());
    let text = &files["main.yaml"];
    for part in [
        "on_error: \"continue\"",
        "if: \"steps.read_user.status == 'continued'\"",
        "call: \"notify-admins\"",
        "'execution_id': run.id",
        "error: \"{{ steps.read_user.error }}\"",
        "fail:",
    ] {
        assert!(text.contains(part), "{part}\n{text}");
    }
    let helper = &files["notify-admins.yaml"];
    assert!(
        helper.contains("event.parent") && helper.contains("event.error"),
        "{helper}"
    );
}

#[test]
fn an_api_connector_query_written_as_text_becomes_its_pairs() {
    let get = |uuid: &str, query: &str| {
        card(
            uuid,
            "root:channels:http:httpfunctions:1.0.24:get",
            "Get",
            vec![
                grouped(
                    &format!("{uuid}-u"),
                    "URL",
                    "Request",
                    json!("https://example.com/v1/apps"),
                ),
                grouped(&format!("{uuid}-q"), "Query", "Request", json!(query)),
            ],
            vec![],
            &[],
        )
    };
    let flow = flow_data(
        vec![start(&[]), get("one", "?a=1&b=x%20y"), get("two", "?")],
        true,
    );
    let (report, files) = import(&export(vec![("f", "Apps", flow)], json!({}), json!({})));
    assert!(report.all_written(), "{}", report.as_text());
    let text = &files["apps.yaml"];
    assert!(
        text.contains("query:\n        a: \"1\"\n        b: \"x y\""),
        "{text}"
    );
    assert_eq!(text.matches("query:").count(), 1, "{text}");
}
