//! `connector demo`: the seed's template and its test flow, end to end on the sandbox,
//! through the real connectors and the real pipeline over loopback HTTP.

use std::io::Write as _;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use connector_core::{Env, Error, Session};
use connector_okta::Okta;
use connector_okta::help_desk::{HelpDeskTemplate, Outcome};
use connector_sandbox::Sandbox;
use serde_json::{Value, json};

/// One card of the flow history.
struct Card {
    flow: &'static str,
    title: String,
    input: Value,
    result: Result<Value, String>,
    summary: Option<String>,
    duration: Duration,
    requests_seen: u64,
}

/// The facts of an output a reader looks for first.
fn summarize(action: &str, output: &Value) -> Option<String> {
    let s = |p: &str| output.pointer(p).and_then(Value::as_str).unwrap_or("?");
    let list = |key: &str, field: &str| {
        output
            .get(key)
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(|i| i.get(field).and_then(Value::as_str))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default()
    };
    match action {
        "create-user" => Some(format!(
            "user {} {} ({}), role {}",
            s("/id"),
            s("/profile/login"),
            s("/status"),
            s("/profile/role")
        )),
        "list-user-roles" => Some(format!("roles: [{}]", list("roles", "type"))),
        "template" => Some(match s("/outcome") {
            "assigned" => format!(
                "assigned HELP_DESK_ADMIN (assignment {})",
                s("/assignmentId")
            ),
            "alreadyAssigned" => "already assigned: nothing to do".to_owned(),
            _ => format!("skipped: {}", s("/reason")),
        }),
        "create-board" | "archive-board" => Some(format!(
            "board {} \"{}\" ({})",
            s("/id"),
            s("/name"),
            s("/state")
        )),
        "read-user" => Some(format!("user {} {}", s("/id"), s("/email"))),
        "add-user-to-board" => Some(format!("added: [{}]", list("users", "email"))),
        "read-board" => Some(format!("owners: [{}]", list("owners", "email"))),
        _ => None,
    }
}

/// One check the demo makes.
struct Check {
    what: String,
    holds: bool,
}

/// The recorded run: cards and checks.
pub(crate) struct History {
    cards: Vec<Card>,
    checks: Vec<Check>,
}

impl History {
    /// True when every check held and no card failed.
    pub(crate) fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.holds) && self.cards.iter().all(|c| c.result.is_ok())
    }
}

const STEPS: usize = 11;

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
            eprint!("\r\x1b[2K[{n:>2}/{STEPS}] {title} …");
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
            summary: output.as_ref().and_then(|o| summarize(action, o)),
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
            summary: result.as_ref().ok().and_then(|o| summarize("template", o)),
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
            checks: Vec::new(),
        },
        progress,
    };

    // Test Flow: Create Okta User, then the template on the new user.
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
    let outcome = runner.template(&ada_id).await;
    runner.check(
        "the template assigns HELP_DESK_ADMIN to the Support user",
        matches!(outcome, Some(Outcome::Assigned { .. })),
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

    // A second delivery of the same event: the template is idempotent.
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
    let skipped = runner.template(&grace_id).await;
    runner.check(
        "the template skips the Engineering user",
        matches!(skipped, Some(Outcome::Skipped { .. })),
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
        eprint!("\r\x1b[2K");
    }
    Ok(runner.history)
}

fn compact(value: &Value, limit: usize) -> String {
    let text = serde_json::to_string(&connector_core::mask_secrets(value)).unwrap_or_default();
    if text.chars().count() <= limit {
        text
    } else {
        let cut: String = text.chars().take(limit).collect();
        format!("{cut}… ({} bytes)", text.len())
    }
}

/// The flow history as the product's Flow History shows it.
pub(crate) fn render(history: &History, sandbox: &Sandbox, total: Duration) -> String {
    let mut out = String::new();
    out.push_str(
        "connector demo: the \"Add User to Admin Role\" template, end to end on the sandbox\n",
    );
    out.push_str(&format!(
        "  Okta emulator:   {}\n  boards emulator: {}\n\nFlow History\n",
        sandbox.okta().base_url(),
        sandbox.boards().api_url()
    ));
    let mut flow = "";
    for (i, card) in history.cards.iter().enumerate() {
        if card.flow != flow {
            flow = card.flow;
            out.push_str(&format!("\n  Flow: {flow}\n"));
        }
        let mark = if card.result.is_ok() { "✔" } else { "✘" };
        out.push_str(&format!(
            "  {:>2}. {mark} {:<42} {:>6.1} ms  {} request{} on the wire\n",
            i + 1,
            card.title,
            card.duration.as_secs_f64() * 1000.0,
            card.requests_seen,
            if card.requests_seen == 1 { "" } else { "s" }
        ));
        if let Some(summary) = &card.summary {
            out.push_str(&format!("        → {summary}\n"));
        }
        out.push_str(&format!("        input:  {}\n", compact(&card.input, 220)));
        match &card.result {
            Ok(output) => out.push_str(&format!("        output: {}\n", compact(output, 220))),
            Err(error) => out.push_str(&format!("        error:  {error}\n")),
        }
    }
    out.push_str("\nChecks\n");
    for check in &history.checks {
        out.push_str(&format!(
            "  {} {}\n",
            if check.holds { "✔" } else { "✘" },
            check.what
        ));
    }
    let held = history.checks.iter().filter(|c| c.holds).count();
    out.push_str(&format!(
        "\n{} of {} checks hold; {} cards in {:.2} s\n",
        held,
        history.checks.len(),
        history.cards.len(),
        total.as_secs_f64()
    ));
    out
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
    let _ = crate::emit(&render(&history, &sandbox, started.elapsed()));
    let passed = history.passed();
    sandbox.shutdown().await;
    if passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
