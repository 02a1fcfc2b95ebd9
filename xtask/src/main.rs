//! `cargo xtask <command>`: see the library docs for the commands.

mod bench;

use std::process::{Command, ExitCode};

use xtask::{codegen, scaffold, workspace_root};

const USAGE: &str = "usage:
  cargo xtask codegen [--check]
  cargo xtask new-connector <id> [--base-url URL] [--auth header|bearer|basic|oauth-client-credentials]
                            [--openapi FILE --operations OP1,OP2,...]
  cargo xtask bench [--quick] [--only overhead,okta,boards,pagination,cli]
  cargo xtask ci";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("codegen") => codegen_cmd(&args[1..]),
        Some("new-connector") => scaffold_cmd(&args[1..]),
        Some("bench") => bench::run(&args[1..]),
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
    println!("$ cargo {}", args.join(" "));
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let status = Command::new(cargo)
        .args(args)
        .current_dir(workspace_root())
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`cargo {}` failed ({status})", args.join(" ")))
    }
}

/// What `.ci/run` runs: format, lints, tests, generated files, the scaffold round trip.
fn ci() -> Result<(), String> {
    cargo(&["fmt", "--all", "--", "--check"])?;
    cargo(&[
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ])?;
    cargo(&["test", "--workspace"])?;
    codegen_cmd(&["--check".to_owned()])?;
    cargo(&[
        "test",
        "-p",
        "xtask",
        "--test",
        "scaffold",
        "--",
        "--ignored",
    ])?;
    println!("ci: all checks passed");
    Ok(())
}
