//! The import's report: per flow, written or not and why; per file, unreadable and why.
//! Printed as JSON (`--json`) in the shape DESIGN.md fixes, or as lines on stderr.

use serde::Serialize;

/// A card the importer could not translate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Untranslated {
    /// The card's title.
    pub title: String,
    /// Its address (`root:kernel:list:0.0.1:reduce`); empty for the flow itself.
    pub address: String,
    /// Why, in one line.
    pub why: String,
}

/// Whether a flow was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Status {
    /// Its file was written.
    Written,
    /// It was not (see `untranslated`).
    NotWritten,
}

/// One flow of an export.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FlowReport {
    /// The export it came from.
    pub file: String,
    /// The flow's name in the export (a helper extracted from a card: that card's title).
    pub flow: String,
    /// Written or not.
    pub status: Status,
    /// Where it is (or would have been) written.
    pub path: String,
    /// Why not: its cards left untranslated, or what validation found.
    pub untranslated: Vec<Untranslated>,
}

/// A file that is not a readable export.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UnreadableFile {
    /// The file.
    pub file: String,
    /// Why, in one line.
    pub why: String,
}

/// The whole report.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Every flow of every readable export.
    pub flows: Vec<FlowReport>,
    /// The files that were not readable exports.
    pub unreadable: Vec<UnreadableFile>,
}

impl Report {
    /// True when every flow was written and every file read.
    pub fn all_written(&self) -> bool {
        self.unreadable.is_empty() && self.flows.iter().all(|f| f.status == Status::Written)
    }

    /// The report as lines for people.
    pub fn as_text(&self) -> String {
        let mut out = String::new();
        for f in &self.flows {
            match f.status {
                Status::Written => out.push_str(&format!(
                    "written      {}  ({}: {:?})\n",
                    f.path, f.file, f.flow
                )),
                Status::NotWritten => {
                    out.push_str(&format!(
                        "not written  {}  ({}: {:?})\n",
                        f.path, f.file, f.flow
                    ));
                    for u in &f.untranslated {
                        if u.address.is_empty() {
                            out.push_str(&format!("  {:?}: {}\n", u.title, u.why));
                        } else {
                            out.push_str(&format!("  {:?} ({}): {}\n", u.title, u.address, u.why));
                        }
                    }
                }
            }
        }
        for u in &self.unreadable {
            out.push_str(&format!("unreadable   {}: {}\n", u.file, u.why));
        }
        let written = self
            .flows
            .iter()
            .filter(|f| f.status == Status::Written)
            .count();
        out.push_str(&format!(
            "{written} of {} flows written; {} unreadable file{}\n",
            self.flows.len(),
            self.unreadable.len(),
            if self.unreadable.len() == 1 { "" } else { "s" }
        ));
        out
    }
}
