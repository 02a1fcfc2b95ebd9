//! The Flow History page in a real headless browser (Debian's `chromium`): the history lists
//! the runs the sandbox's event hooks started, a run's page shows its cards, pages on
//! another origin can neither press the resume button (a form post, with or without a
//! copied token) nor frame the page, and the button on the page itself (a plain HTML form
//! with the page's CSRF token, no JavaScript) resumes a dead-lettered run. Skipped, with a
//! message, when no chromium is installed.

use crate::browser_support::{Browser, chromium, dump_dom, serve_page};
use crate::serve_support;

use std::time::Duration;

use connector_runtime::TempDb;
use connector_sandbox::okta::EventHook;
use connector_sandbox::{Fault, FaultRule, Method};
use serde_json::{Value, json};
use serve_support::{HOOK_SECRET, ServeSpec, eventually, roomy_sandbox};

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
async fn the_history_page_lists_runs_shows_steps_and_its_resume_button_finishes_a_dead_letter() {
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
            history("?state=deadLettered").await.len() == 1
        })
        .await
    );
    let runs = history("").await;
    let id_of = |outcome: &str| {
        runs.iter()
            .find(|r| r["outcome"] == outcome || r["state"] == outcome)
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
        page.contains("Okta · Read User") && page.contains("Okta · Custom API Action"),
        "{page}"
    );
    assert!(
        page.contains("HELP_DESK_ADMIN") && page.contains("1 attempt"),
        "{page}"
    );
    assert!(
        !page.contains("/resume"),
        "no resume button on a run that succeeded"
    );

    // The dead-lettered run's page has the resume button: a form that posts without
    // JavaScript.
    let page = dump_dom(&chromium, &format!("{}/runs/{dead}", serve.admin));
    let start = page
        .find(&format!(
            r#"<form method="post" action="/history/{dead}/resume""#
        ))
        .expect("a resume form");
    let form = &page[start..start + page[start..].find("</form>").unwrap() + 7];
    assert!(form.contains(r#"name="csrf""#), "{form}");
    sandbox.okta().faults().clear();
    let outcome_of_dead = || {
        let (client, admin, dead) = (client.clone(), serve.admin.clone(), dead.clone());
        async move {
            let run: Value = client
                .get(format!("{admin}/history/{dead}"))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            // A dead-lettered run has no outcome: its state says where it is.
            run["outcome"]
                .as_str()
                .or(run["state"].as_str())
                .unwrap_or_default()
                .to_owned()
        }
    };

    // Pages on another origin press the button: once without the token (they cannot read
    // it), once with the page's own form copied, token and all.
    let action = format!("{}/history/{dead}/resume", serve.admin);
    let without_token =
        format!(r#"<form method="post" action="{action}"><button>go</button></form>"#);
    let with_token = form.replace(r#"action="/"#, &format!(r#"action="{}/"#, serve.admin));
    for attack in [without_token, with_token] {
        let attacker = serve_page(format!(
            "<!DOCTYPE html><html><body>{attack}<script>document.querySelector('form button').click()</script></body></html>"
        ))
        .await;
        let after = dump_dom(&chromium, &attacker);
        assert!(
            !after.contains(&format!("Run {dead}")),
            "a cross-site post landed:\n{after}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(outcome_of_dead().await, "deadLettered", "{}", serve.log());
    }

    // A page on another origin frames the run's page: the browser refuses to show it.
    let framer = serve_page(format!(
        r#"<!DOCTYPE html><html><body><iframe id="f" src="{}/runs/{dead}" width="800" height="600"></iframe></body></html>"#,
        serve.admin
    ))
    .await;
    let mut browser = Browser::start(&chromium).await;
    browser.open(&framer).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let frames = browser.frames().await;
    let child = &frames["childFrames"][0]["frame"];
    let shown = child["url"].as_str().unwrap_or_default();
    assert!(
        !shown.contains("/runs/") || child["unreachableUrl"].is_string(),
        "the framed page was rendered: {frames}"
    );
    assert_eq!(outcome_of_dead().await, "deadLettered");

    // Readable at 1280 px: nothing wider than the window, and a screenshot people can look
    // at (kept under cargo's target/tmp).
    for (name, path) in [
        ("history", "/".to_owned()),
        ("run", format!("/runs/{assigned}")),
    ] {
        browser.open(&format!("{}{path}", serve.admin)).await;
        let png = browser.screenshot_at_1280().await;
        assert!(png.starts_with(b"\x89PNG"), "no screenshot of {path}");
        let shot = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("flow-history-{name}.png"));
        std::fs::write(&shot, &png).unwrap();
        let wide = browser.eval("document.documentElement.scrollWidth").await;
        assert!(
            wide.as_u64().is_some_and(|w| w <= 1280),
            "{path} is {wide} px wide"
        );
    }

    // The same button on the run's own page works: a same-origin form with its token.
    browser.open(&format!("{}/runs/{dead}", serve.admin)).await;
    assert_eq!(browser.eval("document.title").await, format!("Run {dead}"));
    browser
        .eval("document.getElementById('resume').click()")
        .await;
    browser.settle().await;
    let rerun = eventually(Duration::from_secs(10), || async {
        outcome_of_dead().await == "assigned"
    })
    .await;
    assert!(rerun, "{}", serve.log());
    let landed = browser.eval("location.pathname").await;
    assert_eq!(
        landed,
        format!("/runs/{dead}"),
        "the form lands back on the run's page"
    );
}
