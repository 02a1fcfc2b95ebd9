//! Flows as data: YAML (or JSON) files of cards and control steps, validated before
//! anything runs, and run step by step with each result committed before the next.
//!
//! | module | what |
//! |---|---|
//! | [`model`] | the file's format, as Rust types (also its JSON Schema) |
//! | `source` | YAML text to a JSON value with the place of every part (bounded) |
//! | `folder` | flow files and folders read ([`load_flows`]): regular files in the folder itself |
//! | `validate` | every mistake of a file, at its `file:line:col` |
//! | `link` | the flows loaded together: what `call` and `spawn` name ([`link`]) |
//! | `expr` | MiniJinja expressions and templates: fuel-bounded, no files, no network |
//! | `journal` | the record of each step, and the [`Journal`] it is committed to |
//! | [`program`] | the typed program validation lowers a file into: one [`StepKind`](program::StepKind) per step |
//! | `engine` | running the steps of a try against a [`Catalog`] and a [`Journal`] |
//! | `runner` | one try in progress: the scope, the journal, what earlier tries committed |
//! | `steps` | one module per step kind: what it does when run (and in a dry run) |
//! | `once` | one try in this process, reported as Flow History shows a run ([`run_once`]) |
//!
//! The engine knows steps, not services: a card is an action id that the [`Catalog`]
//! (the command line's registry of connectors) runs.
//!
//! ```
//! use connector_runtime::flows::{Catalog, validate};
//! # struct NoCards;
//! # #[async_trait::async_trait]
//! # impl Catalog for NoCards {
//! #     fn input_schema(&self, _card: &str) -> Option<serde_json::Value> { None }
//! #     async fn run(&self, _: &str, _: Option<&str>, _: serde_json::Value) -> connector_core::Result<serde_json::Value> { unreachable!() }
//! # }
//! let text = "name: hello\ntrigger: { manual: {} }\nsteps:\n  - id: done\n    return: { outcome: greeted, output: { to: '{{ event.name }}' } }\n";
//! let flow = validate("hello.yaml", text, &NoCards).unwrap();
//! assert_eq!(flow.name(), "hello");
//! let errors = validate("bad.yaml", "name: Bad Name\ntrigger: { manual: {} }\nsteps: []\nextra: 1\n", &NoCards).unwrap_err();
//! assert_eq!(errors.len(), 2);
//! assert_eq!(errors[0].to_string(), "bad.yaml:1:7: flow name \"Bad Name\" must be [a-z0-9-]+");
//! ```

mod engine;
mod expr;
mod folder;
mod journal;
mod link;
pub mod model;
mod once;
pub mod program;
mod runner;
mod source;
mod steps;
mod validate;

use serde_json::Value;

pub use engine::{COMPLETED, run_try, subject};
pub use expr::{
    ExprError, Expressions, FUEL, MAX_DEPTH, MAX_FORMAT_BYTES, MAX_PATTERN_BYTES,
    MAX_RENDERED_BYTES, MAX_VALUE_BYTES, NODE_COST, WORK_BUDGET, compile_pattern,
};
pub use folder::{MAX_FLOW_FILES, load_flows, read_flow_file};
pub use journal::{Journal, MemoryJournal, StepError, StepRecord, StepStatus};
pub use link::{link, link_with};
pub use model::{FlowFile, flow_schema};
pub use once::{OnceRun, run_once};
pub use runner::{Ending, Parked, Try};
pub use source::{Located, MAX_FLOW_BYTES, MAX_NESTING, MAX_YAML_NODES, Pos, SyntaxError, parse};
pub(crate) use steps::check_input;
pub use steps::{
    MAX_CALL_DEPTH, MAX_ITEMS as MAX_FOR_EACH_ITEMS, MAX_SIGNAL_NAME, MAX_SPAWN_DEPTH, Spawner,
    card_of, flow_of, kind_name,
};
pub use validate::{Diagnostic, Flow, validate};

/// The cards a flow may use: their input schemas (for validation) and how to run them.
/// The command line implements it over its registry of connectors.
#[async_trait::async_trait]
pub trait Catalog: Send + Sync {
    /// The input JSON Schema of `card` (`okta.read-user`); `None` when there is no such card.
    fn input_schema(&self, card: &str) -> Option<Value>;

    /// Words for an unknown card: which cards exist.
    fn known_cards_hint(&self, card: &str) -> String {
        let _ = card;
        "cards are <connector>.<action>, as `connector list` shows them".to_owned()
    }

    /// A card's display name (`Okta · Read User`), for Flow History.
    fn title(&self, card: &str) -> String {
        card.to_owned()
    }

    /// Why a step may not use the connection `name` for `card`; `None` when it may.
    fn connection_error(&self, name: &str, card: &str) -> Option<String> {
        let _ = card;
        Some(format!("no connection named {name:?}"))
    }

    /// Runs `card` with `input` (on the connection `connection`, or the environment's).
    async fn run(
        &self,
        card: &str,
        connection: Option<&str>,
        input: Value,
    ) -> connector_core::Result<Value>;
}
