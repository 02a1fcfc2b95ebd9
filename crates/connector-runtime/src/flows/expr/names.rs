//! The filters, tests and functions an expression names must exist: a typo
//! (`| lenght`) is a validation error naming the nearest known name, not a run that
//! dead-letters later.

use minijinja::machinery::ast::{Expr, Stmt};
use minijinja::{Error, ErrorKind};

use super::bounded::{FUNCTIONS, builtin_filters, builtin_tests};
use super::walk::{each_expr, each_expr_in};

fn unknown(what: &str, name: &str, known: &[&str]) -> Error {
    let nearest = known
        .iter()
        .map(|k| (distance(name, k), *k))
        .min()
        .filter(|(d, _)| *d <= name.len().max(3) / 2)
        .map(|(_, k)| k);
    let hint = match nearest {
        Some(k) => format!("did you mean `{k}`?"),
        None => format!("the {what}s are {}", known.join(", ")),
    };
    Error::new(
        ErrorKind::UnknownFilter,
        format!("there is no {what} `{name}`: {hint}"),
    )
}

/// The edit distance of two names (insertions, deletions, substitutions).
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let here = row[j + 1];
            row[j + 1] = (previous + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(here + 1);
            previous = here;
        }
    }
    row[b.len()]
}

fn check(expr: &Expr<'_>) -> Result<(), Error> {
    match expr {
        Expr::Filter(f) => {
            let filters = builtin_filters();
            let known: Vec<&str> = filters.iter().map(|(n, _)| *n).collect();
            if !known.contains(&f.name) {
                return Err(unknown("filter", f.name, &known));
            }
        }
        Expr::Test(t) => {
            let tests = builtin_tests();
            let known: Vec<&str> = tests.iter().map(|(n, _)| *n).collect();
            if !known.contains(&t.name) {
                return Err(unknown("test", t.name, &known));
            }
        }
        Expr::Call(c) => {
            if let Expr::Var(v) = &c.expr
                && !FUNCTIONS.contains(&v.id)
                && v.id != "loop"
            {
                return Err(unknown("function", v.id, FUNCTIONS));
            }
        }
        _ => {}
    }
    Ok(())
}

/// Refuses an expression naming a filter, test or function that does not exist.
pub(crate) fn check_names(expr: &Expr<'_>) -> Result<(), Error> {
    each_expr(expr, &mut check)
}

/// The same for every expression of a template.
pub(crate) fn check_names_in(stmt: &Stmt<'_>) -> Result<(), Error> {
    each_expr_in(stmt, &mut check)
}

#[cfg(test)]
mod tests {
    use minijinja::machinery::parse_expr;

    use super::*;

    #[test]
    fn a_typo_names_the_nearest_known_name() {
        let e = check_names(&parse_expr("event.list | lenght").unwrap()).unwrap_err();
        assert!(e.to_string().contains("did you mean `length`"), "{e}");
        let e = check_names(&parse_expr("event.at | datetimeformat").unwrap()).unwrap_err();
        assert!(e.to_string().contains("no filter `datetimeformat`"), "{e}");
        let e = check_names(&parse_expr("event.n is od").unwrap()).unwrap_err();
        assert!(e.to_string().contains("did you mean `odd`"), "{e}");
        let e = check_names(&parse_expr("rnage(3)").unwrap()).unwrap_err();
        assert!(e.to_string().contains("did you mean `range`"), "{e}");
        assert!(
            check_names(&parse_expr("range(3) | map('upper') | join(',') is string").unwrap())
                .is_ok()
        );
    }
}
