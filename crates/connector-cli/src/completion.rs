//! What shell completion offers for connector and action ids: every registered id, taken
//! from the registry. The ids are attached only when a completion script is generated, so
//! that no other command pays for building the registry's list; any text is still
//! accepted (an unknown id gets the command's own message listing the known ones).

use std::ffi::OsStr;

use clap::builder::{PossibleValue, TypedValueParser};

/// A value parser that accepts any text and suggests `ids` to completion scripts.
#[derive(Clone, Debug)]
pub(crate) struct Suggest(Vec<&'static str>);

impl Suggest {
    /// The connector ids.
    pub(crate) fn connectors() -> Suggest {
        let registry = connector_cli::registry();
        Suggest(registry.connectors().iter().map(|c| c.id()).collect())
    }

    /// Every connector's action ids (completion cannot see which connector came first).
    pub(crate) fn actions() -> Suggest {
        let registry = connector_cli::registry();
        let mut ids: Vec<&'static str> = registry
            .connectors()
            .iter()
            .flat_map(|c| c.actions())
            // The ids live as long as the program; completion needs them as `&'static`.
            .map(|a| &*Box::leak(a.id.into_boxed_str()))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        Suggest(ids)
    }
}

impl TypedValueParser for Suggest {
    type Value = String;

    fn parse_ref(
        &self,
        _cmd: &clap::Command,
        _arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<String, clap::Error> {
        Ok(value.to_string_lossy().into_owned())
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(self.0.iter().map(|id| PossibleValue::new(*id))))
    }
}

/// `command` with the connector and action ids as the completion candidates of `run` and
/// `describe`.
pub(crate) fn with_ids(mut command: clap::Command) -> clap::Command {
    for sub in ["run", "describe"] {
        command = command.mut_subcommand(sub, |c| {
            c.mut_arg("connector", |a| {
                a.value_parser(Suggest::connectors())
                    .hide_possible_values(true)
            })
            .mut_arg("action", |a| {
                a.value_parser(Suggest::actions())
                    .hide_possible_values(true)
            })
        });
    }
    command
}
