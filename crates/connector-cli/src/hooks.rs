//! `connector serve`'s wiring: the Okta connection, the store and the help-desk flow handed
//! to the runtime (`connector-runtime`), which holds the logic: durable intake of event-hook
//! deliveries, workers, retries, Flow History and metrics.

use connector_core::secrecy::SecretString;
use connector_core::{Env, Error};
use connector_okta::Okta;
use connector_runtime::{
    Flows, HelpDeskFlow, RuntimeConfig, Service, Store, okta_credential_check,
};

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

/// The hook's secret and the admin token from the environment.
pub fn secrets(env: &Env) -> Result<(SecretString, Option<SecretString>), Error> {
    let secret = env
        .require(
            "OKTA_EVENT_HOOK_SECRET",
            "the Authorization value configured on the Okta event hook",
        )?
        .to_owned();
    let admin = env
        .get("CONNECTOR_ADMIN_TOKEN")
        .filter(|t| !t.trim().is_empty())
        .map(|t| SecretString::from(t.to_owned()));
    Ok((SecretString::from(secret), admin))
}

/// A runtime running the help-desk template on `okta` over `store`, checking the
/// credential with one cheap call.
pub fn service(okta: Okta, store: Store, config: RuntimeConfig) -> Service {
    let flows = Flows::new().with(HelpDeskFlow::new(okta.clone()));
    Service::new(store, flows, config).with_credential_check(okta_credential_check(okta))
}
