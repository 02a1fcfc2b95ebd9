//! Compiling an expression or a template into a program whose every step is bounded,
//! and running it.
//!
//! MiniJinja's own operators, list and map literals and raw text write are not
//! budgeted: `'x' * 100000000` makes 100 MB, `range(100000) * 5000` a lazy sequence
//! that `sum` then walks for half a minute. So the compiled instructions are rewritten
//! before they run:
//! - every operator that builds or compares (`+ * ~ == != < <= > >= in`, slices) becomes a
//!   call of its bounded twin in [`super::bounded`], which weighs its operands first;
//! - every list or map literal is weighed as it is built (depth and size);
//! - raw text is written through the formatter, which counts the rendered bytes.
//!
//! Before compiling, the parsed expression is checked for constant parts that MiniJinja
//! would fold at compile time into a value over the bound (`'x' * 100000000`).

use std::collections::BTreeMap;

use minijinja::machinery::{self, CodeGenerator, Instruction, Instructions, Vm};
use minijinja::syntax::SyntaxConfig;
use minijinja::{AutoEscape, Environment, Error, Value as Mj};

use super::bounded::{BUILT, op_function};
use super::consts::check_folds;
use super::names::{check_names, check_names_in};

/// A program: the rewritten instructions of an expression or a template.
pub(crate) struct Program<'s> {
    instructions: Instructions<'s>,
}

/// Compiles a bare expression.
pub(crate) fn expression(source: &str) -> Result<Program<'_>, Error> {
    let ast = machinery::parse_expr(source)?;
    check_folds(&ast)?;
    check_names(&ast)?;
    let mut generator = CodeGenerator::new("<expression>", source);
    generator.compile_expr(&ast);
    let (instructions, _) = generator.finish();
    Ok(Program {
        instructions: rewrite(&instructions, source),
    })
}

/// Compiles a text template.
pub(crate) fn template(source: &str) -> Result<Program<'_>, Error> {
    let ast = machinery::parse(source, "<text>", SyntaxConfig, Default::default())?;
    super::consts::check_stmt(&ast)?;
    check_names_in(&ast)?;
    let mut generator = CodeGenerator::new("<text>", source);
    generator.compile_stmt(&ast);
    let (instructions, _) = generator.finish();
    Ok(Program {
        instructions: rewrite(&instructions, source),
    })
}

impl<'s> Program<'s> {
    /// Evaluates an expression: the value it leaves.
    pub(crate) fn eval(&self, env: &'s Environment<'s>, root: Mj) -> Result<Mj, Error> {
        let mut sink = String::new();
        let mut out = machinery::make_string_output(&mut sink);
        let (value, _) = Vm::new(env).eval(
            &self.instructions,
            root,
            &BTreeMap::new(),
            &mut out,
            AutoEscape::None,
        )?;
        Ok(value.unwrap_or_default())
    }

    /// Renders a template: the text it writes.
    pub(crate) fn render(&self, env: &'s Environment<'s>, root: Mj) -> Result<String, Error> {
        let mut text = String::new();
        let mut out = machinery::make_string_output(&mut text);
        Vm::new(env).eval(
            &self.instructions,
            root,
            &BTreeMap::new(),
            &mut out,
            AutoEscape::None,
        )?;
        Ok(text)
    }
}

/// What an instruction becomes: one or two instructions.
fn replacement<'s>(instruction: &Instruction<'s>) -> (Instruction<'s>, Option<Instruction<'s>>) {
    match instruction {
        // Raw text goes through the formatter, which counts what is written.
        Instruction::EmitRaw(text) => (
            Instruction::LoadConst(Mj::from_safe_string((*text).to_owned())),
            Some(Instruction::Emit),
        ),
        Instruction::BuildList(_) | Instruction::BuildMap(_) | Instruction::BuildKwargs(_) => (
            instruction.clone(),
            Some(Instruction::CallFunction(BUILT, Some(1))),
        ),
        other => match op_function(other) {
            Some(name) => (Instruction::CallFunction(name, Some(op_arity(other))), None),
            None => (other.clone(), None),
        },
    }
}

fn op_arity(instruction: &Instruction<'_>) -> u16 {
    if matches!(instruction, Instruction::Slice) {
        4
    } else {
        2
    }
}

/// The instructions with every operator bounded; jump targets follow the new places.
fn rewrite<'s>(old: &Instructions<'s>, source: &'s str) -> Instructions<'s> {
    let mut new_index = Vec::with_capacity(old.len() + 1);
    let mut next = 0u32;
    for i in 0..old.len() {
        new_index.push(next);
        let instruction = old.get(i as u32).map(replacement);
        next += match instruction {
            Some((_, Some(_))) => 2,
            _ => 1,
        };
    }
    new_index.push(next);
    let target = |t: &u32| new_index.get(*t as usize).copied().unwrap_or(next);
    let mut rewritten = Instructions::new(old.name(), source);
    for i in 0..old.len() {
        let Some(instruction) = old.get(i as u32) else {
            continue;
        };
        let line = old.get_line(i as u32).unwrap_or(1) as u16;
        let (first, second) = replacement(instruction);
        let first = match first {
            Instruction::Jump(t) => Instruction::Jump(target(&t)),
            Instruction::JumpIfFalse(t) => Instruction::JumpIfFalse(target(&t)),
            Instruction::JumpIfFalseOrPop(t) => Instruction::JumpIfFalseOrPop(target(&t)),
            Instruction::JumpIfTrueOrPop(t) => Instruction::JumpIfTrueOrPop(target(&t)),
            Instruction::Iterate(t) => Instruction::Iterate(target(&t)),
            other => other,
        };
        rewritten.add_with_line(first, line);
        if let Some(second) = second {
            rewritten.add_with_line(second, line);
        }
    }
    rewritten
}
