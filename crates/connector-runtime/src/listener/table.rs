//! The open connections of both listeners: who is inside a request, who may be evicted.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
#[cfg(test)]
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::ListenerLimits;

/// What the watchdog of one connection knows about it.
#[derive(Debug)]
pub(crate) struct ConnectionState {
    accepted: Instant,
    /// Inside a request: its headers arrived and its answer is not made yet.
    busy: AtomicBool,
    /// At least one request's headers arrived.
    served: AtomicBool,
    /// When the last request's answer was made.
    since: Mutex<Instant>,
    changed: Notify,
}

impl ConnectionState {
    fn new() -> ConnectionState {
        let now = Instant::now();
        ConnectionState {
            accepted: now,
            busy: AtomicBool::new(false),
            served: AtomicBool::new(false),
            since: Mutex::new(now),
            changed: Notify::new(),
        }
    }

    /// A request's headers arrived.
    pub(crate) fn enter(&self) {
        self.served.store(true, Ordering::Relaxed);
        self.busy.store(true, Ordering::Release);
        self.changed.notify_one();
    }

    /// The request's answer is made; the connection idles until the next one.
    pub(crate) fn leave(&self) {
        *self.since.lock().unwrap_or_else(|e| e.into_inner()) = Instant::now();
        self.busy.store(false, Ordering::Release);
        self.changed.notify_one();
    }

    fn is_busy(&self) -> bool {
        self.busy.load(Ordering::Acquire)
    }

    /// When the connection should be looked at again.
    pub(crate) fn deadline(&self, limits: &ListenerLimits) -> Instant {
        if self.is_busy() {
            // The request's own body deadline applies; `leave` wakes the watchdog.
            return Instant::now() + limits.idle;
        }
        if self.served.load(Ordering::Relaxed) {
            *self.since.lock().unwrap_or_else(|e| e.into_inner()) + limits.idle
        } else {
            self.accepted + limits.headers
        }
    }

    /// True when an idle or header deadline passed.
    pub(crate) fn expired(&self, limits: &ListenerLimits) -> bool {
        !self.is_busy() && Instant::now() >= self.deadline(limits)
    }

    /// Resolves when `enter` or `leave` ran since the last call.
    pub(crate) async fn changed(&self) {
        self.changed.notified().await;
    }
}

struct Entry {
    state: Arc<ConnectionState>,
    evict: CancellationToken,
}

/// The open connections of both listeners, in accept order.
pub(crate) struct ConnectionTable {
    limits: ListenerLimits,
    cap: usize,
    next: AtomicU64,
    open: Mutex<BTreeMap<u64, Entry>>,
    evicted: AtomicU64,
}

impl std::fmt::Debug for ConnectionTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectionTable")
            .field("cap", &self.cap)
            .field("open", &self.len())
            .finish_non_exhaustive()
    }
}

impl ConnectionTable {
    pub(crate) fn new(limits: ListenerLimits) -> Arc<ConnectionTable> {
        let cap = limits.effective_max_connections();
        Arc::new(ConnectionTable {
            limits,
            cap,
            next: AtomicU64::new(0),
            open: Mutex::new(BTreeMap::new()),
            evicted: AtomicU64::new(0),
        })
    }

    pub(crate) fn limits(&self) -> &ListenerLimits {
        &self.limits
    }

    /// The cap in force.
    pub(crate) fn cap(&self) -> usize {
        self.cap
    }

    /// Connections open now.
    pub(crate) fn len(&self) -> usize {
        self.open.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Connections closed to make room so far.
    #[cfg(test)]
    pub(crate) fn evictions(&self) -> u64 {
        self.evicted.load(Ordering::Relaxed)
    }

    /// Takes a slot for a new connection; at the cap, evicts the oldest connection that is
    /// not inside a request. `None` when every open connection is inside a request.
    pub(crate) fn admit(self: &Arc<Self>) -> Option<Slot> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        if open.len() >= self.cap {
            let victim = open
                .iter()
                .find(|(_, entry)| !entry.state.is_busy())
                .map(|(&id, _)| id)?;
            if let Some(entry) = open.remove(&victim) {
                entry.evict.cancel();
                let n = self.evicted.fetch_add(1, Ordering::Relaxed) + 1;
                if n.is_power_of_two() {
                    tracing::warn!(
                        cap = self.cap,
                        evicted = n,
                        "at the connection cap: closed the oldest connection without a request in progress"
                    );
                }
            }
        }
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let state = Arc::new(ConnectionState::new());
        let evict = CancellationToken::new();
        open.insert(
            id,
            Entry {
                state: state.clone(),
                evict: evict.clone(),
            },
        );
        Some(Slot {
            id,
            table: self.clone(),
            state,
            evict,
        })
    }
}

/// One open connection's place in the table; dropping it frees the place.
pub(crate) struct Slot {
    id: u64,
    table: Arc<ConnectionTable>,
    state: Arc<ConnectionState>,
    evict: CancellationToken,
}

impl Slot {
    pub(crate) fn state(&self) -> &Arc<ConnectionState> {
        &self.state
    }

    /// Resolves when the table closed this connection to admit another.
    pub(crate) async fn evicted(&self) {
        self.evict.cancelled().await;
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.table
            .open
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(cap: usize) -> Arc<ConnectionTable> {
        ConnectionTable::new(ListenerLimits {
            max_connections: cap,
            ..ListenerLimits::default()
        })
    }

    #[test]
    fn at_the_cap_the_oldest_connection_without_a_request_is_evicted() {
        let table = table(2);
        let first = table.admit().unwrap();
        let second = table.admit().unwrap();
        first.state().enter();
        let third = table.admit().unwrap();
        assert!(!first.evict.is_cancelled(), "inside a request: kept");
        assert!(second.evict.is_cancelled(), "the oldest idle one goes");
        assert!(!third.evict.is_cancelled());
        assert_eq!(table.len(), 2);
        assert_eq!(table.evictions(), 1);
    }

    #[test]
    fn when_every_connection_is_inside_a_request_the_new_one_is_refused() {
        let table = table(1);
        let only = table.admit().unwrap();
        only.state().enter();
        assert!(table.admit().is_none());
        only.state().leave();
        assert!(table.admit().is_some());
    }

    #[test]
    fn a_dropped_slot_frees_its_place() {
        let table = table(1);
        let slot = table.admit().unwrap();
        drop(slot);
        assert_eq!(table.len(), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn deadlines_follow_the_connection_phase() {
        let limits = ListenerLimits::default();
        let state = ConnectionState::new();
        assert!(!state.expired(&limits));
        tokio::time::advance(limits.headers).await;
        assert!(
            state.expired(&limits),
            "no headers within the header deadline"
        );
        state.enter();
        tokio::time::advance(limits.idle * 2).await;
        assert!(
            !state.expired(&limits),
            "inside a request: the body deadline applies"
        );
        state.leave();
        tokio::time::advance(limits.idle - Duration::from_secs(1)).await;
        assert!(!state.expired(&limits));
        tokio::time::advance(Duration::from_secs(1)).await;
        assert!(state.expired(&limits), "idle past the keep-alive deadline");
    }
}
