//! Hostile-input properties of Okta's `Link` pagination: the header parser never panics and
//! reads back what a well-formed header says, and no `next` link, however it is written,
//! makes the client send a request (and its credentials) to another origin.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use connector_core::{Connection, ErrorKind, Method};
use connector_okta::{Okta, SearchUsersInput, parse_link_header};
use httpmock::{HttpMockRequest, HttpMockResponse, MockServer};
use proptest::prelude::*;
use proptest::test_runner::Config as ProptestConfig;
use url::Url;

/// A user as Okta returns it, for pages of one.
const USER: &str = include_str!("../fixtures/get_user.json");

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Strings made of what `Link` headers (and attacks on their parsers) are made of.
fn link_soup() -> impl Strategy<Value = String> {
    let atoms = prop::sample::select(vec![
        "<",
        ">",
        "<>",
        ";",
        ",",
        "\"",
        "\\",
        "\\\"",
        "=",
        " ",
        "\t",
        "rel",
        "rel=",
        "REL=",
        "next",
        "\"next\"",
        "self",
        "prev next",
        "title=",
        "https://acme.okta.com/api/v1/users",
        "//evil.example",
        "?after=00u2",
        "é",
        "\u{0}",
        "\u{feff}",
        "𝄞",
        "%3E",
        "\r\n",
    ]);
    prop_oneof![
        prop::collection::vec(atoms, 0..24).prop_map(|parts| parts.concat()),
        any::<String>(),
    ]
}

/// A link target as a server may write it: no angle brackets, no surrounding space.
fn target() -> impl Strategy<Value = String> {
    "[A-Za-z0-9:/?#&=%.,;\"'()*+!$@_~-]{0,40}"
}

/// A relation type: a registered name or an extension URI's last part.
fn relation() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9.-]{0,10}"
}

/// Characters of a quoted-string parameter value, escapes included.
fn quoted_text() -> impl Strategy<Value = String> {
    let atoms = prop::sample::select(vec![
        "a",
        "Z",
        " ",
        ",",
        ";",
        "=",
        "<",
        ">",
        "\\\"",
        "\\\\",
        "rel=next",
        "; rel=prev",
        "é",
    ]);
    prop::collection::vec(atoms, 0..8).prop_map(|parts| parts.concat())
}

/// Optional whitespace, as RFC 8288 allows around separators.
fn ows() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["", " ", "  ", "\t"])
}

/// One well-formed link: its target and relations, written out with other parameters.
#[derive(Debug, Clone)]
struct Link {
    target: String,
    rels: Vec<String>,
    text: String,
}

fn link() -> impl Strategy<Value = Link> {
    (
        target(),
        prop::collection::vec(relation(), 1..4),
        any::<bool>(),
        prop::option::of(quoted_text()),
        any::<bool>(),
        (ows(), ows(), ows()),
    )
        .prop_map(|(target, rels, quote, title, title_first, (a, b, c))| {
            let rel = if rels.len() == 1 && !quote {
                format!("rel{a}={b}{}", rels[0])
            } else {
                format!("rel{a}={b}\"{}\"", rels.join(" "))
            };
            let mut params = vec![rel];
            if let Some(title) = title {
                let title = format!("title=\"{title}\"");
                if title_first {
                    params.insert(0, title);
                } else {
                    params.push(title);
                }
            }
            let sep = format!("{c};{a}");
            let text = format!("<{target}>{b};{c}{}", params.join(&sep));
            Link { target, rels, text }
        })
}

proptest! {
    #![proptest_config(config(4096))]

    #[test]
    fn link_parsing_never_panics_and_only_yields_what_stood_between_angle_brackets(value in link_soup()) {
        let links = parse_link_header(&value);
        prop_assert!(links.len() <= value.matches('<').count());
        for (target, rels) in &links {
            prop_assert!(!target.contains('>'), "{:?} -> {:?}", value, target);
            prop_assert_eq!(target.trim(), target.as_str());
            prop_assert!(value.contains(target.as_str()));
            for rel in rels {
                prop_assert!(!rel.is_empty() && !rel.contains(char::is_whitespace), "{:?} -> {:?}", value, rel);
            }
        }
    }

    #[test]
    fn well_formed_link_headers_round_trip(links in prop::collection::vec(link(), 0..5), (a, b) in (ows(), ows())) {
        let header = links.iter().map(|l| l.text.as_str()).collect::<Vec<_>>().join(&format!("{a},{b}"));
        let parsed = parse_link_header(&header);
        let expected: Vec<(String, Vec<String>)> = links.iter().map(|l| (l.target.clone(), l.rels.clone())).collect();
        prop_assert_eq!(parsed, expected, "{}", header);
    }
}

/// Hosts a `next` link may name: the org itself, the same socket under another name, and
/// another server, in the spellings that fool naive origin checks.
fn hostile_target(org: &str, evil: &str) -> impl Strategy<Value = String> {
    let org_port = org.rsplit(':').next().unwrap_or_default().to_owned();
    let hosts = prop::sample::select(vec![
        org.to_owned(),
        evil.to_owned(),
        format!("localhost:{org_port}"),
        format!("{org}@{evil}"),
        format!("user:pw@{evil}"),
        format!("{evil}#@{org}"),
        format!("{evil}\\@{org}"),
        format!("{evil}?@{org}"),
        format!("{evil}%2f@{org}"),
        format!("[::ffff:127.0.0.1]:{org_port}"),
        format!("0x7f.0.0.1:{org_port}"),
    ]);
    let schemes = prop::sample::select(vec![
        "http://",
        "HTTP://",
        "https://",
        "//",
        "\\\\",
        "/\\",
        "http:",
        "http:/",
        "http:\\\\",
        " http://",
        "\thttp://",
    ]);
    let paths = prop::sample::select(vec![
        "/api/v1/users?after=00u2&limit=1",
        "",
        "/",
        "/..%2f..%2fadmin",
        "/api/v1/../../users",
        "?after=1",
        "#next",
    ]);
    let relative = prop::sample::select(vec![
        "/api/v1/users?after=00u3",
        "api/v1/users?after=00u4",
        "../../../../x",
        "?after=00u5",
        "",
        "#",
        "/%2e%2e/%2e%2e/x",
        "javascript:alert(1)",
        "data:text/plain,x",
        "file:///etc/passwd",
    ]);
    prop_oneof![
        3 => (schemes, hosts, paths).prop_map(|(s, h, p)| format!("{s}{h}{p}")),
        1 => relative.prop_map(str::to_owned),
        // Printable ASCII only: the header must be one a server can send.
        1 => "[ -;=?-~]{0,30}",
    ]
}

/// A `Link` header with a self link and a `next` link to the given target, in either order.
fn next_header(target: impl Strategy<Value = String>) -> impl Strategy<Value = String> {
    (target, any::<bool>(), any::<bool>()).prop_map(|(target, quoted, self_first)| {
        let next = if quoted {
            format!("<{target}>; rel=\"next\"")
        } else {
            format!("<{target}>; rel=next")
        };
        let own = "</api/v1/users?limit=1>; rel=\"self\"".to_owned();
        if self_first {
            format!("{own}, {next}")
        } else {
            format!("{next}, {own}")
        }
    })
}

/// The pure half of what `Pages` does with an answer: take the `next` target, resolve it
/// against the page's URL, and hand it to `Connection::request_url`, which refuses another
/// origin. Whatever comes through must be on the org's origin.
#[test]
fn no_next_link_resolves_to_a_request_off_the_org() {
    let org = "127.0.0.1:8443";
    let connection = Connection::builder(&format!("http://{org}"))
        .build()
        .unwrap();
    let page = Url::parse(&format!("http://{org}/api/v1/users?limit=1")).unwrap();
    let targets = prop_oneof![hostile_target(org, "127.0.0.1:9"), "[^<>]{0,30}"];
    proptest!(config(4096), |(header in next_header(targets))| {
        let next = parse_link_header(&header)
            .into_iter()
            .find(|(_, rels)| rels.iter().any(|r| r.eq_ignore_ascii_case("next")));
        prop_assert!(next.is_some(), "{}", header);
        let (target, _) = next.unwrap();
        if let Ok(url) = page.join(&target)
            && let Ok(request) = connection.request_url(Method::GET, url.as_str())
        {
            prop_assert_eq!(request.url().origin(), connection.base_url().origin(), "{}", header);
            prop_assert_eq!(request.url().host_str(), Some("127.0.0.1"), "{}", header);
        }
    });
}

/// End to end through `Pages`: an org whose every answer carries a generated `next` link,
/// and another server that must never hear from the client.
#[test]
fn pages_never_send_a_request_to_another_origin() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let org = MockServer::start();
    let evil = MockServer::start();
    let org_host = org.address().to_string();
    let evil_host = evil.address().to_string();

    let link = Arc::new(Mutex::new(String::new()));
    let hosts_seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let (answer_link, record) = (link.clone(), hosts_seen.clone());
    org.mock(move |when, then| {
        when.any_request();
        then.respond_with(move |req: &HttpMockRequest| {
            let host = req
                .headers()
                .get("host")
                .and_then(|h| h.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            record.lock().unwrap().push(host);
            HttpMockResponse::builder()
                .status(200)
                .header("content-type", "application/json")
                .header("link", link_value(&answer_link))
                .body(format!("[{USER}]"))
                .build()
        });
    });
    let stolen = Arc::new(AtomicUsize::new(0));
    let count = stolen.clone();
    evil.mock(move |when, then| {
        when.is_true(move |_: &HttpMockRequest| {
            count.fetch_add(1, Ordering::SeqCst);
            true
        });
        then.status(200).body("[]");
    });

    let okta = Okta::builder(org.base_url())
        .api_token("00prop-token")
        .build()
        .unwrap();
    let query = SearchUsersInput::matching("status eq \"ACTIVE\"").with_max(3);
    let (followed, refused) = (AtomicUsize::new(0), AtomicUsize::new(0));
    proptest!(config(256), |(header in next_header(hostile_target(&org_host, &evil_host)))| {
        *link.lock().unwrap() = header.clone();
        hosts_seen.lock().unwrap().clear();
        let result = runtime.block_on(okta.search_users_pages(&query).unwrap().collect_all());
        prop_assert_eq!(stolen.load(Ordering::SeqCst), 0, "{}", header);
        let hosts = hosts_seen.lock().unwrap().clone();
        prop_assert!(!hosts.is_empty());
        prop_assert!(hosts.iter().all(|h| *h == org_host), "{} -> {:?}", header, hosts);
        if hosts.len() > 1 {
            followed.fetch_add(1, Ordering::Relaxed);
        }
        match result {
            Ok(users) => prop_assert!(users.len() <= 3),
            Err(e) => {
                prop_assert_eq!(e.kind(), ErrorKind::InvalidResponse, "{}: {}", header, e);
                refused.fetch_add(1, Ordering::Relaxed);
            }
        }
    });
    // The generator exercises both sides: links followed on the org, links refused.
    let (followed, refused) = (followed.into_inner(), refused.into_inner());
    assert!(
        followed > 25 && refused > 25,
        "followed {followed}, refused {refused}"
    );
}

fn link_value(link: &Mutex<String>) -> String {
    link.lock().unwrap().clone()
}
