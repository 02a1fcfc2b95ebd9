//! Loading flows from files and folders, for `flow validate`, `flow list`, `flow run` and
//! `serve`: a folder's `*.yaml`, `*.yml` and `*.json` (not recursive; `tables.yaml` is the
//! tables file, not a flow), each validated, every mistake of every file reported, and
//! each flow name used once.
//!
//! Only regular files in the folder itself are read: a symbolic link whose target lies
//! outside the folder is an error naming the link, never showing what it leads to; a
//! device or a pipe is an error too. A file is read only up to [`MAX_FLOW_BYTES`]; a
//! folder gives at most [`MAX_FLOW_FILES`] files. No error holds a file's content.

use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use super::source::MAX_FLOW_BYTES;
use super::{Catalog, Diagnostic, Flow, Pos, validate};

/// The most flow files one folder may give.
pub const MAX_FLOW_FILES: usize = 1_000;

/// The tables file, which sits beside the flows and is not one.
const TABLES_FILE: &str = "tables.yaml";

fn diagnostic(file: &Path, message: String) -> Diagnostic {
    Diagnostic {
        file: file.display().to_string(),
        pos: Pos::default(),
        message,
    }
}

fn is_flow_file(path: &Path) -> bool {
    path.file_name().and_then(|n| n.to_str()) != Some(TABLES_FILE)
        && path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| matches!(e, "yaml" | "yml" | "json"))
}

/// The flow files of a folder, in name order; an error for each it refuses.
fn files_of_folder(dir: &Path, errors: &mut Vec<Diagnostic>) -> Vec<PathBuf> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            errors.push(diagnostic(dir, format!("cannot read the folder: {e}")));
            return Vec::new();
        }
    };
    let Ok(home) = dir.canonicalize() else {
        errors.push(diagnostic(dir, "cannot resolve the folder".to_owned()));
        return Vec::new();
    };
    let mut files = Vec::new();
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        if !is_flow_file(&path) {
            continue;
        }
        if files.len() == MAX_FLOW_FILES {
            errors.push(diagnostic(
                dir,
                format!("the folder holds over {MAX_FLOW_FILES} flow files"),
            ));
            break;
        }
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_symlink() {
            // Followed only when it stays in the folder itself.
            let inside = path
                .canonicalize()
                .ok()
                .and_then(|target| target.parent().map(|p| p == home));
            if inside != Some(true) {
                errors.push(diagnostic(
                    &path,
                    "is a symbolic link that leads out of the flows folder: only files in the folder itself are read".to_owned(),
                ));
                continue;
            }
        }
        files.push(path);
    }
    files.sort();
    files
}

/// A flow file's text: a regular file of at most [`MAX_FLOW_BYTES`]. The error says why
/// in words that never hold the file's content.
pub fn read_flow_file(path: &Path) -> Result<String, String> {
    let not_regular = || "is not a regular file".to_owned();
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot be read: {e}"))?;
    if !meta.is_file() {
        return Err(not_regular());
    }
    // Opened without blocking (a pipe swapped in would block the read), checked again on
    // the handle, and read no further than the bound.
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
        .open(path)
        .map_err(|e| format!("cannot be read: {e}"))?;
    if !file.metadata().is_ok_and(|m| m.is_file()) {
        return Err(not_regular());
    }
    let mut bytes = Vec::new();
    file.take(MAX_FLOW_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot be read: {e}"))?;
    if bytes.len() > MAX_FLOW_BYTES {
        return Err(format!(
            "is over {MAX_FLOW_BYTES} bytes (1 MiB), the largest flow file"
        ));
    }
    String::from_utf8(bytes).map_err(|_| "is not UTF-8 text".to_owned())
}

/// Reads, validates and links the flows `paths` name (files, or folders of them): the
/// flows, or every mistake of every file (a flow name used twice among them, and what a
/// `call` or `spawn` names, too).
pub fn load_flows(paths: &[PathBuf], catalog: &dyn Catalog) -> Result<Vec<Flow>, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            files.extend(files_of_folder(path, &mut errors));
        } else {
            files.push(path.clone());
        }
    }
    // A file given both by itself and in a folder given is read once (a link is a file of
    // its own: a flow it doubles is a name used twice).
    let mut read = std::collections::HashSet::new();
    files.retain(|f| {
        let link = f
            .symlink_metadata()
            .is_ok_and(|m| m.file_type().is_symlink());
        let key = if link {
            f.clone()
        } else {
            f.canonicalize().unwrap_or_else(|_| f.clone())
        };
        read.insert(key)
    });
    let mut flows: Vec<Flow> = Vec::new();
    for file in files {
        let name = file.display().to_string();
        match read_flow_file(&file) {
            Ok(text) => match validate(&name, &text, catalog) {
                Ok(flow) => flows.push(flow),
                Err(mut found) => errors.append(&mut found),
            },
            Err(why) => errors.push(diagnostic(&file, why)),
        }
    }
    let mut names: Vec<(&str, &str)> = Vec::new();
    for flow in &flows {
        if let Some((_, first)) = names.iter().find(|(n, _)| *n == flow.name()) {
            errors.push(Diagnostic {
                file: flow.file.clone(),
                pos: Pos { line: 1, col: 1 },
                message: format!("the flow name {:?} is already used by {first}", flow.name()),
            });
        } else {
            names.push((flow.name(), &flow.file));
        }
    }
    if errors.is_empty() {
        super::link(flows)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct NoCards;

    #[async_trait::async_trait]
    impl Catalog for NoCards {
        fn input_schema(&self, _card: &str) -> Option<serde_json::Value> {
            None
        }
        async fn run(
            &self,
            _: &str,
            _: Option<&str>,
            _: serde_json::Value,
        ) -> connector_core::Result<serde_json::Value> {
            Err(connector_core::Error::invalid_input("no cards"))
        }
    }

    const FLOW: &str =
        "name: NAME\ntrigger: { manual: {} }\nsteps:\n  - id: done\n    return: { outcome: ok }\n";

    fn folder(kind: &str) -> PathBuf {
        let dir = crate::TempDb::new().path().with_extension(kind);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_folder_gives_its_flow_files_and_refuses_links_out_of_it_without_their_content() {
        let dir = folder("flows");
        let outside = folder("outside");
        std::fs::write(dir.join("a.yaml"), FLOW.replace("NAME", "a")).unwrap();
        std::fs::write(dir.join("b.yml"), FLOW.replace("NAME", "b")).unwrap();
        std::fs::write(dir.join("tables.yaml"), "not: [a flow").unwrap();
        std::fs::write(dir.join("notes.txt"), "not a flow").unwrap();
        std::os::unix::fs::symlink(dir.join("a.yaml"), dir.join("same.json")).unwrap();
        let flows = load_flows(std::slice::from_ref(&dir), &NoCards).unwrap_err();
        // The link inside the folder is read: its flow's name is then used twice.
        assert_eq!(flows.len(), 1, "{flows:?}");
        assert!(flows[0].message.contains("already used"), "{flows:?}");
        std::fs::remove_file(dir.join("same.json")).unwrap();
        assert_eq!(
            load_flows(std::slice::from_ref(&dir), &NoCards)
                .unwrap()
                .len(),
            2
        );

        let marker = "MARKER-shadow-line-7731";
        std::fs::write(
            outside.join("secret.yaml"),
            format!("root:{marker}:19000:0\n"),
        )
        .unwrap();
        std::os::unix::fs::symlink(outside.join("secret.yaml"), dir.join("evil.yaml")).unwrap();
        let errors = load_flows(std::slice::from_ref(&dir), &NoCards).unwrap_err();
        let text: String = errors.iter().map(|e| format!("{e}\n")).collect();
        assert!(text.contains("evil.yaml"), "{text}");
        assert!(text.contains("leads out of the flows folder"), "{text}");
        assert!(!text.contains(marker), "{text}");
        let _ = std::fs::remove_dir_all(&dir);
        let _ = std::fs::remove_dir_all(&outside);
    }

    #[test]
    fn only_small_regular_files_are_read() {
        let dir = folder("flowfiles");
        let big = dir.join("big.yaml");
        std::fs::write(&big, format!("# {}\n", "x".repeat(MAX_FLOW_BYTES))).unwrap();
        assert!(read_flow_file(&big).unwrap_err().contains("1 MiB"));
        assert!(
            read_flow_file(Path::new("/dev/zero"))
                .unwrap_err()
                .contains("not a regular file")
        );
        assert!(
            read_flow_file(&dir)
                .unwrap_err()
                .contains("not a regular file")
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
