//! `create-user` after a lost answer: the `POST` may or may not have created the user, so
//! the user is read back by login. Okta keeps logins unique, so a user under that login
//! whose profile holds what was sent is the one this call created.

use connector_core::{Error, ErrorKind, Result};
use serde_json::Value;

use crate::client::Okta;
use crate::model::{CreateUserInput, User, UserProfile};

impl Okta {
    /// Converges a `create_user` whose answer was lost (`lost` has an unknown outcome):
    /// reads the user back by login (`GET /api/v1/users/{login}`) and returns it when its
    /// profile holds every field that was sent. A user under that login with another
    /// profile is a `conflict` naming the login. When the read-back fails or finds nobody,
    /// `lost` is returned, saying how to check.
    pub(crate) async fn recover_created_user(
        &self,
        input: &CreateUserInput,
        lost: Error,
    ) -> Result<User> {
        let login = input.profile.login.trim();
        let check = |lost: Error, why: &str| {
            let message = format!(
                "{}; {why}: check with read-user using the login {login} before creating the user again",
                lost.message()
            );
            lost.with_message(message)
        };
        let found = match self.read_user(login).await {
            Ok(user) => user,
            Err(read) if read.kind() == ErrorKind::NotFound => {
                tracing::warn!(
                    attempts = lost.attempts(),
                    "create-user: the answer was lost and no user has the login yet"
                );
                return Err(check(lost, "no user had the login when it was read back"));
            }
            Err(read) => {
                tracing::warn!(
                    error = %read,
                    "create-user: the answer was lost and the user could not be read back"
                );
                return Err(check(lost, "the user could not be read back"));
            }
        };
        let differing = differing_fields(&input.profile, &found.profile);
        if differing.is_empty() {
            tracing::warn!(
                user = %found.id,
                attempts = lost.attempts(),
                "create-user: the answer was lost; recovered the user it created by reading it back by login"
            );
            return Ok(found);
        }
        tracing::warn!(
            user = %found.id,
            fields = %differing.join(","),
            "create-user: the answer was lost and the login belongs to a user with another profile"
        );
        Err(Error::new(
            ErrorKind::Conflict,
            format!(
                "login {login} already belongs to user {} whose profile differs from the one sent ({}); \
                 the answer to the create was lost, so this call may not have created it: check with read-user",
                found.id,
                differing.join(", ")
            ),
        )
        .with_attempts(lost.attempts()))
    }
}

/// The fields of the profile sent whose value the user read back does not hold. Logins and
/// email addresses are compared without case, as Okta matches logins.
fn differing_fields(sent: &UserProfile, found: &UserProfile) -> Vec<String> {
    let (Ok(Value::Object(sent)), Ok(Value::Object(found))) =
        (serde_json::to_value(sent), serde_json::to_value(found))
    else {
        // Profiles are maps of JSON values and always serialise to objects.
        return vec!["profile".to_owned()];
    };
    sent.iter()
        .filter(|(name, value)| {
            let held = found.get(name.as_str());
            match (name.as_str(), value, held) {
                ("login" | "email", Value::String(a), Some(Value::String(b))) => {
                    !a.trim().eq_ignore_ascii_case(b.trim())
                }
                (_, value, Some(held)) => *value != held,
                (_, Value::Null, None) => false,
                (_, _, None) => true,
            }
        })
        .map(|(name, _)| name.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fields_sent_are_compared_and_extra_fields_read_back_do_not_matter() {
        let sent = UserProfile::new("Ada@Example.com")
            .with_name("Ada", "Lovelace")
            .with_attribute("role", "Support");
        let mut found = UserProfile::new("ada@example.com")
            .with_name("Ada", "Lovelace")
            .with_attribute("role", "Support")
            .with_attribute("department", "Engineering");
        assert_eq!(differing_fields(&sent, &found), Vec::<String>::new());
        found.first_name = Some("Augusta".into());
        found.attributes.remove("role");
        assert_eq!(differing_fields(&sent, &found), ["firstName", "role"]);
    }
}
