//! The expressions' tests: typing, missing values, and every bound with its hostile input.

use super::*;
use serde_json::json;

fn scope() -> Value {
    json!({"event": {"target": [{"id": "00u1", "alternateId": "ada@example.com"}], "n": 3}})
}

#[test]
fn one_whole_expression_keeps_its_type_and_text_is_rendered() {
    let x = Expressions::new();
    let input = json!({"id": "{{ event.target[0].id }}", "n": "{{ event.n }}", "t": "user {{ event.n + 1 }}", "k": "plain"});
    assert_eq!(
        x.render(&input, &scope()).unwrap(),
        json!({"id": "00u1", "n": 3, "t": "user 4", "k": "plain"})
    );
}

#[test]
fn a_missing_field_is_null_whole_and_an_error_in_text() {
    let x = Expressions::new();
    assert_eq!(
        x.render(&json!("{{ event.nope.deeper }}"), &scope())
            .unwrap(),
        Value::Null
    );
    let e = x
        .render(&json!("/users/{{ event.nope }}/roles"), &scope())
        .unwrap_err();
    assert!(e.message.contains("{{ event.nope }}"), "{e}");
}

#[test]
fn expressions_name_what_they_read_and_refuse_bad_syntax() {
    let x = Expressions::new();
    let names = x
        .check_expression("steps.user.output.profile.role != 'Support'")
        .unwrap();
    assert!(
        names.iter().any(|n| n.starts_with("steps.user")),
        "{names:?}"
    );
    assert!(x.check_expression("steps.user.output ==").is_err());
    assert!(x.check_template("{{ unclosed").is_err());
}

#[test]
fn nothing_reads_files_and_endless_work_runs_out_of_fuel() {
    let x = Expressions::new();
    assert!(
        x.render(&json!("{% include '/etc/passwd' %}"), &scope())
            .is_err()
    );
    let endless =
        "{% for i in range(1000000) %}{% for j in range(1000000) %}x{% endfor %}{% endfor %}";
    let e = x.render(&json!(endless), &scope()).unwrap_err();
    assert!(
        e.message.contains("fuel") || e.message.contains("range"),
        "{e}"
    );
}

fn timed<T>(f: impl FnOnce() -> T) -> (T, std::time::Duration) {
    let started = std::time::Instant::now();
    let value = f();
    (value, started.elapsed())
}

#[test]
fn the_expression_bombs_fail_fast_without_building_their_values() {
    let x = Expressions::new();
    let event = json!({"event": {"x": "x"}});
    for bomb in [
        "(range(100000) * 5000) | sum",
        "([(event.x * 100000000)] * 8) | join | length",
        "([(event.x * 100000000)] * 40) | join | length",
        "([event.x * 16000000] * 8) | join | length",
        "(event.x * 16000000) ~ (event.x * 16000000)",
        "range(100000) | map('string') | join(event.x * 10000000)",
        "(event.x * 10000000) | replace('', event.x * 1000)",
        "range(100000) | list | tojson(indent=100000)",
    ] {
        let (result, took) = timed(|| x.eval(bomb, &event));
        let e = result.unwrap_err();
        assert!(
            e.message.contains("16 MiB") || e.message.contains("budget"),
            "{bomb}: {e}"
        );
        eprintln!("{bomb}: {took:?}");
        // Measured: a few milliseconds each (debug build).
        assert!(took < std::time::Duration::from_secs(2), "{bomb}: {took:?}");
    }
    // Constant parts that would fold into a big value are refused before running.
    for bomb in [
        "([('x' * 100000000)] * 8) | join | length",
        "('x' * 10000000) ~ ('x' * 10000000)",
    ] {
        let e = x.check_expression(bomb).unwrap_err();
        assert!(e.message.contains("16 MiB"), "{bomb}: {e}");
    }
    // What is honest still works.
    assert_eq!(x.eval("(range(3) * 2) | sum", &event).unwrap(), json!(6));
    assert_eq!(
        x.eval("([event.x] * 3) | join('-')", &event).unwrap(),
        json!("x-x-x")
    );
}

#[test]
fn work_spread_over_many_small_steps_runs_out_of_budget() {
    let x = Expressions::new();
    let scope = json!({"event": {"s": "y".repeat(1_000_000)}});
    let loops =
        "{% for i in range(100000) %}{% if event.s == event.s ~ '' %}{% endif %}{% endfor %}";
    let (result, took) = timed(|| x.render(&json!(loops), &scope));
    let e = result.unwrap_err();
    eprintln!("many small steps: {took:?}");
    assert!(
        e.message.contains("budget") || e.message.contains("fuel"),
        "{e}"
    );
    assert!(took < std::time::Duration::from_secs(5), "{took:?}");
}

#[test]
fn raw_text_in_a_loop_counts_towards_the_rendered_limit() {
    let x = Expressions::new();
    let text = format!(
        "{{% for i in range(90000) %}}{}{{% endfor %}}",
        "z".repeat(1000)
    );
    let e = x.render(&json!(text), &scope()).unwrap_err();
    assert!(e.message.contains("rendered text"), "{e}");
}

#[test]
fn a_value_nested_deeper_than_128_is_refused_not_a_stack_overflow() {
    let x = Expressions::new();
    let deep = "{% set ns = namespace(v=1) %}{% for i in range(5000) %}{% set ns.v = [ns.v] %}{% endfor %}{{ ns.v }}";
    let e = x.render(&json!({"out": deep}), &scope()).unwrap_err();
    assert!(e.message.contains("deeper than 128"), "{e}");
    let fine = "{% set ns = namespace(v=1) %}{% for i in range(100) %}{% set ns.v = [ns.v] %}{% endfor %}{{ ns.v | length }}";
    assert_eq!(x.render(&json!(fine), &scope()).unwrap(), json!("1"));
    let mut nested = json!("{{ event.n }}");
    for _ in 0..200 {
        nested = json!([nested]);
    }
    let e = x.render(&nested, &scope()).unwrap_err();
    assert!(e.message.contains("deeper than 128"), "{e}");
}

#[test]
fn loop_variables_in_text_templates_are_read() {
    let x = Expressions::new();
    let scope = json!({"event": {"users": [{"id": "u1"}, {"id": "u2"}]}});
    let text = "{% for u in event.users %}{{ u.id }};{% endfor %}";
    assert_eq!(x.render(&json!(text), &scope).unwrap(), json!("u1;u2;"));
    let missing = "{% for u in event.users %}{{ u.nope }}{% endfor %}";
    let e = x.render(&json!(missing), &scope).unwrap_err();
    assert!(e.message.contains("missing or null"), "{e}");
}

#[test]
fn unknown_filters_tests_and_functions_are_named_with_the_nearest() {
    let x = Expressions::new();
    let e = x.check_expression("event.list | lenght").unwrap_err();
    assert!(e.message.contains("did you mean `length`"), "{e}");
    let e = x
        .check_template("at {{ event.at | datetimeformat }}")
        .unwrap_err();
    assert!(e.message.contains("no filter `datetimeformat`"), "{e}");
    assert!(x.check_template("{{ event.n | string | upper }}").is_ok());
}
