//! Reading an export from a file, bounded: its size is checked before anything is read
//! into memory, its nesting is measured before it is parsed (so the parser never
//! recurses past [`MAX_DEPTH`]), and every way a file can fail to be an export is one
//! line of words ([`Unreadable`]), never a panic.

use std::io::Read;
use std::path::Path;

use serde_json::Value;

use crate::model::Export;

/// The largest export read: 64 MiB (Okta's largest public template is under 2 MiB).
pub const MAX_EXPORT_BYTES: u64 = 64 * 1024 * 1024;

/// The deepest nesting of arrays and objects read (Okta's templates nest 34 deep; an
/// inline helper flow adds about ten levels).
pub const MAX_DEPTH: usize = 100;

/// Why a file is not a readable export, in one line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unreadable(pub String);

impl std::fmt::Display for Unreadable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Reads the export in `path`.
pub fn read_export(path: &Path) -> Result<Export, Unreadable> {
    let why = |text: String| Unreadable(text);
    let meta = std::fs::metadata(path).map_err(|e| why(format!("cannot be read: {e}")))?;
    if !meta.is_file() {
        return Err(why("is not a regular file".into()));
    }
    if meta.len() > MAX_EXPORT_BYTES {
        return Err(why(too_big()));
    }
    let file = std::fs::File::open(path).map_err(|e| why(format!("cannot be read: {e}")))?;
    let mut bytes = Vec::new();
    // The length may have grown since it was looked at: read no further than the bound.
    file.take(MAX_EXPORT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| why(format!("cannot be read: {e}")))?;
    if bytes.len() as u64 > MAX_EXPORT_BYTES {
        return Err(why(too_big()));
    }
    parse_export(&bytes)
}

fn too_big() -> String {
    format!(
        "is over {} MiB, the largest export read",
        MAX_EXPORT_BYTES / 1024 / 1024
    )
}

/// Parses an export's bytes (what [`read_export`] does once the file is read).
pub fn parse_export(bytes: &[u8]) -> Result<Export, Unreadable> {
    let why = |text: String| Unreadable(text);
    if bytes.len() as u64 > MAX_EXPORT_BYTES {
        return Err(why(too_big()));
    }
    if let Some(depth) = too_deep(bytes) {
        return Err(why(format!(
            "nests deeper than {depth} levels of arrays and objects"
        )));
    }
    let value: Value = serde_json::from_slice(bytes).map_err(|e| {
        if e.is_eof() {
            why(format!("is truncated: the JSON ends early ({e})"))
        } else {
            why(format!("is not JSON ({e})"))
        }
    })?;
    let kind = value.get("type").and_then(Value::as_str).unwrap_or("");
    let flos = value.get("data").and_then(|d| d.get("flos"));
    if !matches!(kind, "flopack" | "folder" | "flow") || !flos.is_some_and(Value::is_object) {
        return Err(why(
            "is not an Okta Workflows export (no \"type\": \"flopack\", \"folder\" or \"flow\" with data.flos)"
                .into(),
        ));
    }
    serde_json::from_value(value).map_err(|e| why(format!("is not an Okta Workflows export ({e})")))
}

/// `Some(MAX_DEPTH)` when the JSON text nests deeper than [`MAX_DEPTH`]: a scan of the
/// bytes that skips strings, before any parser recurses.
fn too_deep(bytes: &[u8]) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for &b in bytes {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Some(MAX_DEPTH);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_unreadable_kind_is_one_line_of_why() {
        let cases: [(&[u8], &str); 5] = [
            (
                b"{\"type\": \"flopack\", \"data\": {\"flos\": {",
                "truncated",
            ),
            (b"PK\x03\x04 a zip file", "not JSON"),
            (
                b"{\"type\": \"notes\", \"data\": {}}",
                "not an Okta Workflows export",
            ),
            (b"[1, 2, 3]", "not an Okta Workflows export"),
            (
                b"{\"type\": \"flopack\", \"data\": {\"flos\": []}}",
                "not an Okta Workflows export",
            ),
        ];
        for (bytes, expected) in cases {
            let why = parse_export(bytes).unwrap_err().0;
            assert!(why.contains(expected), "{why}");
            assert!(!why.contains('\n'), "{why}");
        }
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let why = parse_export(deep.as_bytes()).unwrap_err().0;
        assert!(why.contains("nests deeper than 100"), "{why}");
        // Brackets inside strings are text, not nesting.
        let text = format!(
            "{{\"type\": \"flow\", \"data\": {{\"flos\": {{}}, \"x\": \"{}\"}}}}",
            "[{".repeat(1000)
        );
        assert!(parse_export(text.as_bytes()).is_ok());
    }

    #[test]
    fn unknown_fields_are_ignored() {
        let text = r#"{"type": "flopack", "version": "9.9.9", "future": 1,
            "data": {"flos": {"a": {"name": "A", "novel": [], "data": {"methods": [], "more": {}}}}}}"#;
        let export = parse_export(text.as_bytes()).unwrap();
        assert_eq!(export.data.flos["a"].name, "A");
    }
}
