//! Okta Workflows exports (`.flopack`, `.folder`, `.flow`) turned into flow files of the
//! connector runtime, so that a team can move its flows: `connector flow import` calls
//! [`import`] and [`coverage`], and only prints.
//!
//! The importer is a small compiler. The reader ([`read_export`]) takes a file that may
//! be hostile (bounded size and nesting, one line of why when it is not an export); each
//! flow's cards form a graph (`orderings`, `branches`, `pins`) that is lowered to steps:
//! blocks for If/Else, `call`/`for_each` for helper flows (inline ones extracted as
//! callable flows named `<flow>-<card slug>`), `return` and guards for Return and
//! Continue If; function cards become expressions, Okta cards `okta.*` cards, Tables
//! cards `table.*`, API Connector cards `http.request`. A flow is written only when every
//! card translated, the runtime validates it, and every flow it calls is written too.
//!
//! | module | what |
//! |---|---|
//! | `model` | the export's shape, as serde types that ignore what they do not name |
//! | `reader` | bounded reading and the unreadable kinds |
//! | `ctx` | one flow being translated: its cards, its wiring, its step ids |
//! | `lower` | the card graph to steps, blocks and joins |
//! | `cards` | what each card becomes, one module per family |
//! | `translate` | an export's flows, triggers, tables and connections |
//! | `settle` | validation, calls to unwritten flows, writing |
//! | `emit`, `val`, `slug`, `report` | YAML with comments, values, names, the report |
//!
//! ```
//! use connector_runtime::flows::Catalog;
//! # struct NoCards;
//! # #[async_trait::async_trait]
//! # impl Catalog for NoCards {
//! #     fn input_schema(&self, _card: &str) -> Option<serde_json::Value> { None }
//! #     async fn run(&self, _: &str, _: Option<&str>, _: serde_json::Value) -> connector_core::Result<serde_json::Value> { unreachable!() }
//! # }
//! let dir = std::env::temp_dir().join(format!("flow-import-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir).unwrap();
//! let export = dir.join("hello.flow");
//! std::fs::write(&export, r#"{"type": "flow", "data": {"flos": {"f1": {"name": "Say Hello",
//!   "data": {"display": {"isCallable": true}, "orderings": {"o1": ["a", "b"]}, "methods": [
//!     {"address": "root:kernel:control:0.0.1:callable", "uuid": "a", "node": {"data": {"name": "Helper Flow"}}},
//!     {"address": "root:kernel:control:0.0.1:return", "uuid": "b", "node": {"data": {"name": "Return"},
//!      "model": {"inputs": {"data": {"i1": {"id": "i1", "key": "greeting", "value": {"type": "string", "data": "hello"}}}}}}}
//!   ]}}}}}"#).unwrap();
//! let out = dir.join("flows");
//! let import = flow_import::import(&[export], &out, |_tables| NoCards);
//! assert!(import.report.all_written(), "{}", import.report.as_text());
//! import.write(&out).unwrap();
//! let text = std::fs::read_to_string(out.join("say-hello.yaml")).unwrap();
//! assert!(text.contains("return:"));
//! # std::fs::remove_dir_all(&dir).unwrap();
//! ```

mod cards;
mod ctx;
mod emit;
mod lower;
pub mod model;
mod reader;
mod report;
mod settle;
mod slug;
mod translate;
mod val;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use connector_runtime::flows::Catalog;
use connector_runtime::tables::Tables;
use serde::Serialize;

pub use reader::{MAX_DEPTH, MAX_EXPORT_BYTES, Unreadable, parse_export, read_export};
pub use report::{FlowReport, Report, Status, UnreadableFile, Untranslated};
pub use slug::{flow_slug, slug};

/// The outcome of a flow that ends without a Return card (and of a Continue If that
/// stops it), as the runtime gives a run that reaches its end.
pub const COMPLETED: &str = "completed";

/// An import settled: its report and the files to write.
#[derive(Clone, Debug)]
pub struct Import {
    /// Every flow, written or not, and the unreadable files.
    pub report: Report,
    files: Vec<(String, String)>,
}

impl Import {
    /// The files the import writes (name in the folder, text).
    pub fn files(&self) -> &[(String, String)] {
        &self.files
    }

    /// Writes the files into `dir` (created when missing), each one whole.
    pub fn write(&self, dir: &Path) -> std::io::Result<()> {
        if self.files.is_empty() {
            return Ok(());
        }
        settle::write_files(dir, &self.files)
    }
}

/// Reads and translates the exports in `paths` into flows of the folder `dir`; the
/// catalog (made with the tables the exports declare) validates each flow.
pub fn import<C: Catalog>(
    paths: &[PathBuf],
    dir: &Path,
    make_catalog: impl FnOnce(Tables) -> C,
) -> Import {
    let mut report = Report::default();
    let mut flow_names = slug::Names::default();
    let mut table_names = slug::Names::default();
    // Fixed names in the folder: a flow named `tables` would be the tables file.
    flow_names.reserve("tables");
    let mut candidates = Vec::new();
    let mut tables = Vec::new();
    let mut connections = Vec::new();
    for path in paths {
        let file = path.display().to_string();
        match read_export(path) {
            Ok(export) => {
                let out =
                    translate::translate_export(&export, &file, &mut flow_names, &mut table_names);
                candidates.extend(out.flows.into_iter().map(|flow| settle::Candidate {
                    file: file.clone(),
                    flow,
                }));
                tables.extend(out.tables);
                for c in out.connections {
                    if !connections
                        .iter()
                        .any(|k: &translate::Connection| k.name == c.name)
                    {
                        connections.push(c);
                    }
                }
            }
            Err(why) => report.unreadable.push(UnreadableFile { file, why: why.0 }),
        }
    }
    let (files, flows) = settle::settle(candidates, &tables, &connections, dir, make_catalog);
    report.flows = flows;
    Import { report, files }
}

/// The flow files an export translates into (name, text), before validation: what
/// [`import`] would validate and write, with the cards each left untranslated.
pub fn translate(export: &model::Export, file: &str) -> Vec<(String, String, Vec<Untranslated>)> {
    let mut flow_names = slug::Names::default();
    let mut table_names = slug::Names::default();
    flow_names.reserve("tables");
    translate::translate_export(export, file, &mut flow_names, &mut table_names)
        .flows
        .into_iter()
        .map(|t| {
            (
                format!("{}.yaml", t.name),
                emit::flow_text(&t.flow),
                t.untranslated,
            )
        })
        .collect()
}

/// One export's figures in a coverage run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExportCoverage {
    /// The export.
    pub file: String,
    /// Flows that would be written.
    pub written: usize,
    /// Flows that would not (an unreadable file: -1 flows is not a number people read,
    /// so it counts as none written and none not written, and is listed in `unreadable`).
    #[serde(rename = "notWritten")]
    pub not_written: usize,
}

/// A card missing from translations, and in how many places.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Missing {
    /// `module.key` (`list.reduce`, `slack.sendMessage`).
    pub card: String,
    /// How many cards of that kind were left untranslated.
    pub count: usize,
}

/// What `--coverage` prints.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Coverage {
    /// Per export.
    pub exports: Vec<ExportCoverage>,
    /// The cards missing most often, most first.
    pub missing: Vec<Missing>,
    /// Files that are not readable exports.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unreadable: Vec<UnreadableFile>,
}

/// The most files a coverage run reads from a folder.
pub const MAX_COVERAGE_FILES: usize = 10_000;

/// Imports each export of `dir` on its own (`.flopack`, `.folder`, `.flow`), writing
/// nothing: flows written or not per export, and the cards missing most often.
pub fn coverage<C: Catalog>(
    dir: &Path,
    mut make_catalog: impl FnMut(Tables) -> C,
) -> std::io::Result<Coverage> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| matches!(e, "flopack" | "folder" | "flow"))
        })
        .take(MAX_COVERAGE_FILES)
        .collect();
    files.sort();
    let mut coverage = Coverage::default();
    let mut missing: BTreeMap<String, usize> = BTreeMap::new();
    let nowhere = dir.join(".coverage");
    for file in files {
        let import = import(std::slice::from_ref(&file), &nowhere, &mut make_catalog);
        coverage
            .unreadable
            .extend(import.report.unreadable.iter().cloned());
        let written = import
            .report
            .flows
            .iter()
            .filter(|f| f.status == Status::Written)
            .count();
        coverage.exports.push(ExportCoverage {
            file: file.display().to_string(),
            written,
            not_written: import.report.flows.len() - written,
        });
        for flow in &import.report.flows {
            for u in flow.untranslated.iter().filter(|u| !u.address.is_empty()) {
                *missing.entry(card_of_address(&u.address)).or_default() += 1;
            }
        }
    }
    let mut missing: Vec<Missing> = missing
        .into_iter()
        .map(|(card, count)| Missing { card, count })
        .collect();
    missing.sort_by(|a, b| b.count.cmp(&a.count).then(a.card.cmp(&b.card)));
    coverage.missing = missing;
    Ok(coverage)
}

/// `module.key` of a card address.
fn card_of_address(address: &str) -> String {
    model::Card {
        address: address.to_owned(),
        ..model::Card::default()
    }
    .kind()
}

impl Coverage {
    /// The coverage as lines for people.
    pub fn as_text(&self) -> String {
        let mut out = String::new();
        for e in &self.exports {
            out.push_str(&format!(
                "{:>3} written {:>3} not  {}\n",
                e.written, e.not_written, e.file
            ));
        }
        for u in &self.unreadable {
            out.push_str(&format!("unreadable  {}: {}\n", u.file, u.why));
        }
        let full = self
            .exports
            .iter()
            .filter(|e| e.not_written == 0 && e.written > 0)
            .count();
        out.push_str(&format!(
            "{full} of {} exports import whole\n",
            self.exports.len()
        ));
        if !self.missing.is_empty() {
            out.push_str("cards missing most often:\n");
            for m in self.missing.iter().take(20) {
                out.push_str(&format!("{:>5}  {}\n", m.count, m.card));
            }
        }
        out
    }
}
