//! Prometheus metrics (the `prometheus-client` crate), named as Prometheus asks: units in
//! the name, `_total` for counters (the crate adds the suffix). `/metrics` answers the
//! classic text format 0.0.4 unless the scraper asks for OpenMetrics ([`Exposition`]);
//! the crate writes OpenMetrics, and [`to_classic_text`] turns it into 0.0.4.

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
    runs: Family<Labels, Counter>,
    run_duration: Family<Labels, Histogram, fn() -> Histogram>,
    steps: Family<Labels, Counter>,
    step_duration: Family<Labels, Histogram, fn() -> Histogram>,
    queue_depth: Gauge,
    oldest_queued: Gauge<f64, AtomicU64>,
    api_attempts: Family<Labels, Counter>,
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
            runs: Family::default(),
            run_duration: Family::new_with_constructor(seconds_histogram),
            steps: Family::default(),
            step_duration: Family::new_with_constructor(seconds_histogram),
            queue_depth: Gauge::default(),
            oldest_queued: Gauge::default(),
            api_attempts: Family::default(),
            api_retries: Family::default(),
            api_429: Family::default(),
            limiter_wait: Family::new_with_constructor(seconds_histogram),
            registry: Registry::default(),
        };
        registry.register(
            "deliveries",
            "Deliveries by trigger and result (accepted, duplicate, unauthorized, malformed, too_large, timeout, unavailable)",
            m.deliveries.clone(),
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
            "steps",
            "Steps committed, by flow, step and status (succeeded, failed, skipped, continued)",
            m.steps.clone(),
        );
        registry.register(
            "step_duration_seconds",
            "Duration of a step, by flow and step",
            m.step_duration.clone(),
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
            "api_attempts",
            "API attempts on the wire by connector, action and status (none: no answer), retries included",
            m.api_attempts.clone(),
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

    /// A delivery to `trigger` answered with `result` (`accepted`, `duplicate`,
    /// `unauthorized`, `malformed`, `too_large`, `timeout`, `unavailable`).
    pub fn delivery(&self, trigger: &str, result: &str) {
        self.deliveries
            .get_or_create(&labels(&[("trigger", trigger), ("result", result)]))
            .inc();
    }

    /// A run ended, or a try of it ended `retrying`: its state and the flow's outcome
    /// (empty when it has none).
    pub fn run(&self, flow: &str, state: crate::RunState, outcome: Option<&str>, seconds: f64) {
        self.runs
            .get_or_create(&labels(&[
                ("flow", flow),
                ("state", state.as_str()),
                ("outcome", outcome.unwrap_or("")),
            ]))
            .inc();
        self.run_duration
            .get_or_create(&labels(&[("flow", flow)]))
            .observe(seconds);
    }

    /// A step was committed with this status.
    pub fn step(&self, flow: &str, step: &str, status: crate::flows::StepStatus, seconds: f64) {
        let status = status.as_str();
        self.steps
            .get_or_create(&labels(&[
                ("flow", flow),
                ("step", step),
                ("status", status),
            ]))
            .inc();
        self.step_duration
            .get_or_create(&labels(&[("flow", flow), ("step", step)]))
            .observe(seconds);
    }

    /// The queue's depth and the age of its oldest run.
    pub fn queue(&self, depth: i64, oldest_age_seconds: f64) {
        self.queue_depth.set(depth);
        self.oldest_queued.set(oldest_age_seconds);
    }

    pub(crate) fn observe_calls(&self, connector: &str, action: &str, observed: &Observed) {
        for status in &observed.attempt_statuses {
            let status = status.map_or_else(|| "none".to_owned(), |s| s.to_string());
            self.api_attempts
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

    /// The OpenMetrics text exposition.
    pub fn encode(&self) -> String {
        let mut text = String::new();
        if encode(&mut text, &self.registry).is_err() {
            text.clear();
        }
        text
    }

    /// The exposition a scraper asked for with `accept`: OpenMetrics when it names
    /// `application/openmetrics-text`, the classic text format 0.0.4 otherwise.
    pub fn encode_for(&self, accept: Option<&str>) -> (Exposition, String) {
        let format = Exposition::negotiate(accept);
        let text = self.encode();
        match format {
            Exposition::OpenMetrics => (format, text),
            Exposition::Classic => (format, to_classic_text(&text)),
        }
    }
}

/// The two text formats of `/metrics`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Exposition {
    /// Prometheus' classic text format, version 0.0.4 (the default).
    Classic,
    /// OpenMetrics 1.0.0 text.
    OpenMetrics,
}

impl Exposition {
    /// The format for an `Accept` header.
    pub fn negotiate(accept: Option<&str>) -> Exposition {
        let asks_openmetrics = accept.is_some_and(|accept| {
            accept.split(',').any(|part| {
                let mut params = part.split(';').map(str::trim);
                let media = params.next().unwrap_or("");
                let refused = params.any(|p| {
                    p.strip_prefix("q=")
                        .and_then(|q| q.parse::<f32>().ok())
                        .is_some_and(|q| q <= 0.0)
                });
                media.eq_ignore_ascii_case("application/openmetrics-text") && !refused
            })
        });
        if asks_openmetrics {
            Exposition::OpenMetrics
        } else {
            Exposition::Classic
        }
    }

    /// The answer's `Content-Type`.
    pub fn content_type(self) -> &'static str {
        match self {
            Exposition::Classic => "text/plain; version=0.0.4; charset=utf-8",
            Exposition::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
        }
    }
}

/// Turns OpenMetrics text into the classic 0.0.4 format: a counter's family takes its
/// samples' `_total` name in `# HELP` and `# TYPE` (else the classic parser types them
/// `unknown`), `# UNIT` and `# EOF` go. Label values, numbers and histograms are written
/// the same way in both.
pub fn to_classic_text(openmetrics: &str) -> String {
    let mut counters = std::collections::HashSet::new();
    for line in openmetrics.lines() {
        if let Some(name) = line
            .strip_prefix("# TYPE ")
            .and_then(|rest| rest.strip_suffix(" counter"))
        {
            counters.insert(name.to_owned());
        }
    }
    let mut out = String::with_capacity(openmetrics.len());
    for line in openmetrics.lines() {
        if line == "# EOF" || line.starts_with("# UNIT ") {
            continue;
        }
        let meta = line
            .strip_prefix("# TYPE ")
            .map(|rest| ("# TYPE ", rest))
            .or_else(|| line.strip_prefix("# HELP ").map(|rest| ("# HELP ", rest)));
        if let Some((prefix, rest)) = meta {
            let (name, tail) = rest.split_once(' ').unwrap_or((rest, ""));
            if counters.contains(name) {
                out.push_str(prefix);
                out.push_str(name);
                out.push_str("_total ");
                out.push_str(tail);
                out.push('\n');
                continue;
            }
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrapers_get_classic_text_unless_they_ask_for_openmetrics() {
        assert_eq!(Exposition::negotiate(None), Exposition::Classic);
        assert_eq!(
            Exposition::negotiate(Some("text/plain")),
            Exposition::Classic
        );
        assert_eq!(
            Exposition::negotiate(Some(
                "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5"
            )),
            Exposition::OpenMetrics
        );
        assert_eq!(
            Exposition::negotiate(Some("application/openmetrics-text;q=0, text/plain")),
            Exposition::Classic
        );
    }

    #[test]
    fn counters_keep_their_type_in_the_classic_text() {
        let metrics = Metrics::new();
        metrics.delivery("okta_event", "too_large");
        let (format, text) = metrics.encode_for(Some("text/plain"));
        assert_eq!(format, Exposition::Classic);
        assert!(
            text.contains("# TYPE connector_deliveries_total counter\n"),
            "{text}"
        );
        assert!(text.contains(
            "connector_deliveries_total{trigger=\"okta_event\",result=\"too_large\"} 1\n"
        ));
        assert!(!text.contains("# EOF"));
        let (_, open) = metrics.encode_for(Some("application/openmetrics-text"));
        assert!(open.contains("# TYPE connector_deliveries counter\n"));
        assert!(open.ends_with("# EOF\n"));
    }
}
