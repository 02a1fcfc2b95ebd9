//! Blocks: `if` + `then` (+ `else`) run one branch of nested steps, journaled by their own
//! ids; the branch not taken reads as `skipped`; a later try walks the branch the first
//! one committed; ids are unique across the file and blocks nest at most 16 deep.

use connector_runtime::flows::{Ending, StepStatus, validate};
use serde_json::json;

use crate::engine::{Cards, flow, returned, run, run_flow};

const BLOCK: &str = r#"
name: blocks
trigger: { manual: {} }
steps:
  - id: user
    card: test.echo
    input: { role: "{{ event.role }}" }
  - id: by_role
    if: "steps.user.output.role == 'support'"
    then:
      - id: grant
        card: test.echo
        input: { grant: HELP_DESK_ADMIN }
      - id: inner
        if: "event.twice"
        then:
          - id: grant_again
            card: test.echo
            input: { grant: again }
    else:
      - id: note
        assign: { why: "'not support'" }
  - id: done
    return:
      outcome: done
      output:
        branch: "{{ steps.by_role.output.branch }}"
        grant: "{{ steps.grant.status }}"
        grant_output: "{{ steps.grant.output }}"
        again: "{{ steps.grant_again.status }}"
        note: "{{ steps.note.status }}"
        note_output: "{{ steps.note.output }}"
"#;

#[tokio::test]
async fn a_block_runs_one_branch_and_the_steps_of_the_other_read_as_skipped() {
    let cards = Cards::default();
    let (ending, records) = run(BLOCK, &cards, json!({"role": "support"}), &[], 1).await;
    assert_eq!(
        returned(&ending),
        (
            "done".to_owned(),
            json!({"branch": "then", "grant": "succeeded", "grant_output": {"grant": "HELP_DESK_ADMIN"},
                   "again": "skipped", "note": "skipped", "note_output": null})
        )
    );
    let journaled: Vec<_> = records
        .iter()
        .map(|r| (r.id.as_str(), r.status, r.output.clone()))
        .collect();
    // The block's choice is committed before its steps; nested steps go by their own ids;
    // the branch not taken is not journaled.
    assert_eq!(
        journaled[1],
        (
            "by_role",
            StepStatus::Succeeded,
            Some(json!({"branch": "then"}))
        )
    );
    assert_eq!(journaled[2].0, "grant");
    assert_eq!(journaled[3], ("inner", StepStatus::Skipped, None));
    assert_eq!(journaled[4].0, "done");
    assert_eq!(records.len(), 5, "{records:?}");

    let (ending, records) = run(BLOCK, &cards, json!({"role": "engineer"}), &[], 1).await;
    let (_, output) = returned(&ending);
    assert_eq!(output["branch"], "else");
    assert_eq!(output["grant"], "skipped");
    assert_eq!(output["note"], "succeeded");
    assert_eq!(output["note_output"], json!({"why": "not support"}));
    assert!(records.iter().all(|r| r.id != "grant" && r.id != "inner"));
    assert_eq!(cards.calls("test.echo").len(), 3, "one grant in all");
}

#[tokio::test]
async fn a_block_without_else_whose_condition_is_false_is_skipped_with_no_output() {
    let cards = Cards::default();
    let text = r#"
name: no-else
trigger: { manual: {} }
steps:
  - id: maybe
    if: "event.go"
    then:
      - id: send
        card: test.echo
        input: { n: 1 }
  - id: done
    return: { outcome: done, output: { status: "{{ steps.maybe.status }}", block: "{{ steps.maybe.output }}", send: "{{ steps.send.status }}" } }
"#;
    let (ending, records) = run(text, &cards, json!({"go": false}), &[], 1).await;
    assert_eq!(
        returned(&ending),
        (
            "done".to_owned(),
            json!({"status": "skipped", "block": null, "send": "skipped"})
        )
    );
    assert_eq!(records[0].status, StepStatus::Skipped);
    assert_eq!(records[0].output, None);
    assert!(cards.calls("test.echo").is_empty());
    // `if` without `then` is still a guard of its own step.
    let guard = "name: guard\ntrigger: { manual: {} }\nsteps:\n  - id: send\n    if: \"event.go\"\n    card: test.echo\n    input: { n: 2 }\n";
    let (ending, records) = run(guard, &cards, json!({"go": false}), &[], 1).await;
    assert!(matches!(ending, Ending::Completed), "{ending:?}");
    assert_eq!(records[0].status, StepStatus::Skipped);
}

#[tokio::test]
async fn a_later_try_walks_the_committed_branch_and_sends_no_finished_nested_card_again() {
    let cards = Cards::default();
    let text = r#"
name: resumed-block
trigger: { manual: {} }
steps:
  - id: choose
    if: "event.first"
    then:
      - id: one
        card: test.echo
        input: { n: 1 }
      - id: two
        card: test.fail
        input: { kind: not_found, times: 1 }
    else:
      - id: other
        card: test.echo
        input: { n: 99 }
  - id: done
    return: { outcome: done, output: { branch: "{{ steps.choose.output.branch }}", one: "{{ steps.one.output }}" } }
"#;
    let (ending, first) = run(text, &cards, json!({"first": true}), &[], 1).await;
    assert!(matches!(ending, Ending::Failed(_)), "{ending:?}");
    // The event now says otherwise, but the branch was chosen and committed: the second
    // try goes on inside it, after card one.
    let (ending, second) = run(text, &cards, json!({"first": false}), &first, 2).await;
    assert_eq!(
        returned(&ending),
        (
            "done".to_owned(),
            json!({"branch": "then", "one": {"n": 1}})
        )
    );
    assert_eq!(
        cards.calls("test.echo"),
        [json!({"n": 1})],
        "card one once, never the else"
    );
    assert_eq!(cards.calls("test.fail").len(), 2);
    let ids: Vec<&str> = second.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["two", "done"]);
}

#[tokio::test]
async fn a_dry_run_lists_the_cards_of_both_branches_when_the_condition_needs_an_answer() {
    let cards = Cards::default();
    let text = r#"
name: dry-block
trigger: { manual: {} }
steps:
  - id: user
    card: test.echo
    input: { id: "{{ event.id }}" }
  - id: choose
    if: "steps.user.output.role == 'support'"
    then:
      - id: grant
        card: test.echo
        input: { grant: yes }
      - id: granted
        return: { outcome: granted }
    else:
      - id: deny
        card: test.echo
        input: { grant: no }
  - id: done
    return: { outcome: done }
"#;
    let flow = flow(text, &cards);
    let (ending, records) = run_flow(&flow, &cards, &json!({"id": "u1"}), &[], 1, true).await;
    assert_eq!(returned(&ending).0, "done");
    let listed: Vec<String> = records
        .iter()
        .filter(|r| r.card.is_some())
        .map(|r| r.id.clone())
        .collect();
    assert_eq!(listed, ["user", "grant", "deny"]);
    assert!(cards.calls("test.echo").len() <= 3);
}

fn errors(text: &str) -> Vec<String> {
    validate("flows/blocks.yaml", text, &Cards::default())
        .map(|_| Vec::new())
        .unwrap_or_else(|e| e.iter().map(ToString::to_string).collect())
}

#[test]
fn a_nested_step_id_used_twice_is_an_error_at_its_place() {
    let text = "name: dup\ntrigger: { manual: {} }\nsteps:\n  - id: first\n    card: test.echo\n  - id: block\n    if: \"true\"\n    then:\n      - id: first\n        card: test.echo\n    else:\n      - id: inner\n        card: test.echo\n      - id: inner\n        card: test.echo\n";
    assert_eq!(
        errors(text),
        [
            "flows/blocks.yaml:9:13: step id \"first\" is already used by step 1",
            "flows/blocks.yaml:14:13: step id \"inner\" is already used by the step at 12:13",
        ]
    );
}

#[test]
fn blocks_nest_at_most_sixteen_deep_and_then_needs_if() {
    let mut text = String::from("name: deep\ntrigger: { manual: {} }\nsteps:\n");
    let mut indent = String::from("  ");
    for depth in 1..=17 {
        text.push_str(&format!(
            "{indent}- id: b{depth}\n{indent}  if: \"true\"\n{indent}  then:\n"
        ));
        indent.push_str("    ");
    }
    text.push_str(&format!("{indent}- id: leaf\n{indent}  card: test.echo\n"));
    let found = errors(&text);
    // Block 16 (depth 16) may not hold a 17th level: the error is at its `then`.
    let line = 3 + 15 * 3 + 3;
    assert_eq!(
        found,
        [format!(
            "flows/blocks.yaml:{line}:65: blocks nest at most 16 deep (top-level steps are depth 1)"
        )]
    );
    let found =
        errors("name: t\ntrigger: { manual: {} }\nsteps:\n  - id: b\n    then: []\n    else: []\n");
    assert_eq!(
        found,
        ["flows/blocks.yaml:5:5: a block needs `if`: the condition that chooses `then`"]
    );
    let found = errors(
        "name: t\ntrigger: { manual: {} }\nsteps:\n  - id: b\n    card: test.echo\n    else: []\n",
    );
    assert_eq!(
        found,
        ["flows/blocks.yaml:6:5: `else` belongs to a block: give `if` and `then` too"]
    );
}
