//! The `manual` trigger: a flow that only `connector flow run` starts. `serve` loads it
//! (its history stays readable) but never starts it: no route, no chore, no secret.

use super::Trigger;

/// `connector flow run` only.
#[derive(Clone, Copy, Debug)]
pub struct Manual;

impl Trigger for Manual {
    fn kind(&self) -> &'static str {
        "manual"
    }
}

/// A new run's key (`manual-<uuid>`): every `flow run` is a run of its own, even two
/// asked for in the same millisecond on one store.
pub fn key() -> String {
    format!("manual-{}", uuid::Uuid::new_v4().simple())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_manual_run_has_a_key_of_its_own_and_needs_nothing() {
        let (a, b) = (key(), key());
        assert!(a.starts_with("manual-") && b.starts_with("manual-"));
        assert_ne!(a, b);
        assert!(Manual.secrets().is_empty());
        assert!(Manual.routes().is_none());
    }
}
