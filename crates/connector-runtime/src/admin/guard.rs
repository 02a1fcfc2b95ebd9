//! What every admin answer goes through: the `Host` check (DNS rebinding), the admin
//! token, the browser security headers, and the rules for POSTs (cross-site requests).

use std::net::{IpAddr, SocketAddr};

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

use super::csrf::Csrf;
use crate::secret::secret_matches;

/// Everything the admin listener checks, built once per listener.
#[derive(Clone, Debug)]
pub(crate) struct Guard {
    bound: SocketAddr,
    hosts: Vec<String>,
    token: Option<SecretString>,
    pub(crate) csrf: Csrf,
}

/// How a request proved it may see the admin routes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Proof {
    /// No admin token is set (loopback only).
    Open,
    /// `Authorization: Bearer` with the admin token.
    Bearer,
    /// Basic authentication with the admin token as password: what a browser resends on
    /// its own, so it is not enough for a POST.
    Basic,
}

impl Guard {
    pub(crate) fn new(bound: SocketAddr, hosts: &[String], token: Option<&SecretString>) -> Guard {
        Guard {
            bound,
            hosts: hosts.iter().map(|h| h.to_ascii_lowercase()).collect(),
            token: token.cloned(),
            csrf: Csrf::new(token),
        }
    }

    pub(crate) fn has_token(&self) -> bool {
        self.token.is_some()
    }

    /// Whether `Host` names this listener: its bound address (bound to loopback, also
    /// `localhost`; bound to an unspecified address, any IP literal) or an `--admin-host`.
    pub(crate) fn host_allowed(&self, host: &str) -> bool {
        let name = host_name(host).to_ascii_lowercase();
        if self.hosts.contains(&name) {
            return true;
        }
        match name
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
        {
            Ok(ip) => self.bound.ip().is_unspecified() || ip == self.bound.ip(),
            Err(_) => self.bound.ip().is_loopback() && name == "localhost",
        }
    }

    fn proof(&self, headers: &HeaderMap) -> Option<Proof> {
        let Some(expected) = &self.token else {
            return Some(Proof::Open);
        };
        let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
        let expected = expected.expose_secret().as_bytes();
        if let Some(token) = value.strip_prefix("Bearer ") {
            return secret_matches(token.trim().as_bytes(), expected).then_some(Proof::Bearer);
        }
        let basic = value.strip_prefix("Basic ")?;
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(basic.trim())
            .ok()?;
        let colon = decoded.iter().position(|&b| b == b':')?;
        secret_matches(&decoded[colon + 1..], expected).then_some(Proof::Basic)
    }
}

/// The host part of a `Host` value (`[::1]:9090` -> `[::1]`, `localhost:9090` -> `localhost`).
fn host_name(host: &str) -> &str {
    if host.starts_with('[') {
        return host.find(']').map_or(host, |end| &host[..=end]);
    }
    match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    }
}

fn refuse(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(json!({ "error": message }))).into_response()
}

/// Sent with every admin answer: no framing (clickjacking), no sniffing, no referrer, and
/// a policy that allows the pages' inline style and same-origin forms only.
const SECURITY_HEADERS: [(&str, &str); 4] = [
    (
        "content-security-policy",
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    ),
    ("x-frame-options", "DENY"),
    ("x-content-type-options", "nosniff"),
    // `same-origin`, not `no-referrer`: under `no-referrer` a browser sends `Origin: null`
    // with the page's own form posts, which the POST rules would refuse.
    ("referrer-policy", "same-origin"),
];

/// The `Host` check, then the token, on every route but the probes; security headers on
/// every answer.
pub(crate) async fn check(
    State(guard): State<Guard>,
    mut request: Request,
    next: Next,
) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| request.uri().authority().map(|a| a.as_str()))
        .unwrap_or("");
    let mut response = if !guard.host_allowed(host) {
        refuse(
            StatusCode::MISDIRECTED_REQUEST,
            "this admin listener does not answer to that Host; add it with --admin-host",
        )
    } else {
        match guard.proof(request.headers()) {
            Some(proof) => {
                request.extensions_mut().insert(proof);
                next.run(request).await
            }
            None => {
                let mut response = refuse(
                    StatusCode::UNAUTHORIZED,
                    "the admin routes need CONNECTOR_ADMIN_TOKEN as a Bearer token",
                );
                response.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Basic realm=\"connector admin\""),
                );
                response
            }
        }
    };
    let headers = response.headers_mut();
    for (name, value) in SECURITY_HEADERS {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

/// Why a POST is refused before its body is read, if it is.
pub(crate) fn cross_site(headers: &HeaderMap) -> Option<&'static str> {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = text("sec-fetch-site")
        && !matches!(site, "same-origin" | "none")
    {
        return Some("a POST from another site or origin is refused");
    }
    if let Some(origin) = text("origin") {
        let host = text("host").unwrap_or("");
        let same = origin
            .split_once("://")
            .is_some_and(|(_, authority)| authority.eq_ignore_ascii_case(host));
        if !same {
            return Some("a POST from another origin is refused");
        }
    }
    None
}

/// Whether a POST proved it is not a cross-site request without reading its body: the
/// Bearer token, or (no token set) `X-Requested-By: connector`, neither of which a page on
/// another origin can send.
pub(crate) fn post_allowed_by_headers(guard: &Guard, proof: Proof, headers: &HeaderMap) -> bool {
    proof == Proof::Bearer
        || (!guard.has_token()
            && headers
                .get("x-requested-by")
                .is_some_and(|v| v.as_bytes() == b"connector"))
}

/// The 403 of a POST that proved nothing.
pub(crate) fn forbidden(why: &str) -> Response {
    refuse(StatusCode::FORBIDDEN, why)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guard(bound: &str, hosts: &[&str]) -> Guard {
        let hosts: Vec<String> = hosts.iter().map(|h| (*h).to_owned()).collect();
        Guard::new(bound.parse().unwrap(), &hosts, None)
    }

    #[test]
    fn a_loopback_listener_answers_its_address_and_localhost_only() {
        let g = guard("127.0.0.1:9090", &[]);
        assert!(g.host_allowed("127.0.0.1:9090"));
        assert!(g.host_allowed("localhost:9090"));
        assert!(g.host_allowed("LOCALHOST"));
        assert!(!g.host_allowed("evil.example"));
        assert!(!g.host_allowed("evil.example:9090"));
        assert!(!g.host_allowed("10.0.0.1:9090"));
        assert!(!g.host_allowed(""));
    }

    #[test]
    fn admin_hosts_and_unspecified_addresses() {
        let g = guard("0.0.0.0:9090", &["admin.example.com"]);
        assert!(g.host_allowed("10.1.2.3:9090"));
        assert!(g.host_allowed("[::1]:9090"));
        assert!(g.host_allowed("Admin.Example.com:443"));
        assert!(!g.host_allowed("localhost:9090"));
        assert!(!g.host_allowed("evil.example"));
        let v6 = guard("[::1]:9090", &[]);
        assert!(v6.host_allowed("[::1]:9090"));
        assert!(v6.host_allowed("localhost:9090"));
    }

    #[test]
    fn cross_site_signals_refuse_a_post() {
        let mut h = HeaderMap::new();
        h.insert("host", "127.0.0.1:9090".parse().unwrap());
        assert_eq!(cross_site(&h), None);
        h.insert("origin", "http://127.0.0.1:9090".parse().unwrap());
        assert_eq!(cross_site(&h), None);
        h.insert("sec-fetch-site", "same-origin".parse().unwrap());
        assert_eq!(cross_site(&h), None);
        h.insert("sec-fetch-site", "same-site".parse().unwrap());
        assert!(cross_site(&h).is_some(), "another port of the same host");
        h.insert("sec-fetch-site", "same-origin".parse().unwrap());
        h.insert("origin", "http://127.0.0.1:8000".parse().unwrap());
        assert!(cross_site(&h).is_some());
        h.insert("origin", "null".parse().unwrap());
        assert!(cross_site(&h).is_some());
    }
}
