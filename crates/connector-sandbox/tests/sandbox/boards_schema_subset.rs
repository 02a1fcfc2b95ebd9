//! The emulator's schema is a subset of the service's: every type, field, argument and
//! enum value it exposes exists in both published SDL versions with the same type.

use connector_sandbox::boards;

fn check(version: &str) {
    let Some(schema) = spec_check::boards_schema(version) else {
        eprintln!("skipping: the boards SDL for {version} is not available");
        return;
    };
    let sdl = boards::sdl();
    if let Err(errors) = schema.check_subset(&sdl) {
        panic!(
            "the emulator's schema is not a subset of boards API {version}:\n{}\n\nSDL:\n{sdl}",
            errors.join("\n")
        );
    }
}

#[test]
fn schema_is_a_subset_of_the_current_version() {
    check("2026-10");
}

#[test]
fn schema_is_a_subset_of_the_maintenance_version() {
    check("2026-07");
}

#[test]
fn schema_keeps_the_service_names_and_never_exposes_removed_fields() {
    let sdl = boards::sdl();
    for expected in [
        "reset_in_x_seconds: Int!",
        "add_users_to_board(",
        "delete_subscribers_from_board(",
        "board_kind: BoardKind!",
        "state: State = active",
        "limit: Int = 25",
        "kind: BoardSubscriberKind = subscriber",
        "old__maintenance",
    ] {
        assert!(sdl.contains(expected), "missing `{expected}` in:\n{sdl}");
    }
    let user_type = sdl
        .split("\ntype User {")
        .nth(1)
        .and_then(|rest| rest.split("\n}").next())
        .expect("the schema has a User type");
    for removed in [
        "enabled:",
        "is_admin:",
        "is_guest:",
        "is_pending:",
        "is_view_only:",
        "is_verified:",
        "join_date:",
        "photo_original:",
        "photo_small:",
        "photo_thumb:",
        "photo_thumb_small:",
        "photo_tiny:",
    ] {
        assert!(
            !user_type.contains(removed),
            "User `{removed}` was removed in 2026-10:\n{user_type}"
        );
    }
    assert!(
        !sdl.contains("resetInXSeconds"),
        "fields must stay snake_case"
    );
}
