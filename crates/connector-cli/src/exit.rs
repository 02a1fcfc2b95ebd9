//! Exit codes, as DESIGN.md fixes them.

use connector_core::Error;

/// The process exit code for an error (core's [`ErrorKind::exit_code`](connector_core::ErrorKind::exit_code)).
pub(crate) fn code(error: &Error) -> u8 {
    error.kind().exit_code()
}

#[cfg(test)]
mod tests {
    use super::*;
    use connector_core::ErrorKind;

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
        ];
        for (kind, expected) in cases {
            assert_eq!(code(&Error::new(kind, "x")), expected, "{kind}");
        }
    }
}
