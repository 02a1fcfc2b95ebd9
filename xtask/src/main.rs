//! `cargo xtask <command>`: see the library docs for the commands.

mod bench;
mod features;

use std::process::{Command, ExitCode};
use std::time::Instant;

use xtask::{codegen, scaffold, workspace_root};

const USAGE: &str = "usage:
  cargo xtask codegen [--check]
  cargo xtask new-connector <id> [--base-url URL] [--auth header|bearer|basic|oauth-client-credentials]
                            [--openapi FILE --operations OP1,OP2,...]
  cargo xtask bench [--quick] [--only SCENARIO,...]   (overhead, okta, boards, ...: see docs/performance.md)
  cargo xtask features   (the test build reuses every crate the demo's build compiled)
  cargo xtask ci";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("codegen") => codegen_cmd(&args[1..]),
        Some("new-connector") => scaffold_cmd(&args[1..]),
        Some("bench") => bench::run(&args[1..]),
        Some("features") => features::check(),
        Some("ci") => ci(),
        _ => Err(USAGE.to_owned()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::from(2)
        }
    }
}

fn codegen_cmd(args: &[String]) -> Result<(), String> {
    let check = match args {
        [] => false,
        [flag] if flag == "--check" => true,
        _ => return Err(USAGE.to_owned()),
    };
    let root = workspace_root();
    let report = codegen::run(&root, check).map_err(|e| format!("codegen failed: {e}"))?;
    for line in &report.skipped {
        eprintln!("codegen: skipped {line}");
    }
    if check {
        if report.stale.is_empty() {
            println!("codegen: {} generated files are fresh", report.files);
            Ok(())
        } else {
            Err(format!(
                "codegen: these generated files are stale:\n{}\nrun `cargo xtask codegen` to update them",
                report
                    .stale
                    .iter()
                    .map(|p| format!("  {p}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            ))
        }
    } else {
        println!(
            "codegen: wrote {} of {} files ({} unchanged)",
            report.stale.len(),
            report.files,
            report.files - report.stale.len()
        );
        Ok(())
    }
}

fn scaffold_cmd(args: &[String]) -> Result<(), String> {
    let mut id = None;
    let mut base_url = None;
    let mut auth = scaffold::Auth::Bearer;
    let mut document = None;
    let mut operations = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--base-url" => base_url = Some(it.next().ok_or("--base-url needs a URL")?.clone()),
            "--auth" => {
                let value = it.next().ok_or("--auth needs a value")?;
                auth = scaffold::Auth::parse(value).ok_or_else(|| {
                    format!("--auth {value:?} is not one of header, bearer, basic, oauth-client-credentials")
                })?;
            }
            "--openapi" => {
                document = Some(std::path::PathBuf::from(
                    it.next().ok_or("--openapi needs the document's path")?,
                ));
            }
            "--operations" => {
                let list = it
                    .next()
                    .ok_or("--operations needs operationIds, comma-separated")?;
                operations = Some(
                    list.split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .collect::<Vec<_>>(),
                );
            }
            other if other.starts_with("--") => {
                return Err(format!("unknown option {other}\n{USAGE}"));
            }
            other if id.is_none() => id = Some(other.to_owned()),
            other => return Err(format!("unexpected argument {other}\n{USAGE}")),
        }
    }
    let id = id.ok_or_else(|| USAGE.to_owned())?;
    let openapi = match (document, operations) {
        (Some(document), Some(operations)) => {
            Some(scaffold::OpenApiSource::new(document, operations))
        }
        (None, None) => None,
        (Some(_), None) => {
            return Err("--openapi needs --operations (the operationIds to generate)".to_owned());
        }
        (None, Some(_)) => return Err("--operations needs --openapi (the document)".to_owned()),
    };
    let base_url = match (base_url, &openapi) {
        (Some(url), _) => url,
        (None, Some(source)) => scaffold::server_origin(&source.document)?
            .unwrap_or_else(|| "https://api.example.com".to_owned()),
        (None, None) => "https://api.example.com".to_owned(),
    };
    let options = scaffold::Options {
        id,
        base_url,
        auth,
        openapi,
    };
    let created = scaffold::new_connector(&workspace_root(), &options)?;
    println!("created {created}");
    println!(
        "next: cargo test -p connector-{0} && cargo xtask codegen",
        options.id
    );
    Ok(())
}

fn cargo(args: &[&str]) -> Result<(), String> {
    cargo_with(args, &[])
}

/// Runs cargo in the workspace root with `args` and extra environment variables.
fn cargo_with(args: &[&str], env: &[(&str, &str)]) -> Result<(), String> {
    let shown = env
        .iter()
        .map(|(k, v)| format!("{k}={v:?} "))
        .collect::<String>();
    println!("$ {shown}cargo {}", args.join(" "));
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let status = Command::new(cargo)
        .args(args)
        .envs(env.iter().copied())
        .current_dir(workspace_root())
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`cargo {}` failed ({status})", args.join(" ")))
    }
}

/// The members that may be published: all but those with `publish = false` (`xtask`,
/// `spec-check`), read from `cargo metadata` so that a scaffolded connector is packaged
/// too. `crates/fuzz` is not a member.
fn publishable() -> Result<Vec<String>, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .args(["metadata", "--no-deps", "--format-version", "1"])
        .current_dir(workspace_root())
        .output()
        .map_err(|e| format!("cannot run cargo metadata: {e}"))?;
    if !output.status.success() {
        return Err(format!("`cargo metadata` failed ({})", output.status));
    }
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("cannot read cargo metadata: {e}"))?;
    let names = metadata["packages"]
        .as_array()
        .map(|packages| {
            packages
                .iter()
                // `publish` is null (anywhere) or a list of registries; `[]` is `false`.
                .filter(|p| p["publish"].as_array().is_none_or(|r| !r.is_empty()))
                .filter_map(|p| p["name"].as_str().map(str::to_owned))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    if names.is_empty() {
        return Err("cargo metadata lists no publishable crate".to_owned());
    }
    Ok(names)
}

/// `cargo package` of every publishable crate: the manifests, the file lists and the
/// path dependencies' versions are checked, which catches a file the package leaves out, a
/// path dependency without a version, or metadata crates.io refuses. `--no-verify` skips
/// building each unpacked package: that build recompiles every dependency outside the
/// workspace's profile (several CPU-minutes in CI) and proves nothing `cargo test` has not.
/// A release verifies with `cargo package -p … ` without the flag (the crates are packaged
/// together, so cargo resolves their path dependencies from the packages it has just made).
/// `--allow-dirty` lets a developer run this before committing.
fn package() -> Result<(), String> {
    let names = publishable()?;
    let mut args = vec!["package", "--allow-dirty", "--no-verify"];
    for name in &names {
        args.extend(["-p", name.as_str()]);
    }
    cargo(&args)
}

/// What `.ci/run` runs: format, one build for the README's commands, lints, tests, generated files, API docs, packaging, the
/// scaffold round trip. Each step says how long it took.
fn ci() -> Result<(), String> {
    let started = Instant::now();
    let mut timings = Vec::new();
    let mut step = |name: &'static str, run: &dyn Fn() -> Result<(), String>| {
        let t = Instant::now();
        let result = run();
        timings.push((name, t.elapsed()));
        println!("ci: {name} took {:.0} s", t.elapsed().as_secs_f64());
        result
    };
    step("format", &|| cargo(&["fmt", "--all", "--", "--check"]))?;
    step("features", &features::check)?;
    step("clippy", &|| {
        cargo(&[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ])
    })?;
    step("tests", &|| {
        cargo(&["test", "--workspace", "--release", "--no-fail-fast"])
    })?;
    step("codegen", &|| codegen_cmd(&["--check".to_owned()]))?;
    // Broken or redundant intra-doc links, bare URLs and the like fail the build, as they
    // would on docs.rs readers.
    step("docs", &|| {
        cargo_with(
            &["doc", "--workspace", "--no-deps"],
            &[("RUSTDOCFLAGS", "-D warnings")],
        )
    })?;
    step("package", &package)?;
    step("scaffold", &|| {
        cargo(&[
            "test",
            "--release",
            "-p",
            "xtask",
            "--test",
            "xtask",
            "--",
            "--ignored",
            "scaffold::",
        ])
    })?;
    println!(
        "ci: all checks passed in {:.0} s ({})",
        started.elapsed().as_secs_f64(),
        timings
            .iter()
            .map(|(name, took)| format!("{name} {:.0} s", took.as_secs_f64()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(())
}
