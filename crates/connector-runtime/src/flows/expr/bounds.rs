//! The budgets of one evaluation, and how a value is measured against them.
//!
//! Every value an expression builds is weighed before an operator or a filter builds
//! from it: its bytes (string lengths, 8 per other scalar and per item) and its depth.
//! Weighing walks the value with an explicit stack (never the native one), so a value
//! nested 100,000 deep is refused, not a stack overflow; and each walk is paid for from
//! the evaluation's [`WORK_BUDGET`], so no chain of operators and filters can spin for
//! long even when each step is small.

use std::cell::Cell;

use minijinja::value::ValueKind;
use minijinja::{Error, ErrorKind, Value as Mj};

/// The largest value an expression may build: 16 MiB by its weight (string bytes, and
/// 8 bytes for every other scalar and for every item of a list or map).
pub const MAX_VALUE_BYTES: u64 = 16 * 1024 * 1024;

/// How deep a value may nest (lists and maps in lists and maps), serde_json's own limit.
pub const MAX_DEPTH: usize = 128;

/// The work one evaluation may do: every operator and filter pays for weighing what it
/// reads and builds, a unit per string byte and [`NODE_COST`] per value walked. 64 Mi
/// units is a fraction of a second of work; an honest flow's expression uses thousands.
pub const WORK_BUDGET: u64 = 64 * 1024 * 1024;

/// The work units of walking one value (a list item, a map entry, a scalar).
pub const NODE_COST: u64 = 64;

/// The bytes a scalar other than a string, or an item of a list or map, is weighed at.
const SLOT: u64 = 8;

thread_local! {
    /// The work left to the evaluation running on this thread; `None` outside one.
    static WORK_LEFT: Cell<Option<u64>> = const { Cell::new(None) };
    /// The bytes a text template has written so far.
    static WRITTEN: Cell<u64> = const { Cell::new(0) };
}

/// The budget of one evaluation on this thread, given back when dropped.
pub(crate) struct Evaluation {
    outer: (Option<u64>, u64),
}

impl Evaluation {
    /// Starts an evaluation with a full budget.
    pub(crate) fn start() -> Evaluation {
        let outer = (
            WORK_LEFT.with(|w| w.replace(Some(WORK_BUDGET))),
            WRITTEN.with(|w| w.replace(0)),
        );
        Evaluation { outer }
    }
}

impl Drop for Evaluation {
    fn drop(&mut self) {
        WORK_LEFT.with(|w| w.set(self.outer.0));
        WRITTEN.with(|w| w.set(self.outer.1));
    }
}

pub(crate) fn refused(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidOperation, message.into())
}

/// Pays `units` of work from this thread's evaluation.
pub(crate) fn charge(units: u64) -> Result<(), Error> {
    WORK_LEFT.with(|w| match w.get() {
        None => Ok(()),
        Some(left) if left >= units => {
            w.set(Some(left - units));
            Ok(())
        }
        Some(_) => {
            w.set(Some(0));
            Err(refused(format!(
                "the expression does more work than its budget ({WORK_BUDGET} units) allows"
            )))
        }
    })
}

/// Counts `bytes` more written by a text template; refused past `limit`.
pub(crate) fn write(bytes: u64, limit: u64) -> Result<(), Error> {
    WRITTEN.with(|w| {
        let total = w.get().saturating_add(bytes);
        w.set(total);
        if total > limit {
            Err(refused(format!(
                "the rendered text is over its {limit} bytes"
            )))
        } else {
            Ok(())
        }
    })
}

/// What a value weighs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Weight {
    /// String bytes, and [`SLOT`] for every other scalar and every item.
    pub bytes: u64,
    /// Items of lists and maps, at any depth.
    pub items: u64,
    /// The deepest nesting.
    pub depth: usize,
}

pub(crate) fn too_big(what: &str) -> Error {
    refused(format!(
        "{what} would be over {MAX_VALUE_BYTES} bytes (16 MiB), the largest value an expression may build"
    ))
}

pub(crate) fn too_deep() -> Error {
    refused(format!(
        "a value is nested deeper than {MAX_DEPTH} levels, the deepest an expression may use"
    ))
}

/// Weighs `value`, paying for the walk; refused past [`MAX_VALUE_BYTES`] or
/// [`MAX_DEPTH`] as soon as the walk gets there.
pub(crate) fn weigh(value: &Mj) -> Result<Weight, Error> {
    let mut weight = Weight::default();
    let mut stack = vec![(value.clone(), 0usize)];
    while let Some((value, depth)) = stack.pop() {
        if depth > MAX_DEPTH {
            return Err(too_deep());
        }
        weight.depth = weight.depth.max(depth);
        let own = match value.kind() {
            ValueKind::String | ValueKind::Bytes => value.len().map_or(SLOT, |n| n as u64),
            ValueKind::Seq | ValueKind::Iterable | ValueKind::Map => {
                // A lazily repeated sequence says how long it is: refuse it before walking.
                if let Some(len) = value.len()
                    && (len as u64).saturating_mul(SLOT) > MAX_VALUE_BYTES
                {
                    return Err(too_big("a list or map"));
                }
                let is_map = value.kind() == ValueKind::Map;
                for item in value.try_iter()? {
                    weight.items += 1;
                    weight.bytes = weight.bytes.saturating_add(SLOT);
                    if weight.bytes > MAX_VALUE_BYTES {
                        return Err(too_big("a value"));
                    }
                    charge(NODE_COST)?;
                    if is_map {
                        let inner = value.get_item(&item).unwrap_or_default();
                        stack.push((item, depth + 1));
                        stack.push((inner, depth + 1));
                    } else {
                        stack.push((item, depth + 1));
                    }
                }
                0
            }
            _ => SLOT,
        };
        weight.bytes = weight.bytes.saturating_add(own);
        charge(NODE_COST + own)?;
        if weight.bytes > MAX_VALUE_BYTES {
            return Err(too_big("a value"));
        }
    }
    Ok(weight)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weighing_refuses_deep_and_big_values_without_recursion() {
        let mut deep = Mj::from(1);
        for _ in 0..1_000 {
            deep = Mj::from(vec![deep]);
        }
        let _budget = Evaluation::start();
        assert!(
            weigh(&deep)
                .unwrap_err()
                .to_string()
                .contains("deeper than 128")
        );
        let big = Mj::from("x".repeat(17 * 1024 * 1024));
        assert!(weigh(&big).unwrap_err().to_string().contains("16 MiB"));
        let fine = Mj::from_serialize(serde_json::json!({"a": [1, "ab"]}));
        let w = weigh(&fine).unwrap();
        assert_eq!((w.items, w.depth), (3, 2));
    }

    #[test]
    fn the_work_budget_runs_out() {
        let _budget = Evaluation::start();
        assert!(charge(WORK_BUDGET).is_ok());
        assert!(charge(1).is_err());
    }
}
