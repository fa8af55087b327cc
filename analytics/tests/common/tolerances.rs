//! Every numeric tolerance of the analytics tests, in one place. Unit tests include this file
//! through `#[path]` in `src/lib.rs`; integration tests through `tests/common/mod.rs`.

/// Relative tolerance where only floating-point summation order or formula arrangement differs
/// (e.g. numpy's pairwise summation versus a left-to-right sum, `a + (b − a)/2` versus
/// `(a + b)/2`, `1 − Φ` versus the survival function near 0.5).
pub const REL: f64 = 1e-12;

/// Relative tolerance for p-values: scipy evaluates `Φ` through a different `erfc` than statrs.
pub const P_VALUE_REL: f64 = 1e-9;

/// Absolute tolerance for p-values below which two implementations are indistinguishable.
pub const P_VALUE_ABS: f64 = 1e-15;

/// Relative tolerance for the networkx critical path length (the brief: 1e-9).
pub const CRITICAL_PATH_REL: f64 = 1e-9;

/// Relative tolerance against scikit-learn/scipy moments, centroids and silhouettes, which sum
/// in a different (pairwise, vectorised) order over hundreds of values.
pub const MOMENTS_REL: f64 = 1e-9;
