//! Users: read by id or email, search by name and kind.

use connector_core::error::quote_input;
use connector_core::{Error, Result};
use serde_json::{Map, Value};

use super::input;
use crate::client::Boards;
use crate::graphql;
use crate::model::{ReadUserInput, SearchUsersInput, User, UserList};

/// Default page size of `search-users`.
const USERS_PAGE: u32 = 100;

impl Boards {
    /// Reads a user by id or by email; `not_found` when none matches. Deactivated users are
    /// not found (the service lists active and pending users by default).
    ///
    /// ```no_run
    /// use connector_boards::ReadUserInput;
    ///
    /// # async fn example(boards: connector_boards::Boards) -> connector_core::Result<()> {
    /// let user = boards.read_user(ReadUserInput::by_email("ada@example.com")).await?;
    /// println!("{} is user {}", user.name, user.id);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn read_user(&self, input: ReadUserInput) -> Result<User> {
        let (document, variables, what) = match (&input.id, &input.email) {
            (Some(id), None) => {
                input::id("id", id)?;
                let mut variables = Map::new();
                variables.insert("id".into(), Value::from(id.as_str()));
                (
                    &graphql::READ_USER_BY_ID,
                    variables,
                    format!("user {}", quote_input(id)),
                )
            }
            (None, Some(email)) => {
                let email = email.trim();
                if !email.contains('@') || email.chars().any(char::is_control) {
                    return Err(Error::invalid_input(format!(
                        "email {} is not an email address",
                        quote_input(email)
                    )));
                }
                let mut variables = Map::new();
                variables.insert("email".into(), Value::from(email));
                (
                    &graphql::READ_USER_BY_EMAIL,
                    variables,
                    format!("user with email {}", quote_input(email)),
                )
            }
            _ => return Err(Error::invalid_input("give exactly one of id and email")),
        };
        let answer = self
            .run::<Option<Vec<Option<User>>>>(document, variables, 1)
            .await?;
        let found = answer.value.iter().flatten().flatten().next().cloned();
        found.ok_or_else(|| {
            answer.not_found(format!(
                "{what} was not found; check it and that the user is active or pending"
            ))
        })
    }

    /// Searches users by name (fuzzy) and kind, page after page until a short page or `max`.
    ///
    /// ```no_run
    /// use connector_boards::{SearchUsersInput, UserKind};
    ///
    /// # async fn example(boards: connector_boards::Boards) -> connector_core::Result<()> {
    /// let found = boards
    ///     .search_users(SearchUsersInput {
    ///         name: Some("ada".into()),
    ///         max: Some(10),
    ///         ..SearchUsersInput::default()
    ///     })
    ///     .await?;
    /// for user in found.users {
    ///     println!("{} <{}>", user.name, user.email);
    /// }
    /// # let _ = UserKind::NonGuests;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn search_users(&self, input: SearchUsersInput) -> Result<UserList> {
        let size = input::page_size(input.limit, input.max, USERS_PAGE)?;
        let mut variables = Map::new();
        if let Some(name) = input
            .name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
        {
            variables.insert("name".into(), Value::from(name));
        }
        // A unit enum always serialises to its name.
        input::put(
            &mut variables,
            "kind",
            input.kind.and_then(|k| serde_json::to_value(k).ok()),
        );
        let users = input::pages(
            self,
            &graphql::SEARCH_USERS,
            variables,
            size,
            input.max,
            |u: &User| u.id.as_str(),
        )
        .await?;
        Ok(UserList { users })
    }
}
