//! No credential in what a person or a log collector sees, with tracing at TRACE: not in a
//! full demo run's output and logs, not in the logs, errors (Display and Debug) and outputs
//! of an Okta flow with `private_key_jwt`, not in the CLI's output for such a connection.
//! The tests know the exact secrets: the sandbox's tokens are fixed through
//! `CONNECTOR_SANDBOX_*_TOKEN`, and the Okta emulator hands back the access tokens it issued
//! and the client assertions it received.

use crate::common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use connector_core::{Connector, Env, ErrorKind};
use connector_okta::{CreateUserInput, Okta, UserProfile};
use connector_sandbox::Sandbox;
use p256::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use serde_json::{Value, json};

/// The tokens the demo's sandbox is given: `00` + 40 characters, like Okta's.
const OKTA_TOKEN: &str = "00DemoOktaTokenS3cr3t0123456789abcdefghij";
const BOARDS_TOKEN: &str = "boards-demo-token-S3cr3t-5ab1";
/// The password the demo gives its first user.
const DEMO_PASSWORD: &str = "Tr0ub4dor&3-demo";
const CLIENT_ID: &str = "0oaLeakCheck";
/// The scopes the app may be granted: the connector's defaults, which the runs from the
/// environment ask for.
const SCOPES: [&str; 6] = [
    "okta.users.manage",
    "okta.users.read",
    "okta.roles.manage",
    "okta.roles.read",
    "okta.groups.manage",
    "okta.groups.read",
];

/// The parts of a secret worth looking for: the whole, and long pieces of it (a JWT's
/// claims and signature, a token's halves), so that a truncated or partly masked copy is
/// caught too.
fn pieces(secret: &str) -> Vec<String> {
    let mut pieces = vec![secret.to_owned()];
    if secret.matches('.').count() == 2 {
        pieces.extend(secret.split('.').skip(1).map(str::to_owned));
    } else if secret.len() >= 24 {
        let half = secret.len() / 2;
        pieces.push(secret[..half].to_owned());
        pieces.push(secret[half..].to_owned());
    }
    pieces
}

fn assert_no_secret(what: &str, text: &str, secrets: &[String]) {
    for secret in secrets {
        for piece in pieces(secret) {
            assert!(
                !text.contains(&piece),
                "{what} shows a secret ({piece:?}):\n{text}"
            );
        }
    }
}

fn demo_env(command: &mut Command) -> &mut Command {
    command
        .env("CONNECTOR_SANDBOX_OKTA_TOKEN", OKTA_TOKEN)
        .env("CONNECTOR_SANDBOX_BOARDS_TOKEN", BOARDS_TOKEN)
}

#[test]
fn the_sandbox_takes_its_tokens_from_the_environment() {
    // What makes the demo test below exact: the sandbox really uses the given tokens.
    let mut child = demo_env(&mut Command::new(env!("CARGO_BIN_EXE_connector")))
        .arg("sandbox")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the connector binary runs");
    let stdout = child.stdout.take().expect("piped");
    let exports: Vec<String> = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .filter(|line| line.starts_with("export "))
        .take(2)
        .collect();
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(exports.len(), 2, "{exports:?}");
    assert!(
        exports[0].contains(&format!("OKTA_API_TOKEN={OKTA_TOKEN}")),
        "{exports:?}"
    );
    assert!(
        exports[1].contains(&format!("BOARDS_API_TOKEN={BOARDS_TOKEN}")),
        "{exports:?}"
    );
}

#[test]
fn a_demo_run_at_trace_level_shows_no_token_and_no_password() {
    let output = demo_env(&mut Command::new(env!("CARGO_BIN_EXE_connector")))
        .arg("demo")
        .env("CONNECTOR_LOG", "trace")
        .output()
        .expect("the connector binary runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the demo failed:\n{stdout}\n{stderr}"
    );
    // The logs are really at TRACE, from the pipeline and from the emulators.
    assert!(stderr.contains("TRACE"), "no trace lines:\n{stderr}");
    assert!(stderr.contains("connector_core"), "{stderr}");
    let secrets = [OKTA_TOKEN, BOARDS_TOKEN, DEMO_PASSWORD].map(str::to_owned);
    assert_no_secret("the demo's output", &stdout, &secrets);
    assert_no_secret("the demo's logs", &stderr, &secrets);
    assert!(!stderr.contains("SSWS 00"), "an SSWS header in the logs");
}

/// Everything written to the global TRACE subscriber (events of every crate, `log`
/// records of the HTTP stack included).
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Logs {
    fn install() -> Logs {
        let logs = Logs::default();
        let writer = logs.clone();
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .try_init()
            .expect("the only global subscriber of this test binary");
        logs
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
    }
}

/// A P-256 key pair: the private key in PKCS#8 PEM and the public key in PEM.
fn key_pair() -> (String, String) {
    let key = p256::SecretKey::random(&mut p256::elliptic_curve::rand_core::OsRng);
    let private = key
        .to_pkcs8_pem(LineEnding::LF)
        .expect("a PEM private key")
        .to_string();
    let public = key
        .public_key()
        .to_public_key_pem(LineEnding::LF)
        .expect("a PEM public key");
    (private, public)
}

fn oauth_sandbox_client(sandbox: &Sandbox, private_pem: &str) -> Okta {
    Okta::builder(sandbox.okta().base_url())
        .private_key_jwt(CLIENT_ID, private_pem, SCOPES)
        .build()
        .expect("a valid OAuth client")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_okta_flow_with_private_key_jwt_shows_no_assertion_and_no_access_token() {
    let logs = Logs::install();
    let sandbox = common::sandbox().await;
    let (private_pem, public_pem) = key_pair();
    sandbox
        .okta()
        .register_oauth_client(CLIENT_ID, &public_pem, &SCOPES)
        .unwrap();
    // Tokens live 30 s and the client renews a minute ahead: every call asks for a fresh
    // token with a fresh assertion, so the flow spends many of both.
    sandbox
        .okta()
        .set_access_token_lifetime(Duration::from_secs(30));
    let okta = oauth_sandbox_client(&sandbox, &private_pem);
    let mut shown: Vec<(String, String)> = Vec::new();
    let mut show = |what: &str, text: String| shown.push((what.to_owned(), text));

    // The help-desk flow: create a Support user, run the built-in template twice (the
    // runtime's engine, its cards on the OAuth connection), list the roles.
    let user = okta
        .create_user(CreateUserInput::new(
            UserProfile::new("ada@example.com")
                .with_name("Ada", "Lovelace")
                .with_attribute("role", "Support"),
        ))
        .await
        .expect("the user is created");
    show("the created user", format!("{user:?}"));
    let env = Env::from_pairs([
        ("OKTA_ORG_URL", sandbox.okta().base_url()),
        ("OKTA_CLIENT_ID", CLIENT_ID.to_owned()),
        ("OKTA_PRIVATE_KEY", private_pem.clone()),
    ]);
    let cards = connector_runtime::cards::Cards::new(connector_cli::registry(), env.clone());
    let template = connector_cli::hooks::template(&cards).expect("the template is valid");
    let event =
        json!({"target": [{"id": user.id, "type": "User", "alternateId": "ada@example.com"}]});
    let first = connector_runtime::flows::run_once(&template, &event, &cards, false)
        .await
        .run;
    assert_eq!(first.outcome.as_deref(), Some("assigned"), "{first:?}");
    let again = connector_runtime::flows::run_once(&template, &event, &cards, false)
        .await
        .run;
    assert_eq!(
        again.outcome.as_deref(),
        Some("alreadyAssigned"),
        "{again:?}"
    );
    show("the outcomes", format!("{first:?} {again:?}"));

    // The same through the registry's JSON layer, from the environment, as the CLI runs it.
    let session = connector_okta::connector().connect(&env).unwrap();
    let roles = session
        .run("list-user-roles", json!({ "userId": user.id }))
        .await
        .unwrap();
    assert_eq!(roles["roles"][0]["type"], "HELP_DESK_ADMIN", "{roles}");
    show("list-user-roles", roles.to_string());
    let raw = session
        .run(
            "custom-api-action",
            json!({ "method": "GET", "relativeUrl": format!("/api/v1/users/{}", user.id) }),
        )
        .await
        .unwrap();
    assert_eq!(raw["statusCode"], 200, "{raw}");
    show("custom-api-action", raw.to_string());

    // Errors: an unknown user, a refused scope, a client whose key the org does not know.
    let missing = okta.read_user("nobody@example.com").await.unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound);
    let narrow = Okta::builder(sandbox.okta().base_url())
        .private_key_jwt(CLIENT_ID, private_pem.as_str(), ["okta.apps.manage"])
        .build()
        .unwrap()
        .read_user(&user.id)
        .await
        .unwrap_err();
    assert_eq!(narrow.kind(), ErrorKind::Authentication);
    let (stranger_pem, _) = key_pair();
    let stranger = oauth_sandbox_client(&sandbox, &stranger_pem);
    let refused = stranger.read_user(&user.id).await.unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::Authentication, "{refused}");
    let refused_json = session
        .run("read-user", json!({ "id": "nobody@example.com" }))
        .await
        .unwrap_err();
    for error in [&missing, &narrow, &refused, &refused_json] {
        show("an error (Display)", error.to_string());
        show("an error (Debug)", format!("{error:?}"));
        show("an error (JSON)", error.to_json().to_string());
    }
    show("the client (Debug)", format!("{okta:?} {stranger:?}"));

    let tokens = sandbox.okta().issued_access_tokens();
    let assertions = sandbox.okta().received_client_assertions();
    // The flow really spent several of each (a test that finds none proves nothing).
    assert!(tokens.len() >= 4, "{} access tokens", tokens.len());
    assert!(assertions.len() >= 6, "{} assertions", assertions.len());
    let key_lines: Vec<String> = [&private_pem, &stranger_pem]
        .into_iter()
        .flat_map(|pem| pem.lines().filter(|l| !l.starts_with("-----")))
        .map(str::to_owned)
        .collect();
    let secrets: Vec<String> = tokens
        .into_iter()
        .chain(assertions)
        .chain(key_lines)
        .collect();

    let text = logs.text();
    assert!(
        text.contains("requesting an access token") && text.contains("TRACE"),
        "the capture does not see the pipeline:\n{text}"
    );
    assert_no_secret("the TRACE logs", &text, &secrets);
    for (what, text) in &shown {
        assert_no_secret(what, text, &secrets);
    }
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_runs_with_an_oauth_app_show_no_assertion_and_no_access_token() {
    let sandbox = common::sandbox().await;
    let (private_pem, public_pem) = key_pair();
    sandbox
        .okta()
        .register_oauth_client(CLIENT_ID, &public_pem, &SCOPES)
        .unwrap();
    let user = sandbox
        .okta()
        .add_user(
            json!({"login": "ada@example.com", "email": "ada@example.com",
                         "firstName": "Ada", "lastName": "Lovelace", "role": "Support"}),
        )
        .unwrap();
    let user_id = user["id"].as_str().unwrap().to_owned();
    let base = sandbox.okta().base_url();
    let run = move |args: Vec<String>| {
        let (base, pem) = (base.clone(), private_pem.clone());
        tokio::task::spawn_blocking(move || -> Output {
            Command::new(env!("CARGO_BIN_EXE_connector"))
                .args(&args)
                .env_clear()
                .env("CONNECTOR_LOG", "trace")
                .env("OKTA_ORG_URL", base)
                .env("OKTA_CLIENT_ID", CLIENT_ID)
                .env("OKTA_PRIVATE_KEY", pem)
                .output()
                .expect("the connector binary runs")
        })
    };
    let args = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let roles_input = json!({ "userId": user_id }).to_string();
    let ok = run(args(&[
        "run",
        "okta",
        "add-user-to-admin-role",
        "--input",
        &roles_input,
    ]))
    .await
    .unwrap();
    let missing = run(args(&[
        "run",
        "okta",
        "read-user",
        "--input",
        r#"{"id":"nobody@example.com"}"#,
    ]))
    .await
    .unwrap();
    let dry = run(args(&[
        "run",
        "okta",
        "list-user-roles",
        "--input",
        &roles_input,
        "--dry-run",
    ]))
    .await
    .unwrap();
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert_eq!(
        missing.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&missing.stderr)
    );
    assert_eq!(
        dry.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&dry.stderr)
    );
    assert_eq!(
        sandbox.okta().user_role_types(&user_id),
        Some(vec!["HELP_DESK_ADMIN".to_owned()])
    );

    let tokens = sandbox.okta().issued_access_tokens();
    let assertions = sandbox.okta().received_client_assertions();
    // One token per process that sent anything; the dry run asks for none.
    assert_eq!((tokens.len(), assertions.len()), (2, 2));
    let secrets: Vec<String> = tokens.into_iter().chain(assertions).collect();
    for (name, output) in [("run", &ok), ("an error", &missing), ("--dry-run", &dry)] {
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        if name != "--dry-run" {
            assert!(
                stderr.contains("TRACE"),
                "{name}: no trace lines:\n{stderr}"
            );
        }
        assert_no_secret(&format!("{name}'s stdout"), &stdout, &secrets);
        assert_no_secret(&format!("{name}'s stderr"), &stderr, &secrets);
    }
    let dry: Value = serde_json::from_slice(&dry.stdout).unwrap();
    assert_eq!(
        dry["requests"][0]["headers"]["authorization"], "Bearer ****",
        "{dry}"
    );
    sandbox.shutdown().await;
}
