//! What a request's URL may hold before it is sent: no path segment or query value over
//! [`MAX_URL_PART`], and nothing the transport cannot write as a request line. A URL that
//! fails is the caller's input, refused as `invalid_input` with nothing sent, not a
//! transport failure to retry.

use url::Url;

use crate::error::{Error, Result, quote_input};

/// The longest path segment or query value a request may carry (8 KiB, encoded).
pub const MAX_URL_PART: usize = 8 * 1024;

/// Refuses a URL that has a part over [`MAX_URL_PART`] or that the transport would refuse.
pub(crate) fn check_url(url: &Url) -> Result<()> {
    let whole = url.as_str();
    // The common case costs one comparison: no part can be longer than the whole.
    if whole.len() <= MAX_URL_PART {
        return Ok(());
    }
    if let Some(segment) = url
        .path_segments()
        .into_iter()
        .flatten()
        .find(|s| s.len() > MAX_URL_PART)
    {
        return Err(too_long(format!(
            "a path segment ({}) is longer than 8 KiB",
            quote_input(&decoded(segment))
        )));
    }
    if let Some(query) = url.query() {
        for pair in query.split('&') {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            if value.len() > MAX_URL_PART || name.len() > MAX_URL_PART {
                return Err(too_long(format!(
                    "the query parameter {} is longer than 8 KiB",
                    quote_input(&decoded(name))
                )));
            }
        }
    }
    if http::Uri::try_from(whole).is_err() {
        return Err(too_long(format!(
            "the URL ({} bytes) is too long or malformed to send",
            whole.len()
        )));
    }
    Ok(())
}

fn decoded(part: &str) -> String {
    percent_encoding::percent_decode_str(part)
        .decode_utf8_lossy()
        .into_owned()
}

fn too_long(message: String) -> Error {
    Error::invalid_input(format!("{message}; nothing was sent")).with_attempts(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    fn url(path: &str) -> Url {
        Url::parse(&format!("https://example.okta.com{path}")).unwrap()
    }

    #[test]
    fn ordinary_urls_pass() {
        assert!(check_url(&url("/api/v1/users/00u1?limit=2")).is_ok());
        assert!(
            check_url(&url(&format!(
                "/api/v1/users/{}",
                "a".repeat(MAX_URL_PART - 100)
            )))
            .is_ok()
        );
    }

    #[test]
    fn a_long_segment_is_refused_and_quoted_short() {
        let e = check_url(&url(&format!("/api/v1/users/{}", "a".repeat(100_000)))).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert_eq!(e.attempts(), 0);
        assert!(e.message().len() < 300, "{}", e.message());
        assert!(e.message().contains("(100000 bytes)"), "{}", e.message());
    }

    #[test]
    fn a_long_query_value_is_refused() {
        let e = check_url(&url(&format!("/api/v1/users?search={}", "b".repeat(9000)))).unwrap_err();
        assert!(e.message().contains("\"search\""), "{}", e.message());
    }

    #[test]
    fn many_short_parts_that_make_an_unsendable_url_are_refused() {
        let path = "/x".repeat(40_000);
        let e = check_url(&url(&path)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
    }
}
