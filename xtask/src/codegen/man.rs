//! The `connector` command's man pages, from its clap definition (`connector_cli::args`):
//! `connector.1` and one page per subcommand (`connector-run.1`, `connector-flow-run.1`),
//! each with the options, the environment variables they read, and the examples that end
//! its `--help`.

use clap::CommandFactory as _;

/// The folder of the man pages, relative to the workspace root.
pub const MAN_DIR: &str = "docs/man";

/// Every man page: (path relative to the workspace root, contents).
pub(super) fn man_pages() -> Vec<(String, String)> {
    let mut command = connector_cli::args::Cli::command().disable_help_subcommand(true);
    command.build();
    let mut pages = Vec::new();
    collect(&command, &mut pages);
    pages.sort();
    pages
}

fn collect(command: &clap::Command, pages: &mut Vec<(String, String)>) {
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        collect(sub, pages);
    }
    let man = clap_mangen::Man::new(command.clone());
    let mut roff = Vec::new();
    // Rendering into memory cannot fail.
    let _ = man.render(&mut roff);
    pages.push((
        format!("{MAN_DIR}/{}", man.get_filename()),
        format!("{}\n{}", super::MAN_HEADER, String::from_utf8_lossy(&roff)),
    ));
}
