//! Tasklens analytics: pure functions over execution records. No IO, no async, no SQL;
//! deterministic given a seed. Each concept lives in its own module and cites its method.

pub mod stats;
