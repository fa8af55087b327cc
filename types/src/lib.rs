//! Tasklens wire types.
//!
//! The interfaces of the functional spec (`TaskPerformanceMetrics`, `ExecutionStatistics`, ...)
//! as serde structs, `camelCase` on the wire, plus the validated newtypes every layer shares
//! ([`TaskKey`], [`TimeRange`]). This crate compiles for the server and for `wasm32`: it must not
//! depend on tokio, sqlx or leptos.

mod comparison;
pub mod ingest;
mod keys;
mod live;
mod optimization;
mod pattern;
mod performance;
mod prediction;
mod simulation;
mod summary;
mod task_group;
mod workflow;
mod workflow_page;

pub use comparison::*;
pub use keys::*;
pub use live::*;
pub use optimization::*;
pub use pattern::*;
pub use performance::*;
pub use prediction::*;
pub use simulation::*;
pub use summary::*;
pub use task_group::*;
pub use workflow::*;
pub use workflow_page::*;
