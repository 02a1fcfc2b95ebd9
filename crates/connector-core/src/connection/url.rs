//! Base URLs and path segments: where a connection may send credentials.

use url::{Host, Url};

use crate::error::{Error, Result};

/// Parses a base URL: `https`, or `http` for loopback hosts only; no credentials in it.
pub fn parse_base_url(raw: &str) -> Result<Url> {
    let url = Url::parse(raw.trim()).map_err(|e| {
        Error::configuration(format!(
            "{:?} is not a valid URL ({e}); give one such as https://example.okta.com",
            redact_userinfo(raw)
        ))
    })?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::configuration(
            "the URL must not carry credentials (user:password@); pass them as a token",
        ));
    }
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            return Err(Error::configuration(format!(
                "{url} uses http; https is required except for loopback hosts (127.0.0.1, ::1, localhost)"
            )));
        }
        other => {
            return Err(Error::configuration(format!(
                "{url} uses the {other} scheme; use https"
            )));
        }
    }
    if url.host().is_none() {
        return Err(Error::configuration(format!("{url} has no host")));
    }
    Ok(url)
}

fn redact_userinfo(raw: &str) -> String {
    match (raw.find("://"), raw.find('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            format!("{}://****@{}", &raw[..scheme_end], &raw[at + 1..])
        }
        _ => raw.to_owned(),
    }
}

/// True when the URL's host is a loopback address or `localhost`.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// Escapes one path segment (an id or a login) so it cannot change the path's shape.
///
/// Everything but unreserved characters is percent-encoded, `@` and `+` included: logins
/// travel as `ada%40example.com`, as Okta documents, and a `+` can never be read as a space.
pub fn path_segment(segment: &str) -> String {
    const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    let encoded = percent_encoding::utf8_percent_encode(segment, SEGMENT).to_string();
    // "." and ".." are dot-segments even when unescaped characters only: escape them.
    match encoded.as_str() {
        "." => "%2E".to_owned(),
        ".." => "%2E%2E".to_owned(),
        _ => encoded,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    #[test]
    fn base_urls_need_https_except_on_loopback() {
        assert!(parse_base_url("https://acme.okta.com").is_ok());
        assert!(parse_base_url("http://127.0.0.1:8080").is_ok());
        assert!(parse_base_url("http://[::1]:8080").is_ok());
        assert!(parse_base_url("http://localhost:1").is_ok());
        for bad in [
            "http://acme.okta.com",
            "ftp://x",
            "not a url",
            "https://user:pw@acme.okta.com",
        ] {
            let e = parse_base_url(bad).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Configuration, "{bad}");
            assert!(!e.to_string().contains("pw@"), "{e}");
        }
    }

    #[test]
    fn path_segments_are_escaped() {
        assert_eq!(path_segment("00u1"), "00u1");
        assert_eq!(path_segment("a.b@example.com"), "a.b%40example.com");
        assert_eq!(path_segment("a+b@example.com"), "a%2Bb%40example.com");
        assert_eq!(path_segment("../x"), "..%2Fx");
        assert_eq!(path_segment(".."), "%2E%2E");
        assert_eq!(path_segment("a b?c#d"), "a%20b%3Fc%23d");
    }
}
