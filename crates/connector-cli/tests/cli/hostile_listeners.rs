//! Hostile clients against `connector serve`'s listeners, with real processes and
//! sockets: stalled connections under a small descriptor limit, bodies sent with a wrong
//! secret, a connection that never finishes its headers, the store going away, and a
//! second SIGTERM.

use crate::pg_support::{Postgres, postgres_bin};
use crate::serve_support;

use std::time::{Duration, Instant};

use connector_runtime::TempDb;
use connector_sandbox::{Fault, FaultRule, Method};
use serve_support::{HOOK_SECRET, ServeSpec, deliver, eventually, roomy_sandbox, support_users};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
}

/// Resident memory of a process, in KiB (Linux).
fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Opens a connection that sends part of a request's headers and then nothing.
async fn stalled(addr: &str) -> Option<TcpStream> {
    let mut stream = TcpStream::connect(addr).await.ok()?;
    stream
        .write_all(b"POST /okta/event-hook HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        .await
        .ok()?;
    Some(stream)
}

#[tokio::test(flavor = "multi_thread")]
async fn three_hundred_stalled_connections_under_256_descriptors_leave_room_for_a_delivery() {
    if !cfg!(target_os = "linux") || !on_path("prlimit") {
        eprintln!("SKIPPED: needs Linux and prlimit (util-linux)");
        return;
    }
    let sandbox = roomy_sandbox().await;
    let users = support_users(&sandbox, "crowd", 1);
    let db = TempDb::new();
    let serve = ServeSpec::new(&sandbox, &db.url())
        .under(&["prlimit", "--nofile=256:256", "--"])
        .start();
    let addr = serve.hook_addr();
    let mut held = Vec::new();
    for _ in 0..300 {
        if let Some(stream) = stalled(&addr).await {
            held.push(stream);
        }
    }
    assert!(held.len() >= 290, "only {} connections opened", held.len());
    let client = reqwest::Client::new();
    let started = Instant::now();
    let (status, body) = deliver(
        &client,
        &serve.hook,
        &[("evt-crowd".to_owned(), users[0].clone())],
    )
    .await;
    let took = started.elapsed();
    assert_eq!(status, 200, "{body} {}", serve.log());
    assert!(took < Duration::from_secs(1), "the delivery took {took:?}");
    let admin = client
        .get(format!("{}/healthz", serve.admin))
        .send()
        .await
        .unwrap();
    assert_eq!(admin.status(), 200, "the admin listener still answers");
    assert!(
        serve.log().contains("at the connection cap"),
        "the cap (256 descriptors less the reserve) was reached: {}",
        serve.log()
    );
    drop(held);
}

#[tokio::test(flavor = "multi_thread")]
async fn bodies_sent_with_a_wrong_secret_are_never_read() {
    if !cfg!(target_os = "linux") {
        eprintln!("SKIPPED: reads resident memory from /proc (Linux)");
        return;
    }
    let sandbox = roomy_sandbox().await;
    let db = TempDb::new();
    let serve = ServeSpec::new(&sandbox, &db.url()).start();
    let client = reqwest::Client::new();
    // Warm up: one real delivery, so the baseline holds the process's working set.
    let users = support_users(&sandbox, "warm", 1);
    assert_eq!(
        deliver(
            &client,
            &serve.hook,
            &[("evt-warm".to_owned(), users[0].clone())]
        )
        .await
        .0,
        200
    );
    let before = rss_kib(serve.pid()).expect("VmRSS");
    let addr = serve.hook_addr();
    let megabyte = vec![b'a'; 1024 * 1024];
    let mut tasks = Vec::new();
    for _ in 0..100 {
        let addr = addr.clone();
        let body = megabyte.clone();
        tasks.push(tokio::spawn(async move {
            let mut stream = TcpStream::connect(&addr).await.ok()?;
            let head = "POST /okta/event-hook HTTP/1.1\r\nHost: x\r\nAuthorization: wrong\r\n\
                        Content-Type: application/json\r\nContent-Length: 1048577\r\n\r\n";
            stream.write_all(head.as_bytes()).await.ok()?;
            // The server answers 401 without reading: the write stalls or is reset.
            let _ = tokio::time::timeout(Duration::from_secs(3), stream.write_all(&body)).await;
            Some(stream)
        }));
    }
    let mut held = Vec::new();
    for task in tasks {
        if let Ok(Some(stream)) = task.await {
            held.push(stream);
        }
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let after = rss_kib(serve.pid()).expect("VmRSS");
    let grown = after.saturating_sub(before);
    assert!(
        grown < 20 * 1024,
        "RSS grew by {grown} KiB ({before} -> {after})"
    );
    let metrics = client
        .get(format!("{}/metrics", serve.admin))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let unauthorized = metrics
        .lines()
        .find(|l| {
            l.starts_with("connector_deliveries_total{") && l.contains("result=\"unauthorized\"")
        })
        .unwrap_or_default();
    assert!(unauthorized.ends_with(" 100"), "{unauthorized}\n{metrics}");
    drop(held);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_connection_that_never_finishes_its_headers_is_closed_on_both_listeners() {
    let sandbox = roomy_sandbox().await;
    let db = TempDb::new();
    let serve = ServeSpec::new(&sandbox, &db.url()).start();
    let started = Instant::now();
    let closes = [serve.hook_addr(), serve.admin_addr()].map(|addr| async move {
        let mut stream = stalled(&addr).await.expect("connects");
        let mut buf = [0u8; 512];
        tokio::time::timeout(Duration::from_secs(20), async {
            loop {
                match stream.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                }
            }
        })
        .await
        .is_ok()
    });
    let [hook, admin] = closes;
    let (hook, admin) = tokio::join!(hook, admin);
    assert!(
        hook && admin,
        "closed within 20 s: hook {hook}, admin {admin}"
    );
    assert!(
        started.elapsed() >= Duration::from_secs(9),
        "closed by the 10 s header deadline, not before: {:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_verification_get_checks_the_secret_like_a_delivery() {
    let sandbox = roomy_sandbox().await;
    let db = TempDb::new();
    let serve = ServeSpec::new(&sandbox, &db.url()).start();
    let client = reqwest::Client::new();
    let verify = |secret: Option<&'static str>| {
        let mut request = client
            .get(&serve.hook)
            .header("x-okta-verification-challenge", "chal-1");
        if let Some(secret) = secret {
            request = request.header("authorization", secret);
        }
        request.send()
    };
    assert_eq!(verify(None).await.unwrap().status(), 401);
    assert_eq!(verify(Some("wrong")).await.unwrap().status(), 401);
    let ok = verify(Some(HOOK_SECRET)).await.unwrap();
    assert_eq!(ok.status(), 200);
    let body: serde_json::Value = ok.json().await.unwrap();
    assert_eq!(body["verification"], "chal-1");
}

#[tokio::test(flavor = "multi_thread")]
async fn with_postgres_stopped_a_delivery_gets_503_within_a_second_and_is_taken_once_it_is_back() {
    let Some(bin) = postgres_bin() else {
        eprintln!(
            "SKIPPED: no initdb/pg_ctl (install the Debian package postgresql, or set PG_BIN)"
        );
        return;
    };
    let postgres = Postgres::start(bin);
    let sandbox = roomy_sandbox().await;
    let users = support_users(&sandbox, "pgdown", 2);
    let serve = ServeSpec::new(&sandbox, &postgres.url()).start();
    let client = reqwest::Client::new();
    assert_eq!(
        deliver(
            &client,
            &serve.hook,
            &[("evt-pg-1".to_owned(), users[0].clone())]
        )
        .await
        .0,
        200
    );
    postgres.stop();
    let event = [("evt-pg-2".to_owned(), users[1].clone())];
    let started = Instant::now();
    let (status, _) = deliver(&client, &serve.hook, &event).await;
    let took = started.elapsed();
    assert_eq!(status, 503, "{}", serve.log());
    assert!(took < Duration::from_millis(1500), "503 after {took:?}");
    let started = Instant::now();
    let ready = client
        .get(format!("{}/readyz", serve.admin))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 503);
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "/readyz took {:?}",
        started.elapsed()
    );
    postgres.restart();
    let accepted = eventually(Duration::from_secs(20), || async {
        deliver(&client, &serve.hook, &event).await.0 == 200
    })
    .await;
    assert!(
        accepted,
        "deliveries are taken again once the store is back: {}",
        serve.log()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_sigterm_exits_at_once_while_the_first_waits_for_runs_in_flight() {
    let sandbox = roomy_sandbox().await;
    let users = support_users(&sandbox, "slowrole", 1);
    // The role call takes 60 s: the run is in flight when the first signal comes.
    sandbox.okta().faults().push(
        FaultRule::new(Fault::Delay(Duration::from_secs(60)))
            .method(Method::POST)
            .path_prefix("/api/v1/users/"),
    );
    let db = TempDb::new();
    let mut serve = ServeSpec::new(&sandbox, &db.url())
        .args(&["--grace", "30"])
        .start();
    let client = reqwest::Client::new();
    assert_eq!(
        deliver(
            &client,
            &serve.hook,
            &[("evt-slow".to_owned(), users[0].clone())]
        )
        .await
        .0,
        200
    );
    let in_flight = eventually(Duration::from_secs(10), || async {
        sandbox.okta().faults().injected() > 0
    })
    .await;
    assert!(in_flight, "{}", serve.log());
    serve.term();
    assert!(
        serve.wait_exit(Duration::from_secs(1)).is_none(),
        "the first signal waits for the run in flight"
    );
    let started = Instant::now();
    serve.term();
    let status = serve
        .wait_exit(Duration::from_secs(3))
        .expect("exits within 3 s of the second signal");
    assert_eq!(
        status.code(),
        Some(connector_runtime::EXIT_ON_SECOND_SIGNAL),
        "{}",
        serve.log()
    );
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(
        serve.log().contains("second shutdown signal"),
        "{}",
        serve.log()
    );
}
