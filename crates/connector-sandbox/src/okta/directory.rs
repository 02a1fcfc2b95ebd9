//! The emulated org's users and their role assignments, kept compact so that benchmarks
//! can seed 100,000 users: a seeded user is about a hundred bytes plus its index entries,
//! its profile is computed from its number when read.
//!
//! Long on purpose: the compact user table and its indexes are one data structure; every
//! change goes through the methods here so the indexes cannot drift.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Map, Value, json};

pub(crate) use super::status::Status;
use crate::util::{format_timestamp, random_alnum};

/// A user id: `00u` and 17 letters or digits, kept inline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct UserId([u8; 20]);

impl UserId {
    fn generate() -> Self {
        let mut bytes = [0u8; 20];
        bytes[..3].copy_from_slice(b"00u");
        // Alphanumeric characters are one byte each: exactly 17 bytes.
        bytes[3..].copy_from_slice(random_alnum(17).as_bytes());
        UserId(bytes)
    }

    pub(crate) fn parse(s: &str) -> Option<Self> {
        let bytes: [u8; 20] = s.as_bytes().try_into().ok()?;
        bytes
            .iter()
            .all(u8::is_ascii_alphanumeric)
            .then_some(UserId(bytes))
    }

    pub(crate) fn as_str(&self) -> &str {
        // Ids are built from ASCII letters and digits only (see `generate` and `parse`).
        std::str::from_utf8(&self.0).unwrap_or("00u00000000000000000")
    }
}

/// Settings shared by every user of one seeding call.
#[derive(Debug)]
pub(crate) struct SeedBatch {
    pub(crate) prefix: String,
    pub(crate) domain: String,
    /// `profile.role` for every `role_every`-th user (1 = all of them).
    pub(crate) role: Option<String>,
    pub(crate) role_every: u32,
}

const FIRST_NAMES: [&str; 8] = [
    "Ada", "Grace", "Alan", "Barbara", "Dennis", "Frances", "Ken", "Margaret",
];

#[derive(Debug)]
pub(crate) enum Profile {
    Stored(Map<String, Value>),
    Seeded { batch: Arc<SeedBatch>, n: u32 },
}

impl Profile {
    fn seeded_login(batch: &SeedBatch, n: u32) -> String {
        format!("{}{n}@{}", batch.prefix, batch.domain)
    }

    /// One attribute, without building the whole profile.
    pub(crate) fn get(&self, name: &str) -> Option<Value> {
        match self {
            Profile::Stored(map) => map.get(name).cloned(),
            Profile::Seeded { batch, n } => match name {
                "login" | "email" => Some(Value::String(Self::seeded_login(batch, *n))),
                "firstName" => Some(json!(FIRST_NAMES[*n as usize % FIRST_NAMES.len()])),
                "lastName" => Some(Value::String(format!("User{n}"))),
                "role" => batch
                    .role
                    .as_ref()
                    .filter(|_| n % batch.role_every.max(1) == 0)
                    .map(|r| Value::String(r.clone())),
                _ => None,
            },
        }
    }

    pub(crate) fn to_json(&self) -> Map<String, Value> {
        match self {
            Profile::Stored(map) => map.clone(),
            Profile::Seeded { .. } => {
                let mut map = Map::new();
                for key in ["firstName", "lastName", "email", "login", "role"] {
                    if let Some(v) = self.get(key) {
                        map.insert(key.to_owned(), v);
                    }
                }
                map
            }
        }
    }

    fn login(&self) -> String {
        match self.get("login") {
            Some(Value::String(s)) => s,
            _ => String::new(),
        }
    }
}

/// A standard role assigned to a user.
#[derive(Debug, Clone)]
pub(crate) struct RoleAssignment {
    pub(crate) id: String,
    pub(crate) role_type: &'static str,
    pub(crate) label: &'static str,
    pub(crate) created: i64,
}

/// Standard role types and their labels.
pub(crate) const ROLE_TYPES: [(&str, &str); 12] = [
    (
        "ACCESS_CERTIFICATIONS_ADMIN",
        "Access Certifications Administrator",
    ),
    ("ACCESS_REQUESTS_ADMIN", "Access Requests Administrator"),
    (
        "API_ACCESS_MANAGEMENT_ADMIN",
        "API Access Management Administrator",
    ),
    ("APP_ADMIN", "Application Administrator"),
    ("GROUP_MEMBERSHIP_ADMIN", "Group Membership Administrator"),
    ("HELP_DESK_ADMIN", "Help Desk Administrator"),
    ("ORG_ADMIN", "Organizational Administrator"),
    ("READ_ONLY_ADMIN", "Read-only Administrator"),
    ("REPORT_ADMIN", "Report Administrator"),
    ("SUPER_ADMIN", "Super Administrator"),
    ("USER_ADMIN", "Group Administrator"),
    ("WORKFLOWS_ADMIN", "Workflows Administrator"),
];

#[derive(Debug)]
pub(crate) struct User {
    pub(crate) id: UserId,
    pub(crate) status: Status,
    pub(crate) created: i64,
    pub(crate) activated: Option<i64>,
    pub(crate) last_updated: i64,
    pub(crate) password_changed: Option<i64>,
    pub(crate) status_changed: Option<i64>,
    /// The last sign-in (`POST /__sandbox/okta/users/{id}/sign-in`).
    pub(crate) last_login: Option<i64>,
    /// Sessions open since the last sign-ins, until cleared.
    pub(crate) sessions: u32,
    pub(crate) profile: Profile,
    pub(crate) roles: Vec<RoleAssignment>,
}

impl User {
    /// A property by its search name: `id`, `status`, `created`, `profile.role`...
    pub(crate) fn property(&self, name: &str, user_type: &str) -> Option<Value> {
        if let Some(attr) = name.strip_prefix("profile.") {
            return self.profile.get(attr);
        }
        let ts = |t: Option<i64>| t.map(|t| Value::String(format_timestamp(t)));
        match name {
            "id" => Some(Value::String(self.id.as_str().to_owned())),
            "status" => Some(Value::String(self.status.as_str().to_owned())),
            "created" => ts(Some(self.created)),
            "activated" => ts(self.activated),
            "statusChanged" => ts(self.status_changed),
            "lastLogin" => ts(self.last_login),
            "lastUpdated" => ts(Some(self.last_updated)),
            "passwordChanged" => ts(self.password_changed),
            "type.id" => Some(Value::String(user_type.to_owned())),
            _ => None,
        }
    }

    /// The user as Okta returns it.
    pub(crate) fn to_json(&self, base_url: &str, user_type: &str) -> Value {
        let ts = |t: Option<i64>| t.map(format_timestamp);
        let mut credentials = Map::new();
        if self.password_changed.is_some() {
            credentials.insert("password".to_owned(), json!({}));
        }
        credentials.insert(
            "provider".to_owned(),
            json!({"type": "OKTA", "name": "OKTA"}),
        );
        json!({
            "id": self.id.as_str(),
            "status": self.status.as_str(),
            "created": format_timestamp(self.created),
            "activated": ts(self.activated),
            "statusChanged": ts(self.status_changed),
            "lastLogin": ts(self.last_login),
            "lastUpdated": format_timestamp(self.last_updated),
            "passwordChanged": ts(self.password_changed),
            "type": {"id": user_type},
            "profile": self.profile.to_json(),
            "credentials": credentials,
            "_links": {"self": {"href": format!("{base_url}/api/v1/users/{}", self.id.as_str())}},
        })
    }
}

/// Why a user could not be added.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum AddError {
    DuplicateLogin,
}

/// Every user, in creation order, with indexes by id and by lower-cased login.
#[derive(Debug, Default)]
pub(crate) struct Directory {
    users: Vec<User>,
    by_id: HashMap<UserId, u32>,
    by_login: HashMap<Box<str>, u32>,
    next_seed: u32,
}

impl Directory {
    pub(crate) fn len(&self) -> usize {
        self.users.len()
    }

    pub(crate) fn users(&self) -> &[User] {
        &self.users
    }

    fn fresh_id(&self) -> UserId {
        loop {
            let id = UserId::generate();
            if !self.by_id.contains_key(&id) {
                return id;
            }
        }
    }

    /// Adds a user; the login must be free (case-insensitively).
    pub(crate) fn add(
        &mut self,
        profile: Profile,
        status: Status,
        has_password: bool,
        now: i64,
    ) -> Result<usize, AddError> {
        let login = profile.login().to_lowercase();
        if self.by_login.contains_key(login.as_str()) {
            return Err(AddError::DuplicateLogin);
        }
        let index = self.users.len();
        let Ok(slot) = u32::try_from(index) else {
            // Four billion users is beyond what an emulator holds; refuse like a duplicate
            // rather than corrupt the index.
            return Err(AddError::DuplicateLogin);
        };
        let id = self.fresh_id();
        let activated = (status != Status::Staged).then_some(now);
        self.users.push(User {
            id,
            status,
            created: now,
            activated,
            last_updated: now,
            password_changed: has_password.then_some(now),
            status_changed: activated,
            last_login: None,
            sessions: 0,
            profile,
            roles: Vec::new(),
        });
        self.by_id.insert(id, slot);
        self.by_login.insert(login.into_boxed_str(), slot);
        Ok(index)
    }

    /// Adds `count` generated users; returns the index of the first one.
    pub(crate) fn seed(&mut self, batch: SeedBatch, count: u32, status: Status, now: i64) -> usize {
        let batch = Arc::new(batch);
        let first = self.users.len();
        self.users.reserve(count as usize);
        self.by_id.reserve(count as usize);
        self.by_login.reserve(count as usize);
        let mut added = 0;
        while added < count {
            let n = self.next_seed;
            self.next_seed = self.next_seed.wrapping_add(1);
            let profile = Profile::Seeded {
                batch: batch.clone(),
                n,
            };
            if self
                .add(profile, status, status == Status::Active, now)
                .is_ok()
            {
                added += 1;
            }
        }
        first
    }

    /// The index of a user by id, or by login (case-insensitive).
    pub(crate) fn find(&self, id_or_login: &str) -> Option<usize> {
        if let Some(id) = UserId::parse(id_or_login)
            && let Some(&i) = self.by_id.get(&id)
        {
            return Some(i as usize);
        }
        self.by_login
            .get(id_or_login.to_lowercase().as_str())
            .map(|&i| i as usize)
    }

    /// The index of a user by id only.
    pub(crate) fn find_id(&self, id: &str) -> Option<usize> {
        UserId::parse(id)
            .and_then(|id| self.by_id.get(&id))
            .map(|&i| i as usize)
    }

    pub(crate) fn get(&self, index: usize) -> Option<&User> {
        self.users.get(index)
    }

    pub(crate) fn get_mut(&mut self, index: usize) -> Option<&mut User> {
        self.users.get_mut(index)
    }

    pub(crate) fn clear(&mut self) {
        *self = Directory::default();
    }

    /// Replaces a user's profile; the login must stay free (case-insensitively).
    pub(crate) fn set_profile(
        &mut self,
        index: usize,
        profile: Map<String, Value>,
    ) -> Result<(), AddError> {
        let Some(user) = self.users.get(index) else {
            return Ok(());
        };
        let old = user.profile.login().to_lowercase();
        let new = Profile::Stored(profile);
        let login = new.login().to_lowercase();
        if login != old {
            if self.by_login.contains_key(login.as_str()) {
                return Err(AddError::DuplicateLogin);
            }
            self.by_login.remove(old.as_str());
            // Indexes fit in u32 (see `add`).
            self.by_login.insert(login.into_boxed_str(), index as u32);
        }
        if let Some(user) = self.users.get_mut(index) {
            user.profile = new;
        }
        Ok(())
    }

    /// Removes a user (Okta's deletion); the later users move up one place.
    pub(crate) fn remove(&mut self, index: usize) -> Option<User> {
        if index >= self.users.len() {
            return None;
        }
        let user = self.users.remove(index);
        self.by_id.clear();
        self.by_login.clear();
        for (slot, u) in self.users.iter().enumerate() {
            // Indexes fit in u32 (see `add`).
            self.by_id.insert(u.id, slot as u32);
            self.by_login.insert(
                u.profile.login().to_lowercase().into_boxed_str(),
                slot as u32,
            );
        }
        Some(user)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(login: &str) -> Profile {
        let mut map = Map::new();
        map.insert("login".to_owned(), json!(login));
        Profile::Stored(map)
    }

    #[test]
    fn logins_are_unique_ignoring_case() {
        let mut dir = Directory::default();
        let i = dir.add(profile("A@x.io"), Status::Active, true, 0);
        assert_eq!(i, Ok(0));
        assert_eq!(
            dir.add(profile("a@X.IO"), Status::Active, true, 0),
            Err(AddError::DuplicateLogin)
        );
        assert_eq!(dir.find("a@x.io"), Some(0));
        let id = dir.users()[0].id.as_str().to_owned();
        assert_eq!(dir.find(&id), Some(0));
        assert!(id.starts_with("00u") && id.len() == 20);
    }

    #[test]
    fn seeding_skips_taken_logins_and_computes_profiles() {
        let mut dir = Directory::default();
        dir.add(profile("seed1@example.com"), Status::Active, true, 0)
            .ok();
        let batch = SeedBatch {
            prefix: "seed".to_owned(),
            domain: "example.com".to_owned(),
            role: Some("Support".to_owned()),
            role_every: 2,
        };
        let first = dir.seed(batch, 3, Status::Active, 0);
        assert_eq!((first, dir.len()), (1, 4));
        let logins: Vec<_> = dir.users()[1..].iter().map(|u| u.profile.login()).collect();
        assert_eq!(
            logins,
            [
                "seed0@example.com",
                "seed2@example.com",
                "seed3@example.com"
            ]
        );
        assert_eq!(dir.users()[1].profile.get("role"), Some(json!("Support")));
        assert_eq!(dir.users()[3].profile.get("role"), None);
        assert_eq!(dir.find("SEED2@example.com"), Some(2));
    }
}
