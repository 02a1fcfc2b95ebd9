//! `cargo xtask features`: checks that the README's two commands share one build. Cargo
//! resolves features per command, so a crate the demo's build compiled is compiled again
//! by the test build when the tests (or xtask) turn on one more of its features, and so is
//! everything that depends on it. This compares the units each command would compile
//! (cargo's unit graph, read without building) and names every library the later command
//! would compile again, with the features that differ; the fix goes in
//! `crates/connector-cli/Cargo.toml` ("One build for the README's two commands").
//!
//! The unit graph is an unstable cargo output; `RUSTC_BOOTSTRAP=1` lets the stable
//! toolchain print it. It only reads the graph: nothing is built with that setting.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use serde_json::Value;

/// A crate's library or binary: package, target and platform.
type Unit = (String, String, String);

/// Each unit of a command's build, with the (profile, features) it is compiled with.
type Graph = BTreeMap<Unit, BTreeSet<(String, Vec<String>)>>;

/// The builds that must reuse an earlier one: (what runs first, what runs after it).
const PAIRS: [(&str, &[&str], &str, &[&str]); 2] = [
    (
        "the demo (`cargo run --release -p connector-cli`)",
        &["build", "--release", "-p", "connector-cli"],
        "the tests (`cargo test --workspace --release`)",
        &["test", "--workspace", "--release", "--no-run"],
    ),
    (
        "xtask (`cargo xtask`, which CI runs first)",
        &["build", "--release", "-p", "xtask"],
        "the tests (`cargo test --workspace --release`)",
        &["test", "--workspace", "--release", "--no-run"],
    ),
];

fn graph(args: &[&str]) -> Result<Graph, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .args(args)
        .args(["-Z", "unstable-options", "--unit-graph"])
        .env("RUSTC_BOOTSTRAP", "1")
        .current_dir(crate::workspace_root())
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "`cargo {} --unit-graph` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let json: Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("cannot read cargo's unit graph: {e}"))?;
    let mut graph = Graph::new();
    for unit in json["units"].as_array().into_iter().flatten() {
        if unit["mode"] != "build" {
            continue;
        }
        let key = (
            unit["pkg_id"].as_str().unwrap_or_default().to_owned(),
            unit["target"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            unit["platform"].to_string(),
        );
        let features: Vec<String> = unit["features"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|f| f.as_str().map(str::to_owned))
            .collect();
        graph
            .entry(key)
            .or_default()
            .insert((unit["profile"].to_string(), features));
    }
    Ok(graph)
}

/// The crates `later` would compile again, each with the features that differ.
fn rebuilt(earlier: &Graph, later: &Graph) -> Vec<String> {
    let mut out = Vec::new();
    for (unit, sets) in later {
        let Some(before) = earlier.get(unit) else {
            continue;
        };
        for (profile, features) in sets.difference(before) {
            let had: BTreeSet<&String> = before.iter().flat_map(|(_, f)| f).collect();
            let more: Vec<&String> = features.iter().filter(|f| !had.contains(f)).collect();
            let name = unit.0.rsplit('#').next().unwrap_or(&unit.0);
            let why = if before.iter().any(|(p, _)| p == profile) {
                format!("also the features {more:?}")
            } else {
                format!("another profile: {profile}")
            };
            out.push(format!("  {name} ({}): {why}", unit.1));
        }
    }
    out
}

/// Fails, naming each crate, when a later build would compile again what an earlier one
/// compiled.
pub(crate) fn check() -> Result<(), String> {
    let mut problems = Vec::new();
    for (first_name, first, then_name, then) in PAIRS {
        let earlier = graph(first)?;
        let later = graph(then)?;
        let again = rebuilt(&earlier, &later);
        if again.is_empty() {
            println!("features: {then_name} reuse every crate {first_name} built");
        } else {
            problems.push(format!(
                "{then_name} would compile again what {first_name} compiled:\n{}",
                again.join("\n")
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "features: {}\nturn those features on in crates/connector-cli/Cargo.toml (\"One build for the README's two commands\")",
            problems.join("\n")
        ))
    }
}
