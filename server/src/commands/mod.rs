//! CLI subcommands besides `serve`: thin shells over `importers`, `workload` and `db`.

pub mod demo;
pub mod eval;
pub mod import;
