//! Which translated flows are written: each one validates (the runtime's own checks,
//! against the cards and the tables the import writes), and every flow it calls or
//! spawns is written too; the rest are reported with why. Nothing is written until this
//! is settled, and each file is written whole (a temporary file renamed into place).

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use connector_runtime::flows::{Catalog, Flow, link, validate};
use connector_runtime::tables::{Tables, parse_tables};

use crate::ctx::Translated;
use crate::emit::{Y, flow_text, map_text};
use crate::report::{FlowReport, Status, Untranslated};
use crate::translate::{Connection, TableOut};

/// The most mistakes of one flow's validation a report names.
const MAX_DIAGNOSTICS: usize = 5;

/// A translated flow and the export it came from.
pub(crate) struct Candidate {
    pub(crate) file: String,
    pub(crate) flow: Translated,
}

/// The files to write (name in the folder, text) and the flows' report.
pub(crate) fn settle<C: Catalog>(
    candidates: Vec<Candidate>,
    tables: &[TableOut],
    connections: &[Connection],
    dir: &Path,
    make_catalog: impl FnOnce(Tables) -> C,
) -> (Vec<(String, String)>, Vec<FlowReport>) {
    let tables_text = tables_yaml(tables);
    let (parsed, tables_ok) = match tables_text
        .as_deref()
        .map(|t| parse_tables("tables.yaml", t))
    {
        Some(Ok(parsed)) => (parsed, true),
        Some(Err(_)) => (Tables::default(), false),
        None => (Tables::default(), true),
    };
    let catalog = WithConnections {
        inner: make_catalog(parsed),
        names: connections
            .iter()
            .map(|c| (c.name.clone(), c.connector))
            .collect(),
    };
    let path_of = |name: &str| dir.join(format!("{name}.yaml")).display().to_string();
    let mut texts: HashMap<String, String> = HashMap::new();
    let mut why: HashMap<String, Vec<Untranslated>> = HashMap::new();
    let mut valid: Vec<Flow> = Vec::new();
    for c in &candidates {
        let text = flow_text(&c.flow.flow);
        if !c.flow.untranslated.is_empty() {
            why.insert(c.flow.name.clone(), c.flow.untranslated.clone());
        } else {
            match validate(&path_of(&c.flow.name), &text, &catalog) {
                Ok(flow) => valid.push(flow),
                Err(errors) => {
                    let mut list: Vec<Untranslated> = errors
                        .iter()
                        .take(MAX_DIAGNOSTICS)
                        .map(|e| Untranslated {
                            title: c.flow.title.clone(),
                            address: String::new(),
                            why: format!(
                                "the imported flow does not validate: {}",
                                connector_runtime::printable(&e.to_string())
                            ),
                        })
                        .collect();
                    if errors.len() > MAX_DIAGNOSTICS {
                        list.push(Untranslated {
                            title: c.flow.title.clone(),
                            address: String::new(),
                            why: format!("and {} more mistakes", errors.len() - MAX_DIAGNOSTICS),
                        });
                    }
                    why.insert(c.flow.name.clone(), list);
                }
            }
        }
        texts.insert(c.flow.name.clone(), text);
    }
    let calls: HashMap<&str, &BTreeSet<String>> = candidates
        .iter()
        .map(|c| (c.flow.name.as_str(), &c.flow.calls))
        .collect();
    let titles: HashMap<&str, &str> = candidates
        .iter()
        .map(|c| (c.flow.name.as_str(), c.flow.title.as_str()))
        .collect();
    // A flow whose callee is not written is not written either; bounded by the number
    // of flows, as each turn that goes on removes one.
    for _ in 0..=candidates.len() {
        let names: BTreeSet<String> = valid.iter().map(|f| f.name().to_owned()).collect();
        let missing = valid.iter().position(|f| {
            calls
                .get(f.name())
                .is_some_and(|c| c.iter().any(|callee| !names.contains(callee)))
        });
        if let Some(i) = missing {
            let flow = valid.remove(i);
            let callee = calls[flow.name()]
                .iter()
                .find(|c| !names.contains(*c))
                .cloned()
                .unwrap_or_default();
            why.insert(
                flow.name().to_owned(),
                vec![Untranslated {
                    title: titles
                        .get(flow.name())
                        .copied()
                        .unwrap_or_default()
                        .to_owned(),
                    address: String::new(),
                    why: format!("calls the flow {callee:?}, which is not written"),
                }],
            );
            continue;
        }
        match link(valid.clone()) {
            Ok(_) => break,
            Err(errors) => {
                let files: BTreeSet<String> = errors.iter().map(|e| e.file.clone()).collect();
                let before = valid.len();
                valid.retain(|f| {
                    if files.contains(&f.file) {
                        let list = errors
                            .iter()
                            .filter(|e| e.file == f.file)
                            .take(MAX_DIAGNOSTICS)
                            .map(|e| Untranslated {
                                title: titles.get(f.name()).copied().unwrap_or_default().to_owned(),
                                address: String::new(),
                                why: format!(
                                    "the imported flows do not link: {}",
                                    connector_runtime::printable(&e.to_string())
                                ),
                            })
                            .collect();
                        why.insert(f.name().to_owned(), list);
                        false
                    } else {
                        true
                    }
                });
                if valid.len() == before {
                    // Nothing named: keep none rather than loop.
                    for f in valid.drain(..) {
                        why.insert(
                            f.name().to_owned(),
                            vec![Untranslated {
                                title: titles.get(f.name()).copied().unwrap_or_default().to_owned(),
                                address: String::new(),
                                why: "the imported flows do not link".into(),
                            }],
                        );
                    }
                }
            }
        }
    }
    let written: BTreeSet<String> = valid.iter().map(|f| f.name().to_owned()).collect();
    let mut files = Vec::new();
    let mut reports = Vec::new();
    for c in &candidates {
        let name = &c.flow.name;
        let status = if written.contains(name) {
            Status::Written
        } else {
            Status::NotWritten
        };
        if status == Status::Written
            && let Some(text) = texts.remove(name)
        {
            files.push((format!("{name}.yaml"), text));
        }
        reports.push(FlowReport {
            file: c.file.clone(),
            flow: c.flow.title.clone(),
            status,
            path: path_of(name),
            untranslated: why.remove(name).unwrap_or_default(),
        });
    }
    if !files.is_empty() {
        if let (Some(text), true) = (tables_text, tables_ok) {
            files.push(("tables.yaml".into(), text));
        }
        if !connections.is_empty() {
            files.push(("connector.toml.example".into(), toml_example(connections)));
        }
    }
    (files, reports)
}

/// `tables.yaml` for the export's tables (none: no file).
fn tables_yaml(tables: &[TableOut]) -> Option<String> {
    if tables.is_empty() {
        return None;
    }
    let entries = tables
        .iter()
        .map(|t| {
            let columns = t
                .columns
                .iter()
                .map(|(c, kind)| (c.clone(), Y::Str((*kind).to_owned())))
                .collect();
            (
                t.name.clone(),
                Y::Map(vec![("columns".into(), Y::Map(columns))]),
            )
        })
        .collect();
    let header =
        vec!["The tables of the imported flows (Okta Workflows exports no rows).".to_owned()];
    Some(map_text(&header, &[("tables".into(), Y::Map(entries))]))
}

/// `connector.toml.example`: one named connection per exported connection, its secret
/// read from the environment (no export holds one).
fn toml_example(connections: &[Connection]) -> String {
    let mut out = String::from(
        "# The connections of the imported flows. Copy to connector.toml and fill in:\n# secrets are read from the environment (or a file), never written here.\n",
    );
    for c in connections {
        let var = c.name.to_ascii_uppercase().replace('-', "_");
        out.push_str(&format!(
            "\n# {:?} in Okta Workflows\n[connections.{}]\nconnector = \"{}\"\n",
            c.title, c.name, c.connector
        ));
        match c.connector {
            "okta" => out.push_str(&format!(
                "org_url = \"https://example.okta.com\"\napi_token = {{ env = \"{var}_API_TOKEN\" }}\n"
            )),
            _ => out.push_str(&format!(
                "base_url = \"https://api.example.com\"\nbearer = {{ env = \"{var}_TOKEN\" }}\n"
            )),
        }
    }
    out
}

/// Writes `files` into `dir` (created when missing), each whole.
pub(crate) fn write_files(dir: &Path, files: &[(String, String)]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for (name, text) in files {
        let temp = dir.join(format!(".{name}.importing"));
        std::fs::write(&temp, text)?;
        std::fs::rename(&temp, dir.join(name))?;
    }
    Ok(())
}

/// The cards, with the connections the import lists in `connector.toml.example`: a step
/// naming one of them validates as it will once the file is copied into place.
struct WithConnections<C> {
    inner: C,
    names: Vec<(String, &'static str)>,
}

#[async_trait::async_trait]
impl<C: Catalog> Catalog for WithConnections<C> {
    fn input_schema(&self, card: &str) -> Option<serde_json::Value> {
        self.inner.input_schema(card)
    }

    fn known_cards_hint(&self, card: &str) -> String {
        self.inner.known_cards_hint(card)
    }

    fn title(&self, card: &str) -> String {
        self.inner.title(card)
    }

    fn connection_error(&self, name: &str, card: &str) -> Option<String> {
        let connector = card.split('.').next().unwrap_or("");
        if self.names.iter().any(|(n, c)| n == name && *c == connector) {
            return None;
        }
        self.inner.connection_error(name, card)
    }

    async fn run(
        &self,
        card: &str,
        connection: Option<&str>,
        input: serde_json::Value,
    ) -> connector_core::Result<serde_json::Value> {
        self.inner.run(card, connection, input).await
    }
}
