//! Progress on long work: a spinner on stderr that says what the command is doing (the
//! request it sent, the page it is on, the rate-limit wait it is in, the flow step it
//! runs). Only on a terminal, never with `--quiet`, and without colour under `NO_COLOR`.
//!
//! It listens to the events the core already emits: every attempt (`attempt finished`,
//! at debug) and every rate-limit wait of a second or more (target
//! [`connector_core::PROGRESS_TARGET`], at info), whatever `CONNECTOR_LOG` asks the log
//! to show.

use std::fmt::Write as _;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer};

static BAR: OnceLock<ProgressBar> = OnceLock::new();

/// The progress layer, when stderr is a terminal and progress is wanted.
pub(crate) fn layer(wanted: bool) -> Option<ProgressLayer> {
    use std::io::IsTerminal;
    if !wanted || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr_with_hz(10));
    let template = if crate::term::ansi(&std::io::stderr()) {
        "{spinner:.cyan} {wide_msg}"
    } else {
        "{spinner} {wide_msg}"
    };
    bar.set_style(
        ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    let bar = BAR.get_or_init(|| bar).clone();
    Some(ProgressLayer {
        bar,
        requests: AtomicU64::new(0),
        started: AtomicBool::new(false),
    })
}

/// Takes the spinner off the screen before the result is printed.
pub(crate) fn clear() {
    if let Some(bar) = BAR.get() {
        bar.finish_and_clear();
    }
}

pub(crate) struct ProgressLayer {
    bar: ProgressBar,
    requests: AtomicU64,
    started: AtomicBool,
}

impl ProgressLayer {
    fn show(&self, message: String) {
        if self.bar.is_finished() {
            return;
        }
        // The spinner turns from the first message on, so that a wait shows it is alive.
        if !self.started.swap(true, Ordering::Relaxed) {
            self.bar.enable_steady_tick(Duration::from_millis(120));
        }
        self.bar.set_message(message);
    }
}

#[derive(Default)]
struct Fields {
    message: String,
    method: String,
    url: String,
    status: Option<u64>,
    wait_ms: Option<u64>,
    key: String,
    step: String,
    flow: String,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "key" => self.key = value.to_owned(),
            "step" => self.step = value.to_owned(),
            "flow" => self.flow = value.to_owned(),
            _ => {}
        }
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        match field.name() {
            "status" => self.status = Some(value),
            "wait_ms" => self.wait_ms = Some(value),
            _ => {}
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let mut text = String::new();
        let _ = write!(text, "{value:?}");
        match field.name() {
            "message" => self.message = text,
            "method" => self.method = text,
            "url" => self.url = text,
            "key" => self.key = text.trim_matches('"').to_owned(),
            "step" => self.step = text.trim_matches('"').to_owned(),
            "flow" => self.flow = text.trim_matches('"').to_owned(),
            _ => {}
        }
    }
}

impl<S: Subscriber> Layer<S> for ProgressLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        event.record(&mut fields);
        let count = self.requests.load(Ordering::Relaxed);
        if fields.message == "attempt finished" {
            let count = self.requests.fetch_add(1, Ordering::Relaxed) + 1;
            let path = url_path(&fields.url);
            let status = fields.status.map(|s| format!(" → {s}")).unwrap_or_default();
            self.show(format!("request {count}: {} {path}{status}", fields.method));
        } else if let Some(wait) = fields.wait_ms {
            self.show(format!(
                "request {}: waiting {:.1} s for the rate limit {}",
                count + 1,
                wait as f64 / 1000.0,
                fields.key
            ));
        } else if !fields.step.is_empty() {
            self.show(format!("flow {}: step {}", fields.flow, fields.step));
        }
    }
}

/// The path and query of a URL, which say what is being fetched (the page's cursor too).
fn url_path(url: &str) -> &str {
    url.find("://")
        .and_then(|i| url[i + 3..].find('/').map(|j| &url[i + 3 + j..]))
        .unwrap_or(url)
}
