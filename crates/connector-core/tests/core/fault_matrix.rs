//! The fault matrix at the pipeline's level, over a raw loopback TCP server: for GET and for
//! POST, each fault's expected attempts and error kind. Service-specific faults (Okta's reset
//! headers, the boards service's `retry_in_seconds`) are in the connectors' own tests.

use crate::support;

use std::sync::Arc;
use std::time::Duration;

use connector_core::clock::ManualClock;
use connector_core::{Connection, ErrorKind, Method, StaticToken, Timeouts};
use serde::Deserialize;
use support::{Scripted, Step, reply};

#[derive(Debug)]
enum Expect {
    Ok(u32),
    Err(ErrorKind, u32),
}

async fn run(
    script: Vec<Step>,
    method: Method,
    timeouts: Timeouts,
) -> (
    Result<serde_json::Value, connector_core::Error>,
    usize,
    ManualClock,
) {
    let server = Scripted::start(script).await;
    let clock = ManualClock::new();
    let conn = Connection::builder(&server.url)
        .auth(StaticToken::ssws("tok"))
        .timeouts(timeouts)
        .max_response_bytes(1024 * 1024)
        .clock(Arc::new(clock.clone()))
        .build()
        .unwrap();
    let mut request = conn.request(method.clone(), "/api/v1/users");
    if method == Method::POST {
        request = request
            .json(&serde_json::json!({"profile": {"login": "a@example.com"}}))
            .unwrap();
    }
    let result = conn.send(request).await.and_then(|r| {
        let value: serde_json::Value = r.json()?;
        Ok(value)
    });
    (result, server.hits(), clock)
}

fn ok_json() -> Step {
    reply(
        200,
        &[("content-type", "application/json")],
        r#"{"id":"00u1"}"#,
    )
}

fn check(
    name: &str,
    method: &Method,
    expect: &Expect,
    result: &Result<serde_json::Value, connector_core::Error>,
) {
    match (expect, result) {
        (Expect::Ok(_), Ok(_)) => {}
        (Expect::Err(kind, attempts), Err(e)) => {
            assert_eq!(e.kind(), *kind, "{name} {method}: {e}");
            assert_eq!(e.attempts(), *attempts, "{name} {method}: {e}");
            // Every error is readable by a person and names what happened.
            assert!(!e.message().is_empty());
        }
        _ => panic!("{name} {method}: expected {expect:?}, got {result:?}"),
    }
}

#[tokio::test]
async fn statuses_for_get_and_post() {
    let date = "Sun, 06 Nov 1994 08:49:37 GMT";
    let later = "Sun, 06 Nov 1994 08:49:40 GMT";
    let cases: Vec<(&str, Vec<Step>, Expect, Expect)> = vec![
        (
            "429 Retry-After seconds",
            vec![reply(429, &[("retry-after", "1")], ""), ok_json()],
            Expect::Ok(2),
            Expect::Ok(2),
        ),
        (
            "429 Retry-After date",
            vec![
                reply(429, &[("date", date), ("retry-after", later)], ""),
                ok_json(),
            ],
            Expect::Ok(2),
            Expect::Ok(2),
        ),
        (
            "429 without a wait",
            vec![reply(429, &[], ""), ok_json()],
            Expect::Ok(2),
            Expect::Ok(2),
        ),
        (
            "429 always",
            vec![reply(429, &[("retry-after", "1")], "")],
            Expect::Err(ErrorKind::RateLimited, 4),
            Expect::Err(ErrorKind::RateLimited, 4),
        ),
        (
            "503 always",
            vec![reply(503, &[], "")],
            Expect::Err(ErrorKind::Unavailable, 4),
            Expect::Err(ErrorKind::Unavailable, 4),
        ),
        (
            "504 always",
            vec![reply(504, &[], "")],
            Expect::Err(ErrorKind::Unavailable, 4),
            Expect::Err(ErrorKind::Unavailable, 4),
        ),
        (
            "500",
            vec![reply(500, &[], "boom")],
            Expect::Err(ErrorKind::Upstream, 1),
            Expect::Err(ErrorKind::Upstream, 1),
        ),
        (
            "502",
            vec![reply(502, &[], "")],
            Expect::Err(ErrorKind::Unavailable, 1),
            Expect::Err(ErrorKind::Unavailable, 1),
        ),
        (
            "400",
            vec![reply(400, &[], "{}")],
            Expect::Err(ErrorKind::InvalidInput, 1),
            Expect::Err(ErrorKind::InvalidInput, 1),
        ),
        (
            "401",
            vec![reply(401, &[], "{}")],
            Expect::Err(ErrorKind::Authentication, 1),
            Expect::Err(ErrorKind::Authentication, 1),
        ),
        (
            "403",
            vec![reply(403, &[], "{}")],
            Expect::Err(ErrorKind::PermissionDenied, 1),
            Expect::Err(ErrorKind::PermissionDenied, 1),
        ),
        (
            "404",
            vec![reply(404, &[], "{}")],
            Expect::Err(ErrorKind::NotFound, 1),
            Expect::Err(ErrorKind::NotFound, 1),
        ),
        (
            "409",
            vec![reply(409, &[], "{}")],
            Expect::Err(ErrorKind::Conflict, 1),
            Expect::Err(ErrorKind::Conflict, 1),
        ),
    ];
    for (name, script, get, post) in cases {
        for (method, expect) in [(Method::GET, &get), (Method::POST, &post)] {
            let (result, hits, clock) =
                run(script.clone(), method.clone(), Timeouts::default()).await;
            check(name, &method, expect, &result);
            let attempts = match expect {
                Expect::Ok(n) | Expect::Err(_, n) => *n as usize,
            };
            assert_eq!(hits, attempts, "{name} {method}: requests on the wire");
            assert_eq!(clock.sleeps().len(), attempts - 1, "{name} {method}: waits");
        }
    }
}

#[tokio::test]
async fn transport_faults_for_get_and_post() {
    let quick = Timeouts::new(Duration::from_millis(150), Duration::from_secs(120));
    let cases: Vec<(&str, Vec<Step>, Expect, Expect)> = vec![
        (
            "reset before the status line",
            vec![Step::Reset],
            Expect::Err(ErrorKind::Transport, 4),
            Expect::Err(ErrorKind::Transport, 1),
        ),
        (
            "reset before the status line, once",
            vec![Step::Reset, ok_json()],
            Expect::Ok(2),
            Expect::Err(ErrorKind::Transport, 1),
        ),
        (
            "reset mid-body",
            vec![Step::CutBody {
                declared: 100,
                sent: 10,
            }],
            Expect::Err(ErrorKind::Transport, 4),
            Expect::Err(ErrorKind::Transport, 1),
        ),
        (
            "headers that never come",
            vec![Step::Hang],
            Expect::Err(ErrorKind::Timeout, 4),
            Expect::Err(ErrorKind::Timeout, 1),
        ),
    ];
    for (name, script, get, post) in cases {
        for (method, expect) in [(Method::GET, &get), (Method::POST, &post)] {
            let (result, hits, _) = run(script.clone(), method.clone(), quick).await;
            check(name, &method, expect, &result);
            let attempts = match expect {
                Expect::Ok(n) | Expect::Err(_, n) => *n as usize,
            };
            assert_eq!(hits, attempts, "{name} {method}: requests on the wire");
        }
    }
}

#[tokio::test]
async fn a_refused_connection_is_retried_for_both_methods_since_nothing_was_sent() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    for method in [Method::GET, Method::POST] {
        let clock = ManualClock::new();
        let conn = Connection::builder(&format!("http://127.0.0.1:{port}"))
            .clock(Arc::new(clock.clone()))
            .build()
            .unwrap();
        let e = conn
            .send(conn.request(method.clone(), "/x"))
            .await
            .unwrap_err();
        assert_eq!(
            (e.kind(), e.attempts()),
            (ErrorKind::Transport, 4),
            "{method}"
        );
        assert!(e.message().contains("connect"), "{e}");
    }
}

#[tokio::test]
async fn a_trickling_body_hits_the_overall_deadline() {
    for method in [Method::GET, Method::POST] {
        let server = Scripted::start(vec![Step::Trickle {
            every: Duration::from_millis(20),
        }])
        .await;
        let conn = Connection::builder(&server.url)
            .timeouts(Timeouts::new(
                Duration::from_secs(30),
                Duration::from_millis(300),
            ))
            .build()
            .unwrap();
        let started = std::time::Instant::now();
        let e = conn
            .send(conn.request(method.clone(), "/x"))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Timeout, "{method}: {e}");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the deadline bounds the call"
        );
    }
}

#[tokio::test]
async fn a_2_gib_body_is_refused_at_the_cap_without_reading_it() {
    for method in [Method::GET, Method::POST] {
        let server = Scripted::start(vec![Step::Huge { declared: 2 << 30 }]).await;
        let conn = Connection::builder(&server.url)
            .max_response_bytes(1024 * 1024)
            .build()
            .unwrap();
        let e = conn
            .send(conn.request(method.clone(), "/x"))
            .await
            .unwrap_err();
        assert_eq!(
            (e.kind(), e.attempts()),
            (ErrorKind::InvalidResponse, 1),
            "{method}"
        );
        assert!(e.message().contains("cap"), "{e}");
    }
}

#[tokio::test]
async fn an_undeclared_body_past_the_cap_is_cut_off_while_streaming() {
    // Chunked: no Content-Length to refuse up front, so the cap must hold while reading.
    let chunk = "x".repeat(4096);
    let mut body = String::new();
    for _ in 0..64 {
        body.push_str(&format!("{:x}\r\n{chunk}\r\n", chunk.len()));
    }
    body.push_str("0\r\n\r\n");
    // The scripted server always sends a Content-Length; a raw one writes the chunks.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let (mut s, _) = listener.accept().await.unwrap();
        let mut buf = [0u8; 4096];
        let _ = s.read(&mut buf).await;
        let _ = s
            .write_all(
                format!("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n{body}").as_bytes(),
            )
            .await;
    });
    let conn = Connection::builder(&url)
        .max_response_bytes(64 * 1024)
        .build()
        .unwrap();
    let e = conn
        .send(conn.request(Method::GET, "/x"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidResponse, "{e}");
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)] // Read only through Debug: the test is about parsing.
struct User {
    id: String,
    profile: Profile,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Profile {
    login: String,
}

#[tokio::test]
async fn unreadable_answers_are_invalid_responses_naming_what_is_wrong() {
    let cases = [
        ("truncated JSON", r#"{"id":"00u1","profile":{"log"#, "EOF"),
        (
            "wrong shape",
            r#"{"id":"00u1","profile":{"login":5}}"#,
            "profile.login",
        ),
        (
            "HTML error page",
            "<!DOCTYPE html><html><body>Service Unavailable</body></html>",
            "HTML",
        ),
        ("empty body", "", "EOF"),
    ];
    for (name, body, mentions) in cases {
        for method in [Method::GET, Method::POST] {
            let server = Scripted::start(vec![reply(
                200,
                &[("content-type", "application/json")],
                body,
            )])
            .await;
            let conn = Connection::builder(&server.url).build().unwrap();
            let e = conn
                .send_json::<User>(conn.request(method.clone(), "/x"))
                .await
                .unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidResponse, "{name} {method}");
            assert_eq!(e.attempts(), 1, "{name} {method}");
            assert!(e.message().contains(mentions), "{name} {method}: {e}");
            assert_eq!(server.hits(), 1);
        }
    }
}
