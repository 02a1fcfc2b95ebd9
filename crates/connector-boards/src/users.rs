//! Users: read by id or email, search by name and kind.

use async_trait::async_trait;
use connector_core::{Action, Error, Result};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::client::Boards;
use crate::graphql;
use crate::input;
use crate::model::{User, UserKind, UserList, ids};

/// Input of `read-user`: exactly one of `id` and `email`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReadUserInput {
    /// The user's id.
    #[serde(
        default,
        deserialize_with = "ids::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub id: Option<String>,
    /// The user's email (exact match).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

impl ReadUserInput {
    /// The user with this id.
    pub fn by_id(id: impl Into<String>) -> Self {
        ReadUserInput {
            id: Some(id.into()),
            email: None,
        }
    }

    /// The user with this email.
    pub fn by_email(email: impl Into<String>) -> Self {
        ReadUserInput {
            id: None,
            email: Some(email.into()),
        }
    }
}

/// Input of `search-users`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SearchUsersInput {
    /// A name to search for: fuzzy on its own, exact when `kind` is given too (the
    /// service's rule since 2026-07).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `all`, `non_guests`, `guests` or `non_pending`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<UserKind>,
    /// Users per page, 1 to 1,000 (default 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// Stop after this many users (default: every page).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<u32>,
}

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
                (&graphql::READ_USER_BY_ID, variables, format!("user {id}"))
            }
            (None, Some(email)) => {
                let email = email.trim();
                if !email.contains('@') || email.chars().any(char::is_control) {
                    return Err(Error::invalid_input(format!(
                        "email {email:?} is not an email address"
                    )));
                }
                let mut variables = Map::new();
                variables.insert("email".into(), Value::from(email));
                (
                    &graphql::READ_USER_BY_EMAIL,
                    variables,
                    format!("user with email {email}"),
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

/// `read-user`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReadUser;

#[async_trait]
impl Action<Boards> for ReadUser {
    type Input = ReadUserInput;
    type Output = User;

    fn id(&self) -> &'static str {
        "read-user"
    }

    fn name(&self) -> &'static str {
        "Read User"
    }

    fn description(&self) -> &'static str {
        "Reads a user by id or by email; not_found when no active or pending user matches."
    }

    async fn run(&self, client: &Boards, input: ReadUserInput) -> Result<User> {
        client.read_user(input).await
    }
}

/// `search-users`.
#[derive(Debug, Clone, Copy, Default)]
pub struct SearchUsers;

#[async_trait]
impl Action<Boards> for SearchUsers {
    type Input = SearchUsersInput;
    type Output = UserList;

    fn id(&self) -> &'static str {
        "search-users"
    }

    fn name(&self) -> &'static str {
        "Search Users"
    }

    fn description(&self) -> &'static str {
        "Searches users by name (fuzzy; exact when a kind is given too) and kind, reading page after page until a short page or max users."
    }

    async fn run(&self, client: &Boards, input: SearchUsersInput) -> Result<UserList> {
        client.search_users(input).await
    }
}
