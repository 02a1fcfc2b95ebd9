//! `connector demo` as a test: the whole scenario (the help-desk template and the boards
//! flow) through the real binary, the real connectors and the emulators over loopback.

use std::process::Command;
use std::time::{Duration, Instant};

/// The demo user's password: the demo sends it to the emulator and must never print it.
const DEMO_PASSWORD: &str = "Tr0ub4dor&3-demo";
/// The boards emulator's default token, which the demo's connection sends.
const BOARDS_TOKEN: &str = "boards-sandbox-token";

/// Words that look like an Okta API token (`00` + 40 URL-safe characters), as the Okta
/// emulator generates them.
fn okta_token_like(text: &str) -> Vec<&str> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .filter(|word| word.len() == 42 && word.starts_with("00"))
        .collect()
}

#[test]
fn demo_exits_0_with_help_desk_admin_in_the_history_all_checks_held_and_no_secret_shown() {
    let started = Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_connector"))
        .arg("demo")
        .output()
        .expect("the connector binary runs");
    let elapsed = started.elapsed();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "connector demo exited with {:?}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        output.status.code()
    );

    // Run with its streams captured, the demo draws no progress line with escape codes.
    assert!(
        !output.stderr.contains(&0x1b) && !output.stdout.contains(&0x1b),
        "escape bytes on a pipe:\n{stderr:?}"
    );

    // The flow history: the template assigned the role and the role list shows it.
    assert!(stdout.contains("Flow History"), "{stdout}");
    assert!(
        stdout.contains("Okta · Add User to Admin Role (template)"),
        "{stdout}"
    );
    let run_line = |outcome: &str| {
        stdout
            .lines()
            .any(|l| l.contains("✔ run_") && l.contains(&format!(" {outcome} ")))
    };
    assert!(run_line("assigned"), "{stdout}");
    assert!(
        stdout.contains(r#""outcome":"alreadyAssigned""#),
        "{stdout}"
    );
    assert!(run_line("skipped"), "{stdout}");
    assert!(
        stdout
            .lines()
            .any(|line| line.contains("input:") && line.contains(r#""roleType":"HELP_DESK_ADMIN""#)),
        "no card of the history names the HELP_DESK_ADMIN role:\n{stdout}"
    );
    assert!(
        stdout.contains("Okta · List User Roles") && stdout.contains("Help Desk Administrat"),
        "the role list card does not show the help desk role:\n{stdout}"
    );
    assert!(
        stdout.contains("✔ the Support user is listed with the HELP_DESK_ADMIN role"),
        "{stdout}"
    );
    assert!(!stdout.contains('✘'), "a card or a check failed:\n{stdout}");
    assert!(stdout.contains("10 of 10 checks hold"), "{stdout}");

    // The whole loop: the sandbox's event hook reached the runtime, which ran the template
    // once per event (each delivered twice) and kept the runs in its store; the role call
    // answered 429 once shows its two attempts.
    assert!(
        stdout.contains("Flow History of the runtime (read back from its store"),
        "{stdout}"
    );
    assert!(stdout.contains("4 deliveries, 2 runs"), "{stdout}");
    assert!(
        stdout.lines().any(|l| l.contains("grant")
            && l.contains("okta.custom-api-action")
            && l.contains("2 attempts")),
        "no card shows the retried role call's attempts:\n{stdout}"
    );
    assert!(
        stdout.contains("✔ each event delivered twice ran once"),
        "{stdout}"
    );
    // The progress line is for a terminal only; the test's stderr is a pipe.
    assert!(
        !stderr.contains('\r'),
        "a progress line on a pipe:\n{stderr}"
    );

    // Secrets: the password is masked, and no credential of the sandbox is printed.
    for (name, text) in [("stdout", &stdout), ("stderr", &stderr)] {
        assert!(
            !text.contains(DEMO_PASSWORD),
            "the demo password shows on {name}"
        );
        assert!(
            !text.contains(BOARDS_TOKEN),
            "the boards token shows on {name}"
        );
        assert!(
            !text.contains("SSWS "),
            "an Authorization header shows on {name}"
        );
        assert_eq!(
            okta_token_like(text),
            Vec::<&str>::new(),
            "an Okta API token shows on {name}"
        );
    }
    assert!(
        stdout.contains(r#""password":"****""#),
        "the password is not shown masked:\n{stdout}"
    );

    // The issue asks for under 10 s on this machine (in release); a debug build is slower
    // but must stay well inside that.
    assert!(
        elapsed < Duration::from_secs(10),
        "the demo took {elapsed:?}"
    );
}
