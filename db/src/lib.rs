//! Tasklens persistence. Every SQL statement of the product lives in this crate; callers get
//! row structs (or `types` values through `From`), never SQL. Long statements sit in `sql/`.

pub mod cache;
pub mod comparison;
mod error;
pub mod executions;
pub mod ingest;
pub mod leader;
pub mod live;
pub mod optimizations;
pub mod pagination;
pub mod pool;
pub mod prediction;
pub mod rollups;
pub mod samples;
pub mod simulation;
pub mod tasks;
pub mod workflow_runs;
pub mod workflows;

pub use error::DbError;
pub use pool::{PoolOptions, connect, health, migrate};
pub use sqlx::PgPool;
