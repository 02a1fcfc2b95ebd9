//! The demo's report: the test flow's cards, the runtime's Flow History read back from
//! the store, and the checks.

use std::time::Duration;

use connector_runtime::Run;
use connector_sandbox::Sandbox;
use serde_json::Value;

use crate::demo_history::History;

/// The facts of an output a reader looks for first.
pub(crate) fn summarize(action: &str, output: &Value) -> Option<String> {
    let s = |p: &str| output.pointer(p).and_then(Value::as_str).unwrap_or("?");
    let list = |key: &str, field: &str| {
        output
            .get(key)
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(|i| i.get(field).and_then(Value::as_str))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default()
    };
    match action {
        "create-user" => Some(format!(
            "user {} {} ({}), role {}",
            s("/id"),
            s("/profile/login"),
            s("/status"),
            s("/profile/role")
        )),
        "list-user-roles" => Some(format!("roles: [{}]", list("roles", "type"))),
        "template" => Some(match s("/outcome") {
            "assigned" => format!(
                "assigned HELP_DESK_ADMIN (assignment {})",
                s("/assignmentId")
            ),
            "alreadyAssigned" => "already assigned: nothing to do".to_owned(),
            _ => format!("skipped: {}", s("/reason")),
        }),
        "create-board" | "archive-board" => Some(format!(
            "board {} \"{}\" ({})",
            s("/id"),
            s("/name"),
            s("/state")
        )),
        "read-user" => Some(format!("user {} {}", s("/id"), s("/email"))),
        "add-user-to-board" => Some(format!("added: [{}]", list("users", "email"))),
        "read-board" => Some(format!("owners: [{}]", list("owners", "email"))),
        _ => None,
    }
}

fn compact(value: &Value, limit: usize) -> String {
    let text =
        serde_json::to_string(&connector_core::pipeline::mask_secrets(value)).unwrap_or_default();
    if text.chars().count() <= limit {
        text
    } else {
        let cut: String = text.chars().take(limit).collect();
        format!("{cut}… ({} bytes)", text.len())
    }
}

/// The flow history as the product's Flow History shows it.
pub(crate) fn render(history: &History, sandbox: &Sandbox, total: Duration) -> String {
    let mut out = String::new();
    out.push_str(
        "connector demo: the \"Add User to Admin Role\" template, end to end on the sandbox\n",
    );
    out.push_str(&format!(
        "  Okta emulator:   {}\n  boards emulator: {}\n\nFlow History\n",
        sandbox.okta().base_url(),
        sandbox.boards().api_url()
    ));
    let mut flow = "";
    for (i, card) in history.cards.iter().enumerate() {
        if card.flow != flow {
            flow = card.flow;
            out.push_str(&format!("\n  Flow: {flow}\n"));
        }
        let mark = if card.result.is_ok() { "✔" } else { "✘" };
        out.push_str(&format!(
            "  {:>2}. {mark} {:<42} {:>6.1} ms  {} request{} on the wire\n",
            i + 1,
            card.title,
            card.duration.as_secs_f64() * 1000.0,
            card.requests_seen,
            if card.requests_seen == 1 { "" } else { "s" }
        ));
        if let Some(summary) = &card.summary {
            out.push_str(&format!("        → {summary}\n"));
        }
        out.push_str(&format!("        input:  {}\n", compact(&card.input, 220)));
        match &card.result {
            Ok(output) => out.push_str(&format!("        output: {}\n", compact(output, 220))),
            Err(error) => out.push_str(&format!("        error:  {error}\n")),
        }
    }
    out.push_str(&format!(
        "\nFlow History of the runtime (read back from its store; the sandbox's event hook delivered each event twice: {} deliveries, {} runs, {} re-run)\n",
        history.deliveries,
        history.event_runs(),
        history.runs.len() - history.event_runs()
    ));
    out.push_str(&runs_text(&history.runs));
    out.push_str("\nChecks\n");
    for check in &history.checks {
        out.push_str(&format!(
            "  {} {}\n",
            if check.holds { "✔" } else { "✘" },
            check.what
        ));
    }
    let held = history.checks.iter().filter(|c| c.holds).count();
    out.push_str(&format!(
        "\n{} of {} checks hold; {} cards in {:.2} s\n",
        held,
        history.checks.len(),
        history.cards.len(),
        total.as_secs_f64()
    ));
    out
}

fn runs_text(runs: &[Run]) -> String {
    connector_runtime::runs_as_text(runs)
}
