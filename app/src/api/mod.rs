//! Server functions, one file per resource. Each is a thin path: context → `db` → `types`.

pub mod tasks;
