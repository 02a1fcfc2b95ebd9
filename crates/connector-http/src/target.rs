//! Where a request goes: the caller's `url`, absolute or under the connection's base URL,
//! checked before anything is sent. Every refusal is `invalid_input` quoting at most about
//! 200 bytes of the `url`, and never the userinfo of one.

use connector_core::connection::is_loopback;
use connector_core::custom::check_url_path;
use connector_core::error::quote_input;
use connector_core::{Error, Result};
use url::{Position, Url};

/// What refusals of a path suggest.
const PATH_HINT: &str = "give a path under the connection's base_url such as /items";

/// Where a request goes, once its `url` passed the checks.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Target {
    /// A path and query on the connection's base URL's origin (the base path included).
    OnBase(String),
    /// An origin of the caller's choosing (no connection: no credential goes there), and the
    /// path and query on it.
    Elsewhere {
        origin: String,
        path_and_query: String,
    },
}

/// Resolves `url` against the connection's base URL, if it gives one.
///
/// A path (`/items`) needs a base URL and is put under its path; an absolute URL must be
/// `https` (`http` for loopback hosts only), carry no userinfo nor fragment, and, with a
/// base URL, stay on its origin. The path and query of either pass the Custom API Action's
/// guard rails (no dot segments, encoded slashes, control characters, ...).
pub(crate) fn resolve(url: &str, base: Option<&Url>) -> Result<Target> {
    if url.starts_with('/') && !url.starts_with("//") {
        let Some(base) = base else {
            return Err(Error::invalid_input(format!(
                "url {} is a path and no connection gives a base_url: give an absolute URL \
                 such as https://api.example.com/items, or name an http connection with a base_url",
                quote_input(url)
            )));
        };
        let (path, query) = check_url_path("url", url, PATH_HINT)?;
        let joined = format!("{}{path}", base.path().trim_end_matches('/'));
        return Ok(Target::OnBase(with_query(joined, query)));
    }
    let shown = || quote_input(&redacted(url));
    let parsed = Url::parse(url).map_err(|_| {
        Error::invalid_input(format!(
            "url {} is neither an absolute URL nor a path: give one such as \
             https://api.example.com/items, or /items with a connection's base_url",
            shown()
        ))
    })?;
    match parsed.scheme() {
        "https" => {}
        "http" if is_loopback(&parsed) => {}
        "http" => {
            return Err(Error::invalid_input(format!(
                "url {} uses http; https is required except for loopback hosts \
                 (127.0.0.1, ::1, localhost)",
                shown()
            )));
        }
        other => {
            return Err(Error::invalid_input(format!(
                "url {} uses the {} scheme; give an https URL",
                shown(),
                quote_input(other)
            )));
        }
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(Error::invalid_input(
            "url must not carry credentials (user:password@); name an http connection with basic auth instead",
        ));
    }
    if parsed.host().is_none() {
        return Err(Error::invalid_input(format!("url {} has no host", shown())));
    }
    if parsed.fragment().is_some() {
        return Err(Error::invalid_input(format!(
            "url {} has a fragment (#...), which is never sent; leave it out",
            shown()
        )));
    }
    let path_and_query = &parsed[Position::BeforePath..Position::AfterQuery];
    let hint = "give the URL without it";
    let (path, query) = check_url_path("url", path_and_query, hint)?;
    let path_and_query = with_query(path, query);
    match base {
        Some(base) if base.origin() != parsed.origin() => Err(Error::invalid_input(format!(
            "url {} is not on the origin of the connection's base_url ({}), the only one its \
             credential goes to: give a path such as /items, or a URL on that origin",
            shown(),
            base.origin().ascii_serialization()
        ))),
        Some(_) => Ok(Target::OnBase(path_and_query)),
        None => Ok(Target::Elsewhere {
            origin: parsed.origin().ascii_serialization(),
            path_and_query,
        }),
    }
}

fn with_query(path: String, query: Option<String>) -> String {
    match query {
        Some(query) => format!("{path}?{query}"),
        None => path,
    }
}

/// `url` with any userinfo (`user:password@`) before its host replaced by `****`, for
/// messages about a URL that may not even parse.
fn redacted(url: &str) -> String {
    let Some(start) = url.find("://").map(|i| i + 3) else {
        return url.to_owned();
    };
    let authority_end = url[start..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| start + i);
    match url[start..authority_end].rfind('@') {
        Some(at) => format!("{}****@{}", &url[..start], &url[start + at + 1..]),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use connector_core::ErrorKind;

    fn base(url: &str) -> Url {
        Url::parse(url).unwrap()
    }

    #[test]
    fn a_path_goes_under_the_base_path() {
        let b = base("https://api.example.com/v1/");
        assert_eq!(
            resolve("/items?limit=2", Some(&b)).unwrap(),
            Target::OnBase("/v1/items?limit=2".into())
        );
        let root = base("https://api.example.com");
        assert_eq!(
            resolve("/items", Some(&root)).unwrap(),
            Target::OnBase("/items".into())
        );
    }

    #[test]
    fn an_absolute_url_without_a_connection_names_its_origin() {
        assert_eq!(
            resolve("http://127.0.0.1:8080/a/b?c=1", None).unwrap(),
            Target::Elsewhere {
                origin: "http://127.0.0.1:8080".into(),
                path_and_query: "/a/b?c=1".into()
            }
        );
        assert!(resolve("http://[::1]:1/x", None).is_ok());
        assert!(resolve("http://localhost:1/x", None).is_ok());
        assert!(resolve("https://api.example.com", None).is_ok());
    }

    #[test]
    fn refusals_are_invalid_input_and_say_why() {
        let b = base("https://api.example.com/v1");
        let cases: &[(&str, Option<&Url>, &str)] = &[
            ("/items", None, "no connection gives a base_url"),
            (
                "http://api.example.com/x",
                None,
                "https is required except for loopback",
            ),
            ("ftp://api.example.com/x", None, "scheme"),
            ("https://evil.example.com/x", Some(&b), "not on the origin"),
            ("http://api.example.com/x", Some(&b), "https is required"),
            ("/a/../../admin", Some(&b), "dot segment"),
            ("/a%2f..%2fadmin", Some(&b), "encoded slash"),
            ("https://api.example.com/x#frag", None, "fragment"),
            ("items", Some(&b), "neither an absolute URL nor a path"),
            (
                "//evil.example.com/x",
                Some(&b),
                "neither an absolute URL nor a path",
            ),
        ];
        for (url, base, why) in cases {
            let e = resolve(url, *base).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidInput, "{url}");
            assert!(e.message().contains(why), "{url}: {}", e.message());
        }
    }

    #[test]
    fn userinfo_is_refused_and_never_quoted() {
        for url in [
            "https://ada:pa55word@api.example.com/x",
            "gopher://ada:pa55word@api.example.com/x",
            "https://ada:pa55word@bad host/x",
        ] {
            let e = resolve(url, None).unwrap_err();
            assert!(!e.to_string().contains("pa55word"), "{e}");
        }
    }

    #[test]
    fn a_long_url_is_quoted_short() {
        let url = format!("http://example.com/{}", "a".repeat(100_000));
        let e = resolve(&url, None).unwrap_err();
        assert!(e.message().len() < 500, "{}", e.message().len());
    }
}
