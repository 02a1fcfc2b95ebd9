//! Case conversions for identifiers taken from the document.

/// The words of an identifier: `listGroupUsers`, `group_id`, `X-Request-Id`, `sortBy`.
fn words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let chars: Vec<char> = name.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            continue;
        }
        let boundary = c.is_ascii_uppercase()
            && !current.is_empty()
            && (chars[i - 1].is_ascii_lowercase()
                || chars[i - 1].is_ascii_digit()
                || chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase()));
        if boundary {
            words.push(std::mem::take(&mut current));
        }
        current.push(c.to_ascii_lowercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

fn capitalised(word: &str) -> String {
    let mut c = word.chars();
    c.next()
        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
        .unwrap_or_default()
}

/// `list-group-users`.
pub(crate) fn kebab(name: &str) -> String {
    words(name).join("-")
}

/// `list_group_users`, a Rust identifier (keywords raw, a leading digit prefixed).
pub(crate) fn snake(name: &str) -> String {
    let mut s = words(name).join("_");
    if s.is_empty() || s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, '_');
    }
    if KEYWORDS.contains(&s.as_str()) {
        if matches!(s.as_str(), "self" | "super" | "crate") {
            s.push('_');
        } else {
            s.insert_str(0, "r#");
        }
    }
    s
}

/// `ListGroupUsers`.
pub(crate) fn pascal(name: &str) -> String {
    let s: String = words(name).iter().map(|w| capitalised(w)).collect();
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{s}")
    } else {
        s
    }
}

/// `listGroupUsers`: the JSON name of an input field.
pub(crate) fn camel(name: &str) -> String {
    let words = words(name);
    let mut out = String::new();
    for (i, w) in words.iter().enumerate() {
        if i == 0 {
            out.push_str(w);
        } else {
            out.push_str(&capitalised(w));
        }
    }
    out
}

/// `List Group Users`.
pub(crate) fn title(name: &str) -> String {
    words(name)
        .iter()
        .map(|w| capitalised(w))
        .collect::<Vec<_>>()
        .join(" ")
}

const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub",
    "ref", "return", "self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use",
    "where", "while", "abstract", "become", "box", "do", "final", "gen", "macro", "override",
    "priv", "try", "typeof", "unsized", "virtual", "yield",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_convert_between_cases() {
        assert_eq!(kebab("listGroupUsers"), "list-group-users");
        assert_eq!(snake("sortBy"), "sort_by");
        assert_eq!(snake("type"), "r#type");
        assert_eq!(snake("X-Okta-Request-Id"), "x_okta_request_id");
        assert_eq!(pascal("assignUserToGroup"), "AssignUserToGroup");
        assert_eq!(camel("group_id"), "groupId");
        assert_eq!(camel("petId"), "petId");
        assert_eq!(kebab("getHTTPStatus"), "get-http-status");
        assert_eq!(title("list-pets"), "List Pets");
    }
}
