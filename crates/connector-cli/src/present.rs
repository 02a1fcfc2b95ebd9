//! How a command shows its result and its errors: the global `-o`, `--fields` and
//! `--error-format` options, and what a terminal gets by default.
//!
//! Off a terminal nothing changes unless an option asks: JSON from `run` and `describe`,
//! the plain text of `list` and `history`, errors as one JSON object on stderr. On a
//! terminal, lists become tables and errors one readable line with a hint.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::OnceLock;

use connector_cli::args::ErrorFormat;
use connector_cli::output::{self, Fields, Format, TABLE_WIDTH};
use connector_core::{Error, ErrorKind};
use serde_json::Value;

/// The global presentation options, set once from the command line.
#[derive(Debug, Default)]
pub(crate) struct Presentation {
    pub(crate) output: Option<Format>,
    pub(crate) fields: Fields,
    pub(crate) error_format: Option<ErrorFormat>,
}

static PRESENTATION: OnceLock<Presentation> = OnceLock::new();
/// The connector and action a command works on, for the hints.
static SUBJECT: OnceLock<(String, String)> = OnceLock::new();

/// Names the connector and action the command works on, so that hints can name them.
pub(crate) fn set_subject(connector: &str, action: &str) {
    let _ = SUBJECT.set((connector.to_owned(), action.to_owned()));
}

pub(crate) fn set(presentation: Presentation) {
    let _ = PRESENTATION.set(presentation);
}

pub(crate) fn get() -> &'static Presentation {
    PRESENTATION.get_or_init(Presentation::default)
}

/// A command's result: the JSON every form is made from, and what it printed before
/// there were forms.
pub(crate) struct Shown {
    json: Value,
    plain: Option<String>,
    table: Option<Value>,
}

impl Shown {
    /// A result whose plain form is its JSON (`run`, `describe`).
    pub(crate) fn json(json: Value) -> Shown {
        Shown {
            json,
            plain: None,
            table: None,
        }
    }

    /// A result that prints `plain` text by default off a terminal (`list`, `history`).
    pub(crate) fn with_plain(mut self, plain: String) -> Shown {
        self.plain = Some(plain);
        self
    }

    /// The rows a table shows, when they are not the JSON's own list.
    pub(crate) fn with_table(mut self, rows: Value) -> Shown {
        self.table = Some(rows);
        self
    }

    /// Prints the result in the form asked for, or the default for where stdout goes.
    /// `json_flag` is a command's own `--json`, the same as `-o json`.
    pub(crate) fn print(self, json_flag: bool) -> ExitCode {
        let options = get();
        let table_value = self.table.as_ref().unwrap_or(&self.json);
        let format = if json_flag {
            Some(Format::Json)
        } else {
            options.output.or_else(|| {
                (std::io::stdout().is_terminal() && output::is_list(table_value))
                    .then_some(Format::Table)
            })
        };
        crate::progress::clear();
        match format {
            Some(Format::Json) => crate::print_json(&output::project(&self.json, &options.fields)),
            Some(Format::Yaml) => crate::emit(&output::render_yaml(&output::project(
                &self.json,
                &options.fields,
            ))),
            Some(Format::Table) => crate::emit(&output::render_table(
                table_value,
                &options.fields,
                TABLE_WIDTH,
            )),
            None => match self.plain {
                Some(text) if options.fields.is_empty() => crate::emit(&text),
                _ => crate::print_json(&output::project(&self.json, &options.fields)),
            },
        }
    }
}

/// True when errors are written for a person: `--error-format text`, or a terminal on
/// stderr without `--error-format json`.
pub(crate) fn readable_errors() -> bool {
    match get().error_format {
        Some(ErrorFormat::Text) => true,
        Some(ErrorFormat::Json) => false,
        None => std::io::stderr().is_terminal(),
    }
}

/// One readable line for an error (kind, message, status and code, request id), and a
/// hint on the next when there is one.
pub(crate) fn error_text(error: &Error, colour: bool) -> String {
    let mut facts = Vec::new();
    if let Some(status) = error.status() {
        facts.push(format!("HTTP {status}"));
    }
    if let Some(code) = error.code() {
        facts.push(code.to_owned());
    }
    if let Some(id) = error.request_id() {
        facts.push(format!("request id {id}"));
    }
    if error.attempts() > 1 {
        facts.push(format!("{} attempts", error.attempts()));
    }
    let label = if colour {
        "\x1b[1;31merror\x1b[0m"
    } else {
        "error"
    };
    let mut text = format!(
        "{label}: {}: {}",
        error.kind().as_str().replace('_', " "),
        connector_runtime::printable(error.message())
    );
    if !facts.is_empty() {
        text.push_str(&format!(
            " ({})",
            connector_runtime::printable(&facts.join(", "))
        ));
    }
    text.push('\n');
    if let Some(hint) = hint(error) {
        text.push_str(&format!("hint: {hint}\n"));
    }
    text
}

/// What to try next, by what went wrong.
fn hint(error: &Error) -> Option<String> {
    if error.outcome_unknown() {
        return Some(
            "the request may have taken effect before the connection failed: check before running it again"
                .to_owned(),
        );
    }
    if let Some(after) = error.retry_after() {
        return Some(format!("try again in {:.1} s", after.as_secs_f64()));
    }
    let (connector, action) = SUBJECT
        .get()
        .map_or(("CONNECTOR", "ACTION"), |(c, a)| (c.as_str(), a.as_str()));
    let hint = match error.kind() {
        ErrorKind::InvalidInput => {
            return Some(format!(
                "`connector describe {connector} {action}` lists the inputs and prints an example that runs"
            ));
        }
        ErrorKind::Configuration => {
            return Some(format!(
                "`connector describe {connector}` lists the settings a connection needs; `connector sandbox` prints a set that works locally"
            ));
        }
        ErrorKind::Authentication => {
            "the service refused the credential: check OKTA_API_TOKEN (or OKTA_CLIENT_ID and OKTA_PRIVATE_KEY) or BOARDS_API_TOKEN"
        }
        ErrorKind::PermissionDenied => {
            "the credential is valid but lacks the permission or scope this action needs"
        }
        ErrorKind::NotFound => {
            "check the id or name in the input; a search action lists what exists"
        }
        ErrorKind::RateLimited => {
            "the budget is spent: wait, or share one budget between processes with CONNECTOR_RATE_LIMIT_URL"
        }
        ErrorKind::Transport | ErrorKind::Timeout => {
            "check that the service's URL is right and reachable from here"
        }
        _ => return None,
    };
    Some(hint.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_readable_error_is_one_line_with_facts_and_a_hint() {
        let error = Error::new(
            ErrorKind::NotFound,
            "Not found: Resource not found: x\u{1b}[2J",
        )
        .with_status(404)
        .with_code("E0000007")
        .with_request_id("req-1");
        let text = error_text(&error, false);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "error: not found: Not found: Resource not found: x\\u{1b}[2J (HTTP 404, E0000007, request id req-1)"
        );
        assert!(lines[1].starts_with("hint: "), "{text}");
        assert_eq!(lines.len(), 2);
    }
}
