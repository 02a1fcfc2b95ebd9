//! Flow History as text, for `connector history` and `connector demo`.

use std::borrow::Cow;
use std::fmt::Write as _;

use serde_json::Value;

use crate::flows::StepStatus;
use crate::run::Run;

/// `text` with every control character (C0, DEL, C1: what a terminal would act on, such
/// as ESC starting a colour or a title change) written as a visible `\u{..}` escape, so
/// that event data cannot drive the reader's terminal.
///
/// ```
/// assert_eq!(connector_runtime::printable("a\u{1b}[31mb\n"), "a\\u{1b}[31mb\\u{a}");
/// assert_eq!(connector_runtime::printable("plain"), "plain");
/// ```
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn compact(value: &Value, limit: usize) -> String {
    let text = serde_json::to_string(value).unwrap_or_default();
    let text = if text.chars().count() <= limit {
        text
    } else {
        let cut: String = text.chars().take(limit).collect();
        format!("{cut}… ({} bytes)", text.len())
    };
    printable(&text).into_owned()
}

/// One line per run (outcome, tries, subject, event, finished), then every try's steps
/// indented: id, card, status, attempts, time, input, output or error.
pub fn runs_as_text(runs: &[Run]) -> String {
    let mut out = String::new();
    for run in runs {
        let mark = match run.state {
            crate::RunState::DeadLettered => "✘",
            crate::RunState::Retrying => "↻",
            crate::RunState::Finished => "✔",
            _ => "…",
        };
        out.push_str(&format!(
            "  {mark} {}  {:<15} {} tr{}  {}  event {}  {}\n",
            printable(&run.run_id),
            printable(run.outcome.as_deref().unwrap_or(run.state.as_str())),
            run.tries,
            if run.tries == 1 { "y" } else { "ies" },
            printable(run.subject.as_deref().unwrap_or("-")),
            printable(&run.event_id),
            run.finished_at
                .as_deref()
                .or(run.next_try_at.as_deref())
                .unwrap_or("")
        ));
        out.push_str(&format!("      flow: {}", printable(&run.flow)));
        if let Some(waiting) = &run.waiting_for {
            out.push_str(&format!("  (waiting for {})", compact(waiting, 200)));
        }
        if let Some(of) = &run.rerun_of {
            out.push_str(&format!("  (re-run of {})", printable(of)));
        }
        out.push('\n');
        if let Some(output) = &run.output {
            out.push_str(&format!("      output: {}\n", compact(output, 200)));
        }
        for step in &run.steps {
            let status = match step.status {
                StepStatus::Succeeded => "✔",
                StepStatus::Failed => "✘",
                StepStatus::Skipped => "–",
                StepStatus::Continued => "↷",
                StepStatus::Returned => "⏎",
                StepStatus::Waiting => "⏸",
            };
            let name = match step.item {
                Some(item) => format!("{}[{item}]", step.id),
                None => step.id.clone(),
            };
            match &step.card {
                Some(card) => out.push_str(&format!(
                    "      try {} {status} {:<20} {:<34} {} attempt{}  {:.1} ms\n",
                    step.try_no,
                    printable(&name),
                    printable(card),
                    step.attempts,
                    if step.attempts == 1 { "" } else { "s" },
                    step.duration_ms
                )),
                None => out.push_str(&format!(
                    "      try {} {status} {}\n",
                    step.try_no,
                    printable(&name)
                )),
            }
            if let Some(input) = &step.input {
                out.push_str(&format!("         input:  {}\n", compact(input, 200)));
            }
            if let Some(output) = &step.output {
                out.push_str(&format!("         output: {}\n", compact(output, 200)));
            }
            if let Some(error) = &step.error {
                out.push_str(&format!(
                    "         error:  {} {} {} {} (request id {})\n",
                    printable(&error.kind),
                    error.status.map(|s| s.to_string()).unwrap_or_default(),
                    printable(error.code.as_deref().unwrap_or("")),
                    printable(&error.message),
                    printable(error.request_id.as_deref().unwrap_or("-"))
                ));
            }
        }
        if let (Some(error), true) = (&run.error, run.steps.iter().all(|c| c.error.is_none())) {
            out.push_str(&format!("      error: {}\n", compact(error, 200)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_from_event_data_are_shown_escaped() {
        assert_eq!(printable("\u{1b}]0;pwned\u{7}"), "\\u{1b}]0;pwned\\u{7}");
        assert_eq!(printable("del\u{7f} csi\u{9b}"), "del\\u{7f} csi\\u{9b}");
        assert_eq!(compact(&Value::from("\u{9b}2J"), 200), "\"\\u{9b}2J\"");
    }
}
