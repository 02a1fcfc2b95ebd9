//! Helpers shared by the end-to-end tests: a fresh sandbox and the real connectors pointed
//! at it over loopback HTTP.
// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use connector_boards::{Boards, BoardsBuilder};
use connector_okta::Okta;
use connector_sandbox::{Sandbox, SandboxConfig};

/// Both emulators with their defaults, on random free ports.
pub(crate) async fn sandbox() -> Sandbox {
    Sandbox::start(SandboxConfig::new())
        .await
        .expect("the sandbox starts on loopback")
}

/// An Okta client of the sandbox's org, with its API token and the default pipeline.
pub(crate) fn okta(sandbox: &Sandbox) -> Okta {
    Okta::builder(sandbox.okta().base_url())
        .api_token(sandbox.okta().api_token())
        .build()
        .expect("a valid Okta client")
}

/// A boards client builder pointed at the sandbox's endpoint with its token, for tests
/// that adjust the limiter before building.
pub(crate) fn boards_builder(sandbox: &Sandbox) -> BoardsBuilder {
    Boards::builder(sandbox.boards().api_token()).api_url(sandbox.boards().api_url())
}

/// The seeded login of the `n`-th generated user (`UserSeed` numbers them from 0).
pub(crate) fn seeded_login(n: usize) -> String {
    format!("user{n}@example.com")
}
