//! Users: the user and its profile, and the inputs and outputs of the user actions.

use connector_core::secrecy::SecretString;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// An Okta user, as Okta answers it. Fields not named here (`type`, `realmId`,
/// `_embedded`, ...) are kept and written back out unchanged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct User {
    /// The user's id (`00u...`).
    pub id: String,
    /// The lifecycle status: `STAGED`, `PROVISIONED`, `ACTIVE`, `RECOVERY`,
    /// `PASSWORD_EXPIRED`, `LOCKED_OUT`, `SUSPENDED` or `DEPROVISIONED`.
    #[serde(default)]
    pub status: Option<String>,
    /// When the user was created (ISO 8601).
    #[serde(default)]
    pub created: Option<String>,
    /// When the user last became `ACTIVE`.
    #[serde(default)]
    pub activated: Option<String>,
    /// When the status last changed.
    #[serde(default)]
    pub status_changed: Option<String>,
    /// When the user last signed in.
    #[serde(default)]
    pub last_login: Option<String>,
    /// When the user was last updated.
    #[serde(default)]
    pub last_updated: Option<String>,
    /// When the password last changed.
    #[serde(default)]
    pub password_changed: Option<String>,
    /// The profile: standard and custom attributes.
    #[serde(default)]
    pub profile: UserProfile,
    /// The credentials as Okta shows them (the password itself is never returned).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials: Option<Value>,
    /// Links to related resources and lifecycle operations.
    #[serde(rename = "_links", default, skip_serializing_if = "Option::is_none")]
    pub links: Option<Value>,
    /// Every other field of the answer.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// A user's profile: `login`, `email`, `firstName`, `lastName` and any other attribute of
/// the org's profile schema, standard or custom (such as `role`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
// A login is required to create a user, so the schema says so; but answers may leave it out
// (`fields` projections), so reading one without it is not an error.
#[schemars(extend("required" = ["login"]))]
#[non_exhaustive]
pub struct UserProfile {
    /// The login, unique in the org; usually an email address. Empty only in answers
    /// that project it away.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub login: String,
    /// The primary email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The given name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// The family name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Every other attribute, standard (`mobilePhone`, `department`, ...) or custom
    /// (`role`); a custom attribute must exist in the org's profile schema.
    #[serde(flatten)]
    pub attributes: Map<String, Value>,
}

impl UserProfile {
    /// A profile with `login`, and `email` set to the same address. Other attributes go
    /// in [`attributes`](UserProfile::attributes).
    ///
    /// ```
    /// use connector_okta::UserProfile;
    ///
    /// let profile = UserProfile::new("jane@acme.com")
    ///     .with_name("Jane", "Doe")
    ///     .with_attribute("role", "Support");
    /// assert_eq!(profile.email.as_deref(), Some("jane@acme.com"));
    /// assert_eq!(profile.attribute("role"), Some(serde_json::json!("Support")));
    /// ```
    pub fn new(login: impl Into<String>) -> UserProfile {
        let login = login.into();
        UserProfile {
            email: Some(login.clone()),
            login,
            ..UserProfile::default()
        }
    }

    /// Sets the email address.
    pub fn with_email(mut self, email: impl Into<String>) -> UserProfile {
        self.email = Some(email.into());
        self
    }

    /// Sets the given and family names.
    pub fn with_name(
        mut self,
        first_name: impl Into<String>,
        last_name: impl Into<String>,
    ) -> UserProfile {
        self.first_name = Some(first_name.into());
        self.last_name = Some(last_name.into());
        self
    }

    /// Sets any other attribute (`role`, `department`, ...).
    pub fn with_attribute(
        mut self,
        name: impl Into<String>,
        value: impl Into<Value>,
    ) -> UserProfile {
        self.attributes.insert(name.into(), value.into());
        self
    }

    /// An attribute by its Okta name (`login`, `firstName`, `role`, ...), standard or custom;
    /// `None` when the profile does not have it.
    pub fn attribute(&self, name: &str) -> Option<Value> {
        let text = |v: &Option<String>| v.clone().map(Value::String);
        match name {
            "login" => Some(Value::String(self.login.clone())),
            "email" => text(&self.email),
            "firstName" => text(&self.first_name),
            "lastName" => text(&self.last_name),
            _ => self.attributes.get(name).cloned(),
        }
    }
}

fn yes() -> bool {
    true
}

/// The input of `create-user`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct CreateUserInput {
    /// The profile: `login` (required), `email`, `firstName`, `lastName`, and any other
    /// attribute of the org's profile schema, such as a custom `role`.
    pub profile: UserProfile,
    /// Activate the user at once (default true); false leaves the user `STAGED`.
    #[serde(default = "yes")]
    pub activate: bool,
    /// An initial password (optional; it must meet the org's password policy).
    #[serde(default)]
    #[schemars(with = "Option<String>", extend("writeOnly" = true))]
    pub password: Option<SecretString>,
}

impl CreateUserInput {
    /// A user with this profile, to be activated, with no password.
    pub fn new(profile: UserProfile) -> CreateUserInput {
        CreateUserInput {
            profile,
            activate: true,
            password: None,
        }
    }

    /// Activates the user at once, or not (`STAGED`).
    pub fn with_activate(mut self, activate: bool) -> CreateUserInput {
        self.activate = activate;
        self
    }

    /// Sets an initial password.
    pub fn with_password(mut self, password: impl Into<String>) -> CreateUserInput {
        self.password = Some(SecretString::from(password.into()));
        self
    }
}

/// The input of `read-user`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct ReadUserInput {
    /// The user's id (`00u...`) or login (`jane@acme.com`).
    pub id: String,
}

impl ReadUserInput {
    /// The user with this id or login.
    pub fn new(id: impl Into<String>) -> ReadUserInput {
        ReadUserInput { id: id.into() }
    }
}

/// The input of `search-users`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct SearchUsersInput {
    /// An Okta search expression, such as `profile.role eq "Support"` (operators `eq`,
    /// `sw`, `co`, `gt`, `ge`, `lt`, `le`, with `and`/`or`; property names are
    /// case-sensitive). Without one, every user is listed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search: Option<String>,
    /// The page size, 1 to 200 (Okta's default when omitted, or `max` when smaller).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 200))]
    pub limit: Option<u32>,
    /// Stop after this many users (default: every page).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub max: Option<u64>,
}

impl SearchUsersInput {
    /// Every user of the org.
    pub fn all() -> SearchUsersInput {
        SearchUsersInput::default()
    }

    /// The users matching an Okta search expression (`profile.role eq "Support"`).
    pub fn matching(search: impl Into<String>) -> SearchUsersInput {
        SearchUsersInput {
            search: Some(search.into()),
            ..SearchUsersInput::default()
        }
    }

    /// Sets the page size (1 to 200).
    pub fn with_limit(mut self, limit: u32) -> SearchUsersInput {
        self.limit = Some(limit);
        self
    }

    /// Stops after this many users.
    pub fn with_max(mut self, max: u64) -> SearchUsersInput {
        self.max = Some(max);
        self
    }
}

/// The output of `search-users`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SearchUsersOutput {
    /// The users found, across every page (at most `max`).
    pub users: Vec<User>,
}
