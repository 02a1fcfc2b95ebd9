//! Okta's `Link` header parser: never panics, yields only what stood between angle
//! brackets, and no `next` target, resolved as `Pages` resolves it, gets past
//! `Connection::request_url` to another origin.
#![no_main]

use std::sync::OnceLock;

use connector_core::{Connection, Method};
use connector_okta::parse_link_header;
use libfuzzer_sys::fuzz_target;
use url::Url;

fn connection() -> &'static Connection {
    static CONNECTION: OnceLock<Connection> = OnceLock::new();
    CONNECTION.get_or_init(|| {
        Connection::builder("https://acme.okta.com")
            .build()
            .expect("a valid base URL")
    })
}

fuzz_target!(|data: &[u8]| {
    let value = String::from_utf8_lossy(data);
    let links = parse_link_header(&value);
    assert!(links.len() <= value.matches('<').count());
    let conn = connection();
    let page = Url::parse("https://acme.okta.com/api/v1/users?limit=200").expect("a valid URL");
    for (target, rels) in &links {
        assert!(!target.contains('>'), "{value:?} -> {target:?}");
        assert_eq!(target.trim(), target.as_str());
        assert!(value.contains(target.as_str()));
        for rel in rels {
            assert!(
                !rel.is_empty() && !rel.contains(char::is_whitespace),
                "{value:?} -> {rel:?}"
            );
        }
        if let Ok(url) = page.join(target)
            && let Ok(request) = conn.request_url(Method::GET, url.as_str())
        {
            assert_eq!(
                request.url().origin(),
                conn.base_url().origin(),
                "{value:?}"
            );
            assert_eq!(request.url().host_str(), Some("acme.okta.com"), "{value:?}");
        }
    }
});
