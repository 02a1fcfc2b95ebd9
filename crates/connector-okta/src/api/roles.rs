//! Admin role assignments of users: assign (idempotently), list, unassign.

use connector_core::{Error, Method, Request, Result, path_segment};
use serde_json::{Map, Value, json};

use super::non_empty;
use super::pages::Pages;
use crate::client::Okta;
use crate::model::{
    AddUserToAdminRoleOutput, RemoveUserFromAdminRoleOutput, RoleAssignment, RoleToRemove,
};
use crate::profile::ROLE_ALREADY_ASSIGNED;

fn roles_path(user_id: &str) -> String {
    format!("/api/v1/users/{}/roles", path_segment(user_id))
}

impl Okta {
    /// Assigns an admin role to a user (`POST /api/v1/users/{userId}/roles` with
    /// `{"type": role_type}`), idempotently: when Okta answers `E0000090` (already
    /// assigned), whatever the status, this is a success with `already_assigned` set and the
    /// existing assignment's id looked up from the user's roles.
    ///
    /// ```no_run
    /// # async fn example(okta: connector_okta::Okta) -> connector_core::Result<()> {
    /// let assigned = okta.add_user_to_admin_role("00u1abc", "HELP_DESK_ADMIN").await?;
    /// if assigned.already_assigned {
    ///     println!("already a help desk admin");
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn add_user_to_admin_role(
        &self,
        user_id: &str,
        role_type: &str,
    ) -> Result<AddUserToAdminRoleOutput> {
        let user_id = non_empty("userId", user_id)?;
        let role_type = non_empty("roleType", role_type)?;
        let request = self
            .connection()
            .request(Method::POST, &roles_path(user_id))
            .json(&json!({ "type": role_type }))?;
        // `None` when Okta says the role is already assigned (E0000090), whatever the status.
        let created: Option<Map<String, Value>> = match self.connection().send(request).await {
            // An answer with no assignment in it (a dry run's) stops the action here.
            Ok(mut response) => response.take_json_object()?.filter(|body| {
                body.get("errorCode").and_then(Value::as_str) != Some(ROLE_ALREADY_ASSIGNED)
            }),
            Err(error) if error.code() == Some(ROLE_ALREADY_ASSIGNED) => None,
            Err(error) => return Err(error),
        };
        let already_assigned = created.is_none();
        let assignment = match created {
            Some(body) => Some(
                serde_json::from_value::<RoleAssignment>(Value::Object(body)).map_err(|e| {
                    Error::invalid_response(format!("okta's answer is not a role assignment: {e}"))
                })?,
            ),
            // Okta does not say which assignment already exists: look it up.
            None => self
                .list_user_roles(user_id)
                .await?
                .into_iter()
                .find(|r| r.role_type == role_type),
        };
        Ok(AddUserToAdminRoleOutput {
            user_id: user_id.to_owned(),
            role_type: role_type.to_owned(),
            assignment_id: assignment.as_ref().map(|a| a.id.clone()),
            status: assignment.and_then(|a| a.status),
            already_assigned,
        })
    }

    /// The admin roles assigned to a user (`GET /api/v1/users/{userId}/roles`).
    ///
    /// ```no_run
    /// # async fn example(okta: connector_okta::Okta) -> connector_core::Result<()> {
    /// for role in okta.list_user_roles("00u1abc").await? {
    ///     println!("{} ({})", role.role_type, role.id);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn list_user_roles(&self, user_id: &str) -> Result<Vec<RoleAssignment>> {
        let user_id = non_empty("userId", user_id)?;
        let request: Request = self.connection().request(Method::GET, &roles_path(user_id));
        Pages::new(self.connection().clone(), request, None)
            .collect_all()
            .await
    }

    /// Unassigns an admin role from a user (`DELETE /api/v1/users/{userId}/roles/{id}`),
    /// by assignment id, or by role type, in which case the user's roles are listed to find
    /// the assignment. A role type the user does not hold is not an error: the output says
    /// `removed: false`.
    ///
    /// ```no_run
    /// use connector_okta::RoleToRemove;
    ///
    /// # async fn example(okta: connector_okta::Okta) -> connector_core::Result<()> {
    /// let out = okta
    ///     .remove_user_from_admin_role("00u1abc", RoleToRemove::Type("HELP_DESK_ADMIN".into()))
    ///     .await?;
    /// println!("removed: {}", out.removed);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn remove_user_from_admin_role(
        &self,
        user_id: &str,
        role: RoleToRemove,
    ) -> Result<RemoveUserFromAdminRoleOutput> {
        let user_id = non_empty("userId", user_id)?;
        let assignment_ids = match &role {
            RoleToRemove::AssignmentId(id) => vec![path_segment(non_empty("assignmentId", id)?)],
            RoleToRemove::Type(role_type) => {
                let role_type = non_empty("roleType", role_type)?;
                // The removal is built from the lookup's answer; without one (a dry run)
                // it is shown with a placeholder id.
                let found = self.list_user_roles(user_id).await.map(|roles| {
                    roles
                        .into_iter()
                        .filter(|r| r.role_type == role_type)
                        .map(|r| path_segment(&r.id))
                        .collect()
                });
                self.connection()
                    .lookup(found, || vec![":assignmentId".to_owned()])?
            }
        };
        let looked_up = matches!(role, RoleToRemove::Type(_));
        for id in &assignment_ids {
            let mut request = self
                .connection()
                .request(Method::DELETE, &format!("{}/{id}", roles_path(user_id)));
            if looked_up {
                request = request.depends_on_answer();
            }
            self.connection().send(request).await?;
        }
        Ok(RemoveUserFromAdminRoleOutput {
            user_id: user_id.to_owned(),
            removed: !assignment_ids.is_empty(),
        })
    }
}
