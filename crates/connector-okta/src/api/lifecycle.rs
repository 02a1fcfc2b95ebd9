//! `delete-user`: the one lifecycle card that is more than one call, so hand-written (the
//! single-call lifecycle cards are generated from Okta's OpenAPI document).

use connector_core::{Method, Result, path_segment};

use super::non_empty;
use crate::client::Okta;
use crate::model::{DeleteUserInput, DeleteUserOutput};

/// The status of a deactivated user, which Okta deletes at once.
const DEPROVISIONED: &str = "DEPROVISIONED";

impl Okta {
    /// Deletes a user as Okta's Delete User card does: reads the user (`id`: id or login),
    /// deactivates it when it is not yet `DEPROVISIONED` (Okta's first `DELETE` of an
    /// active user only deactivates it), then deletes it: three calls at most. A dry run
    /// lists the read, then the deactivation and the deletion as built from its answer.
    ///
    /// ```no_run
    /// use connector_okta::DeleteUserInput;
    ///
    /// # async fn example(okta: connector_okta::Okta) -> connector_core::Result<()> {
    /// let out = okta.delete_user(&DeleteUserInput::new("jane@acme.com")).await?;
    /// println!("deleted {} (deactivated first: {})", out.id, out.deactivated);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn delete_user(&self, input: &DeleteUserInput) -> Result<DeleteUserOutput> {
        let given = non_empty("id", &input.id)?;
        let read = self
            .read_user(given)
            .await
            .map(|user| (user.id, user.status));
        // A dry run has no answer: the later calls are listed for the id as given, with
        // the deactivation, since the status is unknown.
        let (id, status) = self
            .connection()
            .lookup(read, || (given.to_owned(), None))?;
        let send_email = if input.send_email { "true" } else { "false" };
        let user_path = format!("/api/v1/users/{}", path_segment(&id));
        let deactivate = status.as_deref() != Some(DEPROVISIONED);
        if deactivate {
            let request = self
                .connection()
                .request(Method::POST, &format!("{user_path}/lifecycle/deactivate"))
                .query([("sendEmail", send_email)])
                .depends_on_answer();
            self.connection().send(request).await?;
        }
        let request = self
            .connection()
            .request(Method::DELETE, &user_path)
            .query([("sendEmail", send_email)])
            .depends_on_answer();
        self.connection().send(request).await?;
        Ok(DeleteUserOutput {
            id,
            deactivated: deactivate,
            deleted: true,
        })
    }
}
