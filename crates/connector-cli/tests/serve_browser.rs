//! The Flow History page in a real headless browser (Debian's `chromium`): the history lists
//! the runs the sandbox's event hooks started, a run's page shows its cards, and the re-run
//! button (a plain HTML form, no JavaScript on the page) re-queues a dead-lettered run.
//! Skipped, with a message, when no chromium is installed.

mod serve_support;

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use connector_runtime::TempDb;
use connector_sandbox::okta::EventHook;
use connector_sandbox::{Fault, FaultRule, Method};
use serde_json::{Value, json};
use serve_support::{HOOK_SECRET, ServeSpec, eventually, roomy_sandbox};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn chromium() -> Option<PathBuf> {
    if let Ok(path) = std::env::var("CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| ["chromium", "chromium-browser"].map(|name| dir.join(name)))
        .find(|p| p.is_file())
}

/// The DOM of `url` after the page (and any navigation it starts) settled.
fn dump_dom(chromium: &PathBuf, url: &str) -> String {
    let profile = TempDb::new();
    let profile_dir = profile.path().with_extension("profile");
    let output = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=5000",
        ])
        .arg(format!("--user-data-dir={}", profile_dir.display()))
        .arg("--dump-dom")
        .arg(url)
        .output()
        .expect("chromium runs");
    let _ = std::fs::remove_dir_all(&profile_dir);
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Serves one HTML page on loopback (a few requests at most).
async fn serve_page(html: String) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        for _ in 0..5 {
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

async fn create_user(
    client: &reqwest::Client,
    org: &str,
    token: &str,
    login: &str,
    role: &str,
) -> String {
    let body = json!({"profile": {"login": login, "email": login, "firstName": "Web", "lastName": "Test", "role": role}});
    let user: Value = client
        .post(format!("{org}/api/v1/users?activate=true"))
        .header("authorization", format!("SSWS {token}"))
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    user["id"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_history_page_lists_runs_shows_cards_and_its_rerun_button_requeues_a_dead_letter() {
    let Some(chromium) = chromium() else {
        eprintln!(
            "SKIPPED: no chromium on PATH (install the Debian package chromium, or set CHROMIUM)"
        );
        return;
    };
    let sandbox = roomy_sandbox().await;
    let db = TempDb::new();
    let serve = ServeSpec::new(&sandbox, &db.url()).start();
    sandbox
        .okta()
        .set_event_hook(Some(EventHook::new(serve.hook.clone(), HOOK_SECRET)));
    let client = reqwest::Client::new();
    let (org, token) = (
        sandbox.okta().base_url(),
        sandbox.okta().api_token().to_owned(),
    );
    let history = |query: &'static str| {
        let (client, admin) = (client.clone(), serve.admin.clone());
        async move {
            let page: Value = client
                .get(format!("{admin}/history{query}"))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            page["runs"].as_array().cloned().unwrap_or_default()
        }
    };
    create_user(&client, &org, &token, "ada@example.com", "Support").await;
    create_user(&client, &org, &token, "grace@example.com", "Engineering").await;
    assert!(
        eventually(Duration::from_secs(10), || async {
            history("?outcome=assigned").await.len() == 1
                && history("?outcome=skipped").await.len() == 1
        })
        .await
    );
    // A third user reads as deleted: dead-lettered.
    sandbox.okta().faults().push(
        FaultRule::new(Fault::status(404))
            .method(Method::GET)
            .path_prefix("/api/v1/users/")
            .times(1),
    );
    create_user(&client, &org, &token, "lin@example.com", "Support").await;
    assert!(
        eventually(Duration::from_secs(10), || async {
            history("?outcome=deadLettered").await.len() == 1
        })
        .await
    );
    let runs = history("").await;
    let id_of = |outcome: &str| {
        runs.iter()
            .find(|r| r["outcome"] == outcome)
            .and_then(|r| r["runId"].as_str())
            .unwrap()
            .to_owned()
    };
    let (assigned, dead) = (id_of("assigned"), id_of("deadLettered"));

    let index = dump_dom(&chromium, &format!("{}/", serve.admin));
    assert!(index.contains("Flow History"), "{index}");
    for run in &runs {
        assert!(
            index.contains(run["runId"].as_str().unwrap()),
            "a run is missing from the page:\n{index}"
        );
    }
    for outcome in ["assigned", "skipped", "deadLettered"] {
        assert!(index.contains(outcome), "{index}");
    }
    assert!(
        index.contains(r#"class="failed""#),
        "the failed run is not marked:\n{index}"
    );

    let page = dump_dom(&chromium, &format!("{}/runs/{assigned}", serve.admin));
    assert!(
        page.contains("Okta · Read User")
            && page.contains("Okta · Add User to Admin Role (template)"),
        "{page}"
    );
    assert!(
        page.contains("HELP_DESK_ADMIN") && page.contains("1 attempt"),
        "{page}"
    );
    assert!(
        !page.contains("<form"),
        "no re-run button on a run that succeeded"
    );

    // The dead-lettered run's page has the button: a form that posts without JavaScript.
    let page = dump_dom(&chromium, &format!("{}/runs/{dead}", serve.admin));
    let start = page.find("<form").expect("a re-run form");
    let form = &page[start..start + page[start..].find("</form>").unwrap() + 7];
    assert!(
        form.contains(r#"method="post""#) && form.contains(&format!("/history/{dead}/rerun")),
        "{form}"
    );
    // The browser presses it (the page itself has no script; this test's page does the click).
    sandbox.okta().faults().clear();
    let absolute = form.replace(r#"action="/"#, &format!(r#"action="{}/"#, serve.admin));
    let clicker = serve_page(format!(
        "<!DOCTYPE html><html><body>{absolute}<script>document.querySelector('form button').click()</script></body></html>"
    ))
    .await;
    let after = dump_dom(&chromium, &clicker);
    assert!(
        after.contains(&format!("Run {dead}")),
        "the form did not land on the run's page:\n{after}"
    );
    let rerun = eventually(Duration::from_secs(10), || async {
        let run: Value = client
            .get(format!("{}/history/{dead}", serve.admin))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        run["outcome"] == "assigned"
    })
    .await;
    assert!(rerun, "{}", serve.log());
}
