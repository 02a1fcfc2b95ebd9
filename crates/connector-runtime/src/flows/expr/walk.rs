//! Visiting every expression of a parsed expression or template, parents first. The
//! parser bounds how deep an expression nests, so this recursion is bounded too.

use minijinja::Error;
use minijinja::machinery::ast::{CallArg, Expr, Stmt};

/// Calls `f` on `expr` and on every expression inside it.
pub(crate) fn each_expr(
    expr: &Expr<'_>,
    f: &mut dyn FnMut(&Expr<'_>) -> Result<(), Error>,
) -> Result<(), Error> {
    f(expr)?;
    match expr {
        Expr::Var(_) | Expr::Const(_) => Ok(()),
        Expr::Slice(s) => {
            each_expr(&s.expr, f)?;
            for part in [&s.start, &s.stop, &s.step].into_iter().flatten() {
                each_expr(part, f)?;
            }
            Ok(())
        }
        Expr::UnaryOp(u) => each_expr(&u.expr, f),
        Expr::BinOp(b) => {
            each_expr(&b.left, f)?;
            each_expr(&b.right, f)
        }
        Expr::Compare(c) => {
            each_expr(&c.expr, f)?;
            c.ops.iter().try_for_each(|op| each_expr(&op.expr, f))
        }
        Expr::IfExpr(i) => {
            each_expr(&i.test_expr, f)?;
            each_expr(&i.true_expr, f)?;
            i.false_expr.as_ref().map_or(Ok(()), |e| each_expr(e, f))
        }
        Expr::Filter(x) => {
            x.expr.as_ref().map_or(Ok(()), |e| each_expr(e, f))?;
            each_arg(&x.args, f)
        }
        Expr::Test(t) => {
            each_expr(&t.expr, f)?;
            each_arg(&t.args, f)
        }
        Expr::GetAttr(g) => each_expr(&g.expr, f),
        Expr::GetItem(g) => {
            each_expr(&g.expr, f)?;
            each_expr(&g.subscript_expr, f)
        }
        Expr::Call(c) => {
            each_expr(&c.expr, f)?;
            each_arg(&c.args, f)
        }
        Expr::List(l) => l.items.iter().try_for_each(|e| each_expr(e, f)),
        Expr::Map(m) => m
            .keys
            .iter()
            .chain(m.values.iter())
            .try_for_each(|e| each_expr(e, f)),
    }
}

fn each_arg(
    args: &[CallArg<'_>],
    f: &mut dyn FnMut(&Expr<'_>) -> Result<(), Error>,
) -> Result<(), Error> {
    args.iter().try_for_each(|arg| match arg {
        CallArg::Pos(e) | CallArg::Kwarg(_, e) | CallArg::PosSplat(e) | CallArg::KwargSplat(e) => {
            each_expr(e, f)
        }
    })
}

fn each_in_body(
    body: &[Stmt<'_>],
    f: &mut dyn FnMut(&Expr<'_>) -> Result<(), Error>,
) -> Result<(), Error> {
    body.iter().try_for_each(|stmt| each_expr_in(stmt, f))
}

/// Calls `f` on every expression of a template.
pub(crate) fn each_expr_in(
    stmt: &Stmt<'_>,
    f: &mut dyn FnMut(&Expr<'_>) -> Result<(), Error>,
) -> Result<(), Error> {
    match stmt {
        Stmt::Template(t) => each_in_body(&t.children, f),
        Stmt::EmitExpr(e) => each_expr(&e.expr, f),
        Stmt::ForLoop(l) => {
            each_expr(&l.iter, f)?;
            l.filter_expr.as_ref().map_or(Ok(()), |e| each_expr(e, f))?;
            each_in_body(&l.body, f)?;
            each_in_body(&l.else_body, f)
        }
        Stmt::IfCond(i) => {
            each_expr(&i.expr, f)?;
            each_in_body(&i.true_body, f)?;
            each_in_body(&i.false_body, f)
        }
        Stmt::WithBlock(w) => {
            for (_, e) in &w.assignments {
                each_expr(e, f)?;
            }
            each_in_body(&w.body, f)
        }
        Stmt::Set(s) => each_expr(&s.expr, f),
        Stmt::SetBlock(s) => {
            s.filter.as_ref().map_or(Ok(()), |e| each_expr(e, f))?;
            each_in_body(&s.body, f)
        }
        Stmt::AutoEscape(a) => each_in_body(&a.body, f),
        Stmt::FilterBlock(b) => {
            each_expr(&b.filter, f)?;
            each_in_body(&b.body, f)
        }
        Stmt::Do(d) => {
            each_expr(&d.call.expr, f)?;
            each_arg(&d.call.args, f)
        }
        // Raw text; and the statements of MiniJinja features flows do not enable.
        #[allow(unreachable_patterns)]
        _ => Ok(()),
    }
}
