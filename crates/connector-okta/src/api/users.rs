//! Users: create, read, search.

use connector_core::secrecy::ExposeSecret;
use connector_core::{Error, Method, Result, path_segment};
use serde_json::json;

use super::non_empty;
use super::pages::Pages;
use crate::client::Okta;
use crate::model::{CreateUserInput, SearchUsersInput, User};

/// The largest page Okta serves for users.
pub const MAX_PAGE_SIZE: u32 = 200;

impl Okta {
    /// Creates a user (`POST /api/v1/users?activate=...`), activated unless the input says
    /// otherwise, with the initial password when one is given.
    ///
    /// When the answer is lost (the connection broke or the attempt timed out after the
    /// request left), the user is read back by login: a user whose profile holds every field
    /// sent is returned (the log says the answer was recovered); one with another profile
    /// is a `conflict` naming the login; if the read-back fails, the error keeps
    /// `outcome_unknown` and says to check with `read-user` and the login.
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
        match self.connection().send_json(request).await {
            Ok(user) => Ok(user),
            // The POST may have created the user: read it back by login rather than leave
            // the caller to find out (or to fail on a retry with "already exists").
            Err(e) if e.outcome_unknown() => self.recover_created_user(&input, e).await,
            // Okta names the field, not the value: say which login is taken.
            Err(e) if e.code() == Some("E0000001") && e.message().contains("already exists") => {
                let message = format!(
                    "login {} is already taken: {}",
                    input.profile.login,
                    e.message()
                );
                Err(e.with_message(message))
            }
            Err(e) => Err(e),
        }
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
