//! The overhead scenario's server: a child process (this binary, `__serve-overhead`) on one
//! thread, answering every GET with the same small Okta user, so that the CPU time read
//! from the benchmark's own process is the client's alone.

use std::convert::Infallible;
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response};

use super::{TOKEN, USER_ID};

/// The small JSON the server answers: an Okta user as `GET /api/v1/users/{id}` returns it.
fn user_body() -> Bytes {
    Bytes::from(
        serde_json::json!({
            "id": USER_ID,
            "status": "ACTIVE",
            "created": "2026-01-05T10:00:00.000Z",
            "activated": "2026-01-05T10:00:00.000Z",
            "statusChanged": "2026-01-05T10:00:00.000Z",
            "lastLogin": null,
            "lastUpdated": "2026-01-05T10:00:00.000Z",
            "passwordChanged": "2026-01-05T10:00:00.000Z",
            "type": {"id": "otyabcdefghijklmnopq"},
            "profile": {
                "login": "ada@example.com",
                "email": "ada@example.com",
                "firstName": "Ada",
                "lastName": "Lovelace",
                "role": "Support"
            },
            "credentials": {"provider": {"type": "OKTA", "name": "OKTA"}},
            "_links": {"self": {"href": "http://127.0.0.1/api/v1/users/00u1bench0overhead1"}}
        })
        .to_string(),
    )
}

/// The child process: serves the user on 127.0.0.1 until its standard input closes.
pub(crate) fn serve() -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start a runtime: {e}"))?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| format!("cannot listen: {e}"))?;
        let port = listener.local_addr().map_err(|e| e.to_string())?.port();
        println!("{port}");
        // The parent closes our stdin when it is done (or dies): then stop.
        let (stop_tx, mut stop_rx) = tokio::sync::oneshot::channel::<()>();
        std::thread::spawn(move || {
            let mut sink = Vec::new();
            let _ = std::io::stdin().read_to_end(&mut sink);
            let _ = stop_tx.send(());
        });
        let body = user_body();
        loop {
            let (stream, _) = tokio::select! {
                accepted = listener.accept() => accepted.map_err(|e| e.to_string())?,
                _ = &mut stop_rx => return Ok(()),
            };
            let _ = stream.set_nodelay(true);
            let body = body.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |request: Request<Incoming>| {
                    let body = body.clone();
                    async move { Ok::<_, Infallible>(answer(&request, body)) }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    })
}

fn answer(request: &Request<Incoming>, body: Bytes) -> Response<Full<Bytes>> {
    let authorized = request
        .headers()
        .get("authorization")
        .is_some_and(|v| v.as_bytes() == format!("SSWS {TOKEN}").as_bytes());
    if !authorized {
        return Response::builder()
            .status(401)
            .body(Full::new(Bytes::from_static(
                b"{\"errorCode\":\"E0000011\"}",
            )))
            .unwrap_or_default();
    }
    // Okta's rate-limit headers with a quota no run can reach, so the limiter's feedback
    // path runs as it does against a real org.
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    Response::builder()
        .header("content-type", "application/json")
        .header("x-okta-request-id", "bench")
        .header("x-rate-limit-limit", "1000000000")
        .header("x-rate-limit-remaining", "999999999")
        .header("x-rate-limit-reset", (now + 60).to_string())
        .body(Full::new(body))
        .unwrap_or_default()
}

/// The server child, stopped when dropped.
pub(super) struct Server {
    child: Child,
    pub(super) port: u16,
}

impl Server {
    pub(super) fn start() -> Result<Server, String> {
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let mut child = Command::new(exe)
            .arg("__serve-overhead")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start the overhead server: {e}"))?;
        let stdout = child.stdout.take().ok_or("the server has no stdout")?;
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
        let port = line
            .trim()
            .parse()
            .map_err(|_| format!("the overhead server said {line:?}, not a port"))?;
        Ok(Server { child, port })
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Closing stdin asks the server to stop; kill it if it does not.
        drop(self.child.stdin.take());
        for _ in 0..50 {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
