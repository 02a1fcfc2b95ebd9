//! Users: create, read, search.

use connector_core::secrecy::ExposeSecret;
use connector_core::{Error, Method, Result, path_segment};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::actions::{CreateUserInput, SearchUsersInput};
use crate::client::Okta;
use crate::pages::Pages;

/// The largest page Okta serves for users.
pub const MAX_PAGE_SIZE: u32 = 200;

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

pub(crate) fn non_empty<'a>(what: &str, value: &'a str) -> Result<&'a str> {
    let value = value.trim();
    if value.is_empty() {
        return Err(Error::invalid_input(format!("{what} is empty; give one")));
    }
    Ok(value)
}

impl Okta {
    /// Creates a user (`POST /api/v1/users?activate=...`), activated unless the input says
    /// otherwise, with the initial password when one is given.
    ///
    /// ```no_run
    /// use connector_okta::{CreateUserInput, UserProfile};
    ///
    /// # async fn example(okta: connector_okta::Okta) -> connector_core::Result<()> {
    /// let profile = UserProfile::new("jane@acme.com")
    ///     .with_name("Jane", "Doe")
    ///     .with_attribute("role", "Support");
    /// let user = okta.create_user(CreateUserInput::new(profile)).await?;
    /// println!("created {} ({})", user.id, user.status.unwrap_or_default());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn create_user(&self, input: CreateUserInput) -> Result<User> {
        non_empty("profile.login", &input.profile.login)?;
        let mut body = json!({ "profile": input.profile });
        if let Some(password) = &input.password {
            // Dry runs print the body with every password masked (core's `mask_secrets`).
            body["credentials"] = json!({ "password": { "value": password.expose_secret() } });
        }
        let request = self
            .connection()
            .request(Method::POST, "/api/v1/users")
            .query([("activate", if input.activate { "true" } else { "false" })])
            .json(&body)?;
        self.connection().send_json(request).await.map_err(|e| {
            // Okta names the field, not the value: say which login is taken, so that a
            // create retried after a lost answer reports the existing user clearly.
            if e.code() == Some("E0000001") && e.message().contains("already exists") {
                let message = format!(
                    "login {} is already taken: {}",
                    input.profile.login,
                    e.message()
                );
                e.with_message(message)
            } else {
                e
            }
        })
    }

    /// Reads a user by id (`00u...`) or login (`GET /api/v1/users/{idOrLogin}`).
    ///
    /// ```no_run
    /// # async fn example(okta: connector_okta::Okta) -> connector_core::Result<()> {
    /// let user = okta.read_user("jane@acme.com").await?;
    /// if user.profile.attribute("role") == Some(serde_json::json!("Support")) {
    ///     println!("{} is in support", user.id);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn read_user(&self, id_or_login: &str) -> Result<User> {
        let id = non_empty("id", id_or_login)?;
        let request = self
            .connection()
            .request(Method::GET, &format!("/api/v1/users/{}", path_segment(id)));
        self.connection().send_json(request).await
    }

    /// Searches users and collects every page up to `max` (`GET /api/v1/users?search=...`,
    /// following `Link: rel="next"`). For large directories use
    /// [`search_users_pages`](Okta::search_users_pages), which does not collect.
    ///
    /// ```no_run
    /// use connector_okta::SearchUsersInput;
    ///
    /// # async fn example(okta: connector_okta::Okta) -> connector_core::Result<()> {
    /// let query = SearchUsersInput::matching(r#"profile.role eq "Support""#).with_max(500);
    /// for user in okta.search_users(&query).await? {
    ///     println!("{}", user.profile.login);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn search_users(&self, query: &SearchUsersInput) -> Result<Vec<User>> {
        self.search_users_pages(query)?.collect_all().await
    }

    /// The pages of a user search, fetched as they are consumed: page by page with
    /// [`Pages::next_page`], or user by user with [`Pages::into_stream`].
    ///
    /// Fails with `invalid_input` (before sending anything) on an empty search expression,
    /// a page size outside 1..=200, or a maximum of 0.
    ///
    /// ```no_run
    /// use connector_okta::SearchUsersInput;
    ///
    /// # async fn example(okta: connector_okta::Okta) -> connector_core::Result<()> {
    /// let mut pages = okta.search_users_pages(&SearchUsersInput::matching(r#"status eq "ACTIVE""#))?;
    /// let mut count = 0;
    /// while let Some(page) = pages.next_page().await? {
    ///     count += page.len();
    /// }
    /// println!("{count} active users");
    /// # Ok(())
    /// # }
    /// ```
    pub fn search_users_pages(&self, query: &SearchUsersInput) -> Result<Pages<User>> {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        if let Some(search) = &query.search {
            pairs.push(("search", non_empty("search", search)?.to_owned()));
        }
        if query.max == Some(0) {
            return Err(Error::invalid_input("max must be at least 1"));
        }
        let limit = match query.limit {
            Some(limit) if !(1..=MAX_PAGE_SIZE).contains(&limit) => {
                return Err(Error::invalid_input(format!(
                    "limit must be between 1 and {MAX_PAGE_SIZE}"
                )));
            }
            Some(limit) => Some(limit),
            None => None,
        };
        // No page needs to be larger than what is wanted in all.
        let limit = match (limit, query.max) {
            (Some(limit), Some(max)) => Some(u64::from(limit).min(max)),
            (None, Some(max)) => Some(max.min(u64::from(MAX_PAGE_SIZE))),
            (limit, None) => limit.map(u64::from),
        };
        if let Some(limit) = limit {
            pairs.push(("limit", limit.to_string()));
        }
        let request = self
            .connection()
            .request(Method::GET, "/api/v1/users")
            .query(pairs);
        Ok(Pages::new(self.connection().clone(), request, query.max))
    }
}
