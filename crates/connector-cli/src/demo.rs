//! `connector demo`: the seed's template and its test flow, end to end on the sandbox,
//! through the real connectors and the real pipeline over loopback HTTP.

use std::io::Write as _;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use connector_core::action::Session;
use connector_core::{Env, Error};
use connector_okta::Okta;
use connector_okta::help_desk::{HelpDeskTemplate, Outcome};
use connector_sandbox::{Fault, FaultRule, Method, Sandbox};
use serde_json::{Value, json};

/// One card of the test flow.
pub(crate) struct Card {
    pub(crate) flow: &'static str,
    pub(crate) title: String,
    pub(crate) input: Value,
    pub(crate) result: Result<Value, String>,
    pub(crate) summary: Option<String>,
    pub(crate) duration: Duration,
    pub(crate) requests_seen: u64,
}

/// One check the demo makes.
pub(crate) struct Check {
    pub(crate) what: String,
    pub(crate) holds: bool,
}

/// The recorded demo: the test flow's cards, the runtime's runs, and the checks.
pub(crate) struct History {
    pub(crate) cards: Vec<Card>,
    pub(crate) runs: Vec<connector_runtime::Run>,
    pub(crate) deliveries: u64,
    pub(crate) checks: Vec<Check>,
}

impl History {
    /// True when every check held and no card failed.
    pub(crate) fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.holds) && self.cards.iter().all(|c| c.result.is_ok())
    }
}

/// The test flow's cards: two users (create, list roles), the template run again on the
/// first, and five boards cards.
const STEPS: usize = 10;

struct Runner<'a> {
    sandbox: &'a Sandbox,
    okta: Box<dyn Session>,
    boards: Box<dyn Session>,
    okta_client: Okta,
    history: History,
    progress: bool,
}

impl Runner<'_> {
    fn requests(&self) -> u64 {
        self.sandbox.okta().stats().requests + self.sandbox.boards().state().stats().requests
    }

    fn progress(&self, title: &str) {
        if self.progress {
            let n = self.history.cards.len() + 1;
            err!("\r\x1b[2K[{n:>2}/{STEPS}] {title} …");
            let _ = std::io::stderr().flush();
        }
    }

    /// Runs one action card through the registry's JSON layer.
    async fn card(
        &mut self,
        flow: &'static str,
        connector: &str,
        action: &str,
        title: &str,
        input: Value,
    ) -> Option<Value> {
        self.progress(title);
        let before = self.requests();
        let started = Instant::now();
        let session = if connector == "okta" {
            &self.okta
        } else {
            &self.boards
        };
        let result = session
            .run(action, input.clone())
            .await
            .map_err(|e| e.to_string());
        let requests_seen = self.requests() - before;
        let output = result.as_ref().ok().cloned();
        self.history.cards.push(Card {
            flow,
            title: title.to_owned(),
            input,
            summary: output
                .as_ref()
                .and_then(|o| crate::demo_render::summarize(action, o)),
            result,
            duration: started.elapsed(),
            requests_seen,
        });
        output
    }

    /// Runs the "Add User to Admin Role" template for a user.
    async fn template(&mut self, user_id: &str) -> Option<Outcome> {
        let title = "Okta · Add User to Admin Role (template)";
        self.progress(title);
        let before = self.requests();
        let started = Instant::now();
        let result = HelpDeskTemplate::default()
            .run(&self.okta_client, user_id)
            .await;
        let requests_seen = self.requests() - before;
        let outcome = result.as_ref().ok().cloned();
        let result = result
            .map(|o| serde_json::to_value(o).unwrap_or(Value::Null))
            .map_err(|e| e.to_string());
        self.history.cards.push(Card {
            flow: "Add User to Admin Role",
            title: title.to_owned(),
            input: json!({ "userId": user_id, "attribute": "role", "value": "Support", "roleType": "HELP_DESK_ADMIN" }),
            summary: result.as_ref().ok().and_then(|o| crate::demo_render::summarize("template", o)),
            result,
            duration: started.elapsed(),
            requests_seen,
        });
        outcome
    }

    fn check(&mut self, what: impl Into<String>, holds: bool) {
        self.history.checks.push(Check {
            what: what.into(),
            holds,
        });
    }
}

fn role_types(output: &Option<Value>) -> Vec<String> {
    output
        .as_ref()
        .and_then(|o| o.get("roles"))
        .and_then(Value::as_array)
        .map(|roles| {
            roles
                .iter()
                .filter_map(|r| r.get("type").and_then(Value::as_str).map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn str_at<'v>(value: &'v Option<Value>, pointer: &str) -> Option<&'v str> {
    value.as_ref()?.pointer(pointer)?.as_str()
}

/// The next role call is answered 429 once (with `Retry-After: 0`), so that Flow History
/// shows a card that needed more than one attempt.
fn inject_one_429(sandbox: &Sandbox) {
    let body = r#"{"errorCode":"E0000047","errorSummary":"API call exceeded rate limit due to too many requests.","errorLink":"E0000047","errorId":"oae-demo","errorCauses":[]}"#;
    sandbox.okta().faults().push(
        FaultRule::new(Fault::status_with(
            429,
            body,
            [("Retry-After".to_owned(), "0".to_owned())],
        ))
        .method(Method::POST)
        .path_prefix("/api/v1/users/")
        .times(1),
    );
}

/// Runs the demo scenario on a running sandbox and returns its history.
pub(crate) async fn scenario(sandbox: &Sandbox, progress: bool) -> Result<History, Error> {
    let env = Env::from_pairs([
        ("OKTA_ORG_URL", sandbox.okta().base_url()),
        ("OKTA_API_TOKEN", sandbox.okta().api_token().to_owned()),
        ("BOARDS_API_URL", sandbox.boards().api_url()),
        ("BOARDS_API_TOKEN", sandbox.boards().api_token()),
    ]);
    let (env, _shared) = crate::limits::with_shared_limits(env, &Env::from_process())?;
    let registry = connector_cli::registry();
    let mut runner = Runner {
        sandbox,
        okta: registry.connector("okta")?.connect(&env)?,
        boards: registry.connector("boards")?.connect(&env)?,
        okta_client: Okta::from_env(&env)?,
        history: History {
            cards: Vec::new(),
            runs: Vec::new(),
            deliveries: 0,
            checks: Vec::new(),
        },
        progress,
    };

    let runtime = crate::demo_loop::Loop::start(sandbox, &env).await?;
    inject_one_429(sandbox);

    // Test Flow: Create Okta User; the event hook starts the template in the runtime.
    let ada = runner
        .card(
            "Test Flow: Create Okta User",
            "okta",
            "create-user",
            "Okta · Create User",
            json!({
                "profile": {
                    "login": "ada.lovelace@example.com",
                    "email": "ada.lovelace@example.com",
                    "firstName": "Ada",
                    "lastName": "Lovelace",
                    "role": "Support"
                },
                "activate": true,
                "password": "Tr0ub4dor&3-demo"
            }),
        )
        .await;
    let ada_id = str_at(&ada, "/id").unwrap_or_default().to_owned();
    runner.check(
        "the Support user is created and active",
        str_at(&ada, "/status") == Some("ACTIVE"),
    );
    // The sandbox announced the user to the runtime's event hook; the runtime ran the
    // template (through one 429 on the role call, retried by the pipeline).
    let ada_run = runtime.finished_run("ada.lovelace@example.com").await;
    runner.check(
        "the event hook's run assigns HELP_DESK_ADMIN to the Support user",
        ada_run.as_ref().and_then(|r| r.outcome.as_deref()) == Some("assigned"),
    );
    let roles = runner
        .card(
            "Test Flow: Create Okta User",
            "okta",
            "list-user-roles",
            "Okta · List User Roles",
            json!({ "userId": ada_id }),
        )
        .await;
    runner.check(
        "the Support user is listed with the HELP_DESK_ADMIN role",
        role_types(&roles) == ["HELP_DESK_ADMIN"],
    );

    // The same event run again, as after a crash: the template is idempotent.
    let again = runner.template(&ada_id).await;
    runner.check(
        "running the template again reports already assigned, without failing",
        matches!(again, Some(Outcome::AlreadyAssigned)),
    );

    // A user with another role is skipped, with no role call.
    let grace = runner
        .card(
            "Test Flow: Create Okta User",
            "okta",
            "create-user",
            "Okta · Create User",
            json!({
                "profile": {
                    "login": "grace.hopper@example.com",
                    "email": "grace.hopper@example.com",
                    "firstName": "Grace",
                    "lastName": "Hopper",
                    "role": "Engineering"
                }
            }),
        )
        .await;
    let grace_id = str_at(&grace, "/id").unwrap_or_default().to_owned();
    let grace_run = runtime
        .finished_run(str_at(&grace, "/profile/login").unwrap_or_default())
        .await;
    runner.check(
        "the event hook's run skips the Engineering user",
        grace_run.as_ref().and_then(|r| r.outcome.as_deref()) == Some("skipped"),
    );
    let grace_roles = runner
        .card(
            "Test Flow: Create Okta User",
            "okta",
            "list-user-roles",
            "Okta · List User Roles",
            json!({ "userId": grace_id }),
        )
        .await;
    runner.check(
        "the Engineering user has no admin role",
        grace_roles.is_some() && role_types(&grace_roles).is_empty(),
    );

    // Boards: a board for the help desk, owned by the new admin.
    let board = runner
        .card(
            "Boards: help-desk board",
            "boards",
            "create-board",
            "Boards · Create Board",
            json!({ "name": "Help desk queue", "kind": "private", "workspaceId": "101", "description": "Tickets for the help desk" }),
        )
        .await;
    let board_id = str_at(&board, "/id").unwrap_or_default().to_owned();
    let boards_user = runner
        .card(
            "Boards: help-desk board",
            "boards",
            "read-user",
            "Boards · Read User",
            json!({ "email": "ada.lovelace@example.com" }),
        )
        .await;
    let boards_user_id = str_at(&boards_user, "/id").unwrap_or_default().to_owned();
    runner
        .card(
            "Boards: help-desk board",
            "boards",
            "add-user-to-board",
            "Boards · Add User to Board",
            json!({ "boardId": board_id, "userIds": [boards_user_id], "kind": "owner" }),
        )
        .await;
    let read = runner
        .card(
            "Boards: help-desk board",
            "boards",
            "read-board",
            "Boards · Read Board",
            json!({ "boardId": board_id }),
        )
        .await;
    let owners: Vec<&str> = read
        .as_ref()
        .and_then(|b| b.get("owners"))
        .and_then(Value::as_array)
        .map(|o| {
            o.iter()
                .filter_map(|u| u.get("email").and_then(Value::as_str))
                .collect()
        })
        .unwrap_or_default();
    runner.check(
        "the new admin owns the help-desk board",
        owners.contains(&"ada.lovelace@example.com"),
    );
    let archived = runner
        .card(
            "Boards: help-desk board",
            "boards",
            "archive-board",
            "Boards · Archive Board",
            json!({ "boardId": board_id }),
        )
        .await;
    runner.check(
        "the board is archived",
        str_at(&archived, "/state") == Some("archived"),
    );
    if progress {
        err!("\r\x1b[2K");
    }
    let mut history = runner.history;
    // The second copy of each event may still be on its way.
    for _ in 0..500 {
        if sandbox.okta().event_hook_stats().in_flight == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    history.runs = runtime.runs().await;
    history.deliveries = sandbox.okta().event_hook_stats().delivered;
    let _ = runtime.stop().await;
    let retried = history
        .runs
        .iter()
        .flat_map(|r| &r.steps)
        .any(|s| s.card.as_deref() == Some("okta.custom-api-action") && s.attempts == 2);
    history.checks.push(Check {
        what: "the role call answered 429 once shows 2 attempts in the runtime's history"
            .to_owned(),
        holds: retried,
    });
    let one_run_per_event = history.runs.len() == 2;
    history.checks.push(Check {
        what: format!(
            "each event delivered twice ran once ({} deliveries, {} runs in the store)",
            history.deliveries,
            history.runs.len()
        ),
        holds: one_run_per_event && history.deliveries == 4,
    });
    Ok(history)
}

pub(crate) async fn run() -> ExitCode {
    let started = Instant::now();
    let sandbox = match Sandbox::start(crate::sandbox::config_from_env()).await {
        Ok(s) => s,
        Err(e) => {
            return crate::fail(&Error::configuration(format!(
                "cannot start the sandbox: {e}"
            )));
        }
    };
    // The progress line rewrites itself with escape sequences: only on a terminal.
    let progress = crate::term::ansi(&std::io::stderr());
    let history = match scenario(&sandbox, progress).await {
        Ok(h) => h,
        Err(e) => return crate::fail(&e),
    };
    let _ = crate::emit(&crate::demo_render::render(
        &history,
        &sandbox,
        started.elapsed(),
    ));
    let passed = history.passed();
    sandbox.shutdown().await;
    if passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
