//! The `connector` command line's definition: every command, option and help text, with
//! the examples that end each `--help` (in [`help`]). The binary parses it; `cargo xtask
//! codegen` makes the man pages in `docs/man/` from it.
//!
//! ```
//! use clap::CommandFactory as _;
//! let command = connector_cli::args::Cli::command();
//! assert!(command.get_subcommands().any(|c| c.get_name() == "run"));
//! ```

pub mod help;

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use connector_runtime::{DEFAULT_BACKOFF, DEFAULT_STORE};

/// The forms of `--error-format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ErrorFormat {
    /// `{"error":{...}}` on one line (the default off a terminal).
    Json,
    /// One readable line and a hint (the default on a terminal).
    Text,
}

/// The whole command line: global options and one command.
#[derive(Parser)]
#[command(
    name = "connector",
    version,
    about = "Run workflow connector actions (Okta, boards) from the command line"
)]
pub struct Cli {
    /// The connections file (default: CONNECTOR_CONFIG, else ./connector.toml when present).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// The form of the output: json (the default off a terminal), yaml, or table (the
    /// default for lists on a terminal).
    #[arg(
        short = 'o',
        long = "output",
        global = true,
        value_enum,
        value_name = "FORMAT"
    )]
    pub output: Option<crate::output::Format>,
    /// Only these fields of each item (or of the object): dotted names, comma-separated,
    /// such as id,status,profile.login.
    #[arg(long, global = true, value_name = "LIST", value_parser = crate::output::Fields::parse)]
    pub fields: Option<crate::output::Fields>,
    /// No progress on stderr.
    #[arg(short = 'q', long, global = true)]
    pub quiet: bool,
    /// How errors are written on stderr: json (the default off a terminal) or text.
    #[arg(long, global = true, value_enum, value_name = "FORMAT")]
    pub error_format: Option<ErrorFormat>,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Subcommand)]
pub enum Command {
    /// List connectors and their actions.
    #[command(after_help = help::LIST)]
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Describe a connector or one action: JSON (id, name, description, schemas) off a
    /// terminal, a readable view with an example input on one.
    #[command(after_help = help::DESCRIBE)]
    Describe {
        /// The connector id (okta, boards).
        connector: String,
        /// The action id (create-user, ...).
        action: Option<String>,
        /// Print the JSON (as off a terminal).
        #[arg(long)]
        json: bool,
        /// Print only an example input for the action, as JSON that `run --input -` takes.
        #[arg(long, requires = "action")]
        example: bool,
    },
    /// Run an action; connections come from the environment (OKTA_*, BOARDS_*).
    #[command(after_help = help::RUN)]
    Run {
        /// The connector id.
        connector: String,
        /// The action id.
        action: String,
        /// The input: JSON text, @FILE, or - for standard input (default: {}).
        #[arg(long)]
        input: Option<String>,
        /// Print the request(s) that would be sent, credentials masked, and send nothing.
        #[arg(long)]
        dry_run: bool,
        /// A named connection from the connections file, instead of the environment's.
        #[arg(long, value_name = "NAME")]
        connection: Option<String>,
        /// The store of the `table` connector's cards: sqlite://PATH or postgres://...
        /// (default CONNECTOR_STORE, else sqlite://connector.db); other connectors ignore it.
        #[arg(long, value_name = "URL")]
        store: Option<String>,
    },
    /// Serve the Okta and boards emulators on 127.0.0.1 until Ctrl-C (tokens: random, or
    /// CONNECTOR_SANDBOX_OKTA_TOKEN and CONNECTOR_SANDBOX_BOARDS_TOKEN).
    #[command(after_help = help::SANDBOX)]
    Sandbox {
        /// The Okta emulator's port (default: random).
        #[arg(long, default_value_t = 0)]
        okta_port: u16,
        /// The boards emulator's port (default: random).
        #[arg(long, default_value_t = 0)]
        boards_port: u16,
        /// Post an Okta event hook here for every hookable event of the System Log (users
        /// created, deactivated, suspended, added to groups and apps, ...).
        #[arg(long, requires = "event_hook_secret")]
        event_hook: Option<String>,
        /// The event hook's Authorization value.
        #[arg(long, env = "OKTA_EVENT_HOOK_SECRET", hide_env_values = true)]
        event_hook_secret: Option<String>,
        /// Deliver every event twice (Okta delivers at least once).
        #[arg(long)]
        event_hook_twice: bool,
    },
    /// The whole loop on the sandbox: create users, the sandbox's event hook reaches the
    /// runtime, the template runs, and the Flow History is read back (tokens as for `sandbox`).
    #[command(after_help = help::DEMO)]
    Demo,
    /// Run the flows in --flows (default: the template built in, "Add User to Admin Role")
    /// durably on their triggers: Okta event hooks (OKTA_EVENT_HOOK_SECRET), HTTP calls
    /// (CONNECTOR_INVOKE_TOKEN), schedules; SIGTERM or SIGINT stops it gracefully.
    #[command(after_help = help::SERVE)]
    Serve(ServeArgs),
    /// Print the Flow History from the store, or re-run a dead-lettered run.
    #[command(after_help = help::HISTORY)]
    History(HistoryArgs),
    /// Print a shell completion script: `source <(connector completion bash)`.
    #[command(after_help = help::COMPLETION)]
    Completion {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Flows as data: validate flow files, list them, run one in this process.
    #[command(after_help = help::FLOW)]
    Flow {
        /// What to do with flows.
        #[command(subcommand)]
        command: FlowCommand,
    },
    /// Tables in the store (declared in a flows folder's tables.yaml): list them, show
    /// rows, import and export CSV.
    #[command(after_help = help::TABLE)]
    Table(TableArgs),
}

/// `connector table`'s options.
#[derive(Args)]
pub struct TableArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: TableCommand,
    /// The store: sqlite://PATH or postgres://...
    #[arg(long, env = "CONNECTOR_STORE", default_value = DEFAULT_STORE, global = true)]
    pub store: String,
}

/// `connector table`'s subcommands.
#[derive(Subcommand)]
pub enum TableCommand {
    /// The tables of the store, their columns, key and number of rows.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// A table's rows (JSON: {"name","columns","key","rows","count","nextCursor"}).
    Show {
        /// The table.
        name: String,
        /// Only rows for which these conditions hold, as search-rows takes them (JSON).
        #[arg(long = "where", value_name = "JSON")]
        filter: Option<String>,
        /// At most this many rows (1 to 10,000).
        #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=10_000))]
        limit: u32,
        /// Start after this point: the `nextCursor` of the previous page.
        #[arg(long)]
        cursor: Option<String>,
    },
    /// Add the rows of a CSV file (a header line of column names): all of them, or none
    /// and exit 2 naming the line and column of the first that does not fit.
    Import {
        /// The table.
        name: String,
        /// The CSV file (- for standard input).
        file: PathBuf,
    },
    /// Print every row as CSV (the columns, then _id, _createdAt, _updatedAt) or JSON.
    Export {
        /// The table.
        name: String,
        /// csv or json.
        #[arg(long, value_enum, default_value = "csv")]
        format: ExportFormat,
    },
}

/// The forms of `connector table export`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// A header line of column names, one line per row.
    Csv,
    /// `{"rows":[...]}`.
    Json,
}

/// `connector serve`'s options.
#[derive(Args)]
pub struct ServeArgs {
    /// A folder of flow files (*.yaml, *.yml, *.json) to run; default: the template built
    /// into the binary ("Add User to Admin Role").
    #[arg(long)]
    pub flows: Option<PathBuf>,
    /// The hook listener's address.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// The admin listener's address (Flow History, metrics); beyond loopback it needs
    /// CONNECTOR_ADMIN_TOKEN.
    #[arg(long, default_value = "127.0.0.1:9090")]
    pub admin_listen: SocketAddr,
    /// The store: sqlite://PATH or postgres://...
    #[arg(long, env = "CONNECTOR_STORE", default_value = DEFAULT_STORE)]
    pub store: String,
    /// Runs executed at once.
    #[arg(long, default_value_t = 8)]
    pub workers: usize,
    /// Waits before each new try of a run that failed transiently (500ms, 20s, 1m, 2h, 1d).
    #[arg(long, default_value = DEFAULT_BACKOFF)]
    pub flow_backoff: String,
    /// Seconds (or a duration) runs in flight may take to finish after SIGTERM or SIGINT.
    #[arg(long, default_value = "20")]
    pub grace: String,
    /// Days of Flow History kept.
    #[arg(long, default_value_t = 30)]
    pub history_days: u32,
    /// How long a claimed run stays claimed without a heartbeat (a killed process's runs
    /// are taken over after this).
    #[arg(long, default_value = "30s")]
    pub lease: String,
    /// Open connections across both listeners; at the cap the oldest connection without a
    /// request in progress is closed. Lowered to fit the descriptor limit.
    #[arg(long, default_value_t = connector_runtime::DEFAULT_MAX_CONNECTIONS)]
    pub max_connections: usize,
    /// A host name the admin listener answers to besides its address (repeatable); other
    /// Host headers get 421.
    #[arg(long = "admin-host", value_name = "NAME")]
    pub admin_hosts: Vec<String>,
}

/// `connector history`'s options. They may stand before or after `rerun`.
#[derive(Args)]
pub struct HistoryArgs {
    /// Re-run or resume a run instead of listing runs.
    #[command(subcommand)]
    pub action: Option<HistoryAction>,
    /// The store: sqlite://PATH or postgres://...
    #[arg(long, env = "CONNECTOR_STORE", default_value = DEFAULT_STORE, global = true)]
    pub store: String,
    /// Only runs with this outcome (each flow's own; the template's are assigned,
    /// alreadyAssigned and skipped; also retrying and deadLettered).
    #[arg(long)]
    pub outcome: Option<String>,
    /// Only runs in this state.
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(connector_runtime::STATES))]
    pub state: Option<String>,
    /// Only runs of this flow.
    #[arg(long)]
    pub flow: Option<String>,
    /// Only runs whose subject holds this text.
    #[arg(long)]
    pub subject: Option<String>,
    /// Only runs queued at or after this time (RFC 3339, 2026-12-01T00:00:00Z).
    #[arg(long)]
    pub since: Option<String>,
    /// Only runs queued before this time (RFC 3339).
    #[arg(long)]
    pub until: Option<String>,
    /// At most this many runs, newest first (1 to 500).
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=500))]
    pub limit: u32,
    /// Start after this point: the `nextCursor` of the previous page.
    #[arg(long)]
    pub cursor: Option<String>,
    /// Print JSON ({"runs":[...],"nextCursor":...}).
    #[arg(long)]
    pub json: bool,
}

/// What `connector history` can do to one run.
#[derive(Subcommand)]
pub enum HistoryAction {
    /// Start a new run from the same event as RUN_ID (any run), linked by rerunOf, with
    /// the definition that run started with (a running `connector serve` runs it).
    Rerun {
        /// The run's id.
        run_id: String,
    },
    /// Go on with a dead-lettered run from its failed step (a new try of the same run).
    Resume {
        /// The run's id.
        run_id: String,
    },
    /// Deliver a signal to a run waiting for it (`wait: {signal: NAME}`): the data is the
    /// wait step's output and the run goes on. No such run: exit 4; a run not waiting for
    /// that signal: exit 6.
    Signal {
        /// The run's id.
        run_id: String,
        /// The signal's name.
        name: String,
        /// The signal's data: a JSON object, @FILE, or - for standard input (default {}).
        #[arg(long)]
        data: Option<String>,
        /// Deliver it at most once per key: the same key again answers as the first time.
        #[arg(long, value_name = "KEY")]
        idempotency_key: Option<String>,
    },
    /// Cancel a run: a queued, retrying or waiting run ends `cancelled`, a running one at
    /// its next step boundary. No such run: exit 4; a run that has ended: exit 6.
    Cancel {
        /// The run's id.
        run_id: String,
    },
}

/// `connector flow`'s subcommands.
#[derive(Subcommand)]
pub enum FlowCommand {
    /// Check flow files (or folders of them): every error of every file, as
    /// file:line:col; exit 2 if any.
    #[command(after_help = help::FLOW_VALIDATE)]
    Validate {
        /// Files, or folders whose *.yaml, *.yml and *.json files are read.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// List the flows of a folder (default: the template built into this binary).
    #[command(after_help = help::FLOW_LIST)]
    List {
        /// The folder of flow files.
        #[arg(long)]
        flows: Option<PathBuf>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Run a flow in this process and print the run as Flow History shows it; exit 0 when
    /// it ends with an outcome, else by the error's kind. A `wait` is waited for here
    /// (Ctrl-C leaves the run waiting in its store, where `serve` continues it); a flow
    /// with a signal wait needs --store, where `connector history signal` reaches it. The
    /// runs it spawns run before the command exits.
    #[command(after_help = help::FLOW_RUN)]
    Run {
        /// The flow file.
        file: PathBuf,
        /// The flows it calls or spawns: files, or folders of them.
        helpers: Vec<PathBuf>,
        /// The trigger's payload: JSON text, @FILE, or - for standard input (default {}).
        #[arg(long)]
        event: Option<String>,
        /// List every card's requests and send nothing.
        #[arg(long)]
        dry_run: bool,
        /// The store the run is kept in: sqlite://PATH or postgres://... (default: a
        /// temporary one, removed at exit).
        #[arg(long, env = "CONNECTOR_STORE")]
        store: Option<String>,
    },
    /// Turn Okta Workflows exports (.flopack, .folder, .flow) into flow files: one
    /// DIR/FLOW.yaml per flow (helper flows as callable flows), DIR/tables.yaml and
    /// DIR/connector.toml.example. A flow with a card that cannot be translated, that
    /// does not validate, or that calls a flow not written is not written. The report goes
    /// to stderr (JSON on stdout with --json); exit 2 when any flow was not written or a
    /// file was not a readable export. With --coverage DIR: each export of DIR imported
    /// on its own, nothing written, the cards missing most often; exit 0.
    #[command(after_help = help::FLOW_IMPORT)]
    Import {
        /// The exports.
        #[arg(required_unless_present = "coverage", conflicts_with = "coverage")]
        files: Vec<PathBuf>,
        /// The folder the flow files are written to (created when missing).
        #[arg(
            long,
            required_unless_present = "coverage",
            conflicts_with = "coverage"
        )]
        out: Option<PathBuf>,
        /// A folder of exports to measure instead: what would import, what is missing.
        #[arg(long, value_name = "DIR")]
        coverage: Option<PathBuf>,
        /// Print the report as JSON on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Switch a flow's triggers off: they start no run, on every process sharing the
    /// store, until `flow enable` (runs already started go on). Unknown flow: exit 4.
    Disable {
        /// The flow's name.
        name: String,
        /// The store: sqlite://PATH or postgres://...
        #[arg(long, env = "CONNECTOR_STORE", default_value = DEFAULT_STORE)]
        store: String,
    },
    /// Switch a flow's triggers back on (fire times missed while off are not caught up).
    Enable {
        /// The flow's name.
        name: String,
        /// The store: sqlite://PATH or postgres://...
        #[arg(long, env = "CONNECTOR_STORE", default_value = DEFAULT_STORE)]
        store: String,
    },
}
