//! The emulator's data: users, teams, departments, workspaces and boards, and the
//! operations the GraphQL resolvers perform on them.
//!
//! Every operation is synchronous and runs under the state's lock; failures are
//! [`AppError`]s, which become the service's 200-with-`errors[]` answers.
//!
//! Long on purpose: the emulator's data and every operation the resolvers perform on it,
//! kept together so that each mutation keeps the data consistent; the last part is their
//! tests.

use std::cmp::Reverse;
use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::json;

use super::config::BoardsConfig;
use super::schema::{BoardKind, BoardsOrderBy, State, UserKind, UserStatus, WorkspaceKind};

/// The user who owns the API token (always seeded).
pub(crate) const TOKEN_OWNER_ID: u64 = 1001;
/// The workspace boards go to when none is given.
pub(crate) const MAIN_WORKSPACE_ID: u64 = 100;
/// The first id given to a board.
const FIRST_BOARD_ID: u64 = 5_000_000_001;

/// An application error: the service's `extensions.code`, a message and `error_data`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AppError {
    pub(crate) code: &'static str,
    pub(crate) message: String,
    pub(crate) data: serde_json::Value,
}

impl AppError {
    fn new(code: &'static str, message: impl Into<String>, data: serde_json::Value) -> Self {
        Self {
            code,
            message: message.into(),
            data,
        }
    }

    pub(crate) fn invalid_board(id: &str) -> Self {
        Self::new(
            "InvalidBoardIdException",
            "Board not found",
            json!({ "board_id": id }),
        )
    }

    pub(crate) fn invalid_user(id: &str) -> Self {
        Self::new(
            "InvalidUserIdException",
            "User not found",
            json!({ "user_id": id }),
        )
    }

    pub(crate) fn invalid_argument(message: impl Into<String>, data: serde_json::Value) -> Self {
        Self::new("InvalidArgumentException", message, data)
    }
}

/// A user's role, reported as the `kind` string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Admin,
    Member,
    Guest,
}

impl Role {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Member => "member",
            Role::Guest => "guest",
        }
    }

    /// Guests cannot own boards (nor can viewers, which the emulator does not seed).
    fn may_own_boards(self) -> bool {
        matches!(self, Role::Admin | Role::Member)
    }
}

/// A user.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct UserRecord {
    pub(crate) id: u64,
    pub(crate) name: String,
    pub(crate) email: String,
    pub(crate) title: String,
    pub(crate) url: String,
    pub(crate) role: Role,
    pub(crate) status: UserStatus,
    pub(crate) created_at: String,
    pub(crate) became_active_at: Option<String>,
    pub(crate) is_email_confirmed: bool,
    pub(crate) phone: Option<String>,
    pub(crate) mobile_phone: Option<String>,
    pub(crate) time_zone_identifier: Option<String>,
    pub(crate) location: Option<String>,
    pub(crate) country_code: Option<String>,
    pub(crate) photo_url: Option<String>,
    pub(crate) team_ids: Vec<u64>,
    pub(crate) department_id: Option<u64>,
    /// Creation order, for `newest_first`.
    seq: u64,
}

/// A team.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TeamRecord {
    pub(crate) id: u64,
    pub(crate) name: String,
    pub(crate) picture_url: Option<String>,
    pub(crate) is_guest: bool,
}

/// A department.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DepartmentRecord {
    pub(crate) id: u64,
    pub(crate) name: String,
    pub(crate) reserved_seats: i32,
}

/// A workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WorkspaceRecord {
    pub(crate) id: u64,
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    pub(crate) kind: WorkspaceKind,
    pub(crate) is_default: bool,
    pub(crate) created_at: String,
}

/// A group of a board.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GroupRecord {
    pub(crate) id: String,
    pub(crate) title: String,
    pub(crate) color: String,
    pub(crate) position: String,
}

/// A tag of a board.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TagRecord {
    pub(crate) id: u64,
    pub(crate) name: String,
    pub(crate) color: String,
}

/// A board member; owners are subscribers too, as in the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Member {
    pub(crate) user_id: u64,
    pub(crate) owner: bool,
}

/// A board.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BoardRecord {
    pub(crate) id: u64,
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    pub(crate) kind: BoardKind,
    /// Active, archived or deleted (never `all`).
    pub(crate) state: State,
    pub(crate) permissions: String,
    pub(crate) workspace_id: u64,
    pub(crate) folder_id: Option<String>,
    pub(crate) url: String,
    pub(crate) creator_id: u64,
    pub(crate) members: Vec<Member>,
    pub(crate) groups: Vec<GroupRecord>,
    pub(crate) tags: Vec<TagRecord>,
    pub(crate) created_at: String,
    pub(crate) updated_at: String,
    created_seq: u64,
    used_seq: u64,
}

impl BoardRecord {
    pub(crate) fn owner_ids(&self) -> impl Iterator<Item = u64> + '_ {
        self.members.iter().filter(|m| m.owner).map(|m| m.user_id)
    }

    pub(crate) fn subscriber_ids(&self) -> impl Iterator<Item = u64> + '_ {
        self.members.iter().map(|m| m.user_id)
    }
}

/// Filters of the `boards` query.
#[derive(Debug, Default)]
pub(crate) struct BoardsFilter {
    pub(crate) ids: Option<Vec<String>>,
    /// `None` elements stand for the main workspace.
    pub(crate) workspace_ids: Option<Vec<Option<String>>>,
    pub(crate) kind: Option<BoardKind>,
    pub(crate) state: Option<State>,
    pub(crate) order_by: Option<BoardsOrderBy>,
}

/// Filters of the `users` query.
#[derive(Debug, Default)]
pub(crate) struct UsersFilter {
    pub(crate) ids: Option<Vec<String>>,
    pub(crate) emails: Option<Vec<String>>,
    pub(crate) name: Option<String>,
    pub(crate) kind: Option<UserKind>,
    pub(crate) newest_first: bool,
    pub(crate) non_active: bool,
}

/// Arguments of `create_board`.
#[derive(Debug, Default)]
pub(crate) struct NewBoard {
    pub(crate) name: String,
    pub(crate) kind: Option<BoardKind>,
    pub(crate) workspace_id: Option<String>,
    pub(crate) folder_id: Option<String>,
    pub(crate) template_id: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) owner_ids: Vec<String>,
    pub(crate) subscriber_ids: Vec<String>,
    pub(crate) empty: bool,
}

/// Parses a GraphQL `ID` as the service's numeric ids.
pub(crate) fn parse_id(id: &str) -> Option<u64> {
    id.trim().parse().ok()
}

/// `YYYY-MM-DDTHH:MM:SSZ` for a Unix time.
pub(crate) fn format_timestamp(unix_seconds: u64) -> String {
    let at = UNIX_EPOCH + std::time::Duration::from_secs(unix_seconds);
    humantime::format_rfc3339_seconds(at).to_string()
}

fn now_timestamp() -> String {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs());
    format_timestamp(seconds)
}

/// Keeps the elements of `page` (1-based) of `limit` elements.
pub(crate) fn paginate<T>(items: Vec<T>, limit: i32, page: i32) -> Result<Vec<T>, AppError> {
    if limit < 1 {
        return Err(AppError::invalid_argument(
            "limit must be at least 1",
            json!({ "limit": limit }),
        ));
    }
    if page < 1 {
        return Err(AppError::invalid_argument(
            "page must be at least 1",
            json!({ "page": page }),
        ));
    }
    // Both are positive i32s, so they fit usize on every supported target.
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let skip = usize::try_from(page - 1)
        .unwrap_or(usize::MAX)
        .saturating_mul(limit);
    Ok(items.into_iter().skip(skip).take(limit).collect())
}

/// The emulator's data.
#[derive(Debug, Clone)]
pub(crate) struct Store {
    account_url: String,
    users: BTreeMap<u64, UserRecord>,
    teams: BTreeMap<u64, TeamRecord>,
    departments: BTreeMap<u64, DepartmentRecord>,
    workspaces: BTreeMap<u64, WorkspaceRecord>,
    boards: BTreeMap<u64, BoardRecord>,
    next_user_id: u64,
    next_board_id: u64,
    seq: u64,
}

/// A seeded user, before it gets its url and sequence number.
struct SeedUser {
    id: u64,
    name: &'static str,
    email: &'static str,
    title: &'static str,
    role: Role,
    status: UserStatus,
    created_at: &'static str,
    phone: Option<&'static str>,
    time_zone: &'static str,
    location: Option<&'static str>,
    country_code: Option<&'static str>,
    team_ids: &'static [u64],
    department_id: Option<u64>,
}

const DEFAULT_USERS: [SeedUser; 5] = [
    SeedUser {
        id: TOKEN_OWNER_ID,
        name: "Ada Lovelace",
        email: "ada.lovelace@example.com",
        title: "Account Admin",
        role: Role::Admin,
        status: UserStatus::Active,
        created_at: "2024-01-15T09:00:00Z",
        phone: Some("+44 20 7946 0101"),
        time_zone: "Europe/London",
        location: Some("London"),
        country_code: Some("GB"),
        team_ids: &[501, 502],
        department_id: Some(601),
    },
    SeedUser {
        id: 1002,
        name: "Grace Hopper",
        email: "grace.hopper@example.com",
        title: "Engineering Manager",
        role: Role::Member,
        status: UserStatus::Active,
        created_at: "2024-02-01T10:30:00Z",
        phone: Some("+1 212 555 0102"),
        time_zone: "America/New_York",
        location: Some("New York"),
        country_code: Some("US"),
        team_ids: &[501],
        department_id: Some(602),
    },
    SeedUser {
        id: 1003,
        name: "Alan Turing",
        email: "alan.turing@example.com",
        title: "Software Engineer",
        role: Role::Member,
        status: UserStatus::Active,
        created_at: "2024-03-10T08:15:00Z",
        phone: None,
        time_zone: "Europe/London",
        location: Some("Manchester"),
        country_code: Some("GB"),
        team_ids: &[501],
        department_id: Some(602),
    },
    SeedUser {
        id: 1004,
        name: "Gail Guest",
        email: "gail.guest@partner.example.org",
        title: "External Consultant",
        role: Role::Guest,
        status: UserStatus::Active,
        created_at: "2024-05-20T14:00:00Z",
        phone: None,
        time_zone: "Europe/Berlin",
        location: None,
        country_code: Some("DE"),
        team_ids: &[],
        department_id: None,
    },
    SeedUser {
        id: 1005,
        name: "Pat Pending",
        email: "pat.pending@example.com",
        title: "",
        role: Role::Member,
        status: UserStatus::Pending,
        created_at: "2024-06-01T12:00:00Z",
        phone: None,
        time_zone: "UTC",
        location: None,
        country_code: None,
        team_ids: &[],
        department_id: None,
    },
];

impl Store {
    /// The data a fresh emulator starts with.
    pub(crate) fn seeded(config: &BoardsConfig) -> Self {
        let mut store = Self {
            account_url: config.account_url.trim_end_matches('/').to_owned(),
            users: BTreeMap::new(),
            teams: BTreeMap::new(),
            departments: BTreeMap::new(),
            workspaces: BTreeMap::new(),
            boards: BTreeMap::new(),
            next_user_id: TOKEN_OWNER_ID,
            next_board_id: FIRST_BOARD_ID,
            seq: 0,
        };
        for (id, name) in [(501, "Engineering"), (502, "Help Desk")] {
            store.teams.insert(
                id,
                TeamRecord {
                    id,
                    name: name.to_owned(),
                    picture_url: None,
                    is_guest: false,
                },
            );
        }
        for (id, name, reserved_seats) in [(601, "IT", 5), (602, "Engineering", 10)] {
            store.departments.insert(
                id,
                DepartmentRecord {
                    id,
                    name: name.to_owned(),
                    reserved_seats,
                },
            );
        }
        for (id, name, description, is_default) in [
            (MAIN_WORKSPACE_ID, "Main workspace", None, true),
            (
                101,
                "Help desk",
                Some("Access requests and onboarding"),
                false,
            ),
        ] {
            store.workspaces.insert(
                id,
                WorkspaceRecord {
                    id,
                    name: name.to_owned(),
                    description: description.map(str::to_owned),
                    kind: WorkspaceKind::Open,
                    is_default,
                    created_at: "2024-01-15".to_owned(),
                },
            );
        }
        let seeds = if config.default_users {
            &DEFAULT_USERS[..]
        } else {
            &DEFAULT_USERS[..1]
        };
        for seed in seeds {
            let user = store.user_from_seed(seed);
            store.next_user_id = store.next_user_id.max(user.id + 1);
            store.users.insert(user.id, user);
        }
        store.generate_users(config.generated_users);
        store.generate_boards(config.generated_boards);
        store
    }

    fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    fn user_from_seed(&mut self, seed: &SeedUser) -> UserRecord {
        let active = seed.status != UserStatus::Pending;
        UserRecord {
            id: seed.id,
            name: seed.name.to_owned(),
            email: seed.email.to_owned(),
            title: seed.title.to_owned(),
            url: format!("{}/users/{}", self.account_url, seed.id),
            role: seed.role,
            status: seed.status,
            created_at: seed.created_at.to_owned(),
            became_active_at: active.then(|| seed.created_at.to_owned()),
            is_email_confirmed: active,
            phone: seed.phone.map(str::to_owned),
            mobile_phone: None,
            time_zone_identifier: Some(seed.time_zone.to_owned()),
            location: seed.location.map(str::to_owned),
            country_code: seed.country_code.map(str::to_owned),
            photo_url: active.then(|| format!("{}/photos/{}.png", self.account_url, seed.id)),
            team_ids: seed.team_ids.to_vec(),
            department_id: seed.department_id,
            seq: self.next_seq(),
        }
    }

    /// Adds `count` active members named `Sandbox User <id>`; returns their ids.
    pub(crate) fn generate_users(&mut self, count: usize) -> Vec<u64> {
        let mut ids = Vec::with_capacity(count);
        for _ in 0..count {
            let id = self.next_user_id;
            self.next_user_id += 1;
            let now = now_timestamp();
            let seq = self.next_seq();
            self.users.insert(
                id,
                UserRecord {
                    id,
                    name: format!("Sandbox User {id}"),
                    email: format!("user{id}@example.com"),
                    title: "Team Member".to_owned(),
                    url: format!("{}/users/{id}", self.account_url),
                    role: Role::Member,
                    status: UserStatus::Active,
                    created_at: now.clone(),
                    became_active_at: Some(now),
                    is_email_confirmed: true,
                    phone: None,
                    mobile_phone: None,
                    time_zone_identifier: Some("UTC".to_owned()),
                    location: None,
                    country_code: None,
                    photo_url: None,
                    team_ids: Vec::new(),
                    department_id: None,
                    seq,
                },
            );
            ids.push(id);
        }
        ids
    }

    /// Adds `count` public boards named `Sandbox board <n>` in the main workspace, owned
    /// by the token's owner; returns their ids.
    pub(crate) fn generate_boards(&mut self, count: usize) -> Vec<u64> {
        let mut ids = Vec::with_capacity(count);
        for _ in 0..count {
            let number = self.boards.len() + 1;
            let board = self.insert_board(NewBoard {
                name: format!("Sandbox board {number}"),
                kind: Some(BoardKind::Public),
                ..NewBoard::default()
            });
            ids.push(board.id);
        }
        ids
    }

    /// The user who owns the API token.
    pub(crate) fn token_owner(&self) -> Option<&UserRecord> {
        self.users.get(&TOKEN_OWNER_ID)
    }

    /// The users with these ids, in this order, skipping unknown ones.
    pub(crate) fn users_by_id(&self, ids: impl IntoIterator<Item = u64>) -> Vec<UserRecord> {
        ids.into_iter()
            .filter_map(|id| self.users.get(&id).cloned())
            .collect()
    }

    pub(crate) fn team(&self, id: u64) -> Option<&TeamRecord> {
        self.teams.get(&id)
    }

    pub(crate) fn department(&self, id: u64) -> Option<&DepartmentRecord> {
        self.departments.get(&id)
    }

    /// Users counted in a department.
    pub(crate) fn department_size(&self, id: u64) -> usize {
        self.users
            .values()
            .filter(|user| user.department_id == Some(id))
            .count()
    }

    pub(crate) fn workspace(&self, id: u64) -> Option<&WorkspaceRecord> {
        self.workspaces.get(&id)
    }

    /// The `users` query, before pagination.
    ///
    /// `name` is a case-insensitive substring match, or a case-insensitive exact match
    /// when combined with `kind` or `emails`, as the service does since 2026-07.
    pub(crate) fn find_users(&self, filter: &UsersFilter) -> Vec<UserRecord> {
        let ids: Option<Vec<u64>> = filter
            .ids
            .as_ref()
            .map(|ids| ids.iter().filter_map(|id| parse_id(id)).collect());
        let emails: Option<Vec<String>> = filter
            .emails
            .as_ref()
            .map(|emails| emails.iter().map(|e| e.trim().to_lowercase()).collect());
        let exact_name = filter.kind.is_some() || filter.emails.is_some();
        let name = filter.name.as_ref().map(|name| name.trim().to_lowercase());
        let mut users: Vec<UserRecord> = self
            .users
            .values()
            .filter(|user| (user.status == UserStatus::Inactive) == filter.non_active)
            .filter(|user| ids.as_ref().is_none_or(|ids| ids.contains(&user.id)))
            .filter(|user| {
                emails
                    .as_ref()
                    .is_none_or(|emails| emails.contains(&user.email.to_lowercase()))
            })
            .filter(|user| {
                name.as_ref().is_none_or(|name| {
                    let own = user.name.to_lowercase();
                    if exact_name {
                        own == *name
                    } else {
                        own.contains(name.as_str())
                    }
                })
            })
            .filter(|user| match filter.kind {
                None | Some(UserKind::All) => true,
                Some(UserKind::Guests) => user.role == Role::Guest,
                Some(UserKind::NonGuests) => user.role != Role::Guest,
                Some(UserKind::NonPending) => user.status != UserStatus::Pending,
            })
            .cloned()
            .collect();
        if filter.newest_first {
            users.sort_by_key(|user| Reverse(user.seq));
        }
        users
    }

    /// The `boards` query, before pagination.
    pub(crate) fn find_boards(&self, filter: &BoardsFilter) -> Vec<BoardRecord> {
        let ids: Option<Vec<u64>> = filter
            .ids
            .as_ref()
            .map(|ids| ids.iter().filter_map(|id| parse_id(id)).collect());
        let workspaces: Option<Vec<u64>> = filter.workspace_ids.as_ref().map(|ids| {
            ids.iter()
                .filter_map(|id| match id {
                    Some(id) => parse_id(id),
                    None => Some(MAIN_WORKSPACE_ID),
                })
                .collect()
        });
        let state = filter.state.unwrap_or(State::Active);
        let mut boards: Vec<BoardRecord> = self
            .boards
            .values()
            .filter(|board| state == State::All || board.state == state)
            .filter(|board| ids.as_ref().is_none_or(|ids| ids.contains(&board.id)))
            .filter(|board| {
                workspaces
                    .as_ref()
                    .is_none_or(|ids| ids.contains(&board.workspace_id))
            })
            .filter(|board| filter.kind.is_none_or(|kind| board.kind == kind))
            .cloned()
            .collect();
        match filter.order_by {
            Some(BoardsOrderBy::CreatedAt) => {
                boards.sort_by_key(|board| Reverse(board.created_seq))
            }
            Some(BoardsOrderBy::UsedAt) => boards.sort_by_key(|board| Reverse(board.used_seq)),
            None => {}
        }
        boards
    }

    /// Looks up users for a mutation: every id must exist.
    fn existing_users(&self, ids: &[String]) -> Result<Vec<u64>, AppError> {
        let mut found = Vec::with_capacity(ids.len());
        for raw in ids {
            let id = parse_id(raw)
                .filter(|id| self.users.contains_key(id))
                .ok_or_else(|| AppError::invalid_user(raw))?;
            if !found.contains(&id) {
                found.push(id);
            }
        }
        Ok(found)
    }

    fn check_may_own(&self, ids: &[u64]) -> Result<(), AppError> {
        for id in ids {
            if let Some(user) = self.users.get(id)
                && !user.role.may_own_boards()
            {
                return Err(AppError::invalid_argument(
                    "Guests and viewers cannot be board owners",
                    json!({ "user_id": id.to_string() }),
                ));
            }
        }
        Ok(())
    }

    /// A board a mutation may change: it exists and is not deleted.
    fn live_board_mut(&mut self, raw: &str) -> Result<&mut BoardRecord, AppError> {
        parse_id(raw)
            .and_then(|id| self.boards.get_mut(&id))
            .filter(|board| board.state != State::Deleted)
            .ok_or_else(|| AppError::invalid_board(raw))
    }

    fn touch(&mut self, id: u64) {
        let seq = self.next_seq();
        if let Some(board) = self.boards.get_mut(&id) {
            board.used_seq = seq;
            board.updated_at = now_timestamp();
        }
    }

    /// `create_board`: the token's owner creates the board and owns it.
    pub(crate) fn create_board(&mut self, new: NewBoard) -> Result<BoardRecord, AppError> {
        if new.name.trim().is_empty() {
            return Err(AppError::invalid_argument(
                "board_name must not be blank",
                json!({ "board_name": new.name }),
            ));
        }
        if let Some(raw) = &new.workspace_id
            && parse_id(raw).is_none_or(|id| !self.workspaces.contains_key(&id))
        {
            return Err(AppError::new(
                "ResourceNotFoundException",
                "Workspace not found",
                json!({ "workspace_id": raw }),
            ));
        }
        if let Some(raw) = &new.template_id
            && parse_id(raw).is_none_or(|id| !self.boards.contains_key(&id))
        {
            return Err(AppError::new(
                "CreateBoardException",
                "Template board not found",
                json!({ "template_id": raw }),
            ));
        }
        let owners = self.existing_users(&new.owner_ids)?;
        self.check_may_own(&owners)?;
        self.existing_users(&new.subscriber_ids)?;
        Ok(self.insert_board(new))
    }

    /// Inserts a validated board.
    fn insert_board(&mut self, new: NewBoard) -> BoardRecord {
        let id = self.next_board_id;
        self.next_board_id += 1;
        let seq = self.next_seq();
        let template = new
            .template_id
            .as_deref()
            .and_then(parse_id)
            .and_then(|id| self.boards.get(&id))
            .cloned();
        let mut members = vec![Member {
            user_id: TOKEN_OWNER_ID,
            owner: true,
        }];
        let mut add = |raw: &String, owner: bool| {
            let Some(user_id) = parse_id(raw) else { return };
            match members.iter_mut().find(|m| m.user_id == user_id) {
                Some(member) => member.owner |= owner,
                None => members.push(Member { user_id, owner }),
            }
        };
        new.owner_ids.iter().for_each(|raw| add(raw, true));
        new.subscriber_ids.iter().for_each(|raw| add(raw, false));
        let groups = match (&template, new.empty) {
            (_, true) => Vec::new(),
            (Some(template), false) => template.groups.clone(),
            (None, false) => vec![GroupRecord {
                id: "topics".to_owned(),
                title: "Group Title".to_owned(),
                color: "#579bfc".to_owned(),
                position: "65536".to_owned(),
            }],
        };
        let now = now_timestamp();
        let board = BoardRecord {
            id,
            name: new.name,
            description: new
                .description
                .or_else(|| template.as_ref().and_then(|t| t.description.clone())),
            kind: new.kind.unwrap_or(BoardKind::Public),
            state: State::Active,
            permissions: "everyone".to_owned(),
            workspace_id: new
                .workspace_id
                .as_deref()
                .and_then(parse_id)
                .unwrap_or(MAIN_WORKSPACE_ID),
            folder_id: new.folder_id,
            url: format!("{}/boards/{id}", self.account_url),
            creator_id: TOKEN_OWNER_ID,
            members,
            groups,
            tags: Vec::new(),
            created_at: now.clone(),
            updated_at: now,
            created_seq: seq,
            used_seq: seq,
        };
        self.boards.insert(id, board.clone());
        board
    }

    /// `archive_board`.
    pub(crate) fn archive_board(&mut self, raw: &str) -> Result<BoardRecord, AppError> {
        let board = self.live_board_mut(raw)?;
        board.state = State::Archived;
        let id = board.id;
        self.touch(id);
        self.board_snapshot(id, raw)
    }

    /// `delete_board`; deleting a deleted board answers it again.
    pub(crate) fn delete_board(&mut self, raw: &str) -> Result<BoardRecord, AppError> {
        let board = parse_id(raw)
            .and_then(|id| self.boards.get_mut(&id))
            .ok_or_else(|| AppError::invalid_board(raw))?;
        board.state = State::Deleted;
        let id = board.id;
        self.touch(id);
        self.board_snapshot(id, raw)
    }

    fn board_snapshot(&self, id: u64, raw: &str) -> Result<BoardRecord, AppError> {
        self.boards
            .get(&id)
            .cloned()
            .ok_or_else(|| AppError::invalid_board(raw))
    }

    /// `add_users_to_board`: adds subscribers, or owners (a subscriber is promoted).
    /// Answers the users named, in the order given.
    pub(crate) fn add_users_to_board(
        &mut self,
        board_id: &str,
        user_ids: &[String],
        owner: bool,
    ) -> Result<Vec<UserRecord>, AppError> {
        self.live_board_mut(board_id)?;
        let users = self.existing_users(user_ids)?;
        if owner {
            self.check_may_own(&users)?;
        }
        let board = self.live_board_mut(board_id)?;
        for &user_id in &users {
            match board.members.iter_mut().find(|m| m.user_id == user_id) {
                Some(member) => member.owner |= owner,
                None => board.members.push(Member { user_id, owner }),
            }
        }
        let id = board.id;
        self.touch(id);
        Ok(self.users_by_id(users))
    }

    /// `delete_subscribers_from_board`: removes the users (owners too) from the board.
    /// Answers the users named, in the order given, whether or not they were members.
    pub(crate) fn delete_subscribers_from_board(
        &mut self,
        board_id: &str,
        user_ids: &[String],
    ) -> Result<Vec<UserRecord>, AppError> {
        self.live_board_mut(board_id)?;
        let users = self.existing_users(user_ids)?;
        let board = self.live_board_mut(board_id)?;
        board.members.retain(|m| !users.contains(&m.user_id));
        let id = board.id;
        self.touch(id);
        Ok(self.users_by_id(users))
    }

    /// Number of boards, in every state.
    pub(crate) fn board_count(&self) -> usize {
        self.boards.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_timestamps() {
        assert_eq!(format_timestamp(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_timestamp(1_709_210_096), "2024-02-29T12:34:56Z");
        assert_eq!(format_timestamp(1_798_761_599), "2026-12-31T23:59:59Z");
    }

    #[test]
    fn paginates_one_based_and_refuses_nonsense() {
        let items: Vec<u32> = (1..=5).collect();
        assert_eq!(paginate(items.clone(), 2, 3), Ok(vec![5]));
        assert_eq!(paginate(items.clone(), 2, 4), Ok(vec![]));
        assert_eq!(paginate(items.clone(), i32::MAX, i32::MAX), Ok(vec![]));
        assert!(paginate(items.clone(), 0, 1).is_err());
        assert!(paginate(items, 1, 0).is_err());
    }

    #[test]
    fn creator_owns_and_subscribes() {
        let mut store = Store::seeded(&BoardsConfig::default());
        let board = store
            .create_board(NewBoard {
                name: "Onboarding".to_owned(),
                subscriber_ids: vec!["1002".to_owned()],
                ..NewBoard::default()
            })
            .expect("valid board");
        assert_eq!(board.owner_ids().collect::<Vec<_>>(), vec![TOKEN_OWNER_ID]);
        assert_eq!(
            board.subscriber_ids().collect::<Vec<_>>(),
            vec![TOKEN_OWNER_ID, 1002]
        );
        assert_eq!(board.groups.len(), 1);
    }
}
