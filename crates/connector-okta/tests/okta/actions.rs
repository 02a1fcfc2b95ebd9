//! Every action's request (method, path, query, headers, body) and output, against a mock
//! org that fails on any request it does not expect.

use crate::common;

use common::{Harness, TOKEN, fixture, fixture_json, user_agent};
use connector_core::{Connector, ErrorKind};
use connector_okta::{Okta, RoleToRemove, SearchUsersInput, User, connector};
use futures_util::StreamExt;
use httpmock::Method::{DELETE, GET, POST};
use serde_json::{Value, json};

/// Runs an action by id through its JSON form, as the CLI does.
async fn run(okta: &Okta, action: &str, input: Value) -> connector_core::Result<Value> {
    connector().run(okta, action, input).await
}

const CREATED: &str = r#"{
  "id": "00ub0oNGTSWTBKOLGLNR",
  "status": "ACTIVE",
  "created": "2013-07-02T21:36:25.344Z",
  "activated": "2013-07-02T21:36:25.344Z",
  "statusChanged": "2013-07-02T21:36:25.344Z",
  "lastLogin": null,
  "lastUpdated": "2013-07-02T21:36:25.344Z",
  "passwordChanged": "2013-07-02T21:36:25.344Z",
  "type": {"id": "oty1"},
  "profile": {"firstName": "Isaac", "lastName": "Brock", "email": "isaac.brock@example.com",
              "login": "isaac.brock@example.com", "mobilePhone": null, "role": "Support"},
  "credentials": {"password": {}, "provider": {"type": "OKTA", "name": "OKTA"}},
  "_links": {"self": {"href": "https://example.okta.com/api/v1/users/00ub0oNGTSWTBKOLGLNR"}}
}"#;

#[tokio::test]
async fn create_user_posts_the_profile_and_password_activated_by_default() {
    let h = Harness::start().await;
    let create = h
        .server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v1/users")
                .query_param("activate", "true")
                .is_true(|req| req.uri().query() == Some("activate=true"))
                .header("authorization", format!("SSWS {TOKEN}"))
                .header("accept", "application/json")
                .header("content-type", "application/json")
                .header("user-agent", user_agent())
                .json_body(json!({
                    "profile": {"login": "isaac.brock@example.com", "email": "isaac.brock@example.com",
                                "firstName": "Isaac", "lastName": "Brock", "role": "Support"},
                    "credentials": {"password": {"value": "tlpWENT2m"}}
                }));
            then.status(200).header("content-type", "application/json").body(CREATED);
        })
        .await;
    h.fallback().await;
    let out = run(
        &h.okta(),
        "create-user",
        json!({
            "profile": {"login": "isaac.brock@example.com", "email": "isaac.brock@example.com",
                        "firstName": "Isaac", "lastName": "Brock", "role": "Support"},
            "password": "tlpWENT2m"
        }),
    )
    .await
    .unwrap();
    create.assert_async().await;
    assert_eq!(out["id"], "00ub0oNGTSWTBKOLGLNR");
    assert_eq!(out["status"], "ACTIVE");
    assert_eq!(out["profile"]["role"], "Support");
    // Fields the type does not name come back unchanged, nulls included.
    assert_eq!(out["type"], json!({"id": "oty1"}));
    assert_eq!(out["lastLogin"], Value::Null);
    assert_eq!(out["profile"]["mobilePhone"], Value::Null);
}

#[tokio::test]
async fn create_user_with_activate_false_sends_activate_false_and_no_credentials() {
    let h = Harness::start().await;
    let staged = fixture_json("users_search.json")[0].clone();
    let create = h
        .server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v1/users")
                .is_true(|req| req.uri().query() == Some("activate=false"))
                .json_body(json!({"profile": {"login": "ben.richler@example.com", "email": "ben.richler@example.com"}}));
            then.status(200).json_body(staged);
        })
        .await;
    h.fallback().await;
    let out = run(
        &h.okta(),
        "create-user",
        json!({"profile": {"login": "ben.richler@example.com", "email": "ben.richler@example.com"}, "activate": false}),
    )
    .await
    .unwrap();
    create.assert_async().await;
    assert_eq!(out["status"], "STAGED");
}

#[tokio::test]
async fn create_user_refuses_unknown_fields_and_a_missing_login_before_sending() {
    let h = Harness::start().await;
    h.fallback().await;
    let okta = h.okta();
    for input in [
        json!({"profile": {"login": "a@b.c"}, "activte": true}),
        json!({"profile": {"email": "a@b.c"}}),
        json!({"profile": {"login": "  "}}),
        json!({"profile": {"login": "a@b.c"}, "activate": "yes"}),
    ] {
        let e = run(&okta, "create-user", input.clone()).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{input}: {e}");
        assert_eq!(e.attempts(), 0);
    }
    assert!(h.seen().is_empty());
}

#[tokio::test]
async fn read_user_gets_the_user_by_id_with_ssws_accept_and_user_agent() {
    let h = Harness::start().await;
    let read = h
        .server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v1/users/00ub0oNGTSWTBKOLGLNR")
                .is_true(|req| req.uri().query().is_none() && req.body_ref().is_empty())
                .header("authorization", format!("SSWS {TOKEN}"))
                .header("accept", "application/json")
                .header("user-agent", user_agent());
            then.status(200)
                .header("content-type", "application/json")
                .header("x-okta-request-id", "req-1")
                .body(fixture("get_user.json"));
        })
        .await;
    h.fallback().await;
    let out = run(
        &h.okta(),
        "read-user",
        json!({"id": "00ub0oNGTSWTBKOLGLNR"}),
    )
    .await
    .unwrap();
    read.assert_async().await;
    assert_eq!(
        out,
        fixture_json("get_user.json"),
        "the user comes back exactly as Okta sent it"
    );
    let user: User = serde_json::from_value(out).unwrap();
    assert_eq!(user.profile.login, "isaac.brock@example.com");
    assert_eq!(user.profile.first_name.as_deref(), Some("Isaac"));
    assert_eq!(
        user.profile.attribute("department"),
        Some(json!("Engineering"))
    );
    assert_eq!(user.status.as_deref(), Some("ACTIVE"));
}

#[tokio::test]
async fn read_user_by_login_escapes_the_login_into_one_path_segment() {
    let h = Harness::start().await;
    let read = h
        .server
        .mock_async(|when, then| {
            when.method(GET).is_true(|req| {
                req.uri().path() == "/api/v1/users/isaac.brock%2Btest%40example.com"
            });
            then.status(200).body(fixture("get_user.json"));
        })
        .await;
    let escaped = h
        .server
        .mock_async(|when, then| {
            when.method(GET).is_true(|req| req.uri().path() == "/api/v1/users/..%2Fgroups%3Fq%3Dx");
            then.status(404)
                .body(r#"{"errorCode":"E0000007","errorSummary":"Not found: Resource not found: ../groups?q=x (User)"}"#);
        })
        .await;
    h.fallback().await;
    let okta = h.okta();
    okta.read_user("isaac.brock+test@example.com")
        .await
        .unwrap();
    let e = okta.read_user("../groups?q=x").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    read.assert_async().await;
    escaped.assert_async().await;
}

#[tokio::test]
async fn read_user_with_an_empty_id_is_refused_before_sending() {
    let h = Harness::start().await;
    h.fallback().await;
    let e = run(&h.okta(), "read-user", json!({"id": " "}))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    let e = run(&h.okta(), "read-user", json!({})).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(e.message().contains("id"), "{e}");
    assert!(h.seen().is_empty());
}

/// Three pages of users behind `after` cursors, each linking to the next.
async fn three_pages(h: &Harness) -> Vec<httpmock::Mock<'_>> {
    let users = fixture_json("users_search.json");
    let user = |id: &str| {
        let mut u = users[0].clone();
        u["id"] = json!(id);
        u
    };
    let base = h.org_url();
    let mut mocks = Vec::new();
    let pages = [
        (None, vec![user("00u1"), user("00u2")], Some("00u2")),
        (Some("00u2"), vec![user("00u3"), user("00u4")], Some("00u4")),
        (Some("00u4"), vec![user("00u5")], None),
    ];
    for (after, body, next) in pages {
        let base = base.clone();
        mocks.push(
            h.server
                .mock_async(move |when, then| {
                    let when = when
                        .method(GET)
                        .path("/api/v1/users")
                        .query_param("search", r#"profile.department eq "Engineering""#)
                        .query_param("limit", "2")
                        .header("authorization", format!("SSWS {TOKEN}"));
                    match after {
                        Some(after) => when.query_param("after", after),
                        None => when.query_param_missing("after"),
                    };
                    let then = then.status(200).json_body(Value::Array(body)).header(
                        "link",
                        format!(r#"<{base}/api/v1/users?search=x&limit=2>; rel="self""#),
                    );
                    if let Some(next) = next {
                        // Okta's own order of parameters; the client must follow it as given.
                        then.header(
                            "link",
                            format!(
                                r#"<{base}/api/v1/users?after={next}&limit=2&search=profile.department+eq+%22Engineering%22>; rel="next""#
                            ),
                        );
                    }
                })
                .await,
        );
    }
    mocks
}

#[tokio::test]
async fn search_users_follows_next_links_across_three_pages() {
    let h = Harness::start().await;
    let pages = three_pages(&h).await;
    h.fallback().await;
    let out = run(
        &h.okta(),
        "search-users",
        json!({"search": "profile.department eq \"Engineering\"", "limit": 2}),
    )
    .await
    .unwrap();
    let ids: Vec<&str> = out["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["00u1", "00u2", "00u3", "00u4", "00u5"]);
    for page in &pages {
        page.assert_calls_async(1).await;
    }
    // The second and third pages were asked for exactly as the links said.
    let seen = h.seen();
    assert_eq!(seen.len(), 3);
    assert_eq!(
        seen[1].target(),
        "/api/v1/users?after=00u2&limit=2&search=profile.department+eq+%22Engineering%22"
    );
}

#[tokio::test]
async fn search_users_stops_at_max_without_fetching_further_pages() {
    let h = Harness::start().await;
    let pages = three_pages(&h).await;
    h.fallback().await;
    let out = run(
        &h.okta(),
        "search-users",
        json!({"search": "profile.department eq \"Engineering\"", "limit": 2, "max": 3}),
    )
    .await
    .unwrap();
    assert_eq!(out["users"].as_array().unwrap().len(), 3);
    pages[0].assert_calls_async(1).await;
    pages[1].assert_calls_async(1).await;
    pages[2].assert_calls_async(0).await;
}

#[tokio::test]
async fn search_users_streams_user_by_user_across_pages() {
    let h = Harness::start().await;
    let _pages = three_pages(&h).await;
    h.fallback().await;
    let query = SearchUsersInput::matching(r#"profile.department eq "Engineering""#).with_limit(2);
    let okta = h.okta();
    let mut pages = okta.search_users_pages(&query).unwrap();
    let mut sizes = Vec::new();
    while let Some(page) = pages.next_page().await.unwrap() {
        sizes.push(page.len());
    }
    assert_eq!(sizes, [2, 2, 1]);
    let stream = okta.search_users_pages(&query).unwrap().into_stream();
    let ids: Vec<String> = stream.map(|user| user.unwrap().id).collect().await;
    assert_eq!(ids, ["00u1", "00u2", "00u3", "00u4", "00u5"]);
}

#[tokio::test]
async fn search_users_refuses_a_next_link_to_another_origin() {
    let h = Harness::start().await;
    let first = h
        .server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v1/users")
                .query_param("search", "status eq \"ACTIVE\"");
            then.status(200)
                .json_body(fixture_json("users_search.json"))
                .header(
                    "link",
                    r#"<https://evil.example.com/api/v1/users?after=00u2>; rel="next""#,
                );
        })
        .await;
    h.fallback().await;
    let okta = h.okta();
    let e = run(
        &okta,
        "search-users",
        json!({"search": "status eq \"ACTIVE\""}),
    )
    .await
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidResponse);
    assert!(e.message().contains("another origin"), "{e}");
    first.assert_calls_async(1).await;
    // Streaming: the first page's users, then the refusal.
    let items: Vec<_> = okta
        .search_users_pages(&SearchUsersInput::matching("status eq \"ACTIVE\""))
        .unwrap()
        .into_stream()
        .collect()
        .await;
    assert_eq!(items.len(), 3);
    assert!(items[0].is_ok() && items[1].is_ok());
    assert_eq!(
        items[2].as_ref().unwrap_err().kind(),
        ErrorKind::InvalidResponse
    );
}

#[tokio::test]
async fn search_users_refuses_bad_page_sizes_and_empty_searches_before_sending() {
    let h = Harness::start().await;
    h.fallback().await;
    for input in [
        json!({"limit": 0}),
        json!({"limit": 201}),
        json!({"max": 0}),
        json!({"search": ""}),
        json!({"filter": "status eq \"ACTIVE\""}),
    ] {
        let e = run(&h.okta(), "search-users", input.clone())
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{input}");
    }
    assert!(h.seen().is_empty());
}

#[tokio::test]
async fn search_users_asks_for_no_more_than_max_in_a_page() {
    let h = Harness::start().await;
    let list = h
        .server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v1/users")
                .is_true(|req| req.uri().query() == Some("limit=1"));
            then.status(200)
                .json_body(fixture_json("users_search.json"));
        })
        .await;
    h.fallback().await;
    let out = run(&h.okta(), "search-users", json!({"max": 1}))
        .await
        .unwrap();
    assert_eq!(out["users"].as_array().unwrap().len(), 1);
    list.assert_async().await;
}

fn help_desk_assignment() -> Value {
    let mut assignment = fixture_json("role_assignment_super_admin.json");
    assignment["id"] = json!("ra1helpdesk");
    assignment["type"] = json!("HELP_DESK_ADMIN");
    assignment["label"] = json!("Help Desk Administrator");
    assignment
}

#[tokio::test]
async fn add_user_to_admin_role_posts_the_role_type_defaulting_to_help_desk_admin() {
    let h = Harness::start().await;
    let assign = h
        .server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v1/users/00ub0oNGTSWTBKOLGLNR/roles")
                .is_true(|req| req.uri().query().is_none())
                .header("authorization", format!("SSWS {TOKEN}"))
                .header("content-type", "application/json")
                .header("user-agent", user_agent())
                .json_body(json!({"type": "HELP_DESK_ADMIN"}));
            then.status(201).json_body(help_desk_assignment());
        })
        .await;
    h.fallback().await;
    let out = run(
        &h.okta(),
        "add-user-to-admin-role",
        json!({"userId": "00ub0oNGTSWTBKOLGLNR"}),
    )
    .await
    .unwrap();
    assign.assert_async().await;
    assert_eq!(
        out,
        json!({"userId": "00ub0oNGTSWTBKOLGLNR", "roleType": "HELP_DESK_ADMIN", "assignmentId": "ra1helpdesk",
               "status": "ACTIVE", "alreadyAssigned": false})
    );
}

async fn already_assigned(status: u16) {
    let h = Harness::start().await;
    let assign = h
        .server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v1/users/00ur32Vg0fvpyHZeQ0g3/roles")
                .json_body(json!({"type": "HELP_DESK_ADMIN"}));
            then.status(status).header("x-okta-request-id", "req-409").body(
                r#"{"errorCode":"E0000090","errorSummary":"Duplicate role assignment exception.","errorLink":"E0000090","errorId":"oae1","errorCauses":[{"errorSummary":"The role specified is already assigned to the user."}]}"#,
            );
        })
        .await;
    let list = h
        .server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v1/users/00ur32Vg0fvpyHZeQ0g3/roles");
            then.status(200)
                .json_body(fixture_json("user_roles_custom.json"));
        })
        .await;
    h.fallback().await;
    let out = run(
        &h.okta(),
        "add-user-to-admin-role",
        json!({"userId": "00ur32Vg0fvpyHZeQ0g3", "roleType": "HELP_DESK_ADMIN"}),
    )
    .await
    .unwrap();
    assign.assert_calls_async(1).await;
    list.assert_calls_async(1).await;
    assert_eq!(
        out,
        json!({"userId": "00ur32Vg0fvpyHZeQ0g3", "roleType": "HELP_DESK_ADMIN",
               "assignmentId": "JBCUYUC7IRCVGS27IFCE2SKO", "status": "ACTIVE", "alreadyAssigned": true})
    );
}

#[tokio::test]
async fn add_user_to_admin_role_treats_a_409_e0000090_as_already_assigned() {
    already_assigned(409).await;
}

#[tokio::test]
async fn add_user_to_admin_role_treats_e0000090_as_already_assigned_whatever_the_status() {
    already_assigned(400).await;
    already_assigned(200).await;
}

#[tokio::test]
async fn add_user_to_admin_role_reports_other_refusals_as_errors() {
    let h = Harness::start().await;
    h.server
        .mock_async(|when, then| {
            when.method(POST).path("/api/v1/users/00u1/roles");
            then.status(400).body(
                r#"{"errorCode":"E0000001","errorSummary":"Api validation failed: type","errorCauses":[{"errorSummary":"type: 'HELP_DESK' is not a valid role type"}]}"#,
            );
        })
        .await;
    h.fallback().await;
    let e = h
        .okta()
        .add_user_to_admin_role("00u1", "HELP_DESK_ADMIN")
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert_eq!(e.code(), Some("E0000001"));
    assert!(e.message().contains("not a valid role type"), "{e}");
}

#[tokio::test]
async fn list_user_roles_returns_every_assignment_as_okta_sent_it() {
    let h = Harness::start().await;
    let list = h
        .server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v1/users/00ur32Vg0fvpyHZeQ0g3/roles")
                .is_true(|req| req.uri().query().is_none())
                .header("authorization", format!("SSWS {TOKEN}"))
                .header("user-agent", user_agent());
            then.status(200)
                .json_body(fixture_json("user_roles_custom.json"));
        })
        .await;
    h.fallback().await;
    let out = run(
        &h.okta(),
        "list-user-roles",
        json!({"userId": "00ur32Vg0fvpyHZeQ0g3"}),
    )
    .await
    .unwrap();
    list.assert_async().await;
    assert_eq!(out["roles"], fixture_json("user_roles_custom.json"));
    let types: Vec<&str> = out["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "APP_ADMIN",
            "HELP_DESK_ADMIN",
            "ORG_ADMIN",
            "API_ACCESS_MANAGEMENT_ADMIN",
            "CUSTOM",
            "CUSTOM"
        ]
    );
    // Custom roles keep their role and resource set.
    assert_eq!(out["roles"][4]["resource-set"], "iamoJDFKaJxGIr0oamd9g");
}

#[tokio::test]
async fn remove_user_from_admin_role_by_type_looks_up_the_assignment_and_deletes_it() {
    let h = Harness::start().await;
    let list = h
        .server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v1/users/00ur32Vg0fvpyHZeQ0g3/roles");
            then.status(200)
                .json_body(fixture_json("user_roles_custom.json"));
        })
        .await;
    let delete = h
        .server
        .mock_async(|when, then| {
            when.method(DELETE)
                .path("/api/v1/users/00ur32Vg0fvpyHZeQ0g3/roles/JBCUYUC7IRCVGS27IFCE2SKO")
                .header("authorization", format!("SSWS {TOKEN}"))
                .is_true(|req| req.body_ref().is_empty());
            then.status(204);
        })
        .await;
    h.fallback().await;
    let out = run(
        &h.okta(),
        "remove-user-from-admin-role",
        json!({"userId": "00ur32Vg0fvpyHZeQ0g3", "roleType": "HELP_DESK_ADMIN"}),
    )
    .await
    .unwrap();
    list.assert_async().await;
    delete.assert_async().await;
    assert_eq!(
        out,
        json!({"userId": "00ur32Vg0fvpyHZeQ0g3", "removed": true})
    );
}

#[tokio::test]
async fn remove_user_from_admin_role_by_assignment_id_deletes_it_directly() {
    let h = Harness::start().await;
    let delete = h
        .server
        .mock_async(|when, then| {
            when.method(DELETE)
                .path("/api/v1/users/00u1/roles/ra1helpdesk");
            then.status(204);
        })
        .await;
    h.fallback().await;
    let out = run(
        &h.okta(),
        "remove-user-from-admin-role",
        json!({"userId": "00u1", "assignmentId": "ra1helpdesk"}),
    )
    .await
    .unwrap();
    delete.assert_async().await;
    assert_eq!(out, json!({"userId": "00u1", "removed": true}));
}

#[tokio::test]
async fn remove_user_from_admin_role_by_a_type_the_user_lacks_removes_nothing() {
    let h = Harness::start().await;
    let list = h
        .server
        .mock_async(|when, then| {
            when.method(GET).path("/api/v1/users/00u1/roles");
            then.status(200).json_body(json!([]));
        })
        .await;
    h.fallback().await;
    let out = h
        .okta()
        .remove_user_from_admin_role("00u1", RoleToRemove::Type("HELP_DESK_ADMIN".into()))
        .await
        .unwrap();
    list.assert_async().await;
    assert!(!out.removed);
}

#[tokio::test]
async fn remove_user_from_admin_role_needs_exactly_one_of_role_type_and_assignment_id() {
    let h = Harness::start().await;
    h.fallback().await;
    for input in [
        json!({"userId": "00u1"}),
        json!({"userId": "00u1", "roleType": "HELP_DESK_ADMIN", "assignmentId": "ra1"}),
    ] {
        let e = run(&h.okta(), "remove-user-from-admin-role", input)
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert!(e.message().contains("roleType"), "{e}");
    }
    assert!(h.seen().is_empty());
}

#[tokio::test]
async fn custom_api_action_sends_the_call_with_the_connection_s_credentials() {
    let h = Harness::start().await;
    let call = h
        .server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v1/users/00u1/roles")
                .query_param("disableNotifications", "true")
                .header("authorization", format!("SSWS {TOKEN}"))
                .header("user-agent", user_agent())
                .header("content-type", "application/json")
                .header("x-custom", "yes")
                .json_body(json!({"type": "HELP_DESK_ADMIN"}));
            then.status(201)
                .header("x-okta-request-id", "req-7")
                .json_body(help_desk_assignment());
        })
        .await;
    h.fallback().await;
    let out = run(
        &h.okta(),
        "custom-api-action",
        json!({"method": "POST", "relativeUrl": "/api/v1/users/00u1/roles", "query": {"disableNotifications": true},
               "headers": {"X-Custom": "yes"}, "body": {"type": "HELP_DESK_ADMIN"}}),
    )
    .await
    .unwrap();
    call.assert_async().await;
    assert_eq!(out["statusCode"], 201);
    assert_eq!(out["headers"]["x-okta-request-id"], "req-7");
    assert_eq!(out["body"]["id"], "ra1helpdesk");
}

#[tokio::test]
async fn custom_api_action_refuses_to_leave_the_org_or_override_credentials_before_sending() {
    let h = Harness::start().await;
    h.fallback().await;
    for input in [
        json!({"relativeUrl": "https://evil.example.com/api/v1/users"}),
        json!({"relativeUrl": "//evil.example.com/api/v1/users"}),
        json!({"relativeUrl": "/api/v1/users/../../../etc"}),
        json!({"relativeUrl": "/api/v1/users/%2e%2e/x"}),
        json!({"relativeUrl": "\\\\evil.example.com"}),
        json!({"relativeUrl": "/api/v1/users", "headers": {"Authorization": "SSWS other"}}),
        json!({"relativeUrl": "/api/v1/users", "headers": {"Host": "evil.example.com"}}),
    ] {
        let e = run(&h.okta(), "custom-api-action", input.clone())
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{input}");
    }
    assert!(h.seen().is_empty());
}

#[tokio::test]
async fn custom_api_action_errors_keep_okta_s_answer() {
    let h = Harness::start().await;
    h.server
        .mock_async(|when, then| {
            when.method(GET).path("/api/v1/users/nobody");
            then.status(404).header("x-okta-request-id", "req-404").body(
                r#"{"errorCode":"E0000007","errorSummary":"Not found: Resource not found: nobody (User)","errorLink":"E0000007","errorId":"oae1","errorCauses":[]}"#,
            );
        })
        .await;
    h.fallback().await;
    let e = run(
        &h.okta(),
        "custom-api-action",
        json!({"relativeUrl": "/api/v1/users/nobody"}),
    )
    .await
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert_eq!(e.code(), Some("E0000007"));
    assert_eq!(e.request_id(), Some("req-404"));
    let response = e.response().expect("the answer is kept");
    assert_eq!(response.status_code, 404);
    assert_eq!(response.body["errorCode"], "E0000007");
}

#[test]
fn the_connector_registers_every_action_with_camel_case_schemas() {
    let okta = connector();
    assert_eq!(okta.id(), "okta");
    let actions = okta.actions();
    let ids: Vec<&str> = actions.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "create-user",
            "read-user",
            "search-users",
            "add-user-to-admin-role",
            "list-user-roles",
            "remove-user-from-admin-role",
            "list-groups",
            "create-group",
            "read-group",
            "add-user-to-group",
            "remove-user-from-group",
            "list-group-members",
            "list-users",
            "update-user",
            "activate-user",
            "deactivate-user",
            "suspend-user",
            "unsuspend-user",
            "reactivate-user",
            "delete-user",
            "unlock-user",
            "expire-password",
            "reset-password",
            "reset-factors",
            "clear-user-sessions",
            "list-user-groups",
            "update-group",
            "delete-group",
            "list-applications",
            "read-application",
            "list-application-users",
            "list-application-groups",
            "assign-user-to-application",
            "assign-group-to-application",
            "remove-user-from-application",
            "search-system-log",
            "custom-api-action"
        ]
    );
    let schema = |id: &str| actions.iter().find(|a| a.id == id).unwrap().clone();
    let props = |v: &Value| {
        let mut keys: Vec<String> = v["properties"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        keys.sort();
        keys
    };
    assert_eq!(
        props(&schema("create-user").input_schema),
        ["activate", "password", "profile"]
    );
    assert_eq!(
        schema("create-user").input_schema["additionalProperties"],
        false
    );
    assert_eq!(
        schema("create-user").input_schema["required"],
        json!(["profile"])
    );
    let profile = &schema("create-user").input_schema["$defs"]["UserProfile"];
    assert_eq!(profile["required"], json!(["login"]), "{profile:#}");
    assert_eq!(
        profile["additionalProperties"], true,
        "custom attributes are welcome"
    );
    assert_eq!(props(&schema("read-user").input_schema), ["id"]);
    assert_eq!(
        props(&schema("search-users").input_schema),
        ["limit", "max", "search"]
    );
    assert_eq!(props(&schema("search-users").output_schema), ["users"]);
    assert_eq!(
        props(&schema("add-user-to-admin-role").input_schema),
        ["roleType", "userId"]
    );
    assert_eq!(
        schema("add-user-to-admin-role").input_schema["properties"]["roleType"]["default"],
        "HELP_DESK_ADMIN"
    );
    assert_eq!(
        props(&schema("add-user-to-admin-role").output_schema),
        [
            "alreadyAssigned",
            "assignmentId",
            "roleType",
            "status",
            "userId"
        ]
    );
    assert_eq!(props(&schema("list-user-roles").output_schema), ["roles"]);
    assert_eq!(
        props(&schema("remove-user-from-admin-role").input_schema),
        ["assignmentId", "roleType", "userId"]
    );
    assert_eq!(
        props(&schema("remove-user-from-admin-role").output_schema),
        ["removed", "userId"]
    );
    assert_eq!(
        props(&schema("custom-api-action").input_schema),
        ["body", "headers", "method", "query", "relativeUrl"]
    );
    for action in &actions {
        assert!(!action.description.is_empty(), "{}", action.id);
        assert!(
            action.name.chars().next().unwrap().is_uppercase(),
            "{}",
            action.id
        );
    }
    let settings: Vec<&str> = okta.settings().iter().map(|s| s.name).collect();
    assert_eq!(
        settings,
        [
            "OKTA_ORG_URL",
            "OKTA_API_TOKEN",
            "OKTA_CLIENT_ID",
            "OKTA_PRIVATE_KEY",
            "OKTA_SCOPES",
            "OKTA_KEY_ID"
        ]
    );
    let secret: Vec<&str> = okta
        .settings()
        .iter()
        .filter(|s| s.secret)
        .map(|s| s.name)
        .collect();
    assert_eq!(secret, ["OKTA_API_TOKEN", "OKTA_PRIVATE_KEY"]);
}

fn without_top_level_nulls(value: Value) -> Value {
    match value {
        Value::Array(items) => {
            Value::Array(items.into_iter().map(without_top_level_nulls).collect())
        }
        Value::Object(map) => {
            Value::Object(map.into_iter().filter(|(_, v)| !v.is_null()).collect())
        }
        other => other,
    }
}

#[test]
fn users_and_role_assignments_parse_every_example_in_okta_s_openapi_document() {
    let Some(spec) = spec_check::okta() else {
        return;
    };
    let mut users = 0;
    for (method, path, status, list) in [
        ("GET", "/api/v1/users/{id}", 200, false),
        ("POST", "/api/v1/users", 200, false),
        ("GET", "/api/v1/users", 200, true),
    ] {
        for (name, example) in spec.response_examples(method, path, status) {
            let parsed: Vec<User> = if list {
                serde_json::from_value(example.clone()).unwrap_or_else(|e| panic!("{name}: {e}"))
            } else {
                vec![
                    serde_json::from_value(example.clone())
                        .unwrap_or_else(|e| panic!("{name}: {e}")),
                ]
            };
            users += parsed.len();
            // Nothing is lost on the way back out (timestamps Okta left out come back as null).
            let back = serde_json::to_value(if list {
                json!(parsed)
            } else {
                json!(parsed[0])
            })
            .unwrap();
            assert_eq!(
                without_top_level_nulls(back),
                without_top_level_nulls(example),
                "{name}"
            );
        }
    }
    assert!(users >= 10, "{users}");
    let mut roles = 0;
    for (method, path, status, list) in [
        ("POST", "/api/v1/users/{userId}/roles", 201, false),
        ("GET", "/api/v1/users/{userId}/roles", 200, true),
    ] {
        for (name, example) in spec.response_examples(method, path, status) {
            let items = if list {
                example.as_array().unwrap().clone()
            } else {
                vec![example]
            };
            for item in items {
                let parsed: connector_okta::RoleAssignment =
                    serde_json::from_value(item.clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_eq!(serde_json::to_value(&parsed).unwrap(), item, "{name}");
                roles += 1;
            }
        }
    }
    assert!(roles >= 5, "{roles}");
}

#[tokio::test]
async fn the_harness_catches_requests_that_do_not_fit_okta_s_openapi_document() {
    let mut h = Harness::start().await;
    h.server
        .mock_async(|when, then| {
            when.method(GET).path("/api/v1/users");
            then.status(200).json_body(json!([]));
        })
        .await;
    h.fallback().await;
    run(
        &h.okta(),
        "custom-api-action",
        json!({"relativeUrl": "/api/v1/users?colour=blue"}),
    )
    .await
    .unwrap();
    // Every other test's requests are checked the same way when its harness drops.
    h.skip_spec_check();
    let Some(errors) = h.spec_errors() else {
        return;
    };
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("colour"), "{errors:?}");
}
