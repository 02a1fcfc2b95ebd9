//! Scenario 5, the command line's start: the median wall time of `connector list`.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::Plan;
use crate::measure::median;
use crate::report::Summary;

/// The `connector` binary built next to this one (`cargo xtask bench` builds both).
pub(crate) fn connector_binary() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let path = exe.with_file_name(format!("connector{}", std::env::consts::EXE_SUFFIX));
    if path.exists() {
        Ok(path)
    } else {
        Err(format!(
            "{} is missing; build it with `cargo build --profile dist -p connector-cli` (cargo xtask bench does)",
            path.display()
        ))
    }
}

fn once(binary: &PathBuf) -> Result<f64, String> {
    let started = Instant::now();
    let status = Command::new(binary)
        .arg("list")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map_err(|e| format!("cannot run {}: {e}", binary.display()))?;
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    if status.success() {
        Ok(ms)
    } else {
        Err(format!("`connector list` failed ({status})"))
    }
}

pub(crate) fn run(plan: &Plan, summary: &mut Summary) -> Result<(), String> {
    let binary = connector_binary()?;
    // Two unmeasured runs put the binary in the page cache.
    for _ in 0..2 {
        once(&binary)?;
    }
    let times = (0..plan.cli_runs)
        .map(|_| once(&binary))
        .collect::<Result<Vec<_>, _>>()?;
    summary.set("cli_start_ms", median(&times));
    summary.set(
        "cli_start_max_ms",
        times.iter().copied().fold(0.0, f64::max),
    );
    summary.set("cli_runs", plan.cli_runs as f64);
    Ok(())
}
