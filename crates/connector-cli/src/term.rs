//! Whether to write ANSI escape sequences (colours, a progress line that rewrites itself)
//! to a stream: only to a terminal, and never when `NO_COLOR` is set (<https://no-color.org>).

use std::io::IsTerminal;

/// True when `stream` is a terminal and `NO_COLOR` is unset or empty.
pub(crate) fn ansi(stream: &impl IsTerminal) -> bool {
    stream.is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty())
}
