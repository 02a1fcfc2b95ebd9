//! Flow History as text, for `connector history` and `connector demo`.

use std::borrow::Cow;
use std::fmt::Write as _;

use serde_json::Value;

use crate::store::Run;

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

/// One line per run (outcome, tries, user, event, finished), then its cards indented:
/// title, attempts, time, input, output or error.
pub fn runs_as_text(runs: &[Run]) -> String {
    let mut out = String::new();
    for run in runs {
        let failed = run.outcome.as_deref() == Some(crate::store::DEAD_LETTERED);
        let mark = match run.outcome.as_deref() {
            _ if failed => "✘",
            Some("retrying") => "↻",
            Some(_) if run.state == "finished" => "✔",
            _ => "…",
        };
        out.push_str(&format!(
            "  {mark} {}  {:<15} {} tr{}  user {}  event {}  {}\n",
            printable(&run.run_id),
            printable(run.outcome.as_deref().unwrap_or(&run.state)),
            run.tries,
            if run.tries == 1 { "y" } else { "ies" },
            printable(run.user_id.as_deref().unwrap_or("-")),
            printable(&run.event_id),
            run.finished_at
                .as_deref()
                .or(run.next_try_at.as_deref())
                .unwrap_or("")
        ));
        out.push_str(&format!("      flow: {}\n", printable(&run.flow)));
        if let Some(output) = &run.output {
            out.push_str(&format!("      output: {}\n", compact(output, 200)));
        }
        for (i, card) in run.cards.iter().enumerate() {
            out.push_str(&format!(
                "      {}. {} {:<42} {} attempt{}  {:.1} ms\n",
                i + 1,
                if card.error.is_some() { "✘" } else { "✔" },
                printable(&card.title),
                card.attempts,
                if card.attempts == 1 { "" } else { "s" },
                card.duration_ms
            ));
            out.push_str(&format!("         input:  {}\n", compact(&card.input, 200)));
            if let Some(output) = &card.output {
                out.push_str(&format!("         output: {}\n", compact(output, 200)));
            }
            if let Some(error) = &card.error {
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
        if let (Some(error), true) = (&run.error, run.cards.iter().all(|c| c.error.is_none())) {
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
