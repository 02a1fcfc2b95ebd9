//! Connecting from the environment, dry runs, the registry's view, and secrets that never
//! show.

use crate::common;

use common::{Harness, TOKEN, fixture, user_agent};
use connector_core::pipeline::DryRunLog;
use connector_core::{Connector, Env, ErrorKind};
use connector_okta::{DEFAULT_SCOPES, Okta, connector};
use httpmock::Method::{GET, POST};
use serde_json::json;

fn env(pairs: &[(&str, &str)]) -> Env {
    Env::from_pairs(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())))
}

#[tokio::test]
async fn from_env_with_an_org_url_and_api_token_calls_with_ssws() {
    let h = Harness::start().await;
    let read = h
        .server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v1/users/00u1")
                .header("authorization", format!("SSWS {TOKEN}"))
                .header("user-agent", user_agent());
            then.status(200).body(fixture("get_user.json"));
        })
        .await;
    h.fallback().await;
    let url = h.org_url();
    for vars in [
        [("OKTA_ORG_URL", url.as_str()), ("OKTA_API_TOKEN", TOKEN)],
        // The names Okta's own SDKs read.
        [
            ("OKTA_CLIENT_ORGURL", url.as_str()),
            ("OKTA_CLIENT_TOKEN", TOKEN),
        ],
    ] {
        let okta = Okta::from_env(&env(&vars)).unwrap();
        okta.read_user("00u1").await.unwrap();
        // The same through the registry, as `connector run okta read-user` does.
        let session = connector().connect(&env(&vars)).unwrap();
        let user = session
            .run("read-user", json!({"id": "00u1"}))
            .await
            .unwrap();
        assert_eq!(user["id"], "00ub0oNGTSWTBKOLGLNR");
    }
    read.assert_calls_async(4).await;
}

#[test]
fn missing_settings_are_configuration_errors_naming_the_variable_to_set() {
    let cases: [(&[(&str, &str)], &str); 5] = [
        (&[("OKTA_API_TOKEN", "t")], "OKTA_ORG_URL"),
        (
            &[("OKTA_ORG_URL", "https://acme.okta.com")],
            "OKTA_API_TOKEN",
        ),
        (
            &[
                ("OKTA_ORG_URL", "https://acme.okta.com"),
                ("OKTA_CLIENT_ID", "0oa1"),
            ],
            "OKTA_PRIVATE_KEY",
        ),
        (
            &[
                ("OKTA_ORG_URL", "https://acme.okta.com"),
                ("OKTA_PRIVATE_KEY", "@/nonexistent"),
            ],
            "OKTA_CLIENT_ID",
        ),
        (
            &[
                ("OKTA_ORG_URL", "https://acme.okta.com"),
                ("OKTA_API_TOKEN", "  "),
            ],
            "OKTA_API_TOKEN",
        ),
    ];
    for (vars, variable) in cases {
        let e = Okta::from_env(&env(vars)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Configuration, "{vars:?}");
        assert!(
            e.message().contains(&format!("set {variable}")),
            "{vars:?}: {e}"
        );
        let Err(e) = connector().connect(&env(vars)) else {
            panic!("{vars:?} connected")
        };
        assert_eq!(e.kind(), ErrorKind::Configuration);
    }
}

#[test]
fn an_org_url_must_be_https_except_on_loopback() {
    for url in [
        "http://acme.okta.com",
        "ftp://acme.okta.com",
        "acme",
        "https://user:pw@acme.okta.com",
    ] {
        let e =
            Okta::from_env(&env(&[("OKTA_ORG_URL", url), ("OKTA_API_TOKEN", "t")])).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Configuration, "{url}");
        assert!(!e.to_string().contains("pw"), "{e}");
    }
    for url in [
        "https://acme.okta.com",
        "https://acme.okta.com/",
        "http://127.0.0.1:8080",
        "http://localhost:1",
    ] {
        Okta::from_env(&env(&[("OKTA_ORG_URL", url), ("OKTA_API_TOKEN", "t")])).unwrap();
    }
}

#[test]
fn a_private_key_is_read_from_a_file_or_from_escaped_text() {
    let e = Okta::from_env(&env(&[
        ("OKTA_ORG_URL", "https://acme.okta.com"),
        ("OKTA_CLIENT_ID", "0oa1"),
        ("OKTA_PRIVATE_KEY", "@/nonexistent/key.pem"),
    ]))
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration);
    assert!(e.message().contains("/nonexistent/key.pem"), "{e}");
    let e = Okta::from_env(&env(&[
        ("OKTA_ORG_URL", "https://acme.okta.com"),
        ("OKTA_CLIENT_ID", "0oa1"),
        ("OKTA_PRIVATE_KEY", "not a key"),
    ]))
    .unwrap_err();
    assert!(e.message().contains("OKTA_PRIVATE_KEY"), "{e}");
    assert!(!e.to_string().contains("not a key"), "{e}");

    use p256::pkcs8::{EncodePrivateKey, LineEnding};
    let key = p256::SecretKey::random(&mut p256::elliptic_curve::rand_core::OsRng);
    let pem = key.to_pkcs8_pem(LineEnding::LF).unwrap().to_string();
    let dir = std::env::temp_dir().join(format!("connector-okta-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("key.pem");
    std::fs::write(&path, &pem).unwrap();
    let from_file = format!("@{}", path.display());
    let escaped = pem.replace('\n', "\\n");
    for value in [from_file.as_str(), escaped.as_str(), pem.as_str()] {
        Okta::from_env(&env(&[
            ("OKTA_ORG_URL", "https://acme.okta.com"),
            ("OKTA_CLIENT_ID", "0oa1"),
            ("OKTA_PRIVATE_KEY", value),
        ]))
        .unwrap_or_else(|e| panic!("{e}"));
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn oauth_from_env_asks_for_the_default_scopes_or_those_given() {
    use p256::pkcs8::{EncodePrivateKey, LineEnding};
    let key = p256::SecretKey::random(&mut p256::elliptic_curve::rand_core::OsRng);
    let pem = key.to_pkcs8_pem(LineEnding::LF).unwrap().to_string();
    let h = Harness::start().await;
    let token = h
        .server
        .mock_async(|when, then| {
            when.method(POST).path("/oauth2/v1/token");
            then.status(200).json_body(
                json!({"token_type": "Bearer", "expires_in": 3600, "access_token": "at"}),
            );
        })
        .await;
    let read = h
        .server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v1/users/00u1")
                .header("authorization", "Bearer at");
            then.status(200).body(fixture("get_user.json"));
        })
        .await;
    h.fallback().await;
    let url = h.org_url();
    let base = [
        ("OKTA_ORG_URL", url.as_str()),
        ("OKTA_CLIENT_ID", "0oa1"),
        ("OKTA_PRIVATE_KEY", pem.as_str()),
    ];
    Okta::from_env(&env(&base))
        .unwrap()
        .read_user("00u1")
        .await
        .unwrap();
    let mut with_scopes = base.to_vec();
    with_scopes.push(("OKTA_SCOPES", "okta.users.read, okta.roles.read"));
    Okta::from_env(&env(&with_scopes))
        .unwrap()
        .read_user("00u1")
        .await
        .unwrap();
    token.assert_calls_async(2).await;
    read.assert_calls_async(2).await;
    let scopes: Vec<String> = h
        .seen()
        .iter()
        .filter(|s| s.path == "/oauth2/v1/token")
        .map(|s| s.form()["scope"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        scopes,
        [
            DEFAULT_SCOPES.join(" "),
            "okta.users.read okta.roles.read".to_owned()
        ]
    );
    assert_eq!(
        DEFAULT_SCOPES,
        [
            "okta.users.manage",
            "okta.users.read",
            "okta.roles.manage",
            "okta.roles.read",
            "okta.groups.manage",
            "okta.groups.read"
        ]
    );
}

#[tokio::test]
async fn a_dry_run_records_the_exact_request_with_the_token_masked_and_sends_nothing() {
    let h = Harness::start().await;
    h.fallback().await;
    let log = DryRunLog::new();
    let url = h.org_url();
    let session = connector()
        .connect(
            &env(&[("OKTA_ORG_URL", url.as_str()), ("OKTA_API_TOKEN", TOKEN)])
                .with_dry_run(log.clone()),
        )
        .unwrap();
    let e = session
        .run(
            "add-user-to-admin-role",
            json!({"userId": "00u1", "roleType": "HELP_DESK_ADMIN"}),
        )
        .await
        .unwrap_err();
    // The action stops where it would read the assignment from a real answer.
    assert!(e.is_dry_run_stop(), "{e}");
    assert!(h.seen().is_empty(), "nothing was sent");
    let [recorded] = log.requests().try_into().unwrap();
    assert_eq!(recorded.method, "POST");
    assert_eq!(recorded.url, format!("{url}/api/v1/users/00u1/roles"));
    assert_eq!(recorded.headers["authorization"], "SSWS ****");
    assert_eq!(recorded.headers["user-agent"], user_agent());
    assert_eq!(recorded.headers["content-type"], "application/json");
    assert_eq!(recorded.body, Some(json!({"type": "HELP_DESK_ADMIN"})));
    assert!(
        !serde_json::to_string(&log.requests())
            .unwrap()
            .contains(TOKEN)
    );
}

#[tokio::test]
async fn the_api_token_never_shows_in_debug_display_or_errors() {
    let h = Harness::start().await;
    h.server
        .mock_async(|when, then| {
            when.method(GET).path("/api/v1/users/00u1");
            then.status(401).header("x-okta-request-id", "req-401").body(
                r#"{"errorCode":"E0000011","errorSummary":"Invalid token provided","errorCauses":[]}"#,
            );
        })
        .await;
    h.fallback().await;
    let builder = h.builder().api_token(TOKEN);
    let okta = builder.build().unwrap();
    let e = okta.read_user("00u1").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Authentication);
    assert_eq!(e.attempts(), 1, "an API token is not refreshed");
    let env = env(&[
        ("OKTA_ORG_URL", "https://acme.okta.com"),
        ("OKTA_API_TOKEN", TOKEN),
    ]);
    let text = format!(
        "{:?} {okta:?} {okta} {e} {e:?} {} {env:?}",
        h.builder().api_token(TOKEN),
        e.to_json()
    );
    assert!(!text.contains("SECRET"), "{text}");
    assert!(text.contains("SSWS ****"), "{text}");
}

#[test]
fn describe_gives_each_action_s_schemas_and_the_settings() {
    let okta = connector();
    assert_eq!(okta.name(), "Okta");
    assert!(!okta.description().is_empty());
    for action in okta.actions() {
        assert_eq!(
            action.input_schema["type"], "object",
            "{}: {}",
            action.id, action.input_schema
        );
        // The generated list actions give Okta's answer as it is: the list (across pages).
        let output = &action.output_schema;
        match output["type"].as_str() {
            Some("object") => {}
            Some("array") if action.id.starts_with("list-") || action.id == "search-system-log" => {
                assert!(output["items"].is_object(), "{}: {output}", action.id);
            }
            _ => panic!("{}: {output}", action.id),
        }
    }
    let org = okta
        .settings()
        .into_iter()
        .find(|s| s.name == "OKTA_ORG_URL")
        .unwrap();
    assert_eq!(org.aliases, ["OKTA_CLIENT_ORGURL"]);
    let token = okta
        .settings()
        .into_iter()
        .find(|s| s.name == "OKTA_API_TOKEN")
        .unwrap();
    assert_eq!(token.aliases, ["OKTA_CLIENT_TOKEN"]);
}

#[test]
fn the_default_scopes_cover_the_group_actions_and_the_setting_names_them_all() {
    for scope in ["okta.groups.read", "okta.groups.manage"] {
        assert!(DEFAULT_SCOPES.contains(&scope), "{scope}");
    }
    let scopes = connector()
        .settings()
        .into_iter()
        .find(|s| s.name == "OKTA_SCOPES")
        .unwrap();
    let listed = scopes
        .description
        .split(|c: char| c.is_whitespace() || c == ')' || c == '(')
        .filter(|w| w.starts_with("okta."))
        .map(|w| w.trim_end_matches('.'))
        .collect::<Vec<_>>();
    assert_eq!(listed, DEFAULT_SCOPES, "{}", scopes.description);
}

#[tokio::test]
async fn a_dry_run_masks_the_initial_password_too() {
    let h = Harness::start().await;
    h.fallback().await;
    let log = DryRunLog::new();
    let okta = h
        .builder()
        .api_token(TOKEN)
        .dry_run(log.clone())
        .build()
        .unwrap();
    let input = serde_json::from_value(
        json!({"profile": {"login": "ada@example.com"}, "password": "Pa55word-SECRET"}),
    )
    .unwrap();
    assert!(okta.create_user(input).await.unwrap_err().is_dry_run_stop());
    let [recorded] = log.requests().try_into().unwrap();
    assert_eq!(
        recorded.url,
        format!("{}/api/v1/users?activate=true", h.org_url())
    );
    assert_eq!(
        recorded.body,
        Some(
            json!({"profile": {"login": "ada@example.com"}, "credentials": {"password": {"value": "****"}}})
        )
    );
    assert!(h.seen().is_empty());
}
