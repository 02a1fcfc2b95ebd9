//! The boards service's replay cache: the answers of requests sent with an
//! `Idempotency-Key`, kept per token and key for the replay window, so that a repeat gets
//! the first answer. The request handler is `idempotency.rs`; the state holds the cache.

use std::collections::HashMap;
use std::time::Duration;

use axum::body::Bytes;
use axum::http::StatusCode;
use tokio::time::Instant;

/// How long an answer is kept for replay.
pub(crate) const REPLAY_WINDOW: Duration = Duration::from_secs(30 * 60);

#[derive(Debug)]
enum Entry {
    Running,
    Done {
        stored_at: Instant,
        status: StatusCode,
        body: Bytes,
    },
}

/// What a request with a key finds in the cache.
#[derive(Debug)]
pub(crate) enum Claim {
    /// No earlier request with this key: this one runs.
    Fresh,
    /// An earlier request with this key is still running.
    Running,
    /// The answer of an earlier request with this key.
    Replay { status: StatusCode, body: Bytes },
}

/// The kept answers, by token and key.
#[derive(Debug, Default)]
pub(crate) struct IdempotencyCache {
    entries: HashMap<(String, String), Entry>,
}

impl IdempotencyCache {
    /// Looks the key up; a fresh key is marked running.
    pub(crate) fn claim(&mut self, token: &str, key: &str, now: Instant) -> Claim {
        self.entries.retain(|_, entry| match entry {
            Entry::Running => true,
            Entry::Done { stored_at, .. } => now.duration_since(*stored_at) < REPLAY_WINDOW,
        });
        let id = (token.to_owned(), key.to_owned());
        match self.entries.get(&id) {
            Some(Entry::Running) => Claim::Running,
            Some(Entry::Done { status, body, .. }) => Claim::Replay {
                status: *status,
                body: body.clone(),
            },
            None => {
                self.entries.insert(id, Entry::Running);
                Claim::Fresh
            }
        }
    }

    /// Keeps the answer of a request that ran.
    pub(crate) fn complete(
        &mut self,
        token: &str,
        key: &str,
        status: StatusCode,
        body: Bytes,
        now: Instant,
    ) {
        let entry = Entry::Done {
            stored_at: now,
            status,
            body,
        };
        self.entries
            .insert((token.to_owned(), key.to_owned()), entry);
    }

    /// Forgets a request that did not run, so that a retry with its key runs.
    pub(crate) fn release(&mut self, token: &str, key: &str) {
        let id = (token.to_owned(), key.to_owned());
        if matches!(self.entries.get(&id), Some(Entry::Running)) {
            self.entries.remove(&id);
        }
    }

    /// Forgets everything.
    pub(crate) fn clear(&mut self) {
        self.entries.clear();
    }
}
