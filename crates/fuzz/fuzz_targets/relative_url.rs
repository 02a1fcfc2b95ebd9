//! The Custom API Action's guard: no input builds a request that leaves the connection's
//! origin, carries userinfo or a fragment, climbs out with dot segments, or sets a header
//! the connection owns.
//!
//! Input: one byte choosing the method, then lines: the relativeUrl, a `name=value` query
//! parameter, and `name: value` headers.
#![no_main]

use std::collections::BTreeMap;
use std::sync::OnceLock;

use connector_core::custom::build_custom_request;
use connector_core::custom::{CustomApiInput, check_relative_url};
use connector_core::Connection;
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value};

const METHODS: &[&str] = &[
    "GET", "POST", "put", "DELETE", "HEAD", "OPTIONS", "PATCH", "TRACE",
];
const RESERVED: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "upgrade",
    "te",
    "trailer",
    "keep-alive",
    "cookie",
];

fn connection() -> &'static Connection {
    static CONNECTION: OnceLock<Connection> = OnceLock::new();
    CONNECTION.get_or_init(|| {
        Connection::builder("https://acme.okta.com")
            .build()
            .expect("a valid base URL")
    })
}

fn decoded_segments(path: &str) -> Vec<String> {
    percent_decode(path).split('/').map(str::to_owned).collect()
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fuzz_target!(|data: &[u8]| {
    let Some((&method, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let mut lines = text.split('\n');
    let relative_url = lines.next().unwrap_or_default().to_owned();
    let query = lines.next().and_then(|l| l.split_once('=')).map(|(k, v)| {
        let mut map = Map::new();
        map.insert(k.to_owned(), Value::from(v));
        map
    });
    let headers: BTreeMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.to_owned(), v.trim().to_owned()))
        .collect();
    let input = CustomApiInput {
        method: Some(METHODS[usize::from(method) % METHODS.len()].to_owned()),
        relative_url: Some(relative_url.clone()),
        query,
        headers: Some(headers.clone()),
        body: None,
    };
    let conn = connection();
    let checked = check_relative_url(&relative_url);
    let Ok(request) = build_custom_request(conn, &input, None) else {
        return;
    };
    let (path, _) = checked.expect("the request was built, so the guard accepted the URL");
    let url = request.url();
    assert_eq!(
        url.origin(),
        conn.base_url().origin(),
        "{relative_url:?} -> {url}"
    );
    assert_eq!(
        url.host_str(),
        Some("acme.okta.com"),
        "{relative_url:?} -> {url}"
    );
    assert!(
        url.username().is_empty() && url.password().is_none(),
        "{relative_url:?} -> {url}"
    );
    assert!(url.fragment().is_none(), "{relative_url:?} -> {url}");
    let segments = decoded_segments(url.path());
    assert!(
        !segments
            .iter()
            .any(|s| s == "." || s == ".." || s.contains('/') || s.contains('\\')),
        "{relative_url:?} -> {url}"
    );
    // The path sent is the path given (up to percent-encoding), not another one.
    assert_eq!(
        segments,
        decoded_segments(&path),
        "{relative_url:?} -> {url}"
    );
    for name in headers.keys() {
        assert!(
            !RESERVED.contains(&name.to_ascii_lowercase().as_str()),
            "{name} was accepted"
        );
    }
});
