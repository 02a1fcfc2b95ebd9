//! The `relativeUrl` guard rail: a caller's path must stay on the connection's origin.

use super::MAX_URL_BYTES;
use crate::error::{Error, Result, quote_input};

/// The path in refusals' "such as ..." when the connector has no default path.
pub(super) const EXAMPLE_PATH: &str = "/api/v1/users";

/// Checks a caller's `relativeUrl` and returns its path and query.
///
/// Refused, as `invalid_input`: anything not starting with a single `/` (absolute URLs,
/// scheme-relative `//host`, bare paths), backslashes, control characters (CR, LF, NUL, ...),
/// whitespace, fragments, `@` before the path (userinfo tricks), dot segments (`/../`,
/// `/./`) in plain or percent-encoded form, encoded slashes and backslashes (`%2f`, `%5c`),
/// encoded control characters, and malformed percent escapes.
pub fn check_relative_url(relative_url: &str) -> Result<(String, Option<String>)> {
    check_relative_url_like(relative_url, EXAMPLE_PATH)
}

/// [`check_relative_url`], with the connector's own path as the example in refusals.
pub(super) fn check_relative_url_like(
    relative_url: &str,
    example: &str,
) -> Result<(String, Option<String>)> {
    check_url_path(
        "relativeUrl",
        relative_url,
        &format!("give a path from the origin's root such as {example}"),
    )
}

/// [`check_relative_url`] for an input field of another name (the generic HTTP card's
/// `url`): refusals name `field` and end with `hint`.
///
/// ```
/// use connector_core::custom::check_url_path;
///
/// let e = check_url_path("url", "/a/../b", "give a path such as /items").unwrap_err();
/// assert!(e.message().starts_with(r#"url "/a/../b" is refused: it contains a dot segment"#));
/// ```
pub fn check_url_path(
    field: &str,
    relative_url: &str,
    hint: &str,
) -> Result<(String, Option<String>)> {
    let refuse = |why: &str| {
        Err(Error::invalid_input(format!(
            "{field} {} is refused: {why}; {hint}",
            quote_input(relative_url)
        )))
    };
    if relative_url.is_empty() {
        return refuse("it is empty");
    }
    if relative_url.len() > MAX_URL_BYTES {
        return refuse(&format!(
            "it is longer than the {MAX_URL_BYTES}-byte limit on URLs"
        ));
    }
    if relative_url
        .chars()
        .any(|c| c.is_control() || c.is_whitespace())
    {
        return refuse("it contains control characters or whitespace");
    }
    if relative_url.contains('\\') {
        return refuse("it contains a backslash");
    }
    if !relative_url.starts_with('/') {
        return refuse("it must start with /");
    }
    if relative_url.starts_with("//") {
        return refuse("a scheme-relative URL (//host) would leave the origin");
    }
    if relative_url.contains('#') {
        return refuse("it contains a fragment");
    }
    let (path, query) = match relative_url.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (relative_url, None),
    };
    if path.contains('@')
        && path
            .split('/')
            .nth(1)
            .is_some_and(|s| s.contains('@') && s.contains(':'))
    {
        return refuse("it looks like userinfo");
    }
    if path.contains(':') && path.split('/').nth(1).is_some_and(|s| s.contains(':')) {
        return refuse("its first segment contains a colon");
    }
    // Decode the path once and look at what a server (or a proxy that decodes) would see.
    let bytes = path.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok());
            match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                Some(b) => {
                    if b == b'/' || b == b'\\' {
                        return refuse("it contains an encoded slash or backslash");
                    }
                    if b < 0x20 || b == 0x7f {
                        return refuse("it contains an encoded control character");
                    }
                    if b == b'%' {
                        return refuse("it contains a double-encoded escape");
                    }
                    decoded.push(b);
                    i += 3;
                }
                None => return refuse("it contains a malformed percent escape"),
            }
        } else {
            decoded.push(bytes[i]);
            i += 1;
        }
    }
    let decoded = String::from_utf8_lossy(&decoded);
    if decoded
        .split('/')
        .any(|segment| segment == "." || segment == "..")
    {
        return refuse("it contains a dot segment (/../ or /./)");
    }
    if let Some(q) = query
        && q.bytes().any(|b| b == b'%')
        && q.split('%').skip(1).any(|rest| {
            rest.get(..2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .is_none_or(|b| b < 0x20 || b == 0x7f)
        })
    {
        return refuse("its query contains a malformed escape or an encoded control character");
    }
    Ok((path.to_owned(), query.map(str::to_owned)))
}
