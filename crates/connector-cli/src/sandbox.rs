//! `connector sandbox`: both emulators on 127.0.0.1 until Ctrl-C.

use std::process::ExitCode;

use connector_core::Error;
use connector_sandbox::{Sandbox, SandboxConfig};

pub(crate) async fn serve(okta_port: u16, boards_port: u16) -> ExitCode {
    let config = SandboxConfig::new()
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
    println!("# The sandbox is serving. Paste these lines into another shell:");
    println!("{}", sandbox.env_exports());
    println!(
        "# Then, for example: connector run okta search-users --input '{{\"search\":\"status eq \\\"ACTIVE\\\"\"}}'"
    );
    println!(
        "# Fault injection and limits: {}/__sandbox/ and {}/__sandbox/ (see the connector-sandbox README).",
        sandbox.okta().base_url(),
        sandbox.boards().base_url()
    );
    println!("# Ctrl-C stops it.");
    if let Err(e) = tokio::signal::ctrl_c().await {
        eprintln!("cannot wait for Ctrl-C ({e}); stopping");
    }
    sandbox.shutdown().await;
    ExitCode::SUCCESS
}
