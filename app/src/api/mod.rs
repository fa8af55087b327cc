//! Server functions, one file per resource. Each is a thin path: context → `service` → `types`.

pub mod dashboard;
pub mod executions;
pub mod tasks;
