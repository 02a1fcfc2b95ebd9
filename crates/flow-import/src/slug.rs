//! Names made from titles: flow and table names `[a-z0-9-]+`, step ids and column names
//! `[a-z0-9_]+`, each unique where it must be (`-2`, `-3`, ... after a repeat).

use std::collections::HashSet;

/// The most characters a name made from a title keeps.
const MAX_SLUG: usize = 60;

/// `text` in lowercase ASCII letters and digits, other runs of characters as `sep`.
pub fn slug(text: &str, sep: char, fallback: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with(sep) {
            out.push(sep);
        }
        if out.len() >= MAX_SLUG {
            break;
        }
    }
    let out = out.trim_matches(sep).to_owned();
    if out.is_empty() {
        fallback.to_owned()
    } else {
        out
    }
}

/// Names already given, so that the next one is unique.
#[derive(Clone, Debug, Default)]
pub(crate) struct Names {
    taken: HashSet<String>,
}

impl Names {
    /// `base`, or `base<sep>2`, `base<sep>3`, ... the first not yet taken.
    pub(crate) fn unique(&mut self, base: &str, sep: char) -> String {
        if self.taken.insert(base.to_owned()) {
            return base.to_owned();
        }
        // Bounded: each number is tried once and the set is finite.
        for n in 2..=self.taken.len() + 2 {
            let name = format!("{base}{sep}{n}");
            if self.taken.insert(name.clone()) {
                return name;
            }
        }
        base.to_owned()
    }

    /// Takes `name` as given (a name the target folder already has, or a fixed one).
    pub(crate) fn reserve(&mut self, name: &str) {
        self.taken.insert(name.to_owned());
    }
}

/// A flow or table name from a title.
pub fn flow_slug(text: &str) -> String {
    slug(text, '-', "flow")
}

/// A step id or column name from a title (never starting with `_`).
pub(crate) fn id_slug(text: &str) -> String {
    let s = slug(text, '_', "step");
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        format!("s_{s}")
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_become_names_and_repeats_are_numbered() {
        assert_eq!(
            flow_slug("Add user to admin role"),
            "add-user-to-admin-role"
        );
        assert_eq!(
            flow_slug("Test Flow: Create Okta User"),
            "test-flow-create-okta-user"
        );
        assert_eq!(flow_slug("  ***  "), "flow");
        assert_eq!(
            id_slug("Custom API Action- Add role to user"),
            "custom_api_action_add_role_to_user"
        );
        assert_eq!(id_slug("1st"), "s_1st");
        let mut names = Names::default();
        assert_eq!(names.unique("a", '-'), "a");
        assert_eq!(names.unique("a", '-'), "a-2");
        assert_eq!(names.unique("a", '-'), "a-3");
    }
}
