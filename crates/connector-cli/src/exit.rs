//! Exit codes of the `connector` command line, as DESIGN.md fixes them.
//!
//! The mapping belongs to the command line, not to the core: a library caller matches on
//! [`ErrorKind`] itself. `cargo xtask codegen` reads it from here for the error tables of
//! the generated connector pages.

use connector_core::ErrorKind;

/// The exit code of `connector run` for an error of this kind: 2 invalid input or
/// configuration, 3 authentication or permission, 4 not found, 5 rate limited, 6 another
/// answer from the service, 7 transport, timeout or an unreadable answer, 1 anything else.
///
/// ```
/// use connector_core::ErrorKind;
///
/// assert_eq!(connector_cli::exit_code(ErrorKind::NotFound), 4);
/// ```
pub fn exit_code(kind: ErrorKind) -> u8 {
    match kind {
        ErrorKind::InvalidInput | ErrorKind::Configuration => 2,
        ErrorKind::Authentication | ErrorKind::PermissionDenied => 3,
        ErrorKind::NotFound => 4,
        ErrorKind::RateLimited => 5,
        ErrorKind::Upstream | ErrorKind::Unavailable | ErrorKind::Conflict => 6,
        ErrorKind::Transport | ErrorKind::Timeout | ErrorKind::InvalidResponse => 7,
        ErrorKind::Failed => 1,
        // `ErrorKind` is non-exhaustive: a kind added to the core later is "anything
        // else" until the command line gives it a code of its own.
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_map_to_the_documented_exit_codes() {
        let cases = [
            (ErrorKind::InvalidInput, 2),
            (ErrorKind::Configuration, 2),
            (ErrorKind::Authentication, 3),
            (ErrorKind::PermissionDenied, 3),
            (ErrorKind::NotFound, 4),
            (ErrorKind::RateLimited, 5),
            (ErrorKind::Upstream, 6),
            (ErrorKind::Unavailable, 6),
            (ErrorKind::Conflict, 6),
            (ErrorKind::Transport, 7),
            (ErrorKind::Timeout, 7),
            (ErrorKind::InvalidResponse, 7),
            (ErrorKind::Failed, 1),
        ];
        for (kind, expected) in cases {
            assert_eq!(exit_code(kind), expected, "{kind}");
        }
    }
}
