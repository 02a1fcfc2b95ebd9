//! CSRF tokens for the admin pages' forms: a form carries a token bound to the action it
//! posts to, which a page on another origin can neither read nor compute.
//!
//! The token is HMAC-SHA256 of the form's path under a key that is derived from the admin
//! token when one is set (so that replicas behind one address agree), and random per
//! process otherwise.

use base64::Engine;
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

use crate::secret::secret_matches;

/// The form field that carries the token.
pub(crate) const FIELD: &str = "csrf";

/// Makes and checks the tokens of one admin listener.
#[derive(Clone)]
pub(crate) struct Csrf {
    key: [u8; 32],
}

impl std::fmt::Debug for Csrf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Csrf(..)")
    }
}

impl Csrf {
    pub(crate) fn new(admin_token: Option<&SecretString>) -> Csrf {
        let key = match admin_token {
            Some(token) => {
                let mut hash = Sha256::new();
                hash.update(b"connector admin csrf\0");
                hash.update(token.expose_secret().as_bytes());
                hash.finalize().into()
            }
            None => rand::random(),
        };
        Csrf { key }
    }

    /// The token of a form that posts to `action` (a path such as `/history/r1/rerun`).
    pub(crate) fn token(&self, action: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key)
            .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
        mac.update(action.as_bytes());
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }

    /// Whether `given` is the token of `action`.
    pub(crate) fn check(&self, action: &str, given: &str) -> bool {
        secret_matches(given.as_bytes(), self.token(action).as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_bound_to_its_action_and_its_key() {
        let csrf = Csrf::new(None);
        let token = csrf.token("/history/r1/rerun");
        assert!(csrf.check("/history/r1/rerun", &token));
        assert!(!csrf.check("/history/r2/rerun", &token));
        assert!(!Csrf::new(None).check("/history/r1/rerun", &token));
        let admin = SecretString::from("t0ken");
        let a = Csrf::new(Some(&admin)).token("/x");
        assert_eq!(a, Csrf::new(Some(&admin)).token("/x"), "replicas agree");
    }
}
