//! Command line: subcommands and the configuration every one of them shares.

use clap::{Parser, Subcommand};

use crate::config::Config;

/// Tasklens: workflow task analytics.
///
/// Every option can also be set by the environment variable shown beside it; a flag wins over
/// the environment, which wins over the default.
#[derive(Debug, Parser)]
#[command(name = "tasklens", version, about, long_about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub config: Config,
}

#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Serve the web app and API (the default): applies pending migrations, then listens.
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Load trace files: ingest v1 JSON/NDJSON, WfCommons WfFormat JSON, Nextflow trace TSV.
    Import(crate::commands::import::ImportArgs),
    /// Generate and load a realistic demo history with its ground truth.
    Demo(crate::commands::demo::DemoArgs),
    /// Score the analytics against a freshly generated workload's ground truth.
    Eval(crate::commands::eval::EvalArgs),
}

/// The settings `tasklens import` uses, shown in `tasklens import --help`; the others (the
/// server's address, limits, costs, ...) are accepted there as everywhere but not listed.
pub const IMPORT_SETTINGS: [&str; 1] = ["database_url"];

/// The command line, with `import --help` listing import's own flags and
/// [`IMPORT_SETTINGS`] only. Each other shared setting gets a hidden, non-global copy on
/// `import` (clap then does not propagate the global one there), which still takes a value and
/// fills the same field.
pub fn command() -> clap::Command {
    use clap::CommandFactory;
    let cmd = Cli::command();
    let hidden: Vec<clap::Arg> = cmd
        .get_arguments()
        .filter(|a| a.is_global_set() && !IMPORT_SETTINGS.contains(&a.get_id().as_str()))
        .map(|a| a.clone().global(false).hide(true))
        .collect();
    cmd.mut_subcommand("import", |sub| sub.args(hidden))
}

/// Parses the process's arguments (see [`command`]); exits with clap's message on an error.
pub fn parse() -> Cli {
    use clap::FromArgMatches;
    Cli::from_arg_matches(&command().get_matches()).unwrap_or_else(|e| e.exit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn help(args: &[&str]) -> String {
        match command().try_get_matches_from(args) {
            Err(e) => e.render().to_string(),
            Ok(_) => panic!("--help should not parse"),
        }
    }

    #[test]
    fn import_help_lists_only_imports_flags_and_still_takes_the_others() {
        let import = help(&["tasklens", "import", "--help"]);
        for flag in [
            "--keep-going",
            "--replace",
            "--url",
            "--workflow-id",
            "--database-url",
        ] {
            assert!(import.contains(flag), "{flag} missing:\n{import}");
        }
        for flag in [
            "--addr",
            "--site-root",
            "--cost-cpu-hour",
            "--max-in-flight",
        ] {
            assert!(!import.contains(flag), "{flag} listed:\n{import}");
        }
        assert!(help(&["tasklens", "serve", "--help"]).contains("--addr"));
        use clap::FromArgMatches;
        for args in [
            ["tasklens", "import", "a.txt", "--db-max-connections", "3"],
            ["tasklens", "--db-max-connections", "3", "import", "a.txt"],
        ] {
            let m = command()
                .try_get_matches_from(args)
                .unwrap_or_else(|e| panic!("{e}"));
            let cli = Cli::from_arg_matches(&m).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(cli.config.db_max_connections, 3);
            assert!(matches!(cli.command, Some(Command::Import(_))));
        }
    }
}
