//! Helpers shared by the integration tests.
// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::time::Duration;

use connector_sandbox::{OktaConfig, OktaEmulator};
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

/// An emulator with default settings on a random port.
pub(crate) async fn okta() -> OktaEmulator {
    okta_with(OktaConfig::default()).await
}

pub(crate) async fn okta_with(config: OktaConfig) -> OktaEmulator {
    OktaEmulator::start(config, 0)
        .await
        .expect("the emulator binds a loopback port")
}

/// A client that never goes through a proxy and never waits long.
pub(crate) fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("a plain client builds")
}

pub(crate) fn ssws(okta: &OktaEmulator) -> String {
    format!("SSWS {}", okta.api_token())
}

pub(crate) fn profile(login: &str) -> Value {
    json!({
        "login": login,
        "email": login,
        "firstName": "Test",
        "lastName": "User",
    })
}

/// `POST /api/v1/users` with a password; returns status and body.
pub(crate) async fn create_user(
    http: &reqwest::Client,
    okta: &OktaEmulator,
    profile: Value,
) -> (u16, Value) {
    let response = http
        .post(format!("{}/api/v1/users?activate=true", okta.base_url()))
        .header("Authorization", ssws(okta))
        .json(&json!({"profile": profile, "credentials": {"password": {"value": "Tr0ub4dor&3-long"}}}))
        .send()
        .await
        .expect("the emulator answers");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// `GET` with the API token; returns status, headers and the JSON body (or null).
pub(crate) async fn get(
    http: &reqwest::Client,
    okta: &OktaEmulator,
    url: &str,
) -> (u16, HeaderMap, Value) {
    let url = if url.starts_with("http") {
        url.to_owned()
    } else {
        format!("{}{url}", okta.base_url())
    };
    let response = http
        .get(url)
        .header("Authorization", ssws(okta))
        .send()
        .await
        .expect("the emulator answers");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (
        status,
        headers,
        response.json().await.unwrap_or(Value::Null),
    )
}

/// The `Link` header values as (url, rel) pairs.
pub(crate) fn links(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .get_all("link")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| {
            let (url, rest) = v.split_once(">;")?;
            let url = url.trim().strip_prefix('<')?;
            let rel = rest.split("rel=\"").nth(1)?.trim_end_matches('"');
            Some((url.to_owned(), rel.to_owned()))
        })
        .collect()
}

pub(crate) fn next_link(headers: &HeaderMap) -> Option<String> {
    links(headers)
        .into_iter()
        .find(|(_, rel)| rel == "next")
        .map(|(url, _)| url)
}

pub(crate) fn header_u64(headers: &HeaderMap, name: &str) -> u64 {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("header {name} missing or not a number"))
}
