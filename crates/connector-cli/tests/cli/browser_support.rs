//! Headless Chromium (Debian's `chromium`) for the admin pages' tests: `--dump-dom` for a
//! page as the browser renders it, and a small DevTools-protocol session (over its
//! WebSocket) to load a page, run a script in it as a user's click would, and read the
//! frames it holds.

#![allow(dead_code)] // Each test uses a different part of this helper.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use connector_runtime::TempDb;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::Message;

/// The chromium binary: `CHROMIUM`, or `chromium`/`chromium-browser` on the PATH.
pub(crate) fn chromium() -> Option<PathBuf> {
    if let Ok(path) = std::env::var("CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| ["chromium", "chromium-browser"].map(|name| dir.join(name)))
        .find(|p| p.is_file())
}

/// Flags for a headless run on a machine without a network or a display.
const FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];

/// The DOM of `url` after the page (and any navigation it starts) settled.
pub(crate) fn dump_dom(chromium: &Path, url: &str) -> String {
    let profile = TempDb::new();
    let profile_dir = profile.path().with_extension("profile");
    let output = Command::new(chromium)
        .args(FLAGS)
        .arg("--virtual-time-budget=5000")
        .arg(format!("--user-data-dir={}", profile_dir.display()))
        .arg("--dump-dom")
        .arg(url)
        .output()
        .expect("chromium runs");
    let _ = std::fs::remove_dir_all(&profile_dir);
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Serves one HTML page on loopback, another origin than the runtime's (a few requests).
pub(crate) async fn serve_page(html: String) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        for _ in 0..10 {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let mut buf = [0u8; 4096];
            let _ = socket.read(&mut buf).await;
            let response = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{html}",
                html.len()
            );
            let _ = socket.write_all(response.as_bytes()).await;
        }
    });
    format!("http://{addr}/")
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A headless Chromium driven over the DevTools protocol; killed on drop.
pub(crate) struct Browser {
    child: Child,
    profile: PathBuf,
    socket: Socket,
    next_id: u64,
}

impl Browser {
    /// Starts chromium on a blank page and attaches to that page.
    pub(crate) async fn start(chromium: &Path) -> Browser {
        let profile = std::env::temp_dir().join(format!(
            "connector-chromium-{}-{}",
            std::process::id(),
            rand_suffix()
        ));
        let mut child = Command::new(chromium)
            .args(FLAGS)
            .arg("--remote-debugging-port=0")
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg("about:blank")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("chromium starts");
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(at) = line.find("ws://") {
                    let _ = tx.send(line[at..].trim().to_owned());
                }
            }
        });
        let browser_ws = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("chromium prints its DevTools address");
        let http = browser_ws
            .trim_start_matches("ws://")
            .split('/')
            .next()
            .unwrap()
            .to_owned();
        let mut page_ws = None;
        for _ in 0..100 {
            let targets: Value = reqwest::get(format!("http://{http}/json/list"))
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            page_ws = targets
                .as_array()
                .into_iter()
                .flatten()
                .find(|t| t["type"] == "page")
                .and_then(|t| t["webSocketDebuggerUrl"].as_str().map(str::to_owned));
            if page_ws.is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let (socket, _) = tokio_tungstenite::connect_async(page_ws.expect("a page target"))
            .await
            .expect("the DevTools socket opens");
        Browser {
            child,
            profile,
            socket,
            next_id: 0,
        }
    }

    /// Sends one command and waits (at most 20 s) for its answer.
    pub(crate) async fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let message = json!({"id": id, "method": method, "params": params}).to_string();
        self.socket.send(Message::text(message)).await.unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            let Ok(Some(Ok(Message::Text(text)))) =
                tokio::time::timeout(Duration::from_secs(20), self.socket.next()).await
            else {
                continue;
            };
            let answer: Value = serde_json::from_str(&text).unwrap_or_default();
            if answer["id"] == id {
                return answer;
            }
        }
        panic!("chromium did not answer {method}");
    }

    /// Loads `url` and waits until the document is complete.
    pub(crate) async fn open(&mut self, url: &str) {
        self.call("Page.navigate", json!({"url": url})).await;
        self.settle().await;
    }

    /// Waits until the current document is complete (at most 10 s).
    pub(crate) async fn settle(&mut self) {
        for _ in 0..100 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            if self.eval("document.readyState").await == "complete" {
                return;
            }
        }
    }

    /// Evaluates a script in the page, as the page's own code would run.
    pub(crate) async fn eval(&mut self, expression: &str) -> Value {
        let answer = self
            .call(
                "Runtime.evaluate",
                json!({"expression": expression, "returnByValue": true}),
            )
            .await;
        answer["result"]["result"]["value"].clone()
    }

    /// A PNG of the page as a 1280 px wide window shows it (`Page.captureScreenshot`).
    pub(crate) async fn screenshot_at_1280(&mut self) -> Vec<u8> {
        self.call(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": false}),
        )
        .await;
        let shot = self
            .call("Page.captureScreenshot", json!({"format": "png"}))
            .await;
        let data = shot["result"]["data"].as_str().unwrap_or_default();
        base64::Engine::decode(&base64::engine::general_purpose::STANDARD, data).unwrap_or_default()
    }

    /// The page's frames (`Page.getFrameTree`).
    pub(crate) async fn frames(&mut self) -> Value {
        self.call("Page.getFrameTree", json!({})).await["result"]["frameTree"].clone()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

fn rand_suffix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::from(d.subsec_nanos()))
        .unwrap_or(0)
}
