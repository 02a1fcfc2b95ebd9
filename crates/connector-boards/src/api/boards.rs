//! Boards: create, read, list, archive, delete, and their people.

use connector_core::Result;
use connector_core::error::quote_input;
use serde::Serialize;
use serde_json::{Map, Value};

use super::input;
use crate::client::Boards;
use crate::graphql;
use crate::model::{
    AddUserToBoardInput, Board, BoardList, BoardUsers, CreateBoardInput, DeleteUserFromBoardInput,
    ListBoardsInput, UserRef,
};

/// Default page size of `list-boards` (the service's own).
const BOARDS_PAGE: u32 = 25;

fn board_variables(board_id: &str) -> Result<Map<String, Value>> {
    input::id("boardId", board_id)?;
    let mut variables = Map::new();
    variables.insert("boardId".into(), Value::from(board_id));
    Ok(variables)
}

fn ids_value(ids: &[String]) -> Value {
    Value::Array(ids.iter().map(|id| Value::from(id.as_str())).collect())
}

fn enum_value(value: impl Serialize) -> Option<Value> {
    // Unit enums always serialise to their name.
    serde_json::to_value(value).ok()
}

impl Boards {
    /// Adds users to a board as subscribers or owners; returns the users the service added.
    ///
    /// ```no_run
    /// use connector_boards::{AddUserToBoardInput, SubscriberKind};
    ///
    /// # async fn example(boards: connector_boards::Boards) -> connector_core::Result<()> {
    /// let added = boards
    ///     .add_users_to_board(AddUserToBoardInput::new("1234567890", ["42"]).kind(SubscriberKind::Owner))
    ///     .await?;
    /// assert_eq!(added.users[0].id, "42");
    /// # Ok(())
    /// # }
    /// ```
    pub async fn add_users_to_board(&self, input: AddUserToBoardInput) -> Result<BoardUsers> {
        let mut variables = board_variables(&input.board_id)?;
        input::ids("userIds", &input.user_ids)?;
        variables.insert("userIds".into(), ids_value(&input.user_ids));
        input::put(&mut variables, "kind", enum_value(input.kind));
        let items = input.user_ids.len() as u64;
        let answer = self
            .run::<Option<Vec<Option<UserRef>>>>(&graphql::ADD_USERS_TO_BOARD, variables, items)
            .await?;
        Ok(BoardUsers {
            users: answer
                .value
                .unwrap_or_default()
                .into_iter()
                .flatten()
                .collect(),
        })
    }

    /// Removes users from a board (as owners and subscribers); returns the users removed.
    ///
    /// ```no_run
    /// use connector_boards::DeleteUserFromBoardInput;
    ///
    /// # async fn example(boards: connector_boards::Boards) -> connector_core::Result<()> {
    /// let removed = boards
    ///     .delete_users_from_board(DeleteUserFromBoardInput::new("1234567890", ["42", "43"]))
    ///     .await?;
    /// println!("{} removed", removed.users.len());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn delete_users_from_board(
        &self,
        input: DeleteUserFromBoardInput,
    ) -> Result<BoardUsers> {
        let mut variables = board_variables(&input.board_id)?;
        input::ids("userIds", &input.user_ids)?;
        variables.insert("userIds".into(), ids_value(&input.user_ids));
        let items = input.user_ids.len() as u64;
        let answer = self
            .run::<Option<Vec<Option<UserRef>>>>(
                &graphql::DELETE_SUBSCRIBERS_FROM_BOARD,
                variables,
                items,
            )
            .await?;
        Ok(BoardUsers {
            users: answer
                .value
                .unwrap_or_default()
                .into_iter()
                .flatten()
                .collect(),
        })
    }

    /// Archives a board; returns it (its state `archived`).
    ///
    /// ```no_run
    /// # async fn example(boards: connector_boards::Boards) -> connector_core::Result<()> {
    /// let board = boards.archive_board("1234567890").await?;
    /// assert_eq!(board.state.as_deref(), Some("archived"));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn archive_board(&self, board_id: &str) -> Result<Board> {
        self.board_mutation(&graphql::ARCHIVE_BOARD, board_id).await
    }

    /// Deletes a board; returns it (its state `deleted`).
    ///
    /// ```no_run
    /// # async fn example(boards: connector_boards::Boards) -> connector_core::Result<()> {
    /// let board = boards.delete_board("1234567890").await?;
    /// println!("deleted {}", board.name);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn delete_board(&self, board_id: &str) -> Result<Board> {
        self.board_mutation(&graphql::DELETE_BOARD, board_id).await
    }

    async fn board_mutation(&self, document: &graphql::Document, board_id: &str) -> Result<Board> {
        let variables = board_variables(board_id)?;
        let answer = self.run::<Option<Board>>(document, variables, 0).await?;
        match &answer.value {
            Some(board) => Ok(board.clone()),
            None => Err(answer.not_found(format!(
                "board {} was not found; check the id and that the token's user can see the board",
                quote_input(board_id)
            ))),
        }
    }

    /// Creates a board; returns it with its owners and subscribers.
    ///
    /// ```no_run
    /// use connector_boards::{BoardKind, CreateBoardInput};
    ///
    /// # async fn example(boards: connector_boards::Boards) -> connector_core::Result<()> {
    /// let mut input = CreateBoardInput::new("Onboarding: Ada", BoardKind::Private);
    /// input.workspace_id = Some("7".into());
    /// input.owner_ids = Some(vec!["42".into()]);
    /// let board = boards.create_board(input).await?;
    /// println!("created {} at {}", board.id, board.url.unwrap_or_default());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn create_board(&self, input: CreateBoardInput) -> Result<Board> {
        if input.name.trim().is_empty() {
            return Err(connector_core::Error::invalid_input(
                "name is empty; give the board a name",
            ));
        }
        for (field, value) in [
            ("workspaceId", &input.workspace_id),
            ("folderId", &input.folder_id),
            ("templateId", &input.template_id),
        ] {
            if let Some(value) = value {
                input::id(field, value)?;
            }
        }
        input::optional_ids("ownerIds", input.owner_ids.as_deref())?;
        input::optional_ids("subscriberIds", input.subscriber_ids.as_deref())?;
        let mut variables = Map::new();
        variables.insert("name".into(), Value::from(input.name.as_str()));
        input::put(&mut variables, "kind", enum_value(input.kind));
        input::put(
            &mut variables,
            "workspaceId",
            input.workspace_id.map(Value::from),
        );
        input::put(&mut variables, "folderId", input.folder_id.map(Value::from));
        input::put(
            &mut variables,
            "templateId",
            input.template_id.map(Value::from),
        );
        input::put(
            &mut variables,
            "description",
            input.description.map(Value::from),
        );
        input::put(
            &mut variables,
            "ownerIds",
            input
                .owner_ids
                .filter(|v| !v.is_empty())
                .map(|v| ids_value(&v)),
        );
        input::put(
            &mut variables,
            "subscriberIds",
            input
                .subscriber_ids
                .filter(|v| !v.is_empty())
                .map(|v| ids_value(&v)),
        );
        let answer = self
            .run::<Option<Board>>(&graphql::CREATE_BOARD, variables, 0)
            .await?;
        match answer.value {
            Some(board) => Ok(board),
            None => Err(connector_core::Error::invalid_response(
                "the boards service created no board and gave no reason",
            )
            .with_attempts(answer.attempts)),
        }
    }

    /// Lists boards, page after page until a short page or `max` boards.
    ///
    /// ```no_run
    /// use connector_boards::{BoardState, ListBoardsInput};
    ///
    /// # async fn example(boards: connector_boards::Boards) -> connector_core::Result<()> {
    /// let listed = boards
    ///     .list_boards(ListBoardsInput {
    ///         workspace_id: Some("7".into()),
    ///         state: BoardState::All,
    ///         max: Some(100),
    ///         ..ListBoardsInput::default()
    ///     })
    ///     .await?;
    /// for board in listed.boards {
    ///     println!("{} {}", board.id, board.name);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn list_boards(&self, input: ListBoardsInput) -> Result<BoardList> {
        let size = input::page_size(input.limit, input.max, BOARDS_PAGE)?;
        let mut variables = Map::new();
        if let Some(workspace_id) = &input.workspace_id {
            input::id("workspaceId", workspace_id)?;
            variables.insert(
                "workspaceIds".into(),
                ids_value(std::slice::from_ref(workspace_id)),
            );
        }
        input::put(&mut variables, "state", enum_value(input.state));
        input::put(&mut variables, "kind", input.kind.and_then(enum_value));
        input::put(
            &mut variables,
            "orderBy",
            input.order_by.and_then(enum_value),
        );
        let boards = input::pages(
            self,
            &graphql::LIST_BOARDS,
            variables,
            size,
            input.max,
            |b: &Board| b.id.as_str(),
        )
        .await?;
        Ok(BoardList { boards })
    }

    /// Reads a board, whatever its state, with its owners, subscribers, creator, groups, tags
    /// and workspace; a board that does not exist (or that the token cannot see) is
    /// `not_found`.
    ///
    /// ```no_run
    /// # async fn example(boards: connector_boards::Boards) -> connector_core::Result<()> {
    /// let board = boards.read_board("1234567890").await?;
    /// for owner in board.owners.unwrap_or_default() {
    ///     println!("owner {} <{}>", owner.id, owner.email.unwrap_or_default());
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn read_board(&self, board_id: &str) -> Result<Board> {
        let variables = board_variables(board_id)?;
        let answer = self
            .run::<Option<Vec<Option<Board>>>>(&graphql::READ_BOARD, variables, 1)
            .await?;
        let found = answer.value.iter().flatten().flatten().next().cloned();
        found.ok_or_else(|| {
            answer.not_found(format!(
                "board {} was not found; check the id and that the token's user can see the board",
                quote_input(board_id)
            ))
        })
    }
}
