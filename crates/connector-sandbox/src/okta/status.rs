//! Okta's user statuses and the lifecycle operations between them, as Okta documents
//! them: which statuses each operation accepts, where it leads, and the error Okta answers
//! (code from its error catalogue) for a user in another status.

use axum::http::StatusCode;

use super::error::OktaError;

/// A user's status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Status {
    Staged,
    Provisioned,
    Active,
    Recovery,
    PasswordExpired,
    LockedOut,
    Suspended,
    Deprovisioned,
}

impl Status {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Status::Staged => "STAGED",
            Status::Provisioned => "PROVISIONED",
            Status::Active => "ACTIVE",
            Status::Recovery => "RECOVERY",
            Status::PasswordExpired => "PASSWORD_EXPIRED",
            Status::LockedOut => "LOCKED_OUT",
            Status::Suspended => "SUSPENDED",
            Status::Deprovisioned => "DEPROVISIONED",
        }
    }
}

/// A lifecycle operation (`/api/v1/users/{id}/lifecycle/{op}`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Operation {
    Activate,
    Reactivate,
    Deactivate,
    Suspend,
    Unsuspend,
    Unlock,
    ExpirePassword,
    ResetPassword,
    ResetFactors,
}

impl Operation {
    /// The operation of a path's last segment.
    pub(crate) fn parse(segment: &str) -> Option<Operation> {
        Some(match segment {
            "activate" => Operation::Activate,
            "reactivate" => Operation::Reactivate,
            "deactivate" => Operation::Deactivate,
            "suspend" => Operation::Suspend,
            "unsuspend" => Operation::Unsuspend,
            "unlock" => Operation::Unlock,
            "expire_password" => Operation::ExpirePassword,
            "reset_password" => Operation::ResetPassword,
            "reset_factors" => Operation::ResetFactors,
            _ => return None,
        })
    }

    /// The System Log event the operation records (Okta's event type), if any.
    pub(crate) fn event(self) -> (&'static str, &'static str) {
        match self {
            Operation::Activate | Operation::Reactivate => {
                ("user.lifecycle.activate", "Activate Okta user")
            }
            Operation::Deactivate => ("user.lifecycle.deactivate", "Deactivate Okta user"),
            Operation::Suspend => ("user.lifecycle.suspend", "Suspend Okta user"),
            Operation::Unsuspend => ("user.lifecycle.unsuspend", "Unsuspend Okta user"),
            Operation::Unlock => ("user.account.unlock_by_admin", "Unlock Okta user"),
            Operation::ExpirePassword => ("user.account.expire_password", "Expire user password"),
            Operation::ResetPassword => ("user.account.reset_password", "Reset user password"),
            Operation::ResetFactors => ("user.mfa.factor.reset_all", "Reset all factors for user"),
        }
    }

    /// The status after the operation on a user in `from` (who has a password or not),
    /// or Okta's error for a user in that status.
    pub(crate) fn apply(self, from: Status, has_password: bool) -> Result<Status, OktaError> {
        use Status::*;
        let not_allowed = || {
            OktaError::new(
                StatusCode::FORBIDDEN,
                "E0000038",
                "This operation is not allowed in the user's current status.",
            )
        };
        match (self, from) {
            (Operation::Activate, Staged | Deprovisioned) => {
                Ok(if has_password { Active } else { Provisioned })
            }
            (Operation::Activate, Active) => Err(OktaError::new(
                StatusCode::FORBIDDEN,
                "E0000016",
                "Activation failed because the user is already active",
            )),
            (Operation::Reactivate, Provisioned) => Ok(Provisioned),
            (Operation::Deactivate, Deprovisioned) => Err(not_allowed()),
            (Operation::Deactivate, _) => Ok(Deprovisioned),
            (Operation::Suspend, Active) => Ok(Suspended),
            (Operation::Suspend, _) => Err(OktaError::new(
                StatusCode::BAD_REQUEST,
                "E0000001",
                "Api validation failed: status",
            )
            .cause("status: Cannot suspend a user that is not active")),
            (Operation::Unsuspend, Suspended) => Ok(Active),
            (Operation::Unsuspend, _) => Err(OktaError::new(
                StatusCode::BAD_REQUEST,
                "E0000001",
                "Api validation failed: status",
            )
            .cause("status: Cannot unsuspend a user that is not suspended")),
            (Operation::Unlock, LockedOut) => Ok(Active),
            (Operation::Unlock, _) => Err(OktaError::new(
                StatusCode::FORBIDDEN,
                "E0000032",
                "Unlock is not allowed for this user.",
            )),
            (Operation::ExpirePassword, Active | PasswordExpired) if has_password => {
                Ok(PasswordExpired)
            }
            (Operation::ResetPassword, Active | PasswordExpired | LockedOut | Recovery) => {
                Ok(Recovery)
            }
            (Operation::ResetPassword, _) => Err(OktaError::new(
                StatusCode::FORBIDDEN,
                "E0000017",
                "Password reset failed",
            )),
            (Operation::ResetFactors, Staged | Deprovisioned) => Err(not_allowed()),
            (Operation::ResetFactors, status) => Ok(status),
            _ => Err(not_allowed()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Operation::*;
    use super::Status::*;

    #[test]
    fn operations_from_the_wrong_status_answer_okta_codes() {
        let code = |op: super::Operation, from| op.apply(from, true).unwrap_err().code;
        assert_eq!(code(Suspend, Staged), "E0000001");
        assert_eq!(code(Unsuspend, Active), "E0000001");
        assert_eq!(code(Activate, Active), "E0000016");
        assert_eq!(code(Deactivate, Deprovisioned), "E0000038");
        assert_eq!(code(Unlock, Active), "E0000032");
        assert_eq!(code(ResetPassword, Staged), "E0000017");
        assert_eq!(code(Reactivate, Active), "E0000038");
    }

    #[test]
    fn the_lifecycle_walks_as_okta_documents_it() {
        assert_eq!(Activate.apply(Staged, true).ok(), Some(Active));
        assert_eq!(Activate.apply(Staged, false).ok(), Some(Provisioned));
        assert_eq!(Suspend.apply(Active, true).ok(), Some(Suspended));
        assert_eq!(Unsuspend.apply(Suspended, true).ok(), Some(Active));
        assert_eq!(Deactivate.apply(Suspended, true).ok(), Some(Deprovisioned));
        assert_eq!(Unlock.apply(LockedOut, true).ok(), Some(Active));
        assert_eq!(
            ExpirePassword.apply(Active, true).ok(),
            Some(PasswordExpired)
        );
        assert_eq!(ResetPassword.apply(Active, true).ok(), Some(Recovery));
    }
}
