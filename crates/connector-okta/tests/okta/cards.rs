//! The cards of Okta's own templates beyond the generated request shapes
//! (`tests/openapi_actions.rs`): the hand-written `delete-user`, every list across two
//! pages, `max` and its bounds, the System Log's end at an empty page, and the defaults
//! the cards send where Okta's differ. Every request is checked against Okta's OpenAPI
//! document when the harness drops.

use crate::common;

use common::{Harness, TOKEN};
use connector_core::pipeline::DryRunLog;
use connector_core::{Connector, Env, ErrorKind};
use connector_okta::{Okta, connector};
use httpmock::Method::{DELETE, GET, POST, PUT};
use serde_json::{Value, json};

async fn run(okta: &Okta, action: &str, input: Value) -> connector_core::Result<Value> {
    connector().run(okta, action, input).await
}

fn user(id: &str, status: &str) -> Value {
    json!({
        "id": id, "status": status, "created": "2026-01-02T03:04:05.000Z",
        "activated": null, "statusChanged": null, "lastLogin": null,
        "lastUpdated": "2026-01-02T03:04:05.000Z", "passwordChanged": null,
        "type": {"id": "oty1"},
        "profile": {"login": format!("{id}@example.com"), "email": format!("{id}@example.com"),
                    "firstName": "A", "lastName": "B"},
        "credentials": {"provider": {"type": "OKTA", "name": "OKTA"}},
        "_links": {"self": {"href": format!("https://example.okta.com/api/v1/users/{id}")}}
    })
}

#[tokio::test]
async fn delete_user_reads_deactivates_then_deletes_an_active_user() {
    let h = Harness::start().await;
    let read = h
        .server
        .mock_async(|when, then| {
            when.method(GET).path("/api/v1/users/jane.doe");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(user("00u1", "ACTIVE"));
        })
        .await;
    let deactivate = h
        .server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v1/users/00u1/lifecycle/deactivate")
                .query_param("sendEmail", "false")
                .header("authorization", format!("SSWS {TOKEN}"));
            then.status(200);
        })
        .await;
    let delete = h
        .server
        .mock_async(|when, then| {
            when.method(DELETE)
                .path("/api/v1/users/00u1")
                .query_param("sendEmail", "false");
            then.status(204);
        })
        .await;
    h.fallback().await;
    let out = run(&h.okta(), "delete-user", json!({"id": "jane.doe"}))
        .await
        .unwrap();
    assert_eq!(
        out,
        json!({"id": "00u1", "deactivated": true, "deleted": true})
    );
    read.assert_calls_async(1).await;
    deactivate.assert_calls_async(1).await;
    delete.assert_calls_async(1).await;
    let order: Vec<String> = h.seen().iter().map(|s| s.method.clone()).collect();
    assert_eq!(order, ["GET", "POST", "DELETE"]);
}

#[tokio::test]
async fn delete_user_skips_the_deactivation_of_a_deprovisioned_user() {
    let h = Harness::start().await;
    h.server
        .mock_async(|when, then| {
            when.method(GET).path("/api/v1/users/00u2");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(user("00u2", "DEPROVISIONED"));
        })
        .await;
    let delete = h
        .server
        .mock_async(|when, then| {
            when.method(DELETE)
                .path("/api/v1/users/00u2")
                .query_param("sendEmail", "true");
            then.status(204);
        })
        .await;
    h.fallback().await;
    let out = run(
        &h.okta(),
        "delete-user",
        json!({"id": "00u2", "sendEmail": true}),
    )
    .await
    .unwrap();
    assert_eq!(out["deactivated"], false);
    delete.assert_calls_async(1).await;
    assert_eq!(h.seen().len(), 2);
}

#[tokio::test]
async fn delete_user_of_nobody_is_not_found_and_deletes_nothing() {
    let h = Harness::start().await;
    h.server
        .mock_async(|when, then| {
            when.method(GET).path("/api/v1/users/nobody");
            then.status(404).header("content-type", "application/json").body(
                r#"{"errorCode":"E0000007","errorSummary":"Not found: Resource not found: nobody (User)","errorLink":"E0000007","errorId":"oae1","errorCauses":[]}"#,
            );
        })
        .await;
    h.fallback().await;
    let error = run(&h.okta(), "delete-user", json!({"id": "nobody"}))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::NotFound);
    assert_eq!(h.seen().len(), 1);
}

#[tokio::test]
async fn the_dry_run_of_delete_user_lists_the_deactivation_as_depending_on_the_read() {
    let log = DryRunLog::new();
    let env = Env::from_pairs([
        ("OKTA_ORG_URL", "http://127.0.0.1:9".to_owned()),
        ("OKTA_API_TOKEN", TOKEN.to_owned()),
    ])
    .with_dry_run(log.clone());
    let session = connector().connect(&env).unwrap();
    let _ = session.run("delete-user", json!({"id": "00u3"})).await;
    let requests = log.requests();
    let listed: Vec<(String, bool)> = requests
        .iter()
        .map(|r| (format!("{} {}", r.method, r.url), r.depends_on_answer))
        .collect();
    assert_eq!(
        listed,
        [
            ("GET http://127.0.0.1:9/api/v1/users/00u3".to_owned(), false),
            (
                "POST http://127.0.0.1:9/api/v1/users/00u3/lifecycle/deactivate?sendEmail=false"
                    .to_owned(),
                true
            ),
            (
                "DELETE http://127.0.0.1:9/api/v1/users/00u3?sendEmail=false".to_owned(),
                true
            ),
        ]
    );
}

/// Two pages of a list action: the first with a `next` link, the second without.
async fn two_pages(action: &str, path: &str, input: Value, first: Vec<Value>, second: Vec<Value>) {
    let h = Harness::start().await;
    let next = format!("{}{path}?after=cursor2", h.org_url());
    let (count_first, count_second) = (first.len(), second.len());
    let page1 = h
        .server
        .mock_async(|when, then| {
            when.method(GET)
                .path(path)
                .is_true(|req| !req.uri().query().unwrap_or("").contains("after="));
            then.status(200)
                .header("content-type", "application/json")
                .header("link", format!("<{next}>; rel=\"next\""))
                .json_body(Value::Array(first));
        })
        .await;
    let page2 = h
        .server
        .mock_async(|when, then| {
            when.method(GET).path(path).query_param("after", "cursor2");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(Value::Array(second));
        })
        .await;
    h.fallback().await;
    let out = run(&h.okta(), action, input).await.unwrap();
    page1.assert_calls_async(1).await;
    page2.assert_calls_async(1).await;
    assert_eq!(
        out.as_array().map(Vec::len),
        Some(count_first + count_second),
        "{action}: {out}"
    );
}

fn app(id: &str) -> Value {
    json!({"id": id, "name": "bookmark", "label": id, "status": "ACTIVE", "signOnMode": "BOOKMARK",
           "created": "2026-01-02T03:04:05.000Z", "lastUpdated": "2026-01-02T03:04:05.000Z",
           "settings": {"app": {"url": "https://wiki.example.com"}}})
}

fn log_event(n: u32) -> Value {
    json!({"uuid": format!("e{n}"), "published": "2026-01-02T03:04:05.000Z",
           "eventType": "user.lifecycle.deactivate", "version": "0", "severity": "INFO",
           "displayMessage": "Deactivate Okta user", "outcome": {"result": "SUCCESS"},
           "actor": {"id": "00uadmin", "type": "User"},
           "target": [{"id": format!("00u{n}"), "type": "User"}]})
}

#[tokio::test]
async fn every_list_card_reads_every_page() {
    two_pages(
        "list-users",
        "/api/v1/users",
        json!({"filter": "status eq \"ACTIVE\"", "limit": 2}),
        vec![user("00u1", "ACTIVE"), user("00u2", "ACTIVE")],
        vec![user("00u3", "ACTIVE")],
    )
    .await;
    two_pages(
        "list-applications",
        "/api/v1/apps",
        json!({"q": "wiki", "limit": 2}),
        vec![app("0oa1"), app("0oa2")],
        vec![app("0oa3")],
    )
    .await;
    two_pages(
        "list-application-users",
        "/api/v1/apps/0oa1/users",
        json!({"appId": "0oa1", "limit": 2}),
        vec![
            json!({"id": "00u1", "scope": "USER"}),
            json!({"id": "00u2", "scope": "USER"}),
        ],
        vec![json!({"id": "00u3", "scope": "USER"})],
    )
    .await;
    two_pages(
        "list-application-groups",
        "/api/v1/apps/0oa1/groups",
        json!({"appId": "0oa1", "limit": 20}),
        vec![json!({"id": "00g1"}), json!({"id": "00g2"})],
        vec![json!({"id": "00g3"})],
    )
    .await;
    two_pages(
        "search-system-log",
        "/api/v1/logs",
        json!({"filter": "eventType eq \"user.lifecycle.deactivate\"", "until": "2026-02-01T00:00:00.000Z"}),
        vec![log_event(1), log_event(2)],
        vec![log_event(3)],
    )
    .await;
}

#[tokio::test]
async fn the_system_log_without_until_ends_at_the_first_empty_page() {
    let h = Harness::start().await;
    let next = |n: u32| {
        format!(
            "<{}/api/v1/logs?after=c{n}&limit=100>; rel=\"next\"",
            h.org_url()
        )
    };
    for (query, page, link) in [
        (None, vec![log_event(1)], next(1)),
        (Some("c1"), vec![log_event(2)], next(2)),
        (Some("c2"), vec![], next(3)),
    ] {
        h.server
            .mock_async(|when, then| {
                let when = when.method(GET).path("/api/v1/logs");
                match query {
                    Some(after) => {
                        when.query_param("after", after);
                    }
                    None => {
                        when.is_true(|req| !req.uri().query().unwrap_or("").contains("after="));
                    }
                }
                then.status(200)
                    .header("content-type", "application/json")
                    .header("link", link)
                    .json_body(Value::Array(page));
            })
            .await;
    }
    h.fallback().await;
    let out = run(
        &h.okta(),
        "search-system-log",
        json!({"since": "2026-01-01T00:00:00.000Z"}),
    )
    .await
    .unwrap();
    assert_eq!(out.as_array().map(Vec::len), Some(2), "{out}");
    assert_eq!(
        h.seen().len(),
        3,
        "the page after the empty one is not asked for"
    );
}

#[tokio::test]
async fn a_list_stops_at_max_which_defaults_to_a_thousand_and_is_bounded() {
    let h = Harness::start().await;
    let page: Vec<Value> = (0..200)
        .map(|i| user(&format!("00u{i}"), "ACTIVE"))
        .collect();
    let org = h.org_url();
    // Every page links to one more (the cursor counts up), as a long directory would.
    let pages = h
        .server
        .mock_async(|when, then| {
            when.method(GET).path("/api/v1/users");
            then.respond_with(move |req: &httpmock::HttpMockRequest| {
                let query = req.uri().query().unwrap_or("").to_owned();
                let n: u32 = query
                    .split('&')
                    .find_map(|kv| kv.strip_prefix("after=p"))
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0);
                httpmock::HttpMockResponse::builder()
                    .status(200)
                    .header("content-type", "application/json")
                    .header(
                        "link",
                        format!(
                            "<{org}/api/v1/users?after=p{}&limit=200>; rel=\"next\"",
                            n + 1
                        ),
                    )
                    .body(Value::Array(page.clone()).to_string())
                    .build()
            });
        })
        .await;
    h.fallback().await;
    let all = run(&h.okta(), "list-users", json!({"limit": 200}))
        .await
        .unwrap();
    assert_eq!(all.as_array().map(Vec::len), Some(1_000));
    pages.assert_calls_async(5).await;
    let some = run(&h.okta(), "list-users", json!({"limit": 200, "max": 250}))
        .await
        .unwrap();
    assert_eq!(some.as_array().map(Vec::len), Some(250));
    pages.assert_calls_async(7).await;
    for max in [0, 100_001] {
        let error = run(&h.okta(), "list-users", json!({"max": max}))
            .await
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidInput, "{max}: {error}");
    }
    pages.assert_calls_async(7).await;
}

#[tokio::test]
async fn cards_send_false_where_okta_would_email_by_default() {
    let h = Harness::start().await;
    let activate = h
        .server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v1/users/00u1/lifecycle/activate")
                .query_param("sendEmail", "false");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(json!({"activationToken": "tok", "activationUrl": "https://x/tokens/tok/verify"}));
        })
        .await;
    let sessions = h
        .server
        .mock_async(|when, then| {
            when.method(DELETE)
                .path("/api/v1/users/00u1/sessions")
                .query_param("oauthTokens", "false");
            then.status(204);
        })
        .await;
    let assign = h
        .server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v1/apps/0oa1/users")
                .json_body(json!({"id": "00u1", "scope": "USER"}));
            then.status(200)
                .header("content-type", "application/json")
                .json_body(json!({"id": "00u1", "scope": "USER", "status": "ACTIVE"}));
        })
        .await;
    let replace = h
        .server
        .mock_async(|when, then| {
            when.method(PUT)
                .path("/api/v1/groups/00g1")
                .json_body(json!({"profile": {"name": "New"}}));
            then.status(200)
                .header("content-type", "application/json")
                .json_body(json!({"id": "00g1", "type": "OKTA_GROUP", "profile": {"name": "New"}}));
        })
        .await;
    h.fallback().await;
    let okta = h.okta();
    run(&okta, "activate-user", json!({"id": "00u1"}))
        .await
        .unwrap();
    let out = run(&okta, "clear-user-sessions", json!({"userId": "00u1"}))
        .await
        .unwrap();
    assert_eq!(out, json!({"status": 204}));
    let out = run(
        &okta,
        "assign-user-to-application",
        json!({"appId": "0oa1", "userId": "00u1", "scope": "USER"}),
    )
    .await
    .unwrap();
    assert_eq!(out["id"], "00u1");
    run(
        &okta,
        "update-group",
        json!({"groupId": "00g1", "profile": {"name": "New"}}),
    )
    .await
    .unwrap();
    activate.assert_calls_async(1).await;
    sessions.assert_calls_async(1).await;
    assign.assert_calls_async(1).await;
    replace.assert_calls_async(1).await;
}
