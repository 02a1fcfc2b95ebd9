//! Okta's `search` and `filter` expressions (a SCIM subset): parse, then match users.
//!
//! `search`: operators `eq sw co gt ge lt le pr`, `and`/`or`, parentheses; property
//! names are case-sensitive, operators and string values are not; `co` only on
//! `profile.firstName|lastName|email|login`; `ne` is refused as Okta does.
//! `filter`: `eq` on `status id profile.login profile.email profile.firstName
//! profile.lastName lastUpdated`, plus `gt ge lt le` on `lastUpdated`; values are
//! case-sensitive.
//!
//! Long on purpose: one small language (its parser and the matcher over users share the
//! expression type), with its tests.

use std::cmp::Ordering;

use serde_json::Value;

/// The longest expression accepted.
const MAX_LEN: usize = 4096;
/// The deepest nesting of parentheses accepted.
const MAX_DEPTH: usize = 32;

/// Which query parameter an expression came from; they differ in what they allow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dialect {
    Search,
    Filter,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Op {
    Eq,
    Sw,
    Co,
    Gt,
    Ge,
    Lt,
    Le,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Literal {
    Str(String),
    Num(f64),
    Bool(bool),
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Compare {
        attr: String,
        op: Op,
        value: Literal,
    },
    Present(String),
}

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Open,
    Close,
    Word(String),
    Str(String),
}

fn tokenize(input: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut chars = input.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' => {
                chars.next();
                tokens.push(Token::Open);
            }
            ')' => {
                chars.next();
                tokens.push(Token::Close);
            }
            '"' => {
                chars.next();
                let mut s = String::new();
                loop {
                    match chars.next() {
                        None => return Err("unterminated string".to_owned()),
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(escaped) => s.push(escaped),
                            None => return Err("unterminated string".to_owned()),
                        },
                        Some(other) => s.push(other),
                    }
                }
                tokens.push(Token::Str(s));
            }
            _ => {
                let mut word = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_whitespace() || c == '(' || c == ')' || c == '"' {
                        break;
                    }
                    word.push(c);
                    chars.next();
                }
                tokens.push(Token::Word(word));
            }
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    dialect: Dialect,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn keyword(&self, kw: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case(kw))
    }

    fn or_expr(&mut self) -> Result<Expr, String> {
        let mut left = self.and_expr()?;
        while self.keyword("or") {
            self.pos += 1;
            let right = self.and_expr()?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and_expr(&mut self) -> Result<Expr, String> {
        let mut left = self.primary()?;
        while self.keyword("and") {
            self.pos += 1;
            let right = self.primary()?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn primary(&mut self) -> Result<Expr, String> {
        match self.next() {
            Some(Token::Open) => {
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    return Err("too deeply nested".to_owned());
                }
                let inner = self.or_expr()?;
                if self.next() != Some(Token::Close) {
                    return Err("missing `)`".to_owned());
                }
                self.depth -= 1;
                Ok(inner)
            }
            Some(Token::Word(attr)) => self.comparison(attr),
            Some(Token::Close) => Err("unexpected `)`".to_owned()),
            Some(Token::Str(s)) => Err(format!("expected a property name, found \"{s}\"")),
            None => Err("unexpected end of expression".to_owned()),
        }
    }

    fn comparison(&mut self, attr: String) -> Result<Expr, String> {
        if !attr
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_')
            || attr.starts_with('.')
            || attr.ends_with('.')
        {
            return Err(format!("`{attr}` is not a property name"));
        }
        if attr.eq_ignore_ascii_case("not") {
            return Err("the `not` operator is not supported".to_owned());
        }
        let op_name = match self.next() {
            Some(Token::Word(op)) => op.to_ascii_lowercase(),
            _ => return Err(format!("expected an operator after `{attr}`")),
        };
        let op = match op_name.as_str() {
            "pr" => {
                if self.dialect == Dialect::Filter {
                    return Err("`pr` is not supported in filter".to_owned());
                }
                return Ok(Expr::Present(attr));
            }
            "eq" => Op::Eq,
            "sw" => Op::Sw,
            "co" => Op::Co,
            "gt" => Op::Gt,
            "ge" => Op::Ge,
            "lt" => Op::Lt,
            "le" => Op::Le,
            "ne" => return Err("the `ne` operator is not supported".to_owned()),
            other => return Err(format!("unknown operator `{other}`")),
        };
        let value = match self.next() {
            Some(Token::Str(s)) => Literal::Str(s),
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("true") => Literal::Bool(true),
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("false") => Literal::Bool(false),
            Some(Token::Word(w)) => match w.parse::<f64>() {
                Ok(n) if n.is_finite() => Literal::Num(n),
                _ => return Err(format!("`{w}` is not a value: quote strings")),
            },
            _ => return Err(format!("expected a value after `{attr} {op_name}`")),
        };
        self.check_allowed(&attr, op)?;
        Ok(Expr::Compare { attr, op, value })
    }

    fn check_allowed(&self, attr: &str, op: Op) -> Result<(), String> {
        const CO_ATTRS: [&str; 4] = [
            "profile.firstName",
            "profile.lastName",
            "profile.email",
            "profile.login",
        ];
        match self.dialect {
            Dialect::Search => {
                if op == Op::Co && !CO_ATTRS.contains(&attr) {
                    return Err(format!("`co` is only supported on {}", CO_ATTRS.join(", ")));
                }
            }
            Dialect::Filter => {
                const FILTER_ATTRS: [&str; 7] = [
                    "status",
                    "lastUpdated",
                    "id",
                    "profile.login",
                    "profile.email",
                    "profile.firstName",
                    "profile.lastName",
                ];
                if !FILTER_ATTRS.contains(&attr) {
                    return Err(format!("`{attr}` cannot be used in filter"));
                }
                if op != Op::Eq && attr != "lastUpdated" {
                    return Err(
                        "filter supports only `eq` (and gt/ge/lt/le on lastUpdated)".to_owned()
                    );
                }
                if matches!(op, Op::Sw | Op::Co) {
                    return Err(
                        "filter supports only `eq` (and gt/ge/lt/le on lastUpdated)".to_owned()
                    );
                }
            }
        }
        Ok(())
    }
}

/// Parses an expression, or says why it is not one.
pub(crate) fn parse(input: &str, dialect: Dialect) -> Result<Expr, String> {
    if input.len() > MAX_LEN {
        return Err("the expression is too long".to_owned());
    }
    let tokens = tokenize(input)?;
    if tokens.is_empty() {
        return Err("empty expression".to_owned());
    }
    let mut parser = Parser {
        tokens,
        pos: 0,
        dialect,
        depth: 0,
    };
    let expr = parser.or_expr()?;
    if parser.pos < parser.tokens.len() {
        return Err("unexpected text after the expression".to_owned());
    }
    Ok(expr)
}

impl Expr {
    /// Whether a user matches; `lookup` gives a property's value by name (`profile.role`).
    pub(crate) fn matches(&self, lookup: &dyn Fn(&str) -> Option<Value>, dialect: Dialect) -> bool {
        match self {
            Expr::And(a, b) => a.matches(lookup, dialect) && b.matches(lookup, dialect),
            Expr::Or(a, b) => a.matches(lookup, dialect) || b.matches(lookup, dialect),
            Expr::Present(attr) => lookup(attr).is_some_and(|v| !v.is_null()),
            Expr::Compare { attr, op, value } => match lookup(attr) {
                None | Some(Value::Null) => false,
                Some(Value::Array(items)) => {
                    items.iter().any(|item| compare(item, *op, value, dialect))
                }
                Some(actual) => compare(&actual, *op, value, dialect),
            },
        }
    }
}

fn compare(actual: &Value, op: Op, expected: &Literal, dialect: Dialect) -> bool {
    match (actual, expected) {
        (Value::String(a), Literal::Str(e)) => {
            let (a, e) = if dialect == Dialect::Search {
                (a.to_lowercase(), e.to_lowercase())
            } else {
                (a.clone(), e.clone())
            };
            match op {
                Op::Eq => a == e,
                Op::Sw => a.starts_with(&e),
                Op::Co => a.contains(&e),
                _ => ordered(a.cmp(&e), op),
            }
        }
        (Value::Number(a), Literal::Num(e)) => match a.as_f64().and_then(|a| a.partial_cmp(e)) {
            Some(ordering) => match op {
                Op::Eq => ordering == Ordering::Equal,
                Op::Sw | Op::Co => false,
                _ => ordered(ordering, op),
            },
            None => false,
        },
        (Value::Bool(a), Literal::Bool(e)) => op == Op::Eq && a == e,
        _ => false,
    }
}

fn ordered(ordering: Ordering, op: Op) -> bool {
    match op {
        Op::Gt => ordering == Ordering::Greater,
        Op::Ge => ordering != Ordering::Less,
        Op::Lt => ordering == Ordering::Less,
        Op::Le => ordering != Ordering::Greater,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn user(attr: &str) -> Option<Value> {
        match attr {
            "status" => Some(json!("ACTIVE")),
            "profile.role" => Some(json!("Support")),
            "profile.login" => Some(json!("Isaac.Brock@example.com")),
            "profile.tags" => Some(json!(["a", "b"])),
            "profile.level" => Some(json!(3)),
            "lastUpdated" => Some(json!("2024-05-01T00:00:00.000Z")),
            _ => None,
        }
    }

    fn search(expr: &str) -> bool {
        parse(expr, Dialect::Search)
            .unwrap_or_else(|e| panic!("{expr}: {e}"))
            .matches(&user, Dialect::Search)
    }

    #[test]
    fn matches_search_expressions() {
        assert!(search(r#"profile.role eq "support""#));
        assert!(search(r#"profile.login sw "isaac" and status EQ "ACTIVE""#));
        assert!(search(r#"profile.login co "brock""#));
        assert!(search(
            r#"status eq "STAGED" or (profile.role eq "Support" and profile.level gt 2)"#
        ));
        assert!(search(r#"profile.tags eq "b""#));
        assert!(search(r#"lastUpdated gt "2024-01-01T00:00:00.000Z""#));
        assert!(search("profile.role pr"));
        assert!(!search(r#"profile.missing eq "x""#));
        assert!(!search(r#"profile.role eq "Sales""#));
    }

    #[test]
    fn refuses_malformed_and_unsupported_expressions() {
        for bad in [
            "",
            "profile.role",
            r#"profile.role eq"#,
            r#"profile.role eq "x"#,
            r#"profile.role ne "x""#,
            r#"profile.role co "x""#,
            r#"(profile.role eq "x""#,
            r#"profile.role eq "x" and"#,
            r#"profile.role eq x"#,
            r#"profile.role eq "x" extra"#,
            &"(".repeat(100),
        ] {
            assert!(
                parse(bad, Dialect::Search).is_err(),
                "{bad:?} should be refused"
            );
        }
        assert!(parse(r#"profile.role eq "x""#, Dialect::Filter).is_err());
        assert!(parse(r#"status sw "A""#, Dialect::Filter).is_err());
        assert!(
            parse(
                r#"lastUpdated gt "2024-01-01T00:00:00.000Z" and status eq "ACTIVE""#,
                Dialect::Filter
            )
            .is_ok()
        );
    }

    #[test]
    fn filter_values_are_case_sensitive() {
        let expr =
            parse(r#"status eq "active""#, Dialect::Filter).unwrap_or_else(|e| panic!("{e}"));
        assert!(!expr.matches(&user, Dialect::Filter));
    }
}
