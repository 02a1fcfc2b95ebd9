//! Object types, enums and scalars, named and typed exactly as in the service's SDL.
//!
//! Long on purpose: one Rust type per type of the service's SDL, named as it names them.

use async_graphql::{
    Context, Enum, ID, InputValueError, InputValueResult, Object, Result, Scalar, ScalarType,
    SimpleObject, Value,
};

use super::super::context::RequestCtx;
use super::super::store::{BoardRecord, GroupRecord, TagRecord, UserRecord, WorkspaceRecord};

/// An ID as the service sends it: a string of digits.
fn id(value: u64) -> ID {
    ID(value.to_string())
}

/// An ISO 8601 date and time such as `2026-11-02T09:30:00Z`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Iso8601DateTime(pub(crate) String);

#[Scalar(name = "ISO8601DateTime")]
impl ScalarType for Iso8601DateTime {
    fn parse(value: Value) -> InputValueResult<Self> {
        match value {
            Value::String(text) => Ok(Self(text)),
            other => Err(InputValueError::expected_type(other)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.clone())
    }
}

/// A date such as `2026-11-02`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Date(pub(crate) String);

#[Scalar(name = "Date")]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match value {
            Value::String(text) => Ok(Self(text)),
            other => Err(InputValueError::expected_type(other)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.clone())
    }
}

/// The board's kind.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "BoardKind", rename_items = "snake_case")]
pub(crate) enum BoardKind {
    /// Private boards.
    Private,
    /// Public boards.
    Public,
    /// Shareable boards.
    Share,
}

/// The state of a board or workspace.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "State", rename_items = "snake_case")]
pub(crate) enum State {
    /// Active resources.
    Active,
    /// Active, archived and deleted resources.
    All,
    /// Archived resources.
    Archived,
    /// Deleted resources.
    Deleted,
}

/// The order of the `boards` query.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "BoardsOrderBy", rename_items = "snake_case")]
pub(crate) enum BoardsOrderBy {
    /// The last time the board was created, newest first.
    CreatedAt,
    /// The last time the board was used, most recent first.
    UsedAt,
}

/// How a user subscribes to a board.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "BoardSubscriberKind", rename_items = "snake_case")]
pub(crate) enum BoardSubscriberKind {
    /// Board owner.
    Owner,
    /// Board subscriber.
    Subscriber,
}

/// Which users the `users` query returns.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "UserKind", rename_items = "snake_case")]
pub(crate) enum UserKind {
    /// All users in the account.
    All,
    /// Only guests.
    Guests,
    /// Only members and admins.
    NonGuests,
    /// All users except those who have not accepted their invitation.
    NonPending,
}

/// The status of a user.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "UserStatus", rename_items = "SCREAMING_SNAKE_CASE")]
pub(crate) enum UserStatus {
    /// An active user.
    Active,
    /// A deactivated user.
    Inactive,
    /// A user who has not accepted the invitation yet.
    Pending,
}

/// The kind of a workspace.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "WorkspaceKind", rename_items = "snake_case")]
pub(crate) enum WorkspaceKind {
    /// Closed workspace.
    Closed,
    /// Open workspace.
    Open,
    /// Template workspace.
    Template,
}

/// The kind of an API version.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "VersionKind", rename_items = "snake_case")]
pub(crate) enum VersionKind {
    /// The current version.
    Current,
    /// A deprecated version.
    Deprecated,
    /// The development version.
    Dev,
    /// The maintenance version.
    Maintenance,
    /// The version before the previous maintenance one.
    #[graphql(name = "old__maintenance")]
    OldMaintenance,
    /// The version before the previous maintenance one.
    OldPreviousMaintenance,
    /// The previous maintenance version.
    PreviousMaintenance,
    /// The release candidate.
    ReleaseCandidate,
}

/// An API version.
#[derive(SimpleObject, Debug, Clone)]
#[graphql(name = "Version", rename_fields = "snake_case")]
pub(crate) struct Version {
    /// The display name of the version.
    pub(crate) display_name: String,
    /// The kind of the version.
    pub(crate) kind: VersionKind,
    /// The version's `YYYY-MM` value.
    pub(crate) value: String,
}

/// The complexity budget as this query left it.
#[derive(SimpleObject, Debug, Clone, Copy)]
#[graphql(name = "Complexity", rename_fields = "snake_case")]
pub(crate) struct Complexity {
    /// Points left after this query.
    pub(crate) after: i32,
    /// Points left before this query.
    pub(crate) before: i32,
    /// What this query cost.
    pub(crate) query: i32,
    /// Seconds until the budget is refilled.
    pub(crate) reset_in_x_seconds: i32,
}

/// A board's group.
#[derive(SimpleObject, Debug, Clone)]
#[graphql(name = "Group", rename_fields = "snake_case")]
pub(crate) struct Group {
    /// Whether the group is archived.
    pub(crate) archived: Option<bool>,
    /// The group's color.
    pub(crate) color: String,
    /// Whether the group is deleted.
    pub(crate) deleted: Option<bool>,
    /// The group's unique identifier.
    pub(crate) id: ID,
    /// The group's position on the board.
    pub(crate) position: String,
    /// The group's title.
    pub(crate) title: String,
}

impl From<&GroupRecord> for Group {
    fn from(group: &GroupRecord) -> Self {
        Self {
            archived: Some(false),
            color: group.color.clone(),
            deleted: Some(false),
            id: ID(group.id.clone()),
            position: group.position.clone(),
            title: group.title.clone(),
        }
    }
}

/// A tag.
#[derive(SimpleObject, Debug, Clone)]
#[graphql(name = "Tag", rename_fields = "snake_case")]
pub(crate) struct Tag {
    /// The tag's color.
    pub(crate) color: String,
    /// The tag's unique identifier.
    pub(crate) id: ID,
    /// The tag's name.
    pub(crate) name: String,
}

impl From<&TagRecord> for Tag {
    fn from(tag: &TagRecord) -> Self {
        Self {
            color: tag.color.clone(),
            id: id(tag.id),
            name: tag.name.clone(),
        }
    }
}

/// A workspace.
#[derive(SimpleObject, Debug, Clone)]
#[graphql(name = "Workspace", rename_fields = "snake_case")]
pub(crate) struct Workspace {
    /// The workspace's creation date.
    pub(crate) created_at: Option<Date>,
    /// The workspace's description.
    pub(crate) description: Option<String>,
    /// The workspace's unique identifier.
    pub(crate) id: Option<ID>,
    /// Whether this is the account's default workspace.
    pub(crate) is_default_workspace: Option<bool>,
    /// The workspace's kind.
    pub(crate) kind: Option<WorkspaceKind>,
    /// The workspace's name.
    pub(crate) name: String,
    /// The workspace's state.
    pub(crate) state: Option<State>,
}

impl From<&WorkspaceRecord> for Workspace {
    fn from(workspace: &WorkspaceRecord) -> Self {
        Self {
            created_at: Some(Date(workspace.created_at.clone())),
            description: workspace.description.clone(),
            id: Some(id(workspace.id)),
            is_default_workspace: Some(workspace.is_default),
            kind: Some(workspace.kind),
            name: workspace.name.clone(),
            state: Some(State::Active),
        }
    }
}

/// A team of users.
#[derive(SimpleObject, Debug, Clone)]
#[graphql(name = "Team", rename_fields = "snake_case")]
pub(crate) struct Team {
    /// The team's unique identifier.
    pub(crate) id: ID,
    /// Whether the team is made of guests.
    pub(crate) is_guest: Option<bool>,
    /// The team's name.
    pub(crate) name: String,
    /// The team's picture.
    pub(crate) picture_url: Option<String>,
}

/// A department of the account.
#[derive(SimpleObject, Debug, Clone)]
#[graphql(name = "Department", rename_fields = "snake_case")]
pub(crate) struct Department {
    /// Seats taken by members of the department.
    pub(crate) assigned_seats: i32,
    /// The department's unique identifier.
    pub(crate) id: ID,
    /// The department's name.
    pub(crate) name: String,
    /// Seats reserved for the department.
    pub(crate) reserved_seats: i32,
}

/// Links to a user's photo in several sizes.
#[derive(SimpleObject, Debug, Clone)]
#[graphql(name = "PhotoUrl", rename_fields = "snake_case")]
pub(crate) struct PhotoUrl {
    /// The original photo.
    pub(crate) original: Option<String>,
    /// A small photo.
    pub(crate) small: Option<String>,
    /// A thumbnail.
    pub(crate) thumb: Option<String>,
    /// A small thumbnail.
    pub(crate) thumb_small: Option<String>,
    /// A tiny photo.
    pub(crate) tiny: Option<String>,
}

/// A user of the account.
#[derive(Debug, Clone)]
pub(crate) struct User(pub(crate) UserRecord);

#[Object(
    name = "User",
    rename_fields = "snake_case",
    rename_args = "snake_case"
)]
impl User {
    /// The user's unique identifier.
    async fn id(&self) -> ID {
        id(self.0.id)
    }

    /// The user's account id.
    async fn account_id(&self, ctx: &Context<'_>) -> Result<ID> {
        Ok(id(ctx.data::<RequestCtx>()?.account_id))
    }

    /// The user's name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The user's email.
    async fn email(&self) -> &str {
        &self.0.email
    }

    /// The user's title.
    async fn title(&self) -> &str {
        &self.0.title
    }

    /// The user's profile url.
    async fn url(&self) -> &str {
        &self.0.url
    }

    /// The user's kind: admin, member or guest.
    async fn kind(&self) -> &str {
        self.0.role.as_str()
    }

    /// The user's status.
    async fn status(&self) -> UserStatus {
        self.0.status
    }

    /// Whether the user was deleted.
    async fn is_deleted(&self) -> bool {
        false
    }

    /// Whether the user confirmed their email.
    async fn is_email_confirmed(&self) -> bool {
        self.0.is_email_confirmed
    }

    /// When the user was created.
    async fn created_at(&self) -> Iso8601DateTime {
        Iso8601DateTime(self.0.created_at.clone())
    }

    /// When the user became active.
    async fn became_active_at(&self) -> Option<Iso8601DateTime> {
        self.0.became_active_at.clone().map(Iso8601DateTime)
    }

    /// The user's photo in several sizes.
    async fn photo_url(&self) -> Option<PhotoUrl> {
        self.0.photo_url.as_ref().map(|url| PhotoUrl {
            original: Some(url.clone()),
            small: Some(url.clone()),
            thumb: Some(url.clone()),
            thumb_small: Some(url.clone()),
            tiny: Some(url.clone()),
        })
    }

    /// The user's department.
    async fn department(&self, ctx: &Context<'_>) -> Result<Option<Department>> {
        let Some(department_id) = self.0.department_id else {
            return Ok(None);
        };
        let rq = ctx.data::<RequestCtx>()?;
        Ok(rq.state.read_store(|store| {
            store
                .department(department_id)
                .map(|department| Department {
                    assigned_seats: i32::try_from(store.department_size(department_id))
                        .unwrap_or(i32::MAX),
                    id: id(department.id),
                    name: department.name.clone(),
                    reserved_seats: department.reserved_seats,
                })
        }))
    }

    /// The user's phone number.
    async fn phone(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }

    /// The user's mobile phone number.
    async fn mobile_phone(&self) -> Option<&str> {
        self.0.mobile_phone.as_deref()
    }

    /// The user's time zone.
    async fn time_zone_identifier(&self) -> Option<&str> {
        self.0.time_zone_identifier.as_deref()
    }

    /// The user's location.
    async fn location(&self) -> Option<&str> {
        self.0.location.as_deref()
    }

    /// The user's country code.
    async fn country_code(&self) -> Option<&str> {
        self.0.country_code.as_deref()
    }

    /// The teams the user is a member of.
    async fn teams(
        &self,
        ctx: &Context<'_>,
        ids: Option<Vec<ID>>,
    ) -> Result<Option<Vec<Option<Team>>>> {
        let rq = ctx.data::<RequestCtx>()?;
        let wanted: Option<Vec<String>> =
            ids.map(|ids| ids.into_iter().map(|id| id.0.trim().to_owned()).collect());
        let teams = rq.state.read_store(|store| {
            self.0
                .team_ids
                .iter()
                .filter(|team_id| {
                    wanted
                        .as_ref()
                        .is_none_or(|wanted| wanted.contains(&team_id.to_string()))
                })
                .filter_map(|&team_id| store.team(team_id))
                .map(|team| {
                    Some(Team {
                        id: id(team.id),
                        is_guest: Some(team.is_guest),
                        name: team.name.clone(),
                        picture_url: team.picture_url.clone(),
                    })
                })
                .collect()
        });
        Ok(Some(teams))
    }
}

/// A board.
#[derive(Debug, Clone)]
pub(crate) struct Board(pub(crate) BoardRecord);

impl Board {
    fn users(ctx: &Context<'_>, ids: impl Iterator<Item = u64>) -> Result<Vec<Option<User>>> {
        let rq = ctx.data::<RequestCtx>()?;
        Ok(rq
            .state
            .read_store(|store| store.users_by_id(ids))
            .into_iter()
            .map(|user| Some(User(user)))
            .collect())
    }
}

#[Object(
    name = "Board",
    rename_fields = "snake_case",
    rename_args = "snake_case"
)]
impl Board {
    /// The board's unique identifier.
    async fn id(&self) -> ID {
        id(self.0.id)
    }

    /// The board's name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The board's description.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }

    /// The board's kind (public, private or share).
    async fn board_kind(&self) -> BoardKind {
        self.0.kind
    }

    /// The board's state (active, archived or deleted).
    async fn state(&self) -> State {
        self.0.state
    }

    /// The board's permissions.
    async fn permissions(&self) -> &str {
        &self.0.permissions
    }

    /// The board's workspace id.
    async fn workspace_id(&self) -> Option<ID> {
        Some(id(self.0.workspace_id))
    }

    /// The board's folder id.
    async fn board_folder_id(&self) -> Option<ID> {
        self.0.folder_id.clone().map(ID)
    }

    /// The board's url.
    async fn url(&self) -> &str {
        &self.0.url
    }

    /// When the board was created.
    async fn created_at(&self) -> Option<Iso8601DateTime> {
        Some(Iso8601DateTime(self.0.created_at.clone()))
    }

    /// When the board was last updated.
    async fn updated_at(&self) -> Option<Iso8601DateTime> {
        Some(Iso8601DateTime(self.0.updated_at.clone()))
    }

    /// The number of items on the board.
    async fn items_count(&self) -> Option<i32> {
        Some(0)
    }

    /// The board's owners.
    async fn owners(&self, ctx: &Context<'_>) -> Result<Vec<Option<User>>> {
        Self::users(ctx, self.0.owner_ids())
    }

    /// The board's subscribers (owners included).
    async fn subscribers(&self, ctx: &Context<'_>) -> Result<Vec<Option<User>>> {
        Self::users(ctx, self.0.subscriber_ids())
    }

    /// The board's creator.
    async fn creator(&self, ctx: &Context<'_>) -> Result<User> {
        Self::users(ctx, std::iter::once(self.0.creator_id))?
            .into_iter()
            .flatten()
            .next()
            .ok_or_else(|| "the board's creator no longer exists".into())
    }

    /// The board's groups.
    async fn groups(&self, ids: Option<Vec<Option<String>>>) -> Option<Vec<Option<Group>>> {
        let wanted: Option<Vec<String>> = ids.map(|ids| ids.into_iter().flatten().collect());
        Some(
            self.0
                .groups
                .iter()
                .filter(|group| {
                    wanted
                        .as_ref()
                        .is_none_or(|wanted| wanted.contains(&group.id))
                })
                .map(|group| Some(Group::from(group)))
                .collect(),
        )
    }

    /// The board's tags.
    async fn tags(&self) -> Option<Vec<Option<Tag>>> {
        Some(self.0.tags.iter().map(|tag| Some(Tag::from(tag))).collect())
    }

    /// The board's workspace.
    async fn workspace(&self, ctx: &Context<'_>) -> Result<Option<Workspace>> {
        let rq = ctx.data::<RequestCtx>()?;
        Ok(rq
            .state
            .read_store(|store| store.workspace(self.0.workspace_id).map(Workspace::from)))
    }
}
