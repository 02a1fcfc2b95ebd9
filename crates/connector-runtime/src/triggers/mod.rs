//! Triggers: what starts a run. Each kind is one module behind one trait, [`Trigger`]:
//! the checks of its settings, its routes on the hook listener or its chore in the
//! background, the secrets it needs, and (in the module) how it keys a run so that the
//! store starts it once ([`Store::enqueue_once`](crate::Store::enqueue_once)).
//!
//! | kind         | starts a run on                       | keyed on                   | needs                    |
//! |--------------|---------------------------------------|----------------------------|--------------------------|
//! | `okta_event` | `POST /okta/event-hook`               | the event's `uuid`         | `OKTA_EVENT_HOOK_SECRET` |
//! | `schedule`   | a chore polling the clock             | the cron instant (UTC, s)  | nothing                  |
//! | `http`       | `POST /flows/{name}/runs`             | `Idempotency-Key` or fresh | `CONNECTOR_INVOKE_TOKEN` |
//! | `manual`     | `connector flow run` only             | the moment it is asked     | nothing                  |
//! | `callable`   | another flow's `call` or `spawn`      | (run, step, item) of spawn | nothing                  |
//!
//! Adding a kind: a variant in [`flows::model::Trigger`](crate::flows::model::Trigger)
//! (its settings, the schema editors use), a module here implementing [`Trigger`], and
//! its arm in [`of`]: the `match` there has no wildcard, so the compiler points at it.

pub mod callable;
pub mod http;
pub mod manual;
pub mod okta_event;
mod okta_event_types;
pub mod schedule;

use std::future::Future;
use std::pin::Pin;

use axum::Router;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::config::RuntimeConfig;
use crate::flow::Flows;
use crate::flows::Flow;
use crate::flows::model::Trigger as Settings;
use crate::service::Service;

/// A background task of a trigger, run until its token is cancelled.
pub type Chore = Pin<Box<dyn Future<Output = ()> + Send>>;

/// A secret `connector serve` reads from the environment for a trigger.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Secret {
    /// The environment variable (`OKTA_EVENT_HOOK_SECRET`).
    pub variable: &'static str,
    /// What it is, for the message when it is missing.
    pub purpose: &'static str,
}

/// A problem (or an expression to check) in a trigger's settings, found by its kind
/// before the flow file is typed; `at` is a JSON pointer into the file.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Check {
    /// The value at `at` is wrong: `message` says how.
    Invalid {
        /// Where (`/trigger/schedule/cron`).
        at: String,
        /// What is wrong.
        message: String,
    },
    /// The value at `at` is a bare expression over `event`, checked as the flow's others.
    Expression {
        /// Where (`/trigger/okta_event/filter`).
        at: String,
        /// The expression.
        text: String,
    },
}

/// One kind of trigger.
pub trait Trigger: Send + Sync + 'static {
    /// Its key under `trigger:` in a flow file (`okta_event`).
    fn kind(&self) -> &'static str;

    /// The checks of its settings (the value under `trigger.<kind>`), beyond their shape.
    fn check(&self, settings: &Value) -> Vec<Check> {
        let _ = settings;
        Vec::new()
    }

    /// The secrets `connector serve` needs when a loaded flow has this trigger.
    fn secrets(&self) -> &'static [Secret] {
        &[]
    }

    /// Why the runtime cannot start with this trigger loaded (a secret it needs is not
    /// set); `None` when it can.
    fn missing(&self, config: &RuntimeConfig) -> Option<String> {
        let _ = config;
        None
    }

    /// Its routes on the hook listener.
    fn routes(&self) -> Option<Router<Service>> {
        None
    }

    /// Its background chore, which ends when `stop` is cancelled.
    fn chore(&self, service: Service, stop: CancellationToken) -> Option<Chore> {
        let _ = (service, stop);
        None
    }
}

/// Every kind, in the order of [`flows::model::Trigger`](crate::flows::model::Trigger).
pub(crate) const KINDS: &[&dyn Trigger] = &[
    &okta_event::OktaEvent,
    &schedule::Scheduled,
    &http::Http,
    &manual::Manual,
    &callable::Callable,
];

/// The kind of a flow's trigger.
pub fn of(settings: &Settings) -> &'static dyn Trigger {
    match settings {
        Settings::OktaEvent(_) => &okta_event::OktaEvent,
        Settings::Schedule(_) => &schedule::Scheduled,
        Settings::Http(_) => &http::Http,
        Settings::Manual(_) => &manual::Manual,
        Settings::Callable(_) => &callable::Callable,
    }
}

/// The kinds the flows use, each once, in the order of the `Trigger` enum of the model.
pub fn loaded<'a>(flows: impl IntoIterator<Item = &'a Flow>) -> Vec<&'static dyn Trigger> {
    let used: Vec<&'static str> = flows
        .into_iter()
        .map(|f| of(&f.def.trigger).kind())
        .collect();
    KINDS
        .iter()
        .copied()
        .filter(|k| used.contains(&k.kind()))
        .collect()
}

/// The secrets the triggers of `flows` need, and signals when a flow waits for one, each
/// variable once.
pub fn secrets<'a>(flows: impl IntoIterator<Item = &'a Flow>) -> Vec<Secret> {
    let flows: Vec<&Flow> = flows.into_iter().collect();
    let mut all: Vec<Secret> = loaded(flows.iter().copied())
        .into_iter()
        .flat_map(|k| k.secrets().iter().copied())
        .collect();
    let signal = crate::signals::SECRET;
    if flows.iter().any(|f| crate::signals::has_signal_wait(f))
        && !all.iter().any(|s| s.variable == signal.variable)
    {
        all.push(signal);
    }
    all
}

/// The checks of a flow file's `trigger` value (`{kind: settings}`) by its kind; an
/// unknown or missing kind is the shape's to report.
pub(crate) fn check(trigger: Option<&Value>) -> Vec<Check> {
    let Some(Value::Object(map)) = trigger else {
        return Vec::new();
    };
    map.iter()
        .flat_map(|(name, settings)| {
            KINDS
                .iter()
                .filter(|k| k.kind() == name)
                .flat_map(|k| k.check(settings))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Why the runtime cannot start with `flows` on `config`; `None` when it can.
pub(crate) fn missing(flows: &Flows, config: &RuntimeConfig) -> Option<String> {
    loaded(flows.all()).iter().find_map(|k| k.missing(config))
}

/// The hook listener's trigger routes: those of the kinds the flows use.
pub(crate) fn routes(flows: &Flows) -> Router<Service> {
    loaded(flows.all())
        .iter()
        .filter_map(|k| k.routes())
        .fold(Router::new(), Router::merge)
}

/// The chores of the kinds the flows use, each ending when `stop` is cancelled.
pub(crate) fn chores(service: &Service, stop: &CancellationToken) -> Vec<Chore> {
    loaded(service.flows().all())
        .iter()
        .filter_map(|k| k.chore(service.clone(), stop.child_token()))
        .collect()
}

/// `{"error": message}` with `status`: the hook listener's answers.
pub(crate) fn problem(status: axum::http::StatusCode, message: &str) -> axum::response::Response {
    use axum::response::IntoResponse;
    (status, axum::Json(serde_json::json!({ "error": message }))).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_listed_once_under_its_own_name() {
        let names: Vec<&str> = KINDS.iter().map(|k| k.kind()).collect();
        assert_eq!(
            names,
            ["okta_event", "schedule", "http", "manual", "callable"]
        );
        let settings: Vec<Settings> = serde_json::from_value(serde_json::json!([
            {"okta_event": {"types": ["user.lifecycle.create"]}},
            {"schedule": {"cron": "* * * * *"}},
            {"http": {}},
            {"manual": {}},
            {"callable": {"input": {"type": "object"}}}
        ]))
        .unwrap();
        let kinds: Vec<&str> = settings.iter().map(|s| of(s).kind()).collect();
        assert_eq!(kinds, names);
    }

    #[test]
    fn settings_are_checked_by_their_kind_at_their_pointer() {
        let bad = serde_json::json!({"schedule": {"cron": "0 9 * *", "timezone": "UTC"}});
        match check(Some(&bad)).as_slice() {
            [Check::Invalid { at, message }] => {
                assert_eq!(at, "/trigger/schedule/cron");
                assert!(message.contains("has 4 fields"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        let filter = serde_json::json!({"okta_event": {"types": [], "filter": "event.x"}});
        assert_eq!(
            check(Some(&filter)),
            [Check::Expression {
                at: "/trigger/okta_event/filter".into(),
                text: "event.x".into()
            }]
        );
        assert!(check(Some(&serde_json::json!({"http": {}}))).is_empty());
        assert!(check(None).is_empty());
    }
}
