//! A try's journal on the store: each step's record committed under the run's lease, and
//! the (step, status, seconds) of this try kept for the metrics.

use connector_core::Error;
use serde_json::Value;

use crate::flows::{Journal, StepRecord};
use crate::store::{StepWrite, Store};

/// Step results committed to the store, under the run's lease; it keeps this try's
/// (step, status, seconds) for the metrics.
pub(super) struct StoreJournal {
    pub(super) store: Store,
    pub(super) run_id: String,
    pub(super) owner: String,
    pub(super) committed: std::sync::Mutex<Vec<(String, crate::flows::StepStatus, f64)>>,
}

#[async_trait::async_trait]
impl Journal for StoreJournal {
    async fn commit(&self, record: &StepRecord) -> Result<(), String> {
        match self
            .store
            .append_step(&self.run_id, &self.owner, record)
            .await
        {
            Ok(true) => {
                self.committed
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push((
                        step_label(&record.id),
                        record.status,
                        record.duration_ms / 1000.0,
                    ));
                Ok(())
            }
            Ok(false) => Err("the run's lease was lost".to_owned()),
            Err(e) => Err(e.to_string()),
        }
    }

    async fn cancelled(&self) -> bool {
        // A store that does not answer now is asked again at the next boundary.
        self.store
            .cancel_requested(&self.run_id)
            .await
            .unwrap_or(false)
    }

    async fn commit_table(
        &self,
        record: &StepRecord,
        op: &crate::tables::TableOp,
    ) -> Result<Result<Value, Error>, String> {
        match self
            .store
            .table_step(&self.run_id, &self.owner, op, record)
            .await
        {
            Ok(StepWrite::Committed(output)) => {
                self.committed
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push((
                        record.id.clone(),
                        crate::flows::StepStatus::Succeeded,
                        record.duration_ms / 1000.0,
                    ));
                Ok(Ok(output))
            }
            Ok(StepWrite::Refused(error)) => Ok(Err(error)),
            Ok(StepWrite::LeaseLost) => Err("the run's lease was lost".to_owned()),
            Err(e) => Err(e.to_string()),
        }
    }
}

/// A step's metric label: a called flow's step without its item's index (`each[7]/send`
/// counts as `each/send`), so that a long `for_each` of calls adds one series, not one per
/// item.
pub(super) fn step_label(id: &str) -> String {
    let mut label = String::with_capacity(id.len());
    let mut in_index = false;
    for c in id.chars() {
        match c {
            '[' => in_index = true,
            ']' => in_index = false,
            _ if !in_index => label.push(c),
            _ => {}
        }
    }
    label
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_called_step_s_metric_label_drops_the_item_index() {
        assert_eq!(step_label("each[17]/inner[3]/send"), "each/inner/send");
        assert_eq!(step_label("grant"), "grant");
    }
}
