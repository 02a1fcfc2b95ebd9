//! Prometheus metrics (the `prometheus-client` crate), named as Prometheus asks: units in
//! the name, `_total` for counters (the crate adds the suffix).

use std::sync::atomic::AtomicU64;

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::calls::Observed;

type Labels = Vec<(String, String)>;

fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn seconds_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 4.0, 10))
}

/// The runtime's metrics.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    deliveries: Family<Labels, Counter>,
    events: Family<Labels, Counter>,
    runs: Family<Labels, Counter>,
    run_duration: Family<Labels, Histogram, fn() -> Histogram>,
    queue_depth: Gauge,
    oldest_queued: Gauge<f64, AtomicU64>,
    api_calls: Family<Labels, Counter>,
    api_retries: Family<Labels, Counter>,
    api_429: Family<Labels, Counter>,
    limiter_wait: Family<Labels, Histogram, fn() -> Histogram>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    /// Registers every metric.
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("connector");
        let m = Metrics {
            deliveries: Family::default(),
            events: Family::default(),
            runs: Family::default(),
            run_duration: Family::new_with_constructor(seconds_histogram),
            queue_depth: Gauge::default(),
            oldest_queued: Gauge::default(),
            api_calls: Family::default(),
            api_retries: Family::default(),
            api_429: Family::default(),
            limiter_wait: Family::new_with_constructor(seconds_histogram),
            registry: Registry::default(),
        };
        registry.register(
            "deliveries",
            "Event-hook deliveries by answer (accepted, malformed, unauthorized, unavailable)",
            m.deliveries.clone(),
        );
        registry.register(
            "events",
            "Events delivered, by result (accepted, duplicate)",
            m.events.clone(),
        );
        registry.register(
            "runs",
            "Tries of runs that ended, by flow and outcome",
            m.runs.clone(),
        );
        registry.register(
            "run_duration_seconds",
            "Duration of a run's try, by flow",
            m.run_duration.clone(),
        );
        registry.register(
            "queue_depth",
            "Runs waiting in the queue",
            m.queue_depth.clone(),
        );
        registry.register(
            "oldest_queued_age_seconds",
            "Age of the oldest run waiting in the queue",
            m.oldest_queued.clone(),
        );
        registry.register(
            "api_calls",
            "API exchanges by connector, action and status",
            m.api_calls.clone(),
        );
        registry.register(
            "api_retries",
            "API attempts beyond the first, by connector and action",
            m.api_retries.clone(),
        );
        registry.register(
            "api_rate_limited",
            "API attempts answered 429, by connector and action",
            m.api_429.clone(),
        );
        registry.register(
            "limiter_wait_seconds",
            "Time a card waited for the rate limiter, by connector",
            m.limiter_wait.clone(),
        );
        Metrics { registry, ..m }
    }

    /// A delivery answered (`accepted`, `malformed`, `unauthorized`, `unavailable`).
    pub fn delivery(&self, answer: &str) {
        self.deliveries
            .get_or_create(&labels(&[("answer", answer)]))
            .inc();
    }

    /// Events stored and redeliveries seen.
    pub fn events(&self, accepted: usize, duplicates: usize) {
        let add = |result: &str, n: usize| {
            self.events
                .get_or_create(&labels(&[("result", result)]))
                .inc_by(n as u64);
        };
        add("accepted", accepted);
        add("duplicate", duplicates);
    }

    /// A try of a run ended with this outcome.
    pub fn run(&self, flow: &str, outcome: &str, seconds: f64) {
        self.runs
            .get_or_create(&labels(&[("flow", flow), ("outcome", outcome)]))
            .inc();
        self.run_duration
            .get_or_create(&labels(&[("flow", flow)]))
            .observe(seconds);
    }

    /// The queue's depth and the age of its oldest run.
    pub fn queue(&self, depth: i64, oldest_age_seconds: f64) {
        self.queue_depth.set(depth);
        self.oldest_queued.set(oldest_age_seconds);
    }

    pub(crate) fn observe_calls(&self, connector: &str, action: &str, observed: &Observed) {
        for status in &observed.statuses {
            let status = status.map_or_else(|| "none".to_owned(), |s| s.to_string());
            self.api_calls
                .get_or_create(&labels(&[
                    ("connector", connector),
                    ("action", action),
                    ("status", &status),
                ]))
                .inc();
        }
        let pair = labels(&[("connector", connector), ("action", action)]);
        self.api_retries
            .get_or_create(&pair)
            .inc_by(u64::from(observed.retries()));
        self.api_429
            .get_or_create(&pair)
            .inc_by(u64::from(observed.rate_limited));
        self.limiter_wait
            .get_or_create(&labels(&[("connector", connector)]))
            .observe(observed.limiter_wait.as_secs_f64());
    }

    /// The Prometheus text exposition.
    pub fn encode(&self) -> String {
        let mut text = String::new();
        if encode(&mut text, &self.registry).is_err() {
            text.clear();
        }
        text
    }
}
