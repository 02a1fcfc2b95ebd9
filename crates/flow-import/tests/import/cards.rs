//! Each card and control form the importer translates, in exports written here: the
//! flow it becomes validates, and the function cards' expressions give, when run, what
//! the Okta card gives.

use crate::common::build::*;
use crate::common::{Temp, cards};
use connector_runtime::flows::{Flow, link, run_once, validate};
use serde_json::{Value, json};

/// Imports `text` (one export): the report and each flow file by name.
pub(crate) fn import(
    text: &str,
) -> (
    flow_import::Report,
    std::collections::BTreeMap<String, String>,
) {
    let tmp = Temp::new("cards");
    let path = tmp.file("export.flopack", text);
    let out = tmp.0.join("out");
    let import = flow_import::import(&[path], &out, cards);
    let files = import.files().iter().cloned().collect();
    (import.report, files)
}

/// Validates and links the flows, and runs `name` with `event` (no card is called).
pub(crate) async fn run(
    files: &std::collections::BTreeMap<String, String>,
    name: &str,
    event: Value,
) -> (Option<String>, Value) {
    let catalog = cards(Default::default());
    let flows: Vec<Flow> = files
        .iter()
        .filter(|(f, _)| f.ends_with(".yaml") && *f != "tables.yaml")
        .map(|(f, t)| validate(f, t, &catalog).unwrap_or_else(|e| panic!("{e:?}\n{t}")))
        .collect();
    let flows = link(flows).unwrap();
    let flow = flows.iter().find(|f| f.name() == name).unwrap();
    let ran = run_once(flow, &event, &catalog, false).await;
    assert!(
        ran.failure.is_none(),
        "{:?}\n{}",
        ran.failure,
        files[&format!("{name}.yaml")]
    );
    (
        ran.run.outcome.clone(),
        ran.run.output.clone().unwrap_or(Value::Null),
    )
}

pub(crate) fn ret(inputs: &[(&str, &str, &str)]) -> Value {
    // A Return card whose fields are wired from `(output, field)`.
    let ports = inputs
        .iter()
        .map(|(_, key, _)| port(&format!("ret-{key}"), key, Value::Null))
        .collect();
    function("ret", "control.return", "Return", ports, vec![], &[])
}

#[tokio::test]
async fn text_list_object_number_boolean_and_json_cards_become_expressions_that_compute_the_same() {
    let cards_ = vec![
        start(&["login", "roles"]),
        function(
            "lower",
            "string.toLowerCase",
            "Lower",
            vec![port("l-in", "string", json!(""))],
            vec![port("l-out", "output", json!(null))],
            &[("l-out", "ret", "ret-lowered")],
        ),
        function(
            "compose",
            "string.compose",
            "Compose",
            vec![
                port("c-text", "_text_", json!("/api/v1/users/{{{c1}}}/roles")),
                port("c1", "c1", json!("")),
            ],
            vec![port("c-out", "output", json!(null))],
            &[("c-out", "ret", "ret-url")],
        ),
        function(
            "concat",
            "string.concat",
            "Concatenate",
            vec![
                port("k1", "string1", json!("a-")),
                port("k2", "string2", json!("b")),
            ],
            vec![port("k-out", "output", json!(null))],
            &[("k-out", "ret", "ret-joined")],
        ),
        function(
            "split",
            "string.split",
            "Split",
            vec![
                port("s-in", "string", json!("x,y")),
                port("s-d", "delimiter", json!(",")),
            ],
            vec![port("s-out", "output", json!(null))],
            &[("s-out", "len", "n-in")],
        ),
        function(
            "len",
            "list.length",
            "Length",
            vec![port("n-in", "list", json!([]))],
            vec![port("n-out", "length", json!(null))],
            &[("n-out", "ret", "ret-count")],
        ),
        function(
            "obj",
            "object.construct",
            "Construct",
            vec![
                port("o1", "type", json!("HELP_DESK_ADMIN")),
                port("o2", "n", json!(2)),
            ],
            vec![port("o-out", "output", json!(null))],
            &[("o-out", "get", "g-in"), ("o-out", "merge", "m1")],
        ),
        function(
            "get",
            "object.get",
            "Get",
            vec![
                port("g-in", "object", json!({})),
                port("g-path", "path", json!("type")),
            ],
            vec![port("g-out", "output", json!(null))],
            &[("g-out", "ret", "ret-type")],
        ),
        function(
            "merge",
            "object.merge",
            "Merge",
            vec![
                port("m1", "start", json!({})),
                port("m2", "sink", json!({"extra": true})),
            ],
            vec![port("m-out", "output", json!(null))],
            &[("m-out", "ret", "ret-merged")],
        ),
        function(
            "add",
            "math.add",
            "Add",
            vec![port("a1", "a", json!(40)), port("a2", "b", json!(2))],
            vec![port("a-out", "output", json!(null))],
            &[("a-out", "ret", "ret-sum")],
        ),
        function(
            "and",
            "boolean.and",
            "And",
            vec![port("b1", "a", json!(true)), port("b2", "b", json!(false))],
            vec![port("b-out", "output", json!(null))],
            &[("b-out", "ret", "ret-both")],
        ),
        function(
            "parse",
            "json.parse",
            "Parse",
            vec![port("j-in", "string", json!("{\"k\": [1]}"))],
            vec![port("j-out", "output", json!(null))],
            &[("j-out", "ret", "ret-parsed")],
        ),
        function(
            "at",
            "list.at",
            "At",
            vec![
                port("t-l", "list", json!([])),
                port("t-i", "index", json!(1)),
            ],
            vec![port("t-out", "item", json!(null))],
            &[("t-out", "ret", "ret-second")],
        ),
        ret(&[
            ("", "lowered", ""),
            ("", "url", ""),
            ("", "joined", ""),
            ("", "count", ""),
            ("", "type", ""),
            ("", "merged", ""),
            ("", "sum", ""),
            ("", "both", ""),
            ("", "parsed", ""),
            ("", "second", ""),
        ]),
    ];
    // The helper's inputs: login into Lower and Compose, roles into At.
    let mut flow = flow_data(cards_, true);
    flow["methods"][0]["pins"] = json!({
        "start-login": {"lower": [{"input": "l-in"}], "compose": [{"input": "c1"}]},
        "start-roles": {"at": [{"input": "t-l"}]}
    });
    let (report, files) = import(&export(
        vec![("f", "Functions", flow)],
        json!({}),
        json!({}),
    ));
    assert!(report.all_written(), "{}", report.as_text());
    let text = &files["functions.yaml"];
    assert!(text.contains("description: \"Compose\""), "{text}");
    assert!(text.contains("assign:"), "{text}");
    let (outcome, output) = run(
        &files,
        "functions",
        json!({"login": "Ada@Example.com", "roles": ["a", "b"]}),
    )
    .await;
    assert_eq!(outcome.as_deref(), Some("returned"));
    assert_eq!(
        output,
        json!({"lowered": "ada@example.com", "url": "/api/v1/users/Ada@Example.com/roles", "joined": "a-b",
               "count": 2, "type": "HELP_DESK_ADMIN", "merged": {"type": "HELP_DESK_ADMIN", "n": 2, "extra": true},
               "sum": 42, "both": false, "parsed": {"k": [1]}, "second": "b"})
    );
}

#[tokio::test]
async fn if_else_with_a_join_continue_if_and_assign_become_blocks_guards_and_values() {
    let cards_ = vec![
        start(&["n"]),
        function(
            "if",
            "control.if",
            "Big?",
            vec![
                port("i-l", "left-operand", json!(0)),
                port("i-op", "operator", json!(">")),
                port("i-r", "right-operand", json!(10)),
            ],
            vec![],
            &[],
        ),
        function("yes", "control.noop", "Noop", vec![], vec![], &[]),
        function(
            "big",
            "control.let",
            "Assign big",
            vec![port("y-in", "size", json!("big"))],
            vec![port("y-out", "size", json!(null))],
            &[("y-out", "join", "j-in")],
        ),
        function("no", "control.noop", "Noop", vec![], vec![], &[]),
        function(
            "small",
            "control.let",
            "Assign small",
            vec![port("s-in", "size", json!("small"))],
            vec![port("s-out", "size", json!(null))],
            &[("s-out", "join", "j-in")],
        ),
        function(
            "join",
            "control.join",
            "Join",
            vec![port("j-in", "size", json!(null))],
            vec![port("j-out", "size", json!(null))],
            &[("j-out", "ret", "ret-size")],
        ),
        function(
            "guard",
            "control.continueIf",
            "Continue If",
            vec![
                port("g-l", "left-operand", json!(0)),
                port("g-op", "operator", json!("!=")),
                port("g-r", "right-operand", json!(13)),
                grouped("g-m", "message", "otherwise", json!("unlucky")),
            ],
            vec![],
            &[],
        ),
        ret(&[("", "size", "")]),
    ];
    let mut flow = flow_data(vec![], true);
    flow["methods"] = json!(cards_);
    flow["methods"][1]["branches"] = json!({"yes": true, "no": false});
    flow["methods"][6]["joins"] = json!({"j-in": [{"output": "j-out"}]});
    flow["methods"][0]["pins"] =
        json!({"start-n": {"if": [{"input": "i-l"}], "guard": [{"input": "g-l"}]}});
    flow["orderings"] = json!({"a": ["start", "if"], "b": ["yes", "big"], "c": ["big", "join"], "d": ["yes", "join"],
        "e": ["no", "small"], "f": ["small", "join"], "g": ["no", "join"], "h": ["join", "guard"], "i": ["guard", "ret"]});
    let (report, files) = import(&export(vec![("f", "Sizes", flow)], json!({}), json!({})));
    assert!(report.all_written(), "{}", report.as_text());
    let text = &files["sizes.yaml"];
    assert!(text.contains("then:") && text.contains("else:"), "{text}");
    let (_, big) = run(&files, "sizes", json!({"n": 11})).await;
    assert_eq!(big, json!({"size": "big"}));
    let (_, small) = run(&files, "sizes", json!({"n": 3})).await;
    assert_eq!(small, json!({"size": "small"}), "{text}");
    let (outcome, stopped) = run(&files, "sizes", json!({"n": 13})).await;
    assert_eq!(outcome.as_deref(), Some("completed"));
    assert_eq!(stopped, json!({"message": "unlucky"}));
}

#[test]
fn helper_flows_become_call_spawn_and_for_each_and_inline_ones_are_extracted() {
    let helper = flow_data(vec![start(&["User"]), ret(&[])], true);
    let inline = flow_data(vec![start(&["x"]), ret(&[])], true);
    let flo = |id: &str, data: Value| json!({"id": id, "key": "flo", "value": {"type": "flo", "data": data}, "metadata": {"index": 1}});
    let item = json!({"id": "u", "key": "User", "value": {"type": "string", "data": "", "proxy": {"dynamic": true, "path": ""}}, "metadata": {"index": 2}});
    let main = flow_data(
        vec![
            start(&["users"]),
            function(
                "call",
                "control.spawn",
                "Call Flow",
                vec![flo("c-f", json!("h")), port("c-u", "User", json!("ada"))],
                vec![],
                &[],
            ),
            function(
                "spawn",
                "control.run",
                "Call Flow Async",
                vec![flo("s-f", json!("h")), port("s-u", "User", json!("bob"))],
                vec![],
                &[],
            ),
            function(
                "each",
                "list.each",
                "For Each",
                vec![
                    port("e-l", "list", json!(["a"])),
                    flo("e-f", json!("h")),
                    item.clone(),
                ],
                vec![],
                &[],
            ),
            function(
                "async",
                "list.asyncEach",
                "For Each - Ignore Errors",
                vec![
                    port("a-l", "list", json!(["a"])),
                    flo("a-f", inline),
                    port("a-c", "concurrency", json!(4)),
                ],
                vec![],
                &[],
            ),
        ],
        false,
    );
    let (report, files) = import(&export(
        vec![("m", "Main", main), ("h", "Helper", helper)],
        json!({}),
        json!({}),
    ));
    assert!(report.all_written(), "{}", report.as_text());
    let text = &files["main.yaml"];
    for line in [
        "call: \"helper\"",
        "spawn: \"helper\"",
        "for_each: \"['a']\"",
        "call: \"main-for-each-ignore-errors\"",
        "on_error: \"continue\"",
        "concurrency: 4",
        "User: \"{{ item }}\"",
    ] {
        assert!(text.contains(line), "{line}\n{text}");
    }
    assert!(files["main-for-each-ignore-errors.yaml"].contains("callable: {}"));
    assert!(files["helper.yaml"].contains("callable: {}"));
    assert!(text.contains("trigger:\n  manual: {}"), "{text}");
}

#[test]
fn triggers_follow_the_first_card() {
    let event = okta(
        "e",
        "userAddedToGroupMembership",
        "User Added to Group",
        vec![],
        vec![],
        &[],
    );
    let accept = card(
        "a",
        "root:kernel:http:0.0.1:accept",
        "API Endpoint",
        vec![],
        vec![],
        &[],
    );
    let mut scheduled = flow_data(
        vec![
            card(
                "s",
                "root:kernel:control:0.0.1:callable",
                "Scheduled Flow",
                vec![],
                vec![],
                &[],
            ),
            ret(&[]),
        ],
        true,
    );
    scheduled["scheduled"] = json!(true);
    scheduled["cron"] = json!({"seconds": "0", "minutes": "30", "hours": "6", "dayOfTheMonth": "*", "month": "*", "dayOfTheWeek": "1-5", "timeZone": "Europe/Paris"});
    let (report, files) = import(&export(
        vec![
            ("a", "Event", flow_data(vec![event, ret(&[])], false)),
            ("b", "Endpoint", flow_data(vec![accept, ret(&[])], false)),
            ("c", "Timed", scheduled),
        ],
        json!({}),
        json!({}),
    ));
    assert!(report.all_written(), "{}", report.as_text());
    assert!(
        files["event.yaml"]
            .contains("okta_event:\n    types:\n      - \"group.user_membership.add\""),
        "{}",
        files["event.yaml"]
    );
    assert!(files["endpoint.yaml"].contains("http: {}"));
    assert!(
        files["timed.yaml"].contains("cron: \"30 6 * * 1-5\"")
            && files["timed.yaml"].contains("timezone: \"Europe/Paris\"")
    );
}

#[test]
fn okta_and_tables_cards_become_okta_and_table_cards_and_the_tables_file() {
    let tables = json!({"t1": {"name": "Temporary Access", "data": {"structure": [
        {"name": "User ID", "type": "str"}, {"name": "Minutes", "type": "dec"}, {"name": "Active", "type": "bln"}, {"name": "Ends", "type": "date"}]}}});
    let stash =
        |uuid: &str, key: &str, title: &str, mut inputs: Vec<Value>, outputs: Vec<Value>| {
            inputs.push(grouped(
                &format!("{uuid}-t"),
                "stash",
                "parameters",
                json!("t1"),
            ));
            card(
                uuid,
                &format!("root:channels:http:stash:0.7.1:{key}"),
                title,
                inputs,
                outputs,
                &[],
            )
        };
    let flow = flow_data(
        vec![
            start(&["login"]),
            okta(
                "read",
                "readUser",
                "Read User",
                vec![grouped(
                    "r-id",
                    "ID or Login",
                    "User",
                    json!("ada@example.com"),
                )],
                vec![grouped("r-uid", "ID", "System Properties", json!(null))],
                &[("r-uid", "row", "w-uid")],
            ),
            okta(
                "search",
                "listUsersWithSearch",
                "List Users with Search",
                vec![
                    grouped("q-s", "status", "Inputs", json!("ACTIVE")),
                    grouped(
                        "q-r",
                        "resultSet",
                        "parameters",
                        json!("First 200 Matching Records"),
                    ),
                ],
                vec![],
                &[],
            ),
            stash(
                "row",
                "createRow",
                "Create Row",
                vec![
                    grouped("w-uid", "User ID", "Fields", json!("")),
                    grouped("w-m", "Minutes", "Fields", json!(30)),
                ],
                vec![grouped("w-id", "Row ID", "Output", json!(null))],
            ),
            stash(
                "find",
                "searchRows2",
                "Search Rows",
                vec![
                    json!({"id": "f-w", "key": "Where Expression", "group": "Filter", "value": {"type": "object", "data": {"expr": [{"lhs": "Active", "op": "=", "rhs": true, "join": "AND"}, {"lhs": "Minutes", "op": ">", "rhs": 10, "join": "AND"}, {"lhs": "User ID", "op": "!=", "rhs": "a", "join": "AND"}, {"lhs": "User ID", "op": "!=", "rhs": "b", "join": "AND"}]}}}),
                    grouped("f-r", "resultSet", "parameters", json!("all")),
                ],
                vec![],
            ),
            stash("clear", "clearTable", "Clear Table", vec![], vec![]),
        ],
        true,
    );
    let (report, files) = import(&export(vec![("f", "Records", flow)], tables, json!({})));
    assert!(report.all_written(), "{}", report.as_text());
    let text = &files["records.yaml"];
    for line in [
        "card: \"okta.read-user\"",
        "id: \"ada@example.com\"",
        "card: \"okta.list-users\"",
        "search: \"{{ 'status eq \\\"' ~ 'ACTIVE' ~ '\\\"' }}\"",
        "card: \"table.create-row\"",
        "user_id: \"{{ steps.read_user.output.id }}\"",
        "card: \"table.search-rows\"",
        "gt: 10",
        "not_in:\n            - \"a\"\n            - \"b\"",
        "card: \"table.clear-table\"",
    ] {
        assert!(text.contains(line), "{line}\n{text}");
    }
    assert_eq!(
        files["tables.yaml"],
        "# The tables of the imported flows (Okta Workflows exports no rows).\ntables:\n  temporary-access:\n    columns:\n      user_id: \"text\"\n      minutes: \"number\"\n      active: \"boolean\"\n      ends: \"datetime\"\n"
    );
}

#[test]
fn an_unknown_card_is_reported_with_its_flow_title_and_address_and_nothing_is_written() {
    let flow = flow_data(
        vec![
            start(&[]),
            card(
                "x",
                "root:channels:http:slack:1.0.0:sendMessage",
                "Tell the team",
                vec![],
                vec![],
                &[],
            ),
        ],
        true,
    );
    let (report, files) = import(&export(vec![("f", "Notify", flow)], json!({}), json!({})));
    assert!(files.is_empty());
    assert_eq!(report.flows[0].flow, "Notify");
    assert_eq!(report.flows[0].untranslated[0].title, "Tell the team");
    assert_eq!(
        report.flows[0].untranslated[0].address,
        "root:channels:http:slack:1.0.0:sendMessage"
    );
}
