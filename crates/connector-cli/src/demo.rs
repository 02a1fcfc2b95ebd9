//! `connector demo`: the seed's template and its test flow, end to end on the sandbox,
//! through the real connectors and the real pipeline over loopback HTTP.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use connector_core::{Env, Error};
use connector_sandbox::Sandbox;
use serde_json::{Value, json};

use crate::demo_history::{Check, History};
use crate::demo_loop::Loop;
use crate::demo_runner::{Runner, inject_one_429, role_types, str_at};

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
        history: History {
            cards: Vec::new(),
            runs: Vec::new(),
            deliveries: 0,
            checks: Vec::new(),
        },
        progress,
    };

    let runtime = Loop::start(sandbox, &env).await?;
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
    let again = runner.rerun(&runtime, ada_run.as_ref()).await;
    runner.check(
        "running the template again reports already assigned, without failing",
        again.as_ref().and_then(|r| r.outcome.as_deref()) == Some("alreadyAssigned"),
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
    let event_runs = history.event_runs();
    history.checks.push(Check {
        what: format!(
            "each event delivered twice ran once ({} deliveries, {event_runs} runs in the store, besides the re-run)",
            history.deliveries,
        ),
        holds: event_runs == 2 && history.deliveries == 4,
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
