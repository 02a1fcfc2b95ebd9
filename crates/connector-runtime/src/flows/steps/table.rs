//! A `table` card in a flow: the engine applies it itself, through the journal, so that
//! the change and the step's record commit in one transaction under the run's lease (for
//! `for_each`, item by item). A crash before that commit leaves neither; a try that finds
//! the record committed does not apply the change again.

use std::time::{Duration, Instant};

use connector_core::{Error, ErrorKind};
use serde_json::Value;

use crate::flows::journal::StepRecord;
use crate::flows::program::CardStep;
use crate::flows::runner::Runner;
use crate::tables::TableOp;
use crate::transient::is_transient;

/// How a table card's try ended.
pub(super) enum TableEnd {
    /// Applied, and its record committed with it: the card's output.
    Committed(Value),
    /// Refused (nothing changed): `on_error` decides.
    Failed(Error),
    /// The journal could not take it (the lease was lost, the store is away): the try stops.
    Stop(Error),
}

/// The action a `table.<action>` card names, with its input parsed.
pub(super) fn parse(card: &str, input: Value) -> Result<TableOp, Error> {
    let action = card.split_once('.').map_or("", |(_, a)| a);
    TableOp::parse(action, input).map_err(|e| e.with_attempts(0))
}

/// Applies the card and commits its record, trying a transient refusal (the store busy or
/// away) again as the step's `retry` says.
pub(super) async fn write(
    runner: &Runner<'_, '_>,
    card: &CardStep,
    input: Value,
    record: &mut StepRecord,
    started: Instant,
) -> TableEnd {
    let op = match parse(&card.card, input) {
        Ok(op) => op,
        Err(error) => return TableEnd::Failed(error),
    };
    let mut last = None;
    for n in 0..card.attempts {
        if n > 0 {
            let wait = card
                .waits
                .get(usize::try_from(n - 1).unwrap_or(0))
                .or(card.waits.last())
                .copied()
                .unwrap_or(Duration::from_secs(1));
            tokio::time::sleep(wait).await;
        }
        record.attempts += 1;
        record.duration_ms = started.elapsed().as_secs_f64() * 1000.0;
        match runner.commit_table(record, &op).await {
            Err(stop) => return TableEnd::Stop(stop),
            Ok(Ok(output)) => return TableEnd::Committed(output),
            Ok(Err(error)) if is_transient(&error) && n + 1 < card.attempts => last = Some(error),
            Ok(Err(error)) => return TableEnd::Failed(error),
        }
    }
    TableEnd::Failed(
        last.unwrap_or_else(|| Error::new(ErrorKind::Unavailable, "the card was not run")),
    )
}
