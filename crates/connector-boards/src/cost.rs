//! What calls of each shape cost, learned from the service's reports: the estimate the
//! complexity budget is charged ahead of each call.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::graphql::Document;

/// What calls of each shape really cost, as the service reported: the estimate of the next
/// call of the same shape. The service computes complexity from the document and its
/// arguments before running it, so the same shape costs the same.
#[derive(Debug, Default)]
pub(crate) struct CostBook {
    shapes: Mutex<HashMap<Shape, ShapeCost>>,
}

/// A document and the number of items a call of it asks for.
type Shape = (&'static str, u64);

#[derive(Debug, Default)]
struct ShapeCost {
    /// What the last call of this shape cost.
    seen: Option<u64>,
    /// Held by the call that is learning the cost.
    probe: Arc<tokio::sync::Mutex<()>>,
}

/// Shapes remembered at most; past it the book starts over (a page size per call shape is
/// the usual variety, so this is only a guard).
const COST_BOOK_CAPACITY: usize = 512;

impl CostBook {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Shape, ShapeCost>> {
        // Nothing under this lock can panic half-way through an update.
        self.shapes.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits until the cost of this shape is known, or until this call is the one to learn
    /// it: then the guard returned must be held until the answer is read.
    pub(crate) async fn probe(
        &self,
        document: &Document,
        items: u64,
    ) -> Option<tokio::sync::OwnedMutexGuard<()>> {
        let probe = {
            let mut shapes = self.lock();
            if shapes.len() >= COST_BOOK_CAPACITY && !shapes.contains_key(&(document.file, items)) {
                shapes.clear();
            }
            let shape = shapes.entry((document.file, items)).or_default();
            if shape.seen.is_some() {
                return None;
            }
            shape.probe.clone()
        };
        let guard = probe.lock_owned().await;
        // Another call may have learned the cost while this one waited.
        let known = self
            .lock()
            .get(&(document.file, items))
            .is_some_and(|s| s.seen.is_some());
        (!known).then_some(guard)
    }

    pub(crate) fn estimate(&self, document: &Document, items: u64) -> u64 {
        match self
            .lock()
            .get(&(document.file, items))
            .and_then(|s| s.seen)
        {
            Some(cost) => cost.max(1),
            None => document.estimate(items),
        }
    }

    pub(crate) fn learn(&self, document: &Document, items: u64, charged: u64) {
        self.lock().entry((document.file, items)).or_default().seen = Some(charged);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::graphql;

    // Paused time: the short sleep below only lets the other task run; nothing waits for real.
    #[tokio::test(start_paused = true)]
    async fn the_first_call_of_a_shape_probes_alone_and_later_ones_use_what_it_learned() {
        let book = Arc::new(CostBook::default());
        let doc = &graphql::READ_BOARD;
        let first = book.probe(doc, 1).await;
        assert!(first.is_some(), "the first call learns the cost");
        assert_eq!(book.estimate(doc, 1), doc.estimate(1));
        // A second call of the same shape waits for the first...
        let waiting = {
            let book = book.clone();
            tokio::spawn(async move { book.probe(&graphql::READ_BOARD, 1).await.is_some() })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiting.is_finished());
        // ...and once the first has learned the cost, goes without probing.
        book.learn(doc, 1, 321);
        drop(first);
        assert!(!waiting.await.unwrap());
        assert_eq!(book.estimate(doc, 1), 321);
        // Another shape probes on its own.
        assert!(book.probe(doc, 2).await.is_some());
    }

    #[tokio::test]
    async fn a_probe_that_ends_without_learning_hands_over_to_the_next_call() {
        let book = CostBook::default();
        let doc = &graphql::LIST_BOARDS;
        drop(book.probe(doc, 25).await);
        assert!(book.probe(doc, 25).await.is_some());
    }
}
