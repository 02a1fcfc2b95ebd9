//! The Okta emulator's System Log and the event hook deliveries of its events: every
//! change is a log event, found by `since`/`until`, `filter` and `q`, in Link pages, and
//! delivered to the hook in Okta's payload shape.

use crate::common;
use crate::okta_lifecycle::{call, new_user};

use std::time::Duration;

use axum::Router;
use axum::routing::post;
use common::*;
use connector_sandbox::okta::EventHook;
use serde_json::{Value, json};

fn encoded(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[tokio::test]
async fn the_log_finds_exactly_the_deactivation_of_one_user_among_many_events() {
    let okta = okta().await;
    let mut ids = Vec::new();
    for i in 0..6 {
        ids.push(new_user(&okta, &format!("log{i}@example.com"), true).await);
    }
    for id in &ids {
        call(
            &okta,
            "POST",
            &format!("/api/v1/users/{id}/lifecycle/suspend"),
            None,
        )
        .await;
        call(
            &okta,
            "POST",
            &format!("/api/v1/users/{id}/lifecycle/deactivate"),
            None,
        )
        .await;
    }
    let target = &ids[3];
    let filter =
        format!("eventType eq \"user.lifecycle.deactivate\" and target.id eq \"{target}\"");
    let until = "2999-01-01T00:00:00.000Z";
    let path = format!("/api/v1/logs?filter={}&until={until}", encoded(&filter));
    let (status, events, next) = call(&okta, "GET", &path, None).await;
    assert_eq!(status, 200);
    let events = events.as_array().unwrap();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["eventType"], "user.lifecycle.deactivate");
    assert_eq!(events[0]["target"][0]["id"], json!(target));
    assert_eq!(events[0]["target"][0]["type"], "User");
    assert_eq!(events[0]["target"][0]["alternateId"], "log3@example.com");
    assert!(next.is_none(), "a bounded search ends: {next:?}");
    // The actor is the API's admin: `actor.id eq` finds all of them.
    let actor = events[0]["actor"]["id"].as_str().unwrap();
    let filter = format!("actor.id eq \"{actor}\" and eventType eq \"user.lifecycle.deactivate\"");
    let path = format!("/api/v1/logs?filter={}&until={until}", encoded(&filter));
    let (_, all, _) = call(&okta, "GET", &path, None).await;
    assert_eq!(all.as_array().unwrap().len(), 6);
    // Keywords.
    let path = format!("/api/v1/logs?q=log5%40example.com%20deactivate&until={until}");
    let (_, found, _) = call(&okta, "GET", &path, None).await;
    assert_eq!(found.as_array().unwrap().len(), 1, "{found}");
}

#[tokio::test]
async fn log_pages_link_to_the_next_and_a_poll_always_links_on() {
    let okta = okta().await;
    for i in 0..5 {
        new_user(&okta, &format!("page{i}@example.com"), true).await;
    }
    let mut path = "/api/v1/logs?limit=2&until=2999-01-01T00:00:00.000Z".to_owned();
    let mut seen = 0;
    for _ in 0..10 {
        let (_, page, next) = call(&okta, "GET", &path, None).await;
        seen += page.as_array().unwrap().len();
        match next {
            Some(next) => path = next.trim_start_matches(&okta.base_url()).to_owned(),
            None => break,
        }
    }
    assert_eq!(seen, 5);
    // Without `until`, the last page is empty and still links on (a poll).
    let (_, page, next) = call(&okta, "GET", "/api/v1/logs?limit=5", None).await;
    assert_eq!(page.as_array().unwrap().len(), 5);
    let next = next.expect("a poll links on");
    let path = next.trim_start_matches(&okta.base_url()).to_owned();
    let (_, empty, again) = call(&okta, "GET", &path, None).await;
    assert_eq!(empty, json!([]));
    assert!(again.is_some());
    // `since` after everything finds nothing.
    let (_, none, _) = call(
        &okta,
        "GET",
        "/api/v1/logs?since=2999-01-01T00:00:00.000Z",
        None,
    )
    .await;
    assert_eq!(none, json!([]));
}

#[tokio::test]
async fn the_hook_receives_deactivations_and_group_memberships_in_okta_s_shape() {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Value>();
    let app = Router::new().route(
        "/hook",
        post(move |body: axum::Json<Value>| {
            let tx = tx.clone();
            async move {
                let _ = tx.send(body.0);
                axum::http::StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook_url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let okta = okta().await;
    okta.set_event_hook(Some(EventHook::new(hook_url, "s3cret")));
    let id = new_user(&okta, "hooked@example.com", true).await;
    let (_, group, _) = call(
        &okta,
        "POST",
        "/api/v1/groups",
        Some(json!({"profile": {"name": "Hooked"}})),
    )
    .await;
    let group = group["id"].as_str().unwrap().to_owned();
    call(
        &okta,
        "PUT",
        &format!("/api/v1/groups/{group}/users/{id}"),
        None,
    )
    .await;
    call(
        &okta,
        "POST",
        &format!("/api/v1/users/{id}/lifecycle/deactivate"),
        None,
    )
    .await;
    let mut types = Vec::new();
    let mut membership = None;
    while types.len() < 4 {
        let envelope = tokio::time::timeout(Duration::from_secs(10), rx.recv())
            .await
            .expect("a delivery within 10 s")
            .unwrap();
        assert_eq!(envelope["eventType"], "com.okta.event_hook");
        for event in envelope["data"]["events"].as_array().unwrap() {
            let t = event["eventType"].as_str().unwrap().to_owned();
            if t == "group.user_membership.add" {
                membership = Some(event.clone());
            }
            types.push(t);
        }
    }
    types.sort();
    assert_eq!(
        types,
        [
            "group.lifecycle.create",
            "group.user_membership.add",
            "user.lifecycle.create",
            "user.lifecycle.deactivate"
        ]
    );
    let membership = membership.unwrap();
    assert_eq!(membership["target"][0]["type"], "User");
    assert_eq!(membership["target"][0]["id"], json!(id));
    assert_eq!(membership["target"][1]["type"], "UserGroup");
    assert_eq!(membership["target"][1]["id"], json!(group));
    assert!(membership["uuid"].as_str().unwrap().len() >= 32);
}
