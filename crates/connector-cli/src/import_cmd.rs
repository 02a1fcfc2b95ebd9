//! `connector flow import`: Okta Workflows exports into flow files (the work is the
//! `flow-import` crate's; this prints its report and picks the exit code).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use connector_core::Error;
use serde_json::json;

use crate::fail;

pub(crate) fn run(
    files: &[PathBuf],
    out: Option<&Path>,
    coverage: Option<&Path>,
    as_json: bool,
) -> ExitCode {
    if let Some(dir) = coverage {
        return measure(dir, as_json);
    }
    let Some(out) = out else {
        return fail(&Error::invalid_input(
            "give --out DIR, the folder the flows are written to",
        ));
    };
    let cards = match crate::flow_cmd::cards() {
        Ok(cards) => cards,
        Err(e) => return fail(&e),
    };
    let import = flow_import::import(files, out, |tables| cards.with_tables(tables));
    if let Err(e) = import.write(out) {
        return fail(&Error::configuration(format!(
            "cannot write to {}: {e}",
            out.display()
        )));
    }
    if as_json {
        outln!("{}", json!(import.report));
    } else {
        for line in import.report.as_text().lines() {
            errln!("{}", connector_runtime::printable(line));
        }
    }
    if import.report.all_written() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    }
}

fn measure(dir: &Path, as_json: bool) -> ExitCode {
    if let Err(e) = crate::flow_cmd::cards() {
        return fail(&e);
    }
    // Each export is validated on cards of its own, with its own tables.
    let coverage = flow_import::coverage(dir, |tables| {
        crate::flow_cmd::cards()
            .unwrap_or_else(|_| {
                connector_runtime::cards::Cards::new(
                    connector_cli::registry(),
                    crate::process_env(),
                )
            })
            .with_tables(tables)
    });
    match coverage {
        Ok(coverage) => {
            if as_json {
                outln!("{}", json!(coverage));
            } else {
                outln!("{}", coverage.as_text().trim_end());
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(&Error::invalid_input(format!(
            "cannot read the folder {}: {e}",
            dir.display()
        ))),
    }
}
