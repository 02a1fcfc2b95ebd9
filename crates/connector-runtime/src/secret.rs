//! Comparing secrets without revealing, through timing, where a guess goes wrong.

use subtle::ConstantTimeEq;

/// True when `given` is exactly `expected`, compared in constant time (`subtle`); only
/// the length may show through timing.
pub(crate) fn secret_matches(given: &[u8], expected: &[u8]) -> bool {
    given.ct_eq(expected).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_secret_matches() {
        assert!(secret_matches(b"s3cret", b"s3cret"));
        assert!(!secret_matches(b"s3cre", b"s3cret"));
        assert!(!secret_matches(b"s3cret!", b"s3cret"));
        assert!(!secret_matches(b"", b"s3cret"));
    }
}
