//! What `faults_admin.rs` and `boards_http.rs` leave out: bodies over the limit sent
//! chunked (no length to check up front), the boards emulator's own server and admin
//! endpoints, malformed role bodies, and bytes that are not HTTP at all. Each gets a 4xx
//! (or, for what is not HTTP, a closed connection), never a crash, and the emulator keeps
//! serving.

use crate::common;

use std::net::SocketAddr;
use std::time::Duration;

use common::*;
use connector_sandbox::boards::BoardsConfig;
use connector_sandbox::{BoardsEmulator, OktaEmulator};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Writes `head`, then `body_chunks` chunks of 64 KiB (chunked encoding), and returns the
/// status line the server answers with ("" when it closes without one). The server may
/// answer and close before the body is all written.
async fn raw_chunked(addr: SocketAddr, head: &str, body_chunks: usize) -> String {
    let stream = TcpStream::connect(addr)
        .await
        .expect("the emulator accepts");
    let (mut read, mut write) = stream.into_split();
    write
        .write_all(head.as_bytes())
        .await
        .expect("the head is sent");
    let writer = tokio::spawn(async move {
        let chunk = vec![b' '; 64 * 1024];
        for _ in 0..body_chunks {
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
    let status = read_status_line(&mut read).await;
    writer.abort();
    status
}

/// Sends raw bytes and returns the status line of the answer ("" when the server closes
/// without one).
async fn raw(addr: SocketAddr, bytes: &[u8]) -> String {
    let mut stream = TcpStream::connect(addr)
        .await
        .expect("the emulator accepts");
    // The server may close before reading everything; what matters is its answer.
    let _ = stream.write_all(bytes).await;
    read_status_line(&mut stream).await
}

async fn read_status_line(read: &mut (impl AsyncReadExt + Unpin)) -> String {
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::sleep(Duration::from_secs(10));
    tokio::pin!(deadline);
    while !answer.windows(2).any(|w| w == b"\r\n") {
        tokio::select! {
            read = read.read(&mut buf) => match read {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&buf[..n]),
            },
            _ = &mut deadline => panic!("no answer within 10 s"),
        }
    }
    let text = String::from_utf8_lossy(&answer).into_owned();
    text.lines().next().unwrap_or_default().to_owned()
}

fn chunked_post(addr: SocketAddr, path: &str, authorization: &str) -> String {
    format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: {authorization}\r\n\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
}

async fn boards() -> BoardsEmulator {
    BoardsEmulator::start(BoardsConfig::default(), 0)
        .await
        .expect("the emulator binds a loopback port")
}

/// A `me` query to the boards emulator: the status it answers.
async fn boards_me(boards: &BoardsEmulator) -> u16 {
    http()
        .post(boards.api_url())
        .header("Authorization", boards.api_token())
        .json(&json!({"query": "query { me { id } }"}))
        .send()
        .await
        .expect("the emulator answers")
        .status()
        .as_u16()
}

async fn okta_users(okta: &OktaEmulator) -> u16 {
    get(&http(), okta, "/api/v1/users").await.0
}

#[tokio::test]
async fn chunked_bodies_over_the_limit_get_413_from_both_emulators() {
    let okta = okta().await;
    let boards = boards().await;
    // 2 MiB, and 40 MiB (past what the server drains so the client can read its answer).
    for chunks in [32, 640] {
        let status = raw_chunked(
            okta.addr(),
            &chunked_post(okta.addr(), "/api/v1/users", &ssws(&okta)),
            chunks,
        )
        .await;
        assert!(
            status.starts_with("HTTP/1.1 413"),
            "okta, {chunks} chunks: {status:?}"
        );
        let status = raw_chunked(
            boards.addr(),
            &chunked_post(boards.addr(), "/v2", &boards.api_token()),
            chunks,
        )
        .await;
        assert!(
            status.starts_with("HTTP/1.1 413"),
            "boards, {chunks} chunks: {status:?}"
        );
        let status = raw_chunked(
            boards.addr(),
            &chunked_post(boards.addr(), "/__sandbox/faults", ""),
            chunks,
        )
        .await;
        assert!(
            status.starts_with("HTTP/1.1 413"),
            "boards admin, {chunks} chunks: {status:?}"
        );
    }
    // Nothing was created, and both still serve.
    assert_eq!(okta.user_count(), 0);
    assert_eq!(okta_users(&okta).await, 200);
    assert_eq!(boards_me(&boards).await, 200);
}

#[tokio::test]
async fn the_boards_server_refuses_oversized_and_malformed_bodies_with_4xx() {
    let boards = boards().await;
    let http = http();
    let big = json!({"query": "query { me { id } }", "variables": {"pad": "x".repeat(2 << 20)}});
    for path in ["/v2", "/__sandbox/faults", "/__sandbox/reset"] {
        let response = http
            .post(format!("{}{path}", boards.base_url()))
            .header("Authorization", boards.api_token())
            .json(&big)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 413, "{path}");
    }
    for body in [
        &b""[..],
        b"{",
        b"null",
        b"[]",
        b"\"text\"",
        b"{\"query\": 5}",
        b"{\"query\": \"query { me { id } }\", \"variables\": \"x\"}",
        b"\xff\xfe{}",
    ] {
        let response = http
            .post(boards.api_url())
            .header("Authorization", boards.api_token())
            .header("Content-Type", "application/json")
            .body(body.to_vec())
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let shown = String::from_utf8_lossy(body);
        // A body that is not a GraphQL request is a 400; GraphQL's own refusals are
        // 200-with-errors. Never a 5xx.
        assert!(status == 400 || status == 200, "{shown:?}: {status}");
        if status == 200 {
            let answer: Value = response.json().await.unwrap();
            assert!(answer["errors"].is_array(), "{shown:?}: {answer}");
        }
    }
    for body in [
        "",
        "{",
        "[1, 2]",
        r#"{"fault": {"status": "x"}}"#,
        r#"{"fault": {"delayMs": -1}}"#,
    ] {
        let response = http
            .post(format!("{}/__sandbox/faults", boards.base_url()))
            .header("Content-Type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{body:?}");
    }
    assert!(boards.faults().is_empty());
    assert_eq!(boards_me(&boards).await, 200);
}

#[tokio::test]
async fn malformed_role_bodies_are_400_and_undecodable_queries_are_harmless() {
    let okta = okta().await;
    let http = http();
    let (_, user) = create_user(&http, &okta, profile("ada@example.com")).await;
    let roles = format!(
        "{}/api/v1/users/{}/roles",
        okta.base_url(),
        user["id"].as_str().unwrap()
    );
    for body in [
        "",
        "not json",
        "[]",
        "null",
        r#"{"type": 5}"#,
        r#"{"type": null}"#,
        "{\"type\": \"HELP_DESK_ADMIN\"",
    ] {
        let response = http
            .post(&roles)
            .header("Authorization", ssws(&okta))
            .header("Content-Type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{body:?}");
        let error: Value = response.json().await.unwrap();
        assert!(error["errorCode"].is_string(), "{body:?}: {error}");
    }
    assert_eq!(okta.user_role_types("ada@example.com"), Some(vec![]));
    // Bytes that are not UTF-8 in a query: refused, or read as text that matches nothing.
    for query in [
        "search=%FF%FE",
        "search=profile.login%20eq%20%22%FF%22",
        "limit=%00",
        "after=%FF",
    ] {
        let (status, _, body) = get(&http, &okta, &format!("/api/v1/users?{query}")).await;
        assert!(
            status == 400 || (status == 200 && body == json!([])),
            "{query}: {status} {body}"
        );
    }
}

#[tokio::test]
async fn bytes_that_are_not_http_get_a_4xx_or_a_closed_connection() {
    let okta = okta().await;
    let boards = boards().await;
    let long_header = format!(
        "GET /api/v1/users HTTP/1.1\r\nHost: x\r\nX-Long: {}\r\n\r\n",
        "a".repeat(512 * 1024)
    );
    let inputs: Vec<Vec<u8>> = vec![
        b"GARBAGE\r\n\r\n".to_vec(),
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03".to_vec(),
        b"GET /api/v1/users HTTP/9.9\r\n\r\n".to_vec(),
        b"GET /api/v1/\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
        b"POST /api/v1/users HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n".to_vec(),
        b"POST /api/v1/users HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello".to_vec(),
        b"POST /api/v1/users HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n".to_vec(),
        long_header.into_bytes(),
    ];
    for addr in [okta.addr(), boards.addr()] {
        for input in &inputs {
            let status = raw(addr, input).await;
            let shown = String::from_utf8_lossy(&input[..input.len().min(60)]).into_owned();
            assert!(
                status.is_empty() || status.starts_with("HTTP/1.1 4"),
                "{shown:?}: {status:?}"
            );
        }
    }
    assert_eq!(okta_users(&okta).await, 200);
    assert_eq!(boards_me(&boards).await, 200);
}
