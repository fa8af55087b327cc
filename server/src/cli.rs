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

#[derive(Debug, Clone, Copy, Subcommand)]
pub enum Command {
    /// Serve the web app and API (the default): applies pending migrations, then listens.
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
}
