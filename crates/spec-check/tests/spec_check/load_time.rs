//! How long the first `okta()` call takes (the YAML parse). Its own test binary, so that
//! nothing else has loaded the document first.

#[test]
fn okta_loads_quickly() {
    let started = std::time::Instant::now();
    let Some(spec) = spec_check::okta() else {
        return;
    };
    let elapsed = started.elapsed();
    eprintln!("okta() parsed the management document in {elapsed:?}");
    let started = std::time::Instant::now();
    spec.validate_request("GET", "/api/v1/users?limit=2", None)
        .unwrap();
    eprintln!(
        "first GET /api/v1/users check (query parameter schemas) in {:?}",
        started.elapsed()
    );
    let started = std::time::Instant::now();
    spec.validate_request(
        "POST",
        "/api/v1/users/00u1/roles",
        Some(&serde_json::json!({"type": "USER_ADMIN"})),
    )
    .unwrap();
    eprintln!(
        "first request-body check (schema compile) in {:?}",
        started.elapsed()
    );
    let started = std::time::Instant::now();
    spec.validate_request(
        "POST",
        "/api/v1/users/00u1/roles",
        Some(&serde_json::json!({"type": "USER_ADMIN"})),
    )
    .unwrap();
    eprintln!("cached request-body check in {:?}", started.elapsed());
    assert!(elapsed.as_secs() < 30, "loading took {elapsed:?}");

    let started = std::time::Instant::now();
    if spec_check::boards_schema("2026-10").is_some() {
        eprintln!("boards_schema(2026-10) in {:?}", started.elapsed());
    }
}
