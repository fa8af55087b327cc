//! Unusual runs and level shifts in a task's durations.
//!
//! * **Robust outliers**: the modified z-score of Iglewicz & Hoaglin (1993, *How to Detect and
//!   Handle Outliers*, ASQC Basic References in Quality Control 16), `M_i = 0.6745·(x_i −
//!   median)/MAD` with `MAD = median |x_i − median|`; `|M_i| > 3.5` flags an outlier. When more
//!   than half the values are equal the MAD is 0 and the score is undefined; we then use the
//!   mean absolute deviation from the median, `MeanAD`, as `M_i = 0.7979·(x_i − median)/MeanAD`
//!   (0.7979 ≈ √(2/π) = 1/1.253314 makes `MeanAD` estimate σ for normal data; the same fallback
//!   as IBM SPSS/Cognos "modified z score"). When `MeanAD` is 0 too, every value equals the
//!   median and every score is 0.
//! * **Change points in the mean** by PELT (Killick, Fearnhead & Eckley 2012, "Optimal detection
//!   of changepoints with a linear computational cost", *JASA* 107): the exact minimiser of
//!   `Σ_segments Σ (x − segment mean)² + β·(number of change points)` (the Gaussian
//!   negative log-likelihood with known variance, scaled by `σ²`), in expected linear time by
//!   discarding candidate last change points that can never be optimal again.

/// Iglewicz & Hoaglin's constant: `Φ⁻¹(3/4)`, so that `MAD/0.6745` estimates σ for normal data.
pub const MAD_CONSTANT: f64 = 0.6745;
/// Fallback constant when the MAD is 0: `√(2/π)`, so that `MeanAD/0.7979` estimates σ.
pub const MEAN_AD_CONSTANT: f64 = 0.7979;
/// Iglewicz & Hoaglin's recommended cut-off for `|M_i|`.
pub const MODIFIED_Z_THRESHOLD: f64 = 3.5;
/// `1/Φ⁻¹(3/4)` to full precision (scipy `median_abs_deviation(scale="normal")`).
const NORMAL_MAD_SCALE: f64 = 1.482_602_218_505_602;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AnomalyError {
    #[error("value {0} is not finite")]
    NonFinite(usize),
    #[error("threshold {0} must be finite and positive")]
    InvalidThreshold(f64),
    #[error("minimum segment length must be at least 1")]
    InvalidMinSegmentLength,
    #[error("penalty {0} must be finite and non-negative")]
    InvalidPenalty(f64),
}

/// One flagged value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Outlier {
    pub index: usize,
    pub value: f64,
    /// Modified z-score (signed: positive above the median).
    pub score: f64,
}

/// Modified z-score of every value, in input order (see the module documentation).
pub fn modified_z_scores(values: &[f64]) -> Result<Vec<f64>, AnomalyError> {
    check_finite(values)?;
    if values.is_empty() {
        return Ok(Vec::new());
    }
    let med = median(values.to_vec());
    let deviations: Vec<f64> = values.iter().map(|v| (v - med).abs()).collect();
    let mean_ad = deviations.iter().sum::<f64>() / deviations.len() as f64;
    let mad = median(deviations);
    let (constant, scale) = if mad > 0.0 {
        (MAD_CONSTANT, mad)
    } else if mean_ad > 0.0 {
        (MEAN_AD_CONSTANT, mean_ad)
    } else {
        return Ok(vec![0.0; values.len()]);
    };
    Ok(values
        .iter()
        .map(|v| constant * (v - med) / scale)
        .collect())
}

/// Values whose modified z-score exceeds `threshold` in magnitude (use
/// [`MODIFIED_Z_THRESHOLD`] unless you have a reason), in input order.
pub fn robust_outliers(values: &[f64], threshold: f64) -> Result<Vec<Outlier>, AnomalyError> {
    if !(threshold.is_finite() && threshold > 0.0) {
        return Err(AnomalyError::InvalidThreshold(threshold));
    }
    Ok(modified_z_scores(values)?
        .into_iter()
        .enumerate()
        .filter(|(_, score)| score.abs() > threshold)
        .map(|(index, score)| Outlier {
            index,
            value: values[index],
            score,
        })
        .collect())
}

/// A slow run must also be at least this many times the median to be reported: durations
/// scale with input size, so 3–4× runs occur in healthy tasks' tails; 5× is worth a look.
pub const MIN_OUTLIER_RATIO: f64 = 5.0;
/// Expected number of false outliers per task when its log durations are normal.
pub const OUTLIER_FALSE_ALARMS_PER_TASK: f64 = 0.01;

/// The modified-z cut-off for `n` values: Iglewicz & Hoaglin's 3.5, raised so that a task
/// with `n` normal (log) durations shows at most [`OUTLIER_FALSE_ALARMS_PER_TASK`] false
/// outliers on average — `Φ⁻¹(1 − a/n)`, a Bonferroni bound (Dunn 1961). A fixed 3.5 flags
/// about one healthy run in 4,300, i.e. several per month for a task that runs hourly.
pub fn outlier_threshold(n: usize) -> f64 {
    use statrs::distribution::{ContinuousCDF, Normal};
    let tail = OUTLIER_FALSE_ALARMS_PER_TASK / n.max(1) as f64;
    let z = Normal::standard().inverse_cdf(1.0 - tail.min(0.5));
    z.max(MODIFIED_Z_THRESHOLD)
}

/// Unusually slow or fast executions of one task: the modified z-score on **log** durations
/// (durations are right-skewed, close to log-normal, so a plain z-score would flag the
/// distribution's own tail) beyond [`outlier_threshold`] for the sample size, and, for slow
/// runs, at least [`MIN_OUTLIER_RATIO`] × the median (statistically unusual *and* worth a
/// look). Zero or negative durations are ignored. Returns indices into `durations_ms`.
pub fn duration_outliers(durations_ms: &[f64]) -> Result<Vec<Outlier>, AnomalyError> {
    let positive: Vec<(usize, f64)> = durations_ms
        .iter()
        .copied()
        .enumerate()
        .filter(|(_, d)| *d > 0.0)
        .collect();
    let logs: Vec<f64> = positive.iter().map(|(_, d)| d.ln()).collect();
    let med = if logs.is_empty() {
        0.0
    } else {
        median(logs.clone()).exp()
    };
    Ok(robust_outliers(&logs, outlier_threshold(logs.len()))?
        .into_iter()
        .map(|o| {
            let (index, value) = positive[o.index];
            Outlier {
                index,
                value,
                score: o.score,
            }
        })
        .filter(|o| o.score < 0.0 || o.value >= MIN_OUTLIER_RATIO * med)
        .collect())
}

/// Noise level σ of a series whose mean may shift: `MAD(Δx)·1.4826/√2` over the first
/// differences (a level shift spoils one difference, not the median; differencing doubles the
/// variance), as used for change-point penalties (e.g. Fryzlewicz 2014, *Ann. Stat.* 42).
/// Falls back to the standard deviation of the differences over √2, then to that of the
/// values, when the MAD is 0; 0 for a constant series or fewer than 2 values.
pub fn robust_sigma(values: &[f64]) -> f64 {
    if values.len() < 2 {
        return 0.0;
    }
    let diffs: Vec<f64> = values.windows(2).map(|w| w[1] - w[0]).collect();
    let med = median(diffs.clone());
    let mad = median(diffs.iter().map(|d| (d - med).abs()).collect());
    if mad > 0.0 {
        return NORMAL_MAD_SCALE * mad / std::f64::consts::SQRT_2;
    }
    let sd_diff = sample_std(&diffs);
    if sd_diff > 0.0 {
        sd_diff / std::f64::consts::SQRT_2
    } else {
        sample_std(values)
    }
}

/// Options for [`pelt_mean_shifts`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PeltOptions {
    /// Shortest allowed segment (≥ 1).
    pub min_segment_length: usize,
    /// Cost of one change point; `None` for the BIC-like default `2·σ²·ln n` with σ from
    /// [`robust_sigma`] (Schwarz 1978 with two parameters per change — location and new mean —
    /// on the σ²-scaled Gaussian cost; `changepoint::cpt.mean(penalty = "BIC")` in R).
    pub penalty: Option<f64>,
}

impl Default for PeltOptions {
    fn default() -> Self {
        Self {
            min_segment_length: 2,
            penalty: None,
        }
    }
}

/// Segments found by [`pelt_mean_shifts`].
#[derive(Debug, Clone, PartialEq)]
pub struct Segmentation {
    /// Index of the first value of every segment after the first, ascending.
    pub change_points: Vec<usize>,
    /// Mean of each segment (one more than change points; empty for an empty series).
    pub segment_means: Vec<f64>,
    /// Noise level used for the default penalty.
    pub sigma: f64,
    /// Penalty per change point that was applied.
    pub penalty: f64,
}

/// Change points in the mean by PELT with the Gaussian (sum of squares) cost.
///
/// Ties between equally good segmentations go to the earliest last change point, so a
/// constant series never gains change points. Pruning keeps any candidate within a relative
/// `1e-9` of optimal, so floating-point rounding cannot change the answer relative to the
/// exhaustive `O(n²)` optimal-partitioning recursion (Jackson et al. 2005).
pub fn pelt_mean_shifts(
    values: &[f64],
    options: &PeltOptions,
) -> Result<Segmentation, AnomalyError> {
    check_finite(values)?;
    let m = options.min_segment_length;
    if m == 0 {
        return Err(AnomalyError::InvalidMinSegmentLength);
    }
    let sigma = robust_sigma(values);
    let n = values.len();
    let penalty = match options.penalty {
        Some(p) if p.is_finite() && p >= 0.0 => p,
        Some(p) => return Err(AnomalyError::InvalidPenalty(p)),
        None if n > 1 => 2.0 * sigma * sigma * (n as f64).ln(),
        None => 0.0,
    };
    let change_points = if n < 2 * m {
        Vec::new()
    } else {
        let cost = SegmentCost::new(values);
        segment_optimally(&cost, m, penalty, true)
    };
    Ok(Segmentation {
        segment_means: segment_means(values, &change_points),
        change_points,
        sigma,
        penalty,
    })
}

/// Sum of squared deviations from the mean of any `values[a..b]` in O(1), from prefix sums of
/// the values centred on their overall mean (centring limits cancellation).
pub(crate) struct SegmentCost {
    s1: Vec<f64>,
    s2: Vec<f64>,
}

impl SegmentCost {
    pub(crate) fn new(values: &[f64]) -> Self {
        let mean = values.iter().sum::<f64>() / values.len().max(1) as f64;
        let mut s1 = Vec::with_capacity(values.len() + 1);
        let mut s2 = Vec::with_capacity(values.len() + 1);
        let (mut a, mut b) = (0.0, 0.0);
        s1.push(a);
        s2.push(b);
        for v in values {
            let c = v - mean;
            a += c;
            b += c * c;
            s1.push(a);
            s2.push(b);
        }
        SegmentCost { s1, s2 }
    }

    fn len(&self) -> usize {
        self.s1.len() - 1
    }

    /// Cost of `values[a..b]`, `a < b`.
    pub(crate) fn cost(&self, a: usize, b: usize) -> f64 {
        let s = self.s1[b] - self.s1[a];
        ((self.s2[b] - self.s2[a]) - s * s / (b - a) as f64).max(0.0)
    }
}

/// Optimal partitioning (`prune = false`, Jackson et al. 2005) or PELT (`prune = true`);
/// returns the change points of the optimal segmentation. Requires `len ≥ 2m`.
///
/// `F(t) = min_τ F(τ) + C(τ, t) + β` over admissible `τ` (`τ = 0` or `m ≤ τ ≤ t − m`), `F(0) =
/// −β`. PELT's rule (Killick et al. 2012, Theorem 3.1, cost constant `K = 0` for this cost)
/// drops `τ` once `F(τ) + C(τ, s) > F(s)` for an admissible `s`: then `s` beats `τ` for every
/// later end. Minimum segment lengths are respected by testing against `s = t − m`, which is
/// admissible for every end `≥ t`.
pub(crate) fn segment_optimally(
    cost: &SegmentCost,
    m: usize,
    beta: f64,
    prune: bool,
) -> Vec<usize> {
    let n = cost.len();
    let slack = 1e-9 * (cost.cost(0, n) + beta) + f64::MIN_POSITIVE;
    let mut f = vec![f64::INFINITY; n + 1];
    let mut last = vec![0usize; n + 1];
    f[0] = -beta;
    let mut candidates: Vec<usize> = Vec::new();
    for t in m..=n {
        let s = t - m;
        if s == 0 || s >= m {
            if prune && s > 0 {
                candidates.retain(|&tau| f[tau] + cost.cost(tau, s) <= f[s] + slack);
            }
            candidates.push(s);
        }
        let (mut best, mut arg) = (f64::INFINITY, 0);
        for &tau in &candidates {
            let v = f[tau] + cost.cost(tau, t) + beta;
            if v < best {
                (best, arg) = (v, tau);
            }
        }
        f[t] = best;
        last[t] = arg;
    }
    let mut change_points = Vec::new();
    let mut t = n;
    while t > 0 {
        t = last[t];
        if t > 0 {
            change_points.push(t);
        }
    }
    change_points.reverse();
    change_points
}

fn segment_means(values: &[f64], change_points: &[usize]) -> Vec<f64> {
    if values.is_empty() {
        return Vec::new();
    }
    let mut bounds = Vec::with_capacity(change_points.len() + 2);
    bounds.push(0);
    bounds.extend_from_slice(change_points);
    bounds.push(values.len());
    bounds
        .windows(2)
        .map(|w| values[w[0]..w[1]].iter().sum::<f64>() / (w[1] - w[0]) as f64)
        .collect()
}

fn check_finite(values: &[f64]) -> Result<(), AnomalyError> {
    match values.iter().position(|v| !v.is_finite()) {
        Some(i) => Err(AnomalyError::NonFinite(i)),
        None => Ok(()),
    }
}

/// Median with numpy's convention (mean of the two middle values); `values` non-empty.
fn median(mut values: Vec<f64>) -> f64 {
    values.sort_unstable_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

/// Standard deviation with the `n − 1` denominator; 0 for fewer than 2 values.
fn sample_std(values: &[f64]) -> f64 {
    if values.len() < 2 {
        return 0.0;
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    (values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1.0)).sqrt()
}

#[cfg(test)]
mod tests {

    #[test]
    fn duration_outliers_flag_a_twenty_fold_run_but_not_the_log_normal_tail() {
        // A log-normal-like spread: 1000 ms × e^(±0.3 k/10), k = -10..=10, plus one 20 000 ms run.
        let mut d: Vec<f64> = (-10..=10)
            .map(|k| 1000.0 * (0.03 * k as f64).exp())
            .collect();
        d.extend_from_slice(&d.clone());
        d.push(20_000.0);
        let found = super::duration_outliers(&d).unwrap();
        assert_eq!(found.len(), 1);
        // 43 values: Φ⁻¹(1 − 0.01/43) = 3.50 (scipy.stats.norm.ppf), so the textbook 3.5 applies.
        assert!((super::outlier_threshold(43) - 3.5).abs() < 0.01);
        // 1000 values: Φ⁻¹(1 − 1e-5) = 4.2649 (scipy.stats.norm.ppf(1 - 1e-5)).
        assert!((super::outlier_threshold(1000) - 4.2649).abs() < 1e-3);
        assert_eq!((found[0].index, found[0].value), (42, 20_000.0));
        // Four times the median is unusual for this tight task but below the practical ratio.
        d[42] = 4_000.0;
        assert!(super::duration_outliers(&d).unwrap().is_empty());
    }

    use super::*;
    use crate::tolerances::REL;
    use approx::assert_relative_eq;
    use proptest::prelude::*;

    /// Standard normal noise from a fixed seed (SplitMix64 + Box-Muller), for reproducible
    /// "noise only" series.
    fn gaussian_noise(seed: u64, n: usize) -> Vec<f64> {
        let mut state = seed;
        let mut uniform = || {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
        };
        (0..n)
            .map(|_| {
                let (u1, u2) = (1.0 - uniform(), uniform());
                (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
            })
            .collect()
    }

    #[test]
    fn modified_z_scores_follow_iglewicz_hoaglin_by_hand() {
        // median 3, |x − 3| = [2, 1, 0, 1, 97] → MAD 1; M = 0.6745·(x − 3).
        let x = [1.0, 2.0, 3.0, 4.0, 100.0];
        let m = modified_z_scores(&x).unwrap();
        for (got, want) in m.iter().zip([-1.349, -0.6745, 0.0, 0.6745, 65.4265]) {
            assert_relative_eq!(*got, want, max_relative = REL);
        }
        let out = robust_outliers(&x, MODIFIED_Z_THRESHOLD).unwrap();
        assert_eq!(out.len(), 1);
        assert_eq!((out[0].index, out[0].value), (4, 100.0));
    }

    #[test]
    fn zero_mad_falls_back_to_mean_absolute_deviation() {
        // median 5, MAD 0 (four of five equal); MeanAD = 20/5 = 4 → M = 0.7979·20/4.
        let x = [5.0, 5.0, 5.0, 25.0, 5.0];
        let m = modified_z_scores(&x).unwrap();
        assert_relative_eq!(m[3], 0.7979 * 5.0, max_relative = REL);
        assert_eq!(m[0], 0.0);
        assert_eq!(modified_z_scores(&[2.0; 4]).unwrap(), vec![0.0; 4]);
        assert_eq!(modified_z_scores(&[]).unwrap(), Vec::<f64>::new());
        assert_eq!(
            robust_outliers(&[1.0, f64::INFINITY], 3.5),
            Err(AnomalyError::NonFinite(1))
        );
        assert_eq!(
            robust_outliers(&[1.0], 0.0),
            Err(AnomalyError::InvalidThreshold(0.0))
        );
    }

    #[test]
    fn a_clean_step_is_found_exactly_once() {
        let x: Vec<f64> = [0.0; 12].into_iter().chain([10.0; 12]).collect();
        let seg = pelt_mean_shifts(&x, &PeltOptions::default()).unwrap();
        assert_eq!(seg.change_points, vec![12]);
        assert_eq!(seg.segment_means, vec![0.0, 10.0]);
        // MAD of the differences is 0; σ falls back to sd(Δx)/√2 = √(100/23 − 100/(23·24))/√2.
        let sd = ((100.0 - 100.0 / 23.0) / 22.0f64).sqrt();
        assert_relative_eq!(seg.sigma, sd / 2f64.sqrt(), max_relative = REL);
        assert_relative_eq!(
            seg.penalty,
            2.0 * seg.sigma * seg.sigma * 24f64.ln(),
            max_relative = REL
        );
    }

    #[test]
    fn a_noisy_step_is_found_at_the_step() {
        let noise = gaussian_noise(42, 120);
        let x: Vec<f64> = noise
            .iter()
            .enumerate()
            .map(|(i, e)| if i < 70 { 5.0 + e } else { 9.0 + e })
            .collect();
        let seg = pelt_mean_shifts(&x, &PeltOptions::default()).unwrap();
        assert_eq!(seg.change_points, vec![70]);
    }

    #[test]
    fn constant_and_pure_noise_series_have_no_change_point() {
        let flat = pelt_mean_shifts(&[3.0; 50], &PeltOptions::default()).unwrap();
        assert_eq!((flat.change_points.len(), flat.penalty), (0, 0.0));
        assert_eq!(flat.segment_means, vec![3.0]);
        for seed in [1, 2, 3] {
            let x = gaussian_noise(seed, 300);
            let seg = pelt_mean_shifts(&x, &PeltOptions::default()).unwrap();
            assert!(seg.change_points.is_empty(), "seed {seed}: {seg:?}");
        }
    }

    #[test]
    fn short_series_and_bad_options() {
        let seg = pelt_mean_shifts(&[1.0, 9.0, 1.0], &PeltOptions::default()).unwrap();
        assert!(seg.change_points.is_empty());
        let empty = pelt_mean_shifts(&[], &PeltOptions::default()).unwrap();
        assert!(empty.segment_means.is_empty());
        let zero_min = PeltOptions {
            min_segment_length: 0,
            penalty: None,
        };
        assert_eq!(
            pelt_mean_shifts(&[1.0], &zero_min),
            Err(AnomalyError::InvalidMinSegmentLength)
        );
        let negative = PeltOptions {
            min_segment_length: 1,
            penalty: Some(-1.0),
        };
        assert_eq!(
            pelt_mean_shifts(&[1.0], &negative),
            Err(AnomalyError::InvalidPenalty(-1.0))
        );
    }

    proptest! {
        #[test]
        fn pelt_equals_exhaustive_optimal_partitioning(
            x in prop::collection::vec(prop_oneof![(-3i32..3).prop_map(f64::from), -50.0f64..50.0], 1..60),
            m in 1usize..5,
            beta in prop_oneof![Just(0.0), 0.0f64..200.0],
        ) {
            prop_assume!(x.len() >= 2 * m);
            let cost = SegmentCost::new(&x);
            prop_assert_eq!(
                segment_optimally(&cost, m, beta, true),
                segment_optimally(&cost, m, beta, false)
            );
        }

        #[test]
        fn segments_respect_the_minimum_length(
            x in prop::collection::vec(-50.0f64..50.0, 0..80), m in 1usize..6,
        ) {
            let opts = PeltOptions { min_segment_length: m, penalty: Some(1.0) };
            let seg = pelt_mean_shifts(&x, &opts).unwrap();
            let mut bounds = vec![0];
            bounds.extend(&seg.change_points);
            bounds.push(x.len());
            if !seg.change_points.is_empty() {
                prop_assert!(bounds.windows(2).all(|w| w[1] - w[0] >= m));
            }
            prop_assert_eq!(seg.segment_means.len(), if x.is_empty() { 0 } else { seg.change_points.len() + 1 });
        }
    }
}
