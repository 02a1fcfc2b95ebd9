//! `connector serve`'s event-hook receiver on hostile and repeated input: Okta's
//! verification, the shared secret, malformed and oversized bodies (a 4xx, never a crash),
//! and deliveries that run the help-desk template on the Okta emulator exactly once per
//! event (through the runtime's store: a temporary SQLite file).

use crate::common;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode};
use connector_cli::hooks::{MAX_BODY_BYTES, router};
use connector_core::secrecy::SecretString;
use connector_runtime::{RuntimeConfig, Service, Store, TempDb};
use connector_sandbox::Sandbox;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tower::ServiceExt;

const SECRET: &str = "hook-secret-6f1d";

/// The runtime under test: the receiver's routes and the store's queue, worked by
/// [`Receiver::drain`] instead of a worker pool.
struct Receiver {
    service: Service,
    _db: TempDb,
}

impl Receiver {
    /// Runs every run queued so far.
    async fn drain(&self) {
        self.service.drain(1_000).await;
    }
}

impl std::ops::Deref for Receiver {
    type Target = Service;
    fn deref(&self) -> &Service {
        &self.service
    }
}

/// A receiver wired to a fresh Okta emulator and a fresh store.
async fn receiver() -> (Sandbox, Receiver) {
    let sandbox = common::sandbox().await;
    let db = TempDb::new();
    let store = Store::open(&db.url()).await.expect("the store opens");
    let env = connector_core::Env::from_pairs([
        ("OKTA_ORG_URL", sandbox.okta().base_url()),
        ("OKTA_API_TOKEN", sandbox.okta().api_token().to_owned()),
    ]);
    let cards = std::sync::Arc::new(connector_runtime::cards::Cards::new(
        connector_cli::registry(),
        env.clone(),
    ));
    let template = connector_cli::hooks::template(cards.as_ref()).expect("the template is valid");
    let service = connector_cli::hooks::service(
        vec![template],
        cards,
        &env,
        store,
        RuntimeConfig::new(SecretString::from(SECRET)),
    )
    .expect("the runtime is wired");
    (sandbox, Receiver { service, _db: db })
}

/// Sends one request to the router and returns the status and the body (JSON, or the text
/// as a JSON string).
async fn send(app: Router, request: Request<Body>) -> (StatusCode, Value) {
    let response = app.oneshot(request).await.expect("the router answers");
    let status = response.status();
    let bytes = to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("the answer's body is read");
    let body = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::from(String::from_utf8_lossy(&bytes).into_owned()));
    (status, body)
}

fn delivery(secret: Option<&str>, body: impl Into<Body>) -> Request<Body> {
    let mut request = Request::post("/okta/event-hook").header("content-type", "application/json");
    if let Some(secret) = secret {
        request = request.header("authorization", secret);
    }
    request.body(body.into()).expect("a valid request")
}

/// An Okta event-hook delivery with one `user.lifecycle.create` event per `(uuid, user)`.
fn created(events: &[(&str, &str)]) -> String {
    let events: Vec<Value> = events
        .iter()
        .map(|(uuid, user)| {
            json!({
                "uuid": uuid,
                "eventType": "user.lifecycle.create",
                "published": "2026-11-02T10:00:00.000Z",
                "target": [{"id": user, "type": "User", "alternateId": "someone@example.com"}]
            })
        })
        .collect();
    json!({
        "eventType": "com.okta.event_hook",
        "eventTypeVersion": "1.0",
        "data": {"events": events}
    })
    .to_string()
}

fn add_user(sandbox: &Sandbox, login: &str, role: &str) -> String {
    let user = sandbox
        .okta()
        .add_user(json!({
            "login": login, "email": login, "firstName": "Test", "lastName": "User", "role": role
        }))
        .expect("the emulator takes the user");
    user["id"].as_str().expect("a user id").to_owned()
}

#[tokio::test]
async fn the_verification_challenge_is_echoed_and_a_missing_one_is_400() {
    // Without the secret, the verification is refused like a delivery.
    let (_sandbox, state) = receiver().await;
    let (status, _) = send(
        router(state.service.clone()),
        Request::get("/okta/event-hook")
            .header("x-okta-verification-challenge", "X0sFlM2y3oPz")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    drop(state);

    let (_sandbox, state) = receiver().await;
    let (status, body) = send(
        router(state.service.clone()),
        Request::get("/okta/event-hook")
            .header("authorization", SECRET)
            .header("x-okta-verification-challenge", "X0sFlM2y3oPz")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({"verification": "X0sFlM2y3oPz"}));

    let (status, body) = send(
        router(state.service.clone()),
        Request::get("/okta/event-hook")
            .header("authorization", SECRET)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["error"].as_str().unwrap().contains("challenge"),
        "{body}"
    );

    let (status, body) = send(
        router(state.service.clone()),
        Request::get("/healthz").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!((status, body), (StatusCode::OK, json!("ok")));
}

#[tokio::test]
async fn a_wrong_or_missing_secret_is_401_and_runs_nothing() {
    let (sandbox, state) = receiver().await;
    let user = add_user(&sandbox, "ada@example.com", "Support");
    let body = created(&[("evt-1", &user)]);
    for secret in [
        None,
        Some(""),
        Some("hook-secret-6f1"),
        Some("hook-secret-6f1d "),
        Some("hook-secret-6f1dX"),
        Some("Bearer hook-secret-6f1d"),
    ] {
        let (status, answer) = send(
            router(state.service.clone()),
            delivery(secret, body.clone()),
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{secret:?}");
        // The answer says what is wrong without repeating the secret.
        assert!(!answer.to_string().contains(SECRET), "{answer}");
    }
    state.drain().await;
    assert_eq!(sandbox.okta().stats().requests, 0);
    assert_eq!(
        sandbox.okta().user_role_types(&user),
        Some(Vec::<String>::new())
    );
    // A refused delivery does not burn the event id: the real one is still run.
    let (status, answer) = send(router(state.service.clone()), delivery(Some(SECRET), body)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(answer, json!({"accepted": [user]}));
}

#[tokio::test]
async fn malformed_bodies_are_400_and_odd_json_is_accepted_with_nothing_to_do() {
    let (sandbox, state) = receiver().await;
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let malformed: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"{".to_vec(),
        b"not json".to_vec(),
        b"{\"data\": {\"events\": [}".to_vec(),
        b"\xff\xfe\x00{}".to_vec(),
        b"{\"data\": \"\xc3\x28\"}".to_vec(),
        b"{} trailing".to_vec(),
        deep.into_bytes(),
    ];
    for body in malformed {
        let shown = String::from_utf8_lossy(&body[..body.len().min(40)]).into_owned();
        let (status, answer) =
            send(router(state.service.clone()), delivery(Some(SECRET), body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{shown:?}");
        assert_eq!(answer["error"], "the body is not JSON", "{shown:?}");
    }
    // JSON that is not a delivery: 400, so that it is counted and logged, not taken for
    // a delivery with nothing in it.
    for body in [
        "null",
        "[]",
        "\"text\"",
        "{}",
        r#"{"data": {"events": "none"}}"#,
        r#"{"data": {"events": [null, 1, {"eventType": "user.lifecycle.create"}]}}"#,
    ] {
        let (status, answer) =
            send(router(state.service.clone()), delivery(Some(SECRET), body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(
            answer["error"]
                .as_str()
                .unwrap()
                .contains("not an Okta event hook delivery"),
            "{body}: {answer}"
        );
    }
    // Odd events in a well-formed delivery are kept (and run to nothing), never a crash.
    for body in [
        r#"{"data": {"events": []}}"#,
        r#"{"data": {"events": [{"eventType": "user.lifecycle.create"}]}}"#,
        r#"{"data": {"events": [{"eventType": "user.lifecycle.create", "uuid": 7, "target": {"id": "00u1"}}]}}"#,
        r#"{"data": {"events": [{"eventType": "user.lifecycle.create", "target": [{"type": "User", "id": 42}]}]}}"#,
        r#"{"data": {"events": [{"eventType": "user.lifecycle.deactivate", "uuid": "e", "target": [{"type": "User", "id": "00u1"}]}]}}"#,
    ] {
        let (status, answer) =
            send(router(state.service.clone()), delivery(Some(SECRET), body)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(answer, json!({"accepted": []}), "{body}");
    }
    state.drain().await;
    assert_eq!(sandbox.okta().stats().requests, 0);
}

#[tokio::test]
async fn a_body_over_1_mib_is_413_with_or_without_a_length() {
    let (sandbox, state) = receiver().await;
    // Valid JSON, so only its size is wrong.
    let padding = "x".repeat(MAX_BODY_BYTES);
    let big = json!({"data": {"events": []}, "padding": padding}).to_string();
    assert!(big.len() > MAX_BODY_BYTES);
    let (status, _) = send(
        router(state.service.clone()),
        delivery(Some(SECRET), big.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    // A body just under the limit is read.
    let fits =
        json!({"data": {"events": []}, "padding": "x".repeat(MAX_BODY_BYTES - 64)}).to_string();
    assert!(fits.len() <= MAX_BODY_BYTES);
    let (status, _) = send(router(state.service.clone()), delivery(Some(SECRET), fits)).await;
    assert_eq!(status, StatusCode::OK);

    // Over a real socket, chunked, with no Content-Length to check up front.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(axum::serve(listener, router(state.service.clone())).into_future());
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /okta/event-hook HTTP/1.1\r\nHost: {addr}\r\nAuthorization: {SECRET}\r\n\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let (mut read, mut write) = stream.into_split();
    let writer = tokio::spawn(async move {
        let chunk = vec![b' '; 64 * 1024];
        // Twice the limit; the server may stop reading (and close) before the end.
        for _ in 0..32 {
            let frame = format!("{:x}\r\n", chunk.len());
            if write.write_all(frame.as_bytes()).await.is_err()
                || write.write_all(&chunk).await.is_err()
                || write.write_all(b"\r\n").await.is_err()
            {
                return write;
            }
        }
        let _ = write.write_all(b"0\r\n\r\n").await;
        // Handed back, not dropped: dropping the write half would half-close the
        // connection, and the server may then drop it before answering.
        write
    });
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    while !answer.windows(4).any(|w| w == b"\r\n\r\n") {
        match read.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => answer.extend_from_slice(&buf[..n]),
        }
    }
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    writer.abort();
    // The receiver is still serving.
    let (status, _) = send(
        router(state.service.clone()),
        Request::get("/healthz").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    server.abort();
    assert_eq!(sandbox.okta().stats().requests, 0);
}

#[tokio::test]
async fn a_delivery_runs_the_template_once_per_event_and_a_redelivery_is_ignored() {
    let (sandbox, state) = receiver().await;
    let support = add_user(&sandbox, "ada@example.com", "Support");
    let engineer = add_user(&sandbox, "grace@example.com", "Engineering");

    let body = created(&[("evt-ada", &support), ("evt-grace", &engineer)]);
    let (status, answer) = send(
        router(state.service.clone()),
        delivery(Some(SECRET), body.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(answer, json!({"accepted": [support, engineer]}));
    state.drain().await;
    assert_eq!(
        sandbox.okta().user_role_types(&support),
        Some(vec!["HELP_DESK_ADMIN".to_owned()])
    );
    assert_eq!(
        sandbox.okta().user_role_types(&engineer),
        Some(Vec::<String>::new())
    );
    let requests = sandbox.okta().stats().requests;
    assert!(
        requests >= 3,
        "the template read both users and assigned one role"
    );

    // Okta delivers at least once: the same events again, alone or mixed with a new one.
    let (status, answer) = send(router(state.service.clone()), delivery(Some(SECRET), body)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(answer, json!({"accepted": []}));
    state.drain().await;
    assert_eq!(
        sandbox.okta().stats().requests,
        requests,
        "a redelivery made no call"
    );

    let third = add_user(&sandbox, "alan@example.com", "Support");
    let mixed = created(&[("evt-ada", &support), ("evt-alan", &third)]);
    let (status, answer) = send(router(state.service.clone()), delivery(Some(SECRET), mixed)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(answer, json!({"accepted": [third]}));
    state.drain().await;
    assert_eq!(
        sandbox.okta().user_role_types(&third),
        Some(vec!["HELP_DESK_ADMIN".to_owned()])
    );
    assert_eq!(
        sandbox.okta().user_role_types(&support),
        Some(vec!["HELP_DESK_ADMIN".to_owned()]),
        "still one assignment"
    );
}
