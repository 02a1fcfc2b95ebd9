//! Named connections from a connections file: a flow that copies a user from one org to
//! another (two sandboxes) through two connections, `run --connection`, and the file's
//! mistakes refused without echoing a secret.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use connector_sandbox::{Sandbox, SandboxConfig};
use serde_json::{Value, json};

const COPY: &str = r#"
name: copy-user
trigger: { manual: {} }
subject: "{{ event.login }}"
steps:
  - id: source
    card: okta.read-user
    connection: staging
    input: { id: "{{ event.login }}" }
  - id: copy
    card: okta.create-user
    connection: prod
    input:
      profile:
        login: "{{ steps.source.output.profile.login }}"
        email: "{{ steps.source.output.profile.email }}"
        firstName: "{{ steps.source.output.profile.firstName }}"
        lastName: "{{ steps.source.output.profile.lastName }}"
      activate: false
  - id: done
    return: { outcome: copied, output: { id: "{{ steps.copy.output.id }}" } }
"#;

fn connector(args: &[&str], envs: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_connector"))
        .args(args)
        .env_clear()
        .envs(envs.iter().copied())
        .stdin(Stdio::null())
        .output()
        .expect("the connector binary runs")
}

struct Files {
    _keep: crate::serve_support::TempDir,
    dir: PathBuf,
}

impl Files {
    fn new() -> Files {
        let keep = crate::serve_support::TempDir::new("conn");
        let dir = keep.path().to_owned();
        Files { _keep: keep, dir }
    }

    fn write(&self, name: &str, text: &str) -> String {
        let path = self.dir.join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_flow_copies_a_user_from_one_org_to_another_through_two_named_connections() {
    let (staging, prod) = (
        Sandbox::start(SandboxConfig::new()).await.unwrap(),
        Sandbox::start(SandboxConfig::new()).await.unwrap(),
    );
    staging
        .okta()
        .add_user(json!({"login": "ada@example.com", "email": "ada@example.com", "firstName": "Ada", "lastName": "Lovelace"}))
        .unwrap();
    let files = Files::new();
    let prod_token = files.write("prod-token", &format!("{}\n", prod.okta().api_token()));
    let config = files.write(
        "connector.toml",
        &format!(
            "[connections.staging]\nconnector = \"okta\"\norg_url = \"{}\"\napi_token = {{ env = \"STAGING_TOKEN\" }}\n\n\
             [connections.prod]\nconnector = \"okta\"\norg_url = \"{}\"\napi_token = {{ file = \"{prod_token}\" }}\n",
            staging.okta().base_url(),
            prod.okta().base_url()
        ),
    );
    let flow = files.write("copy.yaml", COPY);
    let env = [("STAGING_TOKEN", staging.okta().api_token())];

    let out = connector(&["flow", "validate", &flow, "--config", &config], &env);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = connector(
        &[
            "flow",
            "run",
            &flow,
            "--config",
            &config,
            "--event",
            r#"{"login":"ada@example.com"}"#,
        ],
        &env,
    );
    let run: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{run} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(run["outcome"], "copied", "{run}");
    let copied = prod
        .okta()
        .user("ada@example.com")
        .expect("the user is in prod");
    assert_eq!(copied["profile"]["lastName"], "Lovelace");
    assert!(staging.okta().user("ada@example.com").is_some());
    assert_eq!(
        staging.okta().user_count(),
        1,
        "nothing was created in staging"
    );

    // One action on a named connection.
    let out = connector(
        &[
            "run",
            "okta",
            "read-user",
            "--connection",
            "prod",
            "--config",
            &config,
            "--input",
            r#"{"id":"ada@example.com"}"#,
        ],
        &env,
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let user: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(user["id"], copied["id"]);
    // CONNECTOR_CONFIG names the file too.
    let out = connector(
        &[
            "run",
            "okta",
            "read-user",
            "--connection",
            "staging",
            "--input",
            r#"{"id":"ada@example.com"}"#,
        ],
        &[
            ("STAGING_TOKEN", staging.okta().api_token()),
            ("CONNECTOR_CONFIG", &config),
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!all.contains(staging.okta().api_token()) && !all.contains(prod.okta().api_token()));
}

#[test]
fn the_connections_files_mistakes_are_refused_naming_the_key_never_a_secret() {
    let files = Files::new();
    let inline = files.write(
        "inline.toml",
        "[connections.prod]\nconnector = \"okta\"\norg_url = \"https://acme.okta.com\"\napi_token = \"00inline-secret-9f\"\n",
    );
    let flow = files.write("copy.yaml", COPY);
    for args in [
        vec![
            "flow",
            "validate",
            flow.as_str(),
            "--config",
            inline.as_str(),
        ],
        vec![
            "run",
            "okta",
            "read-user",
            "--connection",
            "prod",
            "--config",
            inline.as_str(),
            "--input",
            r#"{"id":"x"}"#,
        ],
    ] {
        let out = connector(&args, &[]);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("connections.prod.api_token is a secret"),
            "{stderr}"
        );
        assert!(!stderr.contains("00inline-secret-9f"), "{stderr}");
    }
    // A flow naming a connection the file does not have, or one for another connector.
    let other = files.write(
        "other.toml",
        "[connections.staging]\nconnector = \"boards\"\napi_token = { env = \"HOME\" }\n",
    );
    let out = connector(
        &["flow", "validate", &flow, "--config", &other],
        &[("HOME", "/root")],
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("the connection \"staging\" is for boards, not okta"),
        "{stderr}"
    );
    assert!(stderr.contains("no connection named \"prod\""), "{stderr}");
}
