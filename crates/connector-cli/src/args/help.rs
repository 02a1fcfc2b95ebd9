//! The examples at the end of each command's `--help`. Every line that starts with `$ `
//! runs as written against the sandbox (`connector sandbox` prints the variables to set;
//! paths are from the repository's root); a test runs them all.

/// `connector list`.
pub const LIST: &str = "\
Examples:
  $ connector list
  $ connector list -o json
  $ connector list -o table --fields connector,action";

/// `connector describe`.
pub const DESCRIBE: &str = "\
Examples:
  $ connector describe okta
  $ connector describe okta create-user
  $ connector describe okta create-user --json
  $ connector describe boards create-board --example | connector run boards create-board --input - --dry-run";

/// `connector run`.
pub const RUN: &str = "\
Examples:
  $ connector run okta create-user --input '{\"profile\":{\"login\":\"ada@example.com\",\"email\":\"ada@example.com\",\"firstName\":\"Ada\",\"lastName\":\"Lovelace\",\"role\":\"Support\"}}'
  $ connector run okta search-users --input '{\"search\":\"profile.role eq \\\"Support\\\"\"}' --fields id,status,profile.login
  $ connector run boards search-users --input '{\"name\":\"ada\"}' -o table
  $ connector run okta create-user --input '{\"profile\":{\"login\":\"grace@example.com\"}}' --dry-run";

/// `connector sandbox`.
pub const SANDBOX: &str = "\
Examples:
  $ connector sandbox
  $ CONNECTOR_SANDBOX_OKTA_TOKEN=00sandbox connector sandbox --okta-port 0 --boards-port 0
  $ connector sandbox --event-hook http://127.0.0.1:8080/okta/event-hook --event-hook-secret change-me";

/// `connector demo`.
pub const DEMO: &str = "\
Examples:
  $ connector demo
  $ CONNECTOR_LOG=info connector demo";

/// `connector serve`.
pub const SERVE: &str = "\
Examples:
  $ OKTA_EVENT_HOOK_SECRET=change-me connector serve
  $ OKTA_EVENT_HOOK_SECRET=change-me CONNECTOR_INVOKE_TOKEN=change-me-too connector serve --flows crates/connector-cli/flows/examples --store sqlite://flows.db --workers 8

Then open http://127.0.0.1:9090/ for the Flow History.";

/// `connector history`.
pub const HISTORY: &str = "\
Examples:
  $ connector history
  $ connector history --state deadLettered --limit 5
  $ connector history -o table --fields runId,flow,state,outcome
  $ connector history --state waiting";

/// `connector completion`.
pub const COMPLETION: &str = "\
Examples:
  $ source <(connector completion bash)
  $ connector completion zsh > _connector
  $ connector completion fish > connector.fish";

/// `connector flow`.
pub const FLOW: &str = "\
Examples:
  $ connector flow validate crates/connector-cli/flows/examples
  $ connector flow run crates/connector-cli/flows/examples/grant-help-desk-to-support.yaml --store sqlite://connector.db
  $ connector flow disable grant-help-desk-to-support --store sqlite://connector.db
  $ connector flow enable grant-help-desk-to-support --store sqlite://connector.db";

/// `connector table`.
pub const TABLE: &str = "\
Examples:
  $ connector flow run crates/connector-cli/flows/examples/record-temporary-access.yaml --store sqlite://connector.db --event '{\"login\":\"ada@example.com\",\"groupId\":\"00g-temporary-admins\",\"until\":\"2026-12-31T18:00:00Z\"}'
  $ connector table list --store sqlite://connector.db
  $ connector table show temporary-memberships --where '{\"expires_at\":{\"lt\":\"2027-01-01T00:00:00Z\"}}'
  $ connector table export temporary-memberships";

/// `connector flow validate`.
pub const FLOW_VALIDATE: &str = "\
Examples:
  $ connector flow validate crates/connector-cli/flows/examples
  $ connector flow validate crates/connector-cli/flows/add-user-to-admin-role.yaml crates/connector-cli/flows/examples/offboard-deactivated-user.yaml";

/// `connector flow list`.
pub const FLOW_LIST: &str = "\
Examples:
  $ connector flow list
  $ connector flow list --flows crates/connector-cli/flows/examples -o table --fields name,description";

/// `connector flow run`.
pub const FLOW_RUN: &str = "\
Examples:
  $ connector flow run crates/connector-cli/flows/examples/grant-help-desk-to-support.yaml --dry-run
  $ connector flow run crates/connector-cli/flows/examples/grant-help-desk-to-support.yaml --store sqlite://connector.db
  $ connector flow run crates/connector-cli/flows/add-user-to-admin-role.yaml --event '{\"target\":[{\"id\":\"ada@example.com\",\"alternateId\":\"ada@example.com\"}]}'
  $ connector flow run crates/connector-cli/flows/examples/grant-help-desk-to-logins.yaml crates/connector-cli/flows/examples/grant-help-desk-to-one.yaml --event '{\"logins\":[\"ada@example.com\",\"nobody@example.com\"]}'";

/// `connector flow import`.
pub const FLOW_IMPORT: &str = "\
Examples:
  $ connector flow import crates/flow-import/tests/exports/intro-custom-api-actions.flopack --out imported-flows
  $ connector flow validate imported-flows
  $ connector flow import crates/flow-import/tests/exports/intro-custom-api-actions.flopack --out imported-flows --json
  $ connector flow import --coverage crates/flow-import/tests/exports";
