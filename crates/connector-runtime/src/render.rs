//! Flow History as text, for `connector history` and `connector demo`.

use serde_json::Value;

use crate::store::Run;

fn compact(value: &Value, limit: usize) -> String {
    let text = serde_json::to_string(value).unwrap_or_default();
    if text.chars().count() <= limit {
        text
    } else {
        let cut: String = text.chars().take(limit).collect();
        format!("{cut}… ({} bytes)", text.len())
    }
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
            run.run_id,
            run.outcome.as_deref().unwrap_or(&run.state),
            run.tries,
            if run.tries == 1 { "y" } else { "ies" },
            run.user_id.as_deref().unwrap_or("-"),
            run.event_id,
            run.finished_at
                .as_deref()
                .or(run.next_try_at.as_deref())
                .unwrap_or("")
        ));
        out.push_str(&format!("      flow: {}\n", run.flow));
        if let Some(output) = &run.output {
            out.push_str(&format!("      output: {}\n", compact(output, 200)));
        }
        for (i, card) in run.cards.iter().enumerate() {
            out.push_str(&format!(
                "      {}. {} {:<42} {} attempt{}  {:.1} ms\n",
                i + 1,
                if card.error.is_some() { "✘" } else { "✔" },
                card.title,
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
                    error.kind,
                    error.status.map(|s| s.to_string()).unwrap_or_default(),
                    error.code.as_deref().unwrap_or(""),
                    error.message,
                    error.request_id.as_deref().unwrap_or("-")
                ));
            }
        }
        if let (Some(error), true) = (&run.error, run.cards.iter().all(|c| c.error.is_none())) {
            out.push_str(&format!("      error: {}\n", compact(error, 200)));
        }
    }
    out
}
