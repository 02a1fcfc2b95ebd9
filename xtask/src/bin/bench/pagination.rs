//! Scenario 4, pagination at scale: `search-users` over 100,000 sandbox users, 200 a page,
//! through the library's stream (one page held at a time) and collected into a `Vec`.
//!
//! Each variant runs in a child process (this binary, `__paginate`) that reads its own peak
//! resident memory (`VmHWM`) at the end, so that neither the sandbox (which stays in this
//! process) nor the other variant is counted.

use std::process::Command;
use std::time::{Duration, Instant};

use connector_okta::{Okta, SearchUsersInput};
use connector_sandbox::okta::Bucket;
use connector_sandbox::{OktaConfig, OktaEmulator, UserSeed};
use futures_util::StreamExt;
use serde_json::{Value, json};

use crate::Plan;
use crate::measure::{median, peak_rss_kib};
use crate::report::Summary;

pub(crate) const USERS: u32 = 100_000;
const PAGE_SIZE: u32 = 200;
/// Every seeded user is `ACTIVE`: the search matches them all, and goes through the
/// emulator's search path rather than the plain listing.
const SEARCH: &str = r#"status eq "ACTIVE""#;

/// The child process: pages through the users one way and prints what it measured as JSON.
pub(crate) fn child(args: &[String]) -> Result<(), String> {
    let [variant, url, token] = args else {
        return Err("usage: bench __paginate stream|vec URL TOKEN".to_owned());
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start a runtime: {e}"))?;
    let okta = Okta::builder(url.as_str())
        .api_token(token.as_str())
        .build()
        .map_err(|e| format!("cannot build the Okta client: {e}"))?;
    let query = SearchUsersInput::matching(SEARCH).with_limit(PAGE_SIZE);
    let baseline_kib = peak_rss_kib();
    let started = Instant::now();
    let (users, login_bytes) = runtime.block_on(async {
        match variant.as_str() {
            "stream" => {
                let pages = okta.search_users_pages(&query).map_err(|e| e.to_string())?;
                let stream = pages.into_stream();
                futures_util::pin_mut!(stream);
                let (mut users, mut bytes) = (0u64, 0u64);
                while let Some(user) = stream.next().await {
                    let user = user.map_err(|e| e.to_string())?;
                    users += 1;
                    bytes += user.profile.login.len() as u64;
                }
                Ok::<_, String>((users, bytes))
            }
            "vec" => {
                let all = okta.search_users(&query).await.map_err(|e| e.to_string())?;
                let bytes = all.iter().map(|u| u.profile.login.len() as u64).sum();
                Ok((all.len() as u64, bytes))
            }
            other => Err(format!("unknown variant {other}")),
        }
    })?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{}",
        json!({
            "users": users,
            "loginBytes": login_bytes,
            "secs": secs,
            "peakKib": peak_rss_kib(),
            "startKib": baseline_kib,
        })
    );
    Ok(())
}

struct Measured {
    users: f64,
    secs: f64,
    peak_mib: f64,
    start_mib: f64,
}

fn measure(variant: &str, url: &str, token: &str) -> Result<Measured, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let out = Command::new(exe)
        .args(["__paginate", variant, url, token])
        .output()
        .map_err(|e| format!("cannot run the pagination child: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "the {variant} pagination child failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let line = String::from_utf8_lossy(&out.stdout);
    let v: Value = serde_json::from_str(line.trim())
        .map_err(|e| format!("the pagination child said {line:?}: {e}"))?;
    let num = |k: &str| v.get(k).and_then(Value::as_f64).unwrap_or(0.0);
    Ok(Measured {
        users: num("users"),
        secs: num("secs"),
        peak_mib: num("peakKib") / 1024.0,
        start_mib: num("startKib") / 1024.0,
    })
}

pub(crate) async fn run(plan: &Plan, summary: &mut Summary) -> Result<(), String> {
    // Limits no run reaches: this scenario measures paging, not rate limits.
    let config = OktaConfig::default()
        .with_bucket_limit(Bucket::Users, 1_000_000)
        .with_window(Duration::from_secs(60));
    let sandbox = OktaEmulator::start(config, 0)
        .await
        .map_err(|e| format!("cannot start the Okta sandbox: {e}"))?;
    sandbox.seed_users(&UserSeed::new(USERS).role("Support", 10));
    let url = sandbox.base_url();
    let token = sandbox.api_token().to_owned();
    let (mut stream, mut vec) = (Vec::new(), Vec::new());
    for round in 0..plan.pagination_rounds {
        for stream_turn in [round % 2 == 0, round % 2 == 1] {
            let variant = if stream_turn { "stream" } else { "vec" };
            let (url, token) = (url.clone(), token.clone());
            let m = tokio::task::spawn_blocking(move || measure(variant, &url, &token))
                .await
                .map_err(|e| e.to_string())??;
            if m.users as u32 != USERS {
                return Err(format!(
                    "the {variant} child saw {} users, not {USERS}",
                    m.users
                ));
            }
            eprintln!(
                "  pagination round {} {variant:6}: {:.0} users/s, peak {:.1} MiB (at start {:.1} MiB)",
                round + 1,
                m.users / m.secs,
                m.peak_mib,
                m.start_mib
            );
            if stream_turn {
                stream.push(m)
            } else {
                vec.push(m)
            }
        }
    }
    sandbox.shutdown().await;
    let rate = |ms: &[Measured]| median(&ms.iter().map(|m| m.users / m.secs).collect::<Vec<_>>());
    let peak = |ms: &[Measured]| ms.iter().map(|m| m.peak_mib).fold(0.0, f64::max);
    summary.set("pagination_users", f64::from(USERS));
    summary.set("pagination_page_size", f64::from(PAGE_SIZE));
    summary.set("pagination_users_per_s", rate(&stream));
    summary.set("pagination_vec_users_per_s", rate(&vec));
    summary.set("pagination_stream_peak_mib", peak(&stream));
    summary.set("pagination_vec_peak_mib", peak(&vec));
    summary.set(
        "pagination_process_start_mib",
        median(
            &stream
                .iter()
                .chain(&vec)
                .map(|m| m.start_mib)
                .collect::<Vec<_>>(),
        ),
    );
    Ok(())
}
