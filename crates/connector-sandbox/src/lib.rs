//! Stateful, in-process emulators of the Okta management API and the boards service
//! (monday.com's GraphQL API), served on 127.0.0.1 with the services' rate limits and
//! with fault injection: like LocalStack, but with state, limits and failures you drive.
//!
//! - [`OktaEmulator`]: users (create, read by id or login, search, `Link` pagination),
//!   admin role assignments, `SSWS` and OAuth 2.0 `private_key_jwt` bearer tokens,
//!   per-bucket `X-Rate-Limit-*` headers and 429 `E0000047`, a concurrency limit.
//!   See the [`okta`] module.
//! - [`BoardsEmulator`]: the GraphQL endpoint `POST /v2` of the [`boards`] module,
//!   with its complexity budget, behind the same fault layer.
//! - [`Sandbox`]: both at once, as `connector sandbox`, `connector demo` and the
//!   end-to-end tests use them.
//!
//! Faults ([`FaultRule`]: status, delay, dropped connection before or after the service
//! acts) apply to the next N matching requests. Every knob is a method on the emulator
//! handles and an admin endpoint under `/__sandbox/` (no token; the emulators only
//! listen on loopback): `GET|POST|DELETE /__sandbox/faults`, `GET /__sandbox/stats`,
//! `POST /__sandbox/reset`, and for Okta `GET|POST /__sandbox/limits`,
//! `POST /__sandbox/seed/users`, `POST /__sandbox/oauth/clients`. Bodies over 1 MiB get
//! 413; malformed ones 400.
//!
//! ```
//! use connector_sandbox::{Fault, FaultRule, Sandbox, SandboxConfig};
//! use serde_json::json;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let sandbox = Sandbox::start(SandboxConfig::default()).await?;
//! let okta = sandbox.okta();
//! okta.add_user(json!({
//!     "login": "ada@example.com", "email": "ada@example.com",
//!     "firstName": "Ada", "lastName": "Lovelace", "role": "Support",
//! }))?;
//!
//! // The next read fails with 503, the one after succeeds.
//! okta.faults().push(FaultRule::new(Fault::status(503)).path_prefix("/api/v1/users/"));
//! let http = reqwest::Client::new();
//! let url = format!("{}/api/v1/users/ada@example.com", okta.base_url());
//! let auth = format!("SSWS {}", okta.api_token());
//! let first = http.get(&url).header("Authorization", &auth).send().await?;
//! assert_eq!(first.status(), 503);
//! let second = http.get(&url).header("Authorization", &auth).send().await?;
//! assert_eq!(second.status(), 200);
//! assert!(second.headers().contains_key("x-rate-limit-remaining"));
//!
//! println!("{}", sandbox.env_exports());
//! sandbox.shutdown().await;
//! # Ok(())
//! # }
//! ```

mod admin;
pub mod boards;
mod boards_emulator;
mod faults;
pub mod okta;
mod server;
mod util;

use std::io;

pub use boards_emulator::BoardsEmulator;
pub use faults::{Fault, FaultRule, Faults, PathMatch};
pub use okta::{Bucket, BucketStats, OktaConfig, OktaEmulator, OktaStats, SeededUsers, UserSeed};

/// The HTTP method type [`FaultRule::method`] takes (the `http` crate's, as in axum and reqwest).
pub use axum::http::Method;

/// Errors from the in-process knobs (the HTTP admin endpoints answer 400 instead).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SandboxError {
    /// A public key that is neither RSA nor EC in PEM.
    #[error("invalid public key: {0}")]
    InvalidKey(String),
    /// A user that cannot be added (no login, login taken).
    #[error("invalid user: {0}")]
    InvalidUser(String),
}

/// Settings of a [`Sandbox`]. `Default`: both emulators with their defaults, on random
/// free ports.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct SandboxConfig {
    /// The Okta emulator's settings.
    pub okta: OktaConfig,
    /// The boards emulator's settings.
    pub boards: boards::BoardsConfig,
    /// Port of the Okta emulator on 127.0.0.1 (0: a random free port).
    pub okta_port: u16,
    /// Port of the boards emulator on 127.0.0.1 (0: a random free port).
    pub boards_port: u16,
}

impl SandboxConfig {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Okta emulator settings.
    pub fn with_okta(mut self, okta: OktaConfig) -> Self {
        self.okta = okta;
        self
    }

    /// Boards emulator settings.
    pub fn with_boards(mut self, boards: boards::BoardsConfig) -> Self {
        self.boards = boards;
        self
    }

    /// Port of the Okta emulator (0: random).
    pub fn with_okta_port(mut self, port: u16) -> Self {
        self.okta_port = port;
        self
    }

    /// Port of the boards emulator (0: random).
    pub fn with_boards_port(mut self, port: u16) -> Self {
        self.boards_port = port;
        self
    }
}

/// Both emulators, running. Dropping it stops them.
#[derive(Debug)]
pub struct Sandbox {
    okta: OktaEmulator,
    boards: BoardsEmulator,
}

impl Sandbox {
    /// Starts both emulators on 127.0.0.1.
    pub async fn start(config: SandboxConfig) -> io::Result<Sandbox> {
        let okta = OktaEmulator::start(config.okta, config.okta_port).await?;
        let boards = BoardsEmulator::start(config.boards, config.boards_port).await?;
        Ok(Sandbox { okta, boards })
    }

    /// The Okta emulator.
    pub fn okta(&self) -> &OktaEmulator {
        &self.okta
    }

    /// The boards emulator.
    pub fn boards(&self) -> &BoardsEmulator {
        &self.boards
    }

    /// Shell lines that point the connectors (and the `connector` CLI) at the sandbox:
    ///
    /// ```text
    /// export OKTA_ORG_URL=http://127.0.0.1:PORT OKTA_API_TOKEN=00...
    /// export BOARDS_API_URL=http://127.0.0.1:PORT/v2 BOARDS_API_TOKEN=...
    /// ```
    pub fn env_exports(&self) -> String {
        use util::shell_quote as q;
        format!(
            "export OKTA_ORG_URL={} OKTA_API_TOKEN={}\nexport BOARDS_API_URL={} BOARDS_API_TOKEN={}",
            q(&self.okta.base_url()),
            q(self.okta.api_token()),
            q(&self.boards.api_url()),
            q(&self.boards.api_token()),
        )
    }

    /// Stops both emulators and closes their connections.
    pub async fn shutdown(self) {
        self.okta.shutdown().await;
        self.boards.shutdown().await;
    }
}
