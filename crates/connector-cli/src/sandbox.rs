//! `connector sandbox`: both emulators on 127.0.0.1 until Ctrl-C.

use std::process::ExitCode;

use connector_core::Error;
use connector_sandbox::{Sandbox, SandboxConfig};

/// Fixes the Okta emulator's API token (default: `00` + 40 random characters per run).
pub(crate) const OKTA_TOKEN_VAR: &str = "CONNECTOR_SANDBOX_OKTA_TOKEN";
/// Fixes the boards emulator's API token (default: `boards-sandbox-token`).
pub(crate) const BOARDS_TOKEN_VAR: &str = "CONNECTOR_SANDBOX_BOARDS_TOKEN";

/// The sandbox's settings for `connector sandbox` and `connector demo`: the defaults, with
/// the API tokens taken from [`OKTA_TOKEN_VAR`] and [`BOARDS_TOKEN_VAR`] when they are set,
/// so that a script (or the test that greps the demo's logs for secrets) knows them.
pub(crate) fn config_from_env() -> SandboxConfig {
    let mut config = SandboxConfig::new();
    let var = |name| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    if let Some(token) = var(OKTA_TOKEN_VAR) {
        config.okta = config.okta.with_api_token(token);
    }
    if let Some(token) = var(BOARDS_TOKEN_VAR) {
        config.boards.token = token;
    }
    config
}

pub(crate) async fn serve(
    okta_port: u16,
    boards_port: u16,
    event_hook: Option<connector_sandbox::okta::EventHook>,
) -> ExitCode {
    let mut config = config_from_env();
    if let Some(hook) = event_hook {
        outln!(
            "# Users created through the API are announced to the event hook {}",
            hook.url
        );
        config.okta = config.okta.with_event_hook(hook);
    }
    let config = config
        .with_okta_port(okta_port)
        .with_boards_port(boards_port);
    let sandbox = match Sandbox::start(config).await {
        Ok(s) => s,
        Err(e) => {
            return crate::fail(&Error::configuration(format!(
                "cannot start the sandbox: {e}; choose other ports with --okta-port and --boards-port"
            )));
        }
    };
    // Listening for Ctrl-C before saying so: a signal right after the line stops it cleanly.
    let stop = stop_signal();
    outln!("# The sandbox is serving. Paste these lines into another shell:");
    outln!("{}", sandbox.env_exports());
    outln!(
        "# Then, for example: connector run okta search-users --input '{{\"search\":\"status eq \\\"ACTIVE\\\"\"}}'"
    );
    outln!(
        "# Fault injection and limits: {}/__sandbox/ and {}/__sandbox/ (see the connector-sandbox README).",
        sandbox.okta().base_url(),
        sandbox.boards().base_url()
    );
    outln!("# Ctrl-C stops it.");
    if let Err(e) = stop.await {
        errln!("cannot wait for Ctrl-C ({e}); stopping");
    }
    sandbox.shutdown().await;
    ExitCode::SUCCESS
}

/// Ctrl-C (SIGINT) or SIGTERM, listened for from the moment this returns.
fn stop_signal() -> impl std::future::Future<Output = std::io::Result<()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let interrupt = signal(SignalKind::interrupt());
        let terminate = signal(SignalKind::terminate());
        async move {
            let (mut interrupt, mut terminate) = (interrupt?, terminate?);
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = terminate.recv() => {}
            }
            Ok(())
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c()
    }
}
