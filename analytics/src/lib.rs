//! Tasklens analytics: pure functions over execution records. No IO, no async, no SQL;
//! deterministic given a seed. Each concept lives in its own module and cites its method.

pub mod anomaly;
pub mod cluster;
pub mod compare;
pub mod cost;
pub mod critical_path;
pub mod dag;
pub mod dependencies;
pub mod execution;
pub mod failures;
pub mod optimize;
pub mod patterns;
pub mod predict;
pub mod profile;
pub mod resources;
pub mod rollup;
pub mod series;
pub mod similarity;
pub mod simulate;
pub mod sketch;
pub mod statistics;
pub mod task;
pub mod trend;

#[cfg(test)]
#[path = "../tests/common/tolerances.rs"]
#[allow(dead_code)]
mod tolerances;
