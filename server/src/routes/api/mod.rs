//! REST API v1, base `/api/v1/task-analytics`. One file per action.

pub mod auth;
pub mod compare;
pub mod extract;
pub mod ingest;
pub mod optimizations;
pub mod prediction;
pub mod simulate;
pub mod tasks;
pub mod workflows;
