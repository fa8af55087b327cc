//! Descriptive statistics of task durations.
//!
//! Percentiles use linear interpolation between closest ranks (Hyndman & Fan 1996, definition 7),
//! which is numpy's default `np.percentile(..., method="linear")` and Postgres's
//! `percentile_cont`, so API values agree with both.

use statrs::statistics::{Data, Distribution};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StatsError {
    #[error("quantile {0} is outside [0, 1]")]
    QuantileOutOfRange(f64),
    #[error("sample contains a non-finite value")]
    NonFinite,
}

/// Summary of a sample of durations (milliseconds).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Summary {
    pub count: usize,
    pub mean: f64,
    pub min: f64,
    pub max: f64,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    /// Sample standard deviation (n − 1 denominator, numpy `ddof=1`); 0 for fewer than 2 values.
    pub std_dev: f64,
    /// `std_dev / mean`; 0 when the mean is 0.
    pub coefficient_of_variation: f64,
}

/// The `q`-quantile (`0 ≤ q ≤ 1`) of an ascending-sorted slice by linear interpolation
/// (Hyndman-Fan type 7). `None` for an empty slice.
pub fn quantile_sorted(sorted: &[f64], q: f64) -> Result<Option<f64>, StatsError> {
    if !(0.0..=1.0).contains(&q) {
        return Err(StatsError::QuantileOutOfRange(q));
    }
    let Some(last) = sorted.len().checked_sub(1) else {
        return Ok(None);
    };
    let h = q * last as f64;
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    Ok(Some(
        sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo]),
    ))
}

/// Describes a sample; `None` when it is empty.
pub fn summarize(values: &[f64]) -> Result<Option<Summary>, StatsError> {
    if values.iter().any(|v| !v.is_finite()) {
        return Err(StatsError::NonFinite);
    }
    if values.is_empty() {
        return Ok(None);
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let q = |p| quantile_sorted(&sorted, p).map(|v| v.unwrap_or_default());
    let data = Data::new(sorted.clone());
    let mean = data.mean().unwrap_or_default();
    let std_dev = if sorted.len() > 1 {
        data.std_dev().unwrap_or_default()
    } else {
        0.0
    };
    Ok(Some(Summary {
        count: sorted.len(),
        mean,
        min: sorted[0],
        max: sorted[sorted.len() - 1],
        p50: q(0.50)?,
        p95: q(0.95)?,
        p99: q(0.99)?,
        std_dev,
        coefficient_of_variation: if mean == 0.0 { 0.0 } else { std_dev / mean },
    }))
}

/// Median by statrs, used to cross-check our interpolation in tests.
#[cfg(test)]
fn statrs_median(values: &[f64]) -> f64 {
    use statrs::statistics::OrderStatistics;
    Data::new(values.to_vec()).median()
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;
    use proptest::prelude::*;

    /// Relative tolerance for comparisons with numpy (floating-point summation order differs).
    const TOL: f64 = crate::tolerances::REL;

    #[test]
    fn summary_matches_numpy_on_a_hand_checked_sample() {
        // numpy 2.x: x = [120, 80, 200, 95, 3000, 110, 105, 90, 130, 100]
        // np.percentile(x, [50, 95, 99]) -> [107.5, 1740.0, 2748.0]
        // np.mean(x) -> 403.0, np.std(x, ddof=1) -> 913.1058110768008 (numpy 2.4.6)
        let x = [
            120.0, 80.0, 200.0, 95.0, 3000.0, 110.0, 105.0, 90.0, 130.0, 100.0,
        ];
        let s = summarize(&x).unwrap().unwrap();
        assert_eq!(s.count, 10);
        assert_relative_eq!(s.p50, 107.5, max_relative = TOL);
        assert_relative_eq!(s.p95, 1740.0, max_relative = TOL);
        assert_relative_eq!(s.p99, 2748.0, max_relative = TOL);
        assert_relative_eq!(s.mean, 403.0, max_relative = TOL);
        assert_relative_eq!(s.std_dev, 913.105_811_076_800_8, max_relative = TOL);
        assert_relative_eq!(s.p50, statrs_median(&x), max_relative = TOL);
        assert_eq!((s.min, s.max), (80.0, 3000.0));
    }

    #[test]
    fn empty_sample_has_no_summary_and_bad_quantile_is_an_error() {
        assert_eq!(summarize(&[]), Ok(None));
        assert_eq!(
            quantile_sorted(&[1.0], 1.5),
            Err(StatsError::QuantileOutOfRange(1.5))
        );
        assert_eq!(summarize(&[f64::NAN]), Err(StatsError::NonFinite));
    }

    #[test]
    fn a_single_value_is_every_percentile_and_has_zero_spread() {
        let s = summarize(&[42.0]).unwrap().unwrap();
        assert_eq!((s.p50, s.p95, s.p99, s.std_dev), (42.0, 42.0, 42.0, 0.0));
    }

    proptest! {
        #[test]
        fn percentiles_are_ordered_and_bounded(v in prop::collection::vec(0.0f64..1e9, 1..200)) {
            let s = summarize(&v).unwrap().unwrap();
            prop_assert!(s.min <= s.p50 && s.p50 <= s.p95 && s.p95 <= s.p99 && s.p99 <= s.max);
        }
    }
}
