//! Constant parts of an expression that MiniJinja folds while compiling: a part made
//! only of literals (`'x' * 100000000`) is computed then, before any budget applies. This
//! walks the parsed text and refuses a folded part whose value would be over
//! [`MAX_VALUE_BYTES`], from the literals' sizes alone (nothing is computed).

use minijinja::Error;
use minijinja::machinery::ast::{BinOpKind, Expr, Stmt};
use minijinja::value::ValueKind;

use super::bounds::{MAX_VALUE_BYTES, too_big};
use super::walk::{each_expr, each_expr_in};

/// What a constant part is known to be.
#[derive(Clone, Copy)]
enum Known {
    /// An integer, which may multiply a string or a list.
    Int(i128),
    /// Any other value, by its weight.
    Weight(u64),
}

impl Known {
    fn weight(self) -> u64 {
        match self {
            Known::Int(_) => 8,
            Known::Weight(w) => w,
        }
    }
}

fn known(expr: &Expr<'_>) -> Option<Known> {
    match expr {
        Expr::Const(c) => Some(match c.value.kind() {
            ValueKind::Number => c
                .value
                .as_i64()
                .map_or(Known::Weight(8), |i| Known::Int(i128::from(i))),
            _ => Known::Weight(c.value.as_str().map_or(8, |s| s.len() as u64)),
        }),
        Expr::List(l) => l
            .items
            .iter()
            .map(|item| known(item).map(|k| k.weight() + 8))
            .sum::<Option<u64>>()
            .map(Known::Weight),
        Expr::UnaryOp(u) => known(&u.expr),
        Expr::BinOp(b) => {
            let (left, right) = (known(&b.left)?, known(&b.right)?);
            Some(match (b.op, left, right) {
                (BinOpKind::Mul, Known::Int(a), Known::Int(b)) => Known::Int(a.saturating_mul(b)),
                (BinOpKind::Mul, Known::Int(n), other) | (BinOpKind::Mul, other, Known::Int(n)) => {
                    Known::Weight(
                        other
                            .weight()
                            .saturating_mul(n.max(0).min(u64::MAX.into()) as u64),
                    )
                }
                (BinOpKind::Add | BinOpKind::Sub, Known::Int(a), Known::Int(b)) => {
                    Known::Int(a.saturating_add(b.saturating_abs()))
                }
                (BinOpKind::Pow, Known::Int(_), Known::Int(_)) => Known::Int(i128::MAX),
                (_, a, b) => Known::Weight(a.weight().saturating_add(b.weight()).saturating_mul(2)),
            })
        }
        Expr::Compare(_) => Some(Known::Weight(8)),
        _ => None,
    }
}

/// Refuses an expression with a constant part that would fold into too big a value.
pub(crate) fn check_folds(expr: &Expr<'_>) -> Result<(), Error> {
    each_expr(expr, &mut check_fold)
}

/// The same check for every expression of a template.
pub(crate) fn check_stmt(stmt: &Stmt<'_>) -> Result<(), Error> {
    each_expr_in(stmt, &mut check_fold)
}

fn check_fold(expr: &Expr<'_>) -> Result<(), Error> {
    match known(expr) {
        Some(Known::Weight(w)) if w > MAX_VALUE_BYTES => {
            Err(too_big("a constant part of the expression"))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use minijinja::machinery::parse_expr;

    use super::*;

    #[test]
    fn folded_constants_over_the_bound_are_refused_before_compiling() {
        for bomb in [
            "'x' * 100000000",
            "('x' * 10000000) ~ ('x' * 10000000)",
            "['ab'] * (10000 * 10000)",
        ] {
            let ast = parse_expr(bomb).unwrap();
            assert!(check_folds(&ast).is_err(), "{bomb}");
        }
        for fine in [
            "'x' * 3",
            "event.n * 100000000",
            "1 + 2 * 3",
            "range(10) | list",
        ] {
            let ast = parse_expr(fine).unwrap();
            assert!(check_folds(&ast).is_ok(), "{fine}");
        }
    }
}
