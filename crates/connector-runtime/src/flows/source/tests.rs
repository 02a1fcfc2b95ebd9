//! Places of values and keys, and the bounds of a flow file with their hostile inputs.

use super::*;
use serde_json::json;

#[test]
fn values_and_keys_keep_their_places() {
    let text = "name: a\nsteps:\n  - id: one\n    input: { n: 3, ok: true, s: '3' }\n";
    let doc = parse(text).unwrap();
    assert_eq!(
        doc.value,
        json!({"name": "a", "steps": [{"id": "one", "input": {"n": 3, "ok": true, "s": "3"}}]})
    );
    assert_eq!(doc.key_pos("/steps/0/input"), Pos { line: 4, col: 5 });
    assert_eq!(doc.value_pos("/steps/0/id"), Pos { line: 3, col: 9 });
    assert_eq!(doc.value_pos("/steps/0/input/n"), Pos { line: 4, col: 17 });
    assert_eq!(
        doc.value_pos("/steps/0/nothing/here"),
        Pos { line: 3, col: 5 }
    );
}

#[test]
fn a_billion_laughs_stops_at_the_node_budget() {
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let prev = format!("*a{}", i - 1);
        text.push_str(&format!(
            "a{i}: &a{i} [{}]\n",
            [prev.as_str(); 10].join(", ")
        ));
    }
    assert!(text.len() < 1000, "{}", text.len());
    let errors = parse(&text).unwrap_err();
    assert!(errors[0].message.contains("100000 nodes"), "{errors:?}");
}

#[test]
fn deep_nesting_and_big_files_are_refused_without_recursion() {
    let dashes = "- ".repeat(50_000);
    let errors = parse(&dashes).unwrap_err();
    assert!(errors[0].message.contains("deeper than 64"), "{errors:?}");
    // Flow style: the scanner's own limit (256) or ours, whichever comes first.
    let flow = "[".repeat(50_000);
    let errors = parse(&flow).unwrap_err();
    assert!(
        errors[0].message.contains("deeper than 64")
            || errors[0].message.contains("recursion limit"),
        "{errors:?}"
    );
    let flow_100 = format!("{}1{}", "[".repeat(100), "]".repeat(100));
    let errors = parse(&flow_100).unwrap_err();
    assert!(errors[0].message.contains("deeper than 64"), "{errors:?}");
    let nested_64 = format!("{}1{}", "[".repeat(64), "]".repeat(64));
    assert!(parse(&nested_64).is_ok());
    let big = format!("name: a\ndescription: '{}'\n", "x".repeat(MAX_FLOW_BYTES));
    let errors = parse(&big).unwrap_err();
    assert!(errors[0].message.contains("1 MiB"), "{errors:?}");
}

#[test]
fn json_is_read_too_and_syntax_errors_have_a_place() {
    let doc = parse(r#"{"name": "a", "steps": []}"#).unwrap();
    assert_eq!(doc.value, json!({"name": "a", "steps": []}));
    let errors = parse("name: a\n  bad: [\n").unwrap_err();
    assert!(errors[0].pos.line >= 2, "{errors:?}");
    let twice = parse("name: a\nname: b\n").unwrap_err();
    assert_eq!(twice[0].pos, Pos { line: 2, col: 1 });
}
