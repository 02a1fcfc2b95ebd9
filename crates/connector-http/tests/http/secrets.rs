//! Secrets never show: not in `Debug`, not in errors (of the settings or of an answer),
//! not in a dry run.

use connector_core::{Connector, Env, ErrorKind};
use connector_http::{Credential, Http, HttpRequestInput};
use httpmock::Method::GET;
use httpmock::MockServer;

use crate::common::{SECRET, client};

#[test]
fn debug_never_shows_a_secret() {
    for credential in [
        Credential::bearer(SECRET),
        Credential::basic("ci", SECRET),
        Credential::header("X-Api-Key", SECRET),
    ] {
        let builder = Http::builder()
            .base_url("https://api.example.com")
            .credential(credential.clone());
        assert!(!format!("{builder:?}").contains(SECRET));
        let http = builder.build().unwrap();
        let shown = format!("{http:?} {credential:?}");
        assert!(!shown.contains(SECRET), "{shown}");
        assert!(
            !shown.contains("czNjcjN0"),
            "no base64 of it either: {shown}"
        );
    }
}

#[tokio::test]
async fn an_error_answer_shows_no_credential() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/me");
            then.status(401)
                .header("content-type", "application/json")
                .header("www-authenticate", "Bearer realm=\"api\"")
                .header("set-cookie", format!("session={SECRET}"))
                .body(r#"{"error":"invalid token"}"#);
        })
        .await;
    for credential in [
        Credential::bearer(SECRET),
        Credential::basic("ci", SECRET),
        Credential::header("X-Api-Key", SECRET),
    ] {
        let (http, _) = client(&server, credential);
        let e = http
            .request(HttpRequestInput::get("/me"))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Authentication);
        let shown = format!("{e} {e:?} {}", e.to_json());
        assert!(!shown.contains(SECRET), "{shown}");
    }
}

#[test]
fn settings_that_cannot_be_used_are_refused_without_the_secret() {
    let bad = [
        vec![
            ("HTTP_BASE_URL", "https://api.example.com".to_owned()),
            ("HTTP_BEARER", format!("{SECRET}\nX-Injected: 1")),
        ],
        vec![
            ("HTTP_BASE_URL", "https://api.example.com".to_owned()),
            ("HTTP_BEARER", SECRET.to_owned()),
            ("HTTP_HEADER_VALUE", SECRET.to_owned()),
        ],
        vec![("HTTP_BEARER", SECRET.to_owned())],
    ];
    for pairs in bad {
        let env = Env::from_pairs(pairs).with_connection_name("ci");
        let e = connector_http::connector()
            .connect(&env)
            .err()
            .expect("refused");
        assert_eq!(e.kind(), ErrorKind::Configuration, "{e}");
        let shown = format!("{e} {e:?} {}", e.to_json());
        assert!(!shown.contains(SECRET), "{shown}");
    }
}
