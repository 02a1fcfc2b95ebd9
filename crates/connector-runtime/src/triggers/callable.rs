//! The `callable` trigger: a helper flow, run by another flow's `call` step (inside the
//! caller's run) or `spawn` step (as a run of its own). It has no route, no chore and no
//! secret: nothing outside the flows starts it. Its optional `input` is a JSON Schema the
//! input of every call and spawn must match, checked before any of its steps runs.

use serde_json::Value;

use super::{Check, Trigger};
use crate::flows::model::Trigger as Settings;

/// Run by `call` and `spawn` only.
#[derive(Clone, Copy, Debug)]
pub struct Callable;

impl Trigger for Callable {
    fn kind(&self) -> &'static str {
        "callable"
    }

    fn check(&self, settings: &Value) -> Vec<Check> {
        let Some(schema) = settings.get("input") else {
            return Vec::new();
        };
        match jsonschema::validator_for(schema) {
            Ok(_) => Vec::new(),
            Err(e) => vec![Check::Invalid {
                at: "/trigger/callable/input".to_owned(),
                message: format!("the input schema is not a valid JSON Schema: {e}"),
            }],
        }
    }
}

/// The input schema of a callable flow's trigger, if it gives one.
pub fn input_schema(settings: &Settings) -> Option<&Value> {
    match settings {
        Settings::Callable(callable) => callable.input.as_ref(),
        Settings::OktaEvent(_)
        | Settings::Schedule(_)
        | Settings::Http(_)
        | Settings::Manual(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_callable_flow_needs_nothing_and_its_schema_must_compile() {
        assert!(Callable.secrets().is_empty());
        assert!(Callable.routes().is_none());
        assert!(Callable.check(&serde_json::json!({})).is_empty());
        let good = serde_json::json!({"input": {"type": "object", "required": ["login"]}});
        assert!(Callable.check(&good).is_empty());
        let bad = serde_json::json!({"input": {"type": 12}});
        match Callable.check(&bad).as_slice() {
            [Check::Invalid { at, .. }] => assert_eq!(at, "/trigger/callable/input"),
            other => panic!("{other:?}"),
        }
    }
}
