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

/// The run's key: the moment it was asked for (`manual-<ms since the epoch>`).
pub fn key(now_ms: i64) -> String {
    format!("manual-{now_ms}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_run_is_keyed_on_its_moment_and_needs_nothing() {
        assert_eq!(key(1_796_625_120_000), "manual-1796625120000");
        assert!(Manual.secrets().is_empty());
        assert!(Manual.routes().is_none());
    }
}
