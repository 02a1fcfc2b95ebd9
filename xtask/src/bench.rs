//! `cargo xtask bench [--quick]`: builds the `connector` binary and the benchmark in the
//! optimised `dist` profile,
//! then runs the benchmark (`src/bin/bench`), which prints the table, writes
//! `target/bench/summary.json` and, on a full run, the measured section of
//! `docs/performance.md`.

use std::process::Command;

use xtask::workspace_root;

/// Runs the benchmark with `args` (`--quick`, `--only a,b`).
pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let root = workspace_root();
    // `connector list` is timed from the optimised binary next to the benchmark's.
    let build = [
        "build",
        "--profile",
        "dist",
        "-p",
        "connector-cli",
        "--bin",
        "connector",
    ];
    println!("$ cargo {}", build.join(" "));
    let status = Command::new(&cargo)
        .args(build)
        .current_dir(&root)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err(format!("`cargo {}` failed ({status})", build.join(" ")));
    }
    let mut run = vec![
        "run",
        "--profile",
        "dist",
        "-p",
        "xtask",
        "--bin",
        "bench",
        "--",
    ];
    run.extend(args.iter().map(String::as_str));
    println!("$ cargo {}", run.join(" "));
    let command = std::iter::once("cargo xtask bench")
        .chain(args.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join(" ");
    let status = Command::new(&cargo)
        .args(&run)
        .current_dir(&root)
        .env("XTASK_BENCH_COMMAND", command)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("the benchmark failed ({status})"))
    }
}
