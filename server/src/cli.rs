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
