//! `connector serve`'s wiring: the flows (files, or the template built in), the cards they
//! call (the registry's connectors, on the environment's connections), the store and the
//! credential check, handed to the runtime (`connector-runtime`), which holds the logic:
//! durable intake of event-hook deliveries, workers, retries, Flow History and metrics.

use std::sync::Arc;

use connector_core::secrecy::SecretString;
use connector_core::{Env, Error};
use connector_okta::Okta;
use connector_runtime::flows::{Catalog, Diagnostic, Flow, validate};
use connector_runtime::{CredentialCheck, Flows, RuntimeConfig, Service, Store};

use connector_runtime::cards::Cards;

use crate::TEMPLATE_FLOW;

pub use connector_runtime::intake::{MAX_BODY_BYTES, router};

/// The variable that holds the Okta credential in `env`, for messages.
pub fn okta_credential_variable(env: &Env) -> &'static str {
    for name in ["OKTA_API_TOKEN", "OKTA_CLIENT_TOKEN"] {
        if env.get(name).is_some() {
            return name;
        }
    }
    "OKTA_CLIENT_ID and OKTA_PRIVATE_KEY"
}

/// The secrets `serve` reads from the environment: those the loaded triggers need, and
/// the admin token (optional).
#[derive(Debug)]
#[non_exhaustive]
pub struct Secrets {
    /// `OKTA_EVENT_HOOK_SECRET`, set when an `okta_event` flow is loaded (else empty: the
    /// hook route is not mounted).
    pub hook: SecretString,
    /// `CONNECTOR_INVOKE_TOKEN`, set when an `http` flow is loaded.
    pub invoke: Option<SecretString>,
    /// `CONNECTOR_ADMIN_TOKEN`, if set.
    pub admin: Option<SecretString>,
}

/// Reads the secrets the triggers of `flows` need (each one required) and the admin token.
pub fn secrets(env: &Env, flows: &[Flow]) -> Result<Secrets, Error> {
    let get = |name: &str| {
        env.get(name)
            .filter(|v| !v.trim().is_empty())
            .map(|v| SecretString::from(v.to_owned()))
    };
    let mut secrets = Secrets {
        hook: SecretString::from(String::new()),
        invoke: None,
        admin: get("CONNECTOR_ADMIN_TOKEN"),
    };
    for needed in connector_runtime::triggers::secrets(flows) {
        let Some(value) = get(needed.variable) else {
            let users: Vec<&str> = flows
                .iter()
                .filter(|f| {
                    connector_runtime::triggers::of(&f.def.trigger)
                        .secrets()
                        .contains(&needed)
                        || (needed.variable == connector_runtime::signals::SECRET.variable
                            && connector_runtime::signals::has_signal_wait(f))
                })
                .map(Flow::name)
                .collect();
            return Err(Error::configuration(format!(
                "set {} ({}): {} needs it",
                needed.variable,
                needed.purpose,
                users.join(", ")
            )));
        };
        match needed.variable {
            "CONNECTOR_INVOKE_TOKEN" => secrets.invoke = Some(value),
            _ => secrets.hook = value,
        }
    }
    Ok(secrets)
}

/// The credential check for an Okta org: `GET /api/v1/users?limit=1`.
pub fn okta_credential_check(okta: Okta) -> CredentialCheck {
    Arc::new(move || {
        let okta = okta.clone();
        Box::pin(async move {
            let input = connector_core::custom::CustomApiInput {
                method: Some("GET".to_owned()),
                relative_url: Some("/api/v1/users?limit=1".to_owned()),
                ..connector_core::custom::CustomApiInput::default()
            };
            connector_core::custom_api_call(okta.connection(), &input, None)
                .await
                .map(|_| ())
        })
    })
}

/// The template flow, validated against `cards`.
pub fn template(cards: &dyn Catalog) -> Result<Flow, Vec<Diagnostic>> {
    let (file, text) = TEMPLATE_FLOW;
    validate(&format!("(built in) {file}"), text, cards)
}

/// Whether any of `flows` calls an Okta card (in a block, or in a `for_each`, too).
pub fn uses_okta(flows: &[Flow]) -> bool {
    flows.iter().any(|flow| {
        flow.program.all_steps().into_iter().any(|s| {
            connector_runtime::flows::card_of(&s.kind).is_some_and(|c| c.starts_with("okta."))
        })
    })
}

/// A runtime running `flows` over `store`, with the cards of the registry on `env`'s
/// connections, checking the Okta credential with one cheap call when a flow uses Okta.
pub fn service(
    flows: Vec<Flow>,
    cards: Arc<Cards>,
    env: &Env,
    store: Store,
    config: RuntimeConfig,
) -> Result<Service, Error> {
    let check = if uses_okta(&flows) {
        Some(okta_credential_check(Okta::from_env(env)?))
    } else {
        None
    };
    let mut set = Flows::new(cards);
    for flow in flows {
        set = set.with(flow);
    }
    let service = Service::new(store, set, config);
    Ok(match check {
        Some(check) => service.with_credential_check(check),
        None => service,
    })
}
