//! Okta's list endpoints: RFC 8288 `Link` pagination, page by page or as a stream.

use std::collections::VecDeque;
use std::fmt;
use std::marker::PhantomData;

use connector_core::{Connection, Error, Method, Request, Response, Result};
use futures_util::Stream;
use serde::de::DeserializeOwned;
use url::Url;

/// The pages of an Okta list (users, role assignments), fetched one at a time.
///
/// The first page comes from the request the typed method built; each following page from
/// the `Link: <...>; rel="next"` URL of the previous answer, exactly as Okta gave it (never
/// rebuilt), and only when it stays on the org's origin: a link elsewhere ends the list
/// with an `invalid_response` error, and the credentials are not sent there. With a
/// maximum, no more pages are fetched once it is reached.
///
/// Use [`next_page`](Pages::next_page) for page-at-a-time work, or
/// [`into_stream`](Pages::into_stream) for item-at-a-time work: either way only one page
/// is held in memory, so a directory of 100,000 users need not be collected.
pub struct Pages<T> {
    connection: Connection,
    next: Next,
    remaining: Option<u64>,
    /// An empty page ends the list even when it links to another (a polled System Log).
    ends_at_empty_page: bool,
    _item: PhantomData<fn() -> T>,
}

/// How many items a list action reads when its input gives no `max`.
pub const DEFAULT_MAX_ITEMS: u64 = 1_000;

/// The most items a list action reads (`max` above it is refused).
pub const MAX_ITEMS: u64 = 100_000;

enum Next {
    // Boxed: a request is large, and the other states are small.
    Fetch(Box<Request>),
    Fail(Error),
    Done,
}

impl<T> fmt::Debug for Pages<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let next = match &self.next {
            Next::Fetch(request) => request.url().as_str().to_owned(),
            Next::Fail(_) => "refused link".to_owned(),
            Next::Done => "done".to_owned(),
        };
        f.debug_struct("Pages")
            .field("next", &next)
            .field("remaining", &self.remaining)
            .finish()
    }
}

/// What a page's answer leads to (a dry run, which cannot follow it, lists this).
const FURTHER_PAGES: &str =
    "further pages would follow: a GET of each rel=\"next\" link okta's answer gives";

impl<T: DeserializeOwned> Pages<T> {
    pub(crate) fn new(connection: Connection, first: Request, max: Option<u64>) -> Pages<T> {
        Pages {
            connection,
            next: if max == Some(0) {
                Next::Done
            } else {
                Next::Fetch(Box::new(first.followed_by(FURTHER_PAGES)))
            },
            remaining: max,
            ends_at_empty_page: false,
            _item: PhantomData,
        }
    }

    /// The pages of a list action: up to `max` items (default [`DEFAULT_MAX_ITEMS`]);
    /// `invalid_input`, before anything is sent, for a `max` of 0 or above [`MAX_ITEMS`].
    pub(crate) fn list(
        connection: Connection,
        first: Request,
        max: Option<u64>,
    ) -> Result<Pages<T>> {
        let max = max.unwrap_or(DEFAULT_MAX_ITEMS);
        if !(1..=MAX_ITEMS).contains(&max) {
            return Err(Error::invalid_input(format!(
                "max must be between 1 and {MAX_ITEMS}"
            )));
        }
        Ok(Pages::new(connection, first, Some(max)))
    }

    /// Ends the list at its first empty page, whatever links it gives: Okta's System Log
    /// answers a poll (no `until`) with a next link on every page, the last one empty.
    pub(crate) fn ending_at_empty_page(mut self) -> Pages<T> {
        self.ends_at_empty_page = true;
        self
    }

    /// Fetches the next page; `Ok(None)` once the list has ended (or the maximum is reached).
    ///
    /// After an error the list is over: the next call returns `Ok(None)`.
    pub async fn next_page(&mut self) -> Result<Option<Vec<T>>> {
        let request = match std::mem::replace(&mut self.next, Next::Done) {
            Next::Fetch(request) => *request,
            Next::Fail(error) => return Err(error),
            Next::Done => return Ok(None),
        };
        let current = request.url().clone();
        let response = self.connection.send(request).await?;
        let mut items: Vec<T> = response.json_items()?;
        if items.is_empty() && self.ends_at_empty_page {
            return Ok(Some(items));
        }
        if let Some(remaining) = &mut self.remaining {
            let take = usize::try_from(*remaining).unwrap_or(usize::MAX);
            items.truncate(take);
            *remaining -= items.len() as u64;
            if *remaining == 0 {
                return Ok(Some(items));
            }
        }
        self.next = match next_link(&response) {
            None => Next::Done,
            Some(Err(error)) => Next::Fail(error),
            Some(Ok(url)) if url == current => Next::Fail(Error::invalid_response(format!(
                "okta gave the page's own URL as its next link ({url}); stopping to avoid a loop"
            ))),
            Some(Ok(url)) => match self.connection.request_url(Method::GET, url.as_str()) {
                Ok(request) => Next::Fetch(Box::new(request.followed_by(FURTHER_PAGES))),
                Err(error) => Next::Fail(error),
            },
        };
        Ok(Some(items))
    }

    /// Every remaining page, collected.
    pub async fn collect_all(mut self) -> Result<Vec<T>> {
        let mut all = Vec::new();
        while let Some(page) = self.next_page().await? {
            all.extend(page);
        }
        Ok(all)
    }

    /// The items one by one, fetching a page when the previous one is used up. An error
    /// is the stream's last item.
    ///
    /// ```no_run
    /// use connector_okta::SearchUsersInput;
    /// use futures_util::{StreamExt, pin_mut};
    ///
    /// # async fn example(okta: connector_okta::Okta) -> connector_core::Result<()> {
    /// let query = SearchUsersInput::matching(r#"status eq "ACTIVE""#).with_limit(200);
    /// let users = okta.search_users_pages(&query)?.into_stream();
    /// pin_mut!(users);
    /// while let Some(user) = users.next().await {
    ///     println!("{}", user?.profile.login);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn into_stream(self) -> impl Stream<Item = Result<T>> + Send + 'static
    where
        T: Send + 'static,
    {
        futures_util::stream::unfold(
            (self, VecDeque::new()),
            |(mut pages, mut buffer)| async move {
                loop {
                    if let Some(item) = buffer.pop_front() {
                        return Some((Ok(item), (pages, buffer)));
                    }
                    match pages.next_page().await {
                        Ok(Some(page)) => buffer.extend(page),
                        Ok(None) => return None,
                        Err(error) => return Some((Err(error), (pages, buffer))),
                    }
                }
            },
        )
    }
}

/// The `next` link of an answer, resolved against the answer's URL when it is relative.
///
/// `None` when there is none; an error when it is not a URL.
fn next_link(response: &Response) -> Option<Result<Url>> {
    let raw = response
        .header_all("link")
        .into_iter()
        .flat_map(parse_link_header)
        .find(|(_, rels)| rels.iter().any(|rel| rel.eq_ignore_ascii_case("next")))
        .map(|(target, _)| target)?;
    Some(response.url().join(&raw).map_err(|e| {
        Error::invalid_response(format!("okta gave a next link that is not a URL ({e})"))
    }))
}

/// Parses one `Link` header value (RFC 8288): `<target>; rel="next", <target>; rel=self`.
///
/// Returns each link's target (as written, not resolved nor checked) and its relation
/// types, in order. Malformed parts are skipped; no input makes it panic. [`Pages`] follows
/// a `next` target only after resolving it against the page's URL and checking that it
/// stays on the org's origin.
///
/// ```
/// use connector_okta::parse_link_header;
///
/// let links = parse_link_header(r#"<https://acme.okta.com/api/v1/users?after=00u2>; rel="next""#);
/// assert_eq!(links[0].0, "https://acme.okta.com/api/v1/users?after=00u2");
/// assert_eq!(links[0].1, ["next"]);
/// ```
pub fn parse_link_header(value: &str) -> Vec<(String, Vec<String>)> {
    let mut links = Vec::new();
    let mut rest = value;
    while let Some(open) = rest.find('<') {
        let Some(close) = rest[open..].find('>').map(|i| open + i) else {
            break;
        };
        let target = rest[open + 1..close].trim().to_owned();
        rest = &rest[close + 1..];
        // The parameters run to the next comma outside quotes.
        let end = unquoted(rest, ',').next().unwrap_or(rest.len());
        let params = &rest[..end];
        rest = &rest[(end + 1).min(rest.len())..];
        // Split on semicolons outside quotes too, so that a quoted value such as
        // `title="a; rel=next"` cannot pass for a relation.
        let mut split = Vec::new();
        let mut start = 0;
        for semicolon in unquoted(params, ';') {
            split.push(&params[start..semicolon]);
            start = semicolon + 1;
        }
        split.push(&params[start..]);
        let rels = split
            .into_iter()
            .filter_map(|param| {
                let (name, value) = param.split_once('=')?;
                name.trim()
                    .eq_ignore_ascii_case("rel")
                    .then(|| value.trim().trim_matches('"').to_owned())
            })
            .flat_map(|rel| {
                rel.split_whitespace()
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
            .collect();
        links.push((target, rels));
    }
    links
}

/// The byte offsets of `separator` outside double-quoted strings (where `\\` escapes).
fn unquoted(text: &str, separator: char) -> impl Iterator<Item = usize> + '_ {
    let mut quoted = false;
    let mut escaped = false;
    text.char_indices().filter_map(move |(i, c)| {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            c if c == separator && !quoted => return Some(i),
            _ => {}
        }
        None
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_headers_parse_as_okta_sends_them() {
        let links = parse_link_header(
            r#"<https://acme.okta.com/api/v1/users?limit=2>; rel="self", <https://acme.okta.com/api/v1/users?after=00u2&limit=2>; rel="next""#,
        );
        assert_eq!(
            links,
            vec![
                (
                    "https://acme.okta.com/api/v1/users?limit=2".to_owned(),
                    vec!["self".to_owned()]
                ),
                (
                    "https://acme.okta.com/api/v1/users?after=00u2&limit=2".to_owned(),
                    vec!["next".to_owned()]
                ),
            ]
        );
    }

    #[test]
    fn link_headers_accept_unquoted_multiple_and_odd_parameters() {
        let links =
            parse_link_header(r#"</p?a=1,2>; title="a, b; c"; rel=next, <x>; rel="prev next""#);
        assert_eq!(links[0], ("/p?a=1,2".to_owned(), vec!["next".to_owned()]));
        assert_eq!(links[1].1, vec!["prev".to_owned(), "next".to_owned()]);
        for garbage in [
            "",
            "nonsense",
            "<unclosed; rel=next",
            ">;<",
            ";;;,,,",
            "<>; rel",
        ] {
            // Never panics; at most yields links without a next relation.
            let _ = parse_link_header(garbage);
        }
        assert_eq!(parse_link_header("<a>"), vec![("a".to_owned(), vec![])]);
    }

    #[test]
    fn a_quoted_parameter_cannot_pass_for_a_relation() {
        // Found by tests/properties.rs: the parameters were split on every semicolon, quoted
        // or not, so this title added a `next` relation to a `self` link.
        let links = parse_link_header(
            r#"</api/v1/users?limit=1>; rel=self; title="a; rel=next", <b>; title="x\"; rel=prev"; rel=next"#,
        );
        assert_eq!(
            links,
            vec![
                ("/api/v1/users?limit=1".to_owned(), vec!["self".to_owned()]),
                ("b".to_owned(), vec!["next".to_owned()]),
            ]
        );
    }
}
