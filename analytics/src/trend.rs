//! Monotonic trend of a series of `(time, value)` observations: is a task getting slower?
//!
//! * **Mann-Kendall test** (Mann 1945, "Nonparametric tests against trend", *Econometrica* 13;
//!   Kendall 1975, *Rank Correlation Methods*, 4th ed., ch. 4; Hirsch, Slack & Smith 1982,
//!   *Water Resour. Res.* 18). `S = Σ_{i<j} sgn(t_j − t_i)·sgn(v_j − v_i)` is Kendall's score
//!   between time and value. Times may repeat: pairs with equal times (or equal values) score 0,
//!   and the null variance uses Kendall's formula with tie groups `t` in time and `u` in value
//!   (Kendall 1975, eq. 4.3; the variance behind `scipy.stats.kendalltau(method="asymptotic")`):
//!
//!   ```text
//!   var S = [n(n−1)(2n+5) − Σt(t−1)(2t+5) − Σu(u−1)(2u+5)] / 18
//!         + [Σt(t−1)(t−2)]·[Σu(u−1)(u−2)] / [9n(n−1)(n−2)]
//!         + [Σt(t−1)]·[Σu(u−1)] / [2n(n−1)]
//!   ```
//!
//!   which is the classic Mann-Kendall variance with value ties when no two times are equal
//!   (as in `pymannkendall.original_test`). `z = (S − sgn S)/√var S` (continuity correction) and
//!   the two-sided p-value is `2·(1 − Φ(|z|))` (evaluated as `2·Φ(−|z|)` to keep small
//!   p-values accurate).
//! * **S in O(n log n)** by Knight's algorithm (Knight 1966, "A computer method for calculating
//!   Kendall's tau with ungrouped data", *JASA* 61): sort by (time, value), count discordant
//!   pairs as the swaps of a merge sort by value, and correct for pairs tied in time, in value,
//!   and in both: `S = n₀ − n₁ − n₂ + n₃ − 2·swaps`. The merge sort runs on integer keys
//!   ordered as the values, starts from runs of 8 sorted by a sorting network, and merges
//!   branch-free from both ends at once (about 35 ms for 10⁶ points); points already in time
//!   order, as executions arrive, are not copied.
//! * **Sen's slope** (Theil 1950; Sen 1968, *JASA* 63): the median of the slopes over all pairs
//!   with different times (value units per time unit), selected in `O(n log n)` expected time
//!   without listing the pairs by randomized interval contraction (Matoušek 1991; Dillencourt,
//!   Mount & Netanyahu 1992) — `trend/sen.rs` documents the method and its exactness. No
//!   bucketing or sampling approximation at any `n` (about 0.15 s for 10⁵ points and 2.5 s
//!   for 10⁶ in a release build). The intercept is `median(v) − slope·median(t)` (Conover
//!   1980; scipy `theilslopes(method="separate")`), the line's value at time 0 of the axis.

mod inversions;
mod sen;

use inversions::{key_value, order_key, sort_count_inversions};

use statrs::distribution::{ContinuousCDF, Normal};

/// Fewest observations the test accepts.
pub const MIN_POINTS: usize = 3;

/// Most observations the test accepts: the exact slope selection indexes points with `u32`
/// (4 bytes a point per order it keeps, see `trend/sen.rs`).
pub const MAX_POINTS: usize = u32::MAX as usize;

/// Largest accepted magnitude of a time or value; beyond it the exact slope arithmetic could
/// overflow. Non-zero magnitudes below its reciprocal are refused for the same reason.
pub const MAX_MAGNITUDE: f64 = 1e100;

const SECONDS_PER_DAY: f64 = 86_400.0;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TrendError {
    #[error("the trend test needs at least {MIN_POINTS} observations, got {0}")]
    TooFewPoints(usize),
    #[error("the trend test takes at most {MAX_POINTS} observations, got {0}")]
    TooManyPoints(usize),
    #[error("observation {0} has a non-finite time or value")]
    NonFinite(usize),
    #[error("observation {0} has a time or value outside 1e-100..=1e100 in magnitude")]
    OutOfRange(usize),
    #[error("all observations share one time, so no slope is defined")]
    SingleTime,
    #[error("significance level {0} is outside (0, 1)")]
    InvalidAlpha(f64),
}

/// Direction of a monotonic trend at the chosen significance level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    Increasing,
    Decreasing,
    NoTrend,
}

/// Result of [`mann_kendall`].
#[derive(Debug, Clone, PartialEq)]
pub struct TrendResult {
    /// Number of observations.
    pub n: usize,
    /// Kendall's score `S` (an integer, as `f64`).
    pub s: f64,
    /// Null variance of `S` with tie corrections.
    pub var_s: f64,
    /// Continuity-corrected normal score; 0 when `S = 0` or `var S = 0`.
    pub z: f64,
    /// Two-sided p-value `2·(1 − Φ(|z|))`.
    pub p_value: f64,
    /// Kendall's tau-b, `S / √((n₀ − n₁)(n₀ − n₂))` (scipy `kendalltau` default); 0 when every
    /// value is tied. Note `pymannkendall` reports tau-a, `S / n₀`, instead.
    pub tau: f64,
    /// Sen's slope, value units per time unit.
    pub sen_slope: f64,
    /// `median(value) − sen_slope·median(time)`.
    pub intercept: f64,
    /// `Increasing`/`Decreasing` when `p_value < alpha` (sign of `z`), else `NoTrend`.
    pub direction: Direction,
}

/// Kendall's score and the pair counts of Knight's algorithm.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KendallScore {
    pub n: usize,
    /// `S = concordant − discordant`.
    pub s: i64,
    /// `n₀ = n(n−1)/2`.
    pub pairs: u64,
    /// `n₁`: pairs with equal times.
    pub time_tied_pairs: u64,
    /// `n₂`: pairs with equal values.
    pub value_tied_pairs: u64,
    /// `n₃`: pairs equal in both.
    pub joint_tied_pairs: u64,
    /// Null variance of `S` (Kendall 1975, eq. 4.3).
    pub var_s: f64,
}

impl KendallScore {
    /// Kendall's tau-b; 0 when the denominator vanishes.
    pub fn tau_b(&self) -> f64 {
        let a = (self.pairs - self.time_tied_pairs) as f64;
        let b = (self.pairs - self.value_tied_pairs) as f64;
        if a == 0.0 || b == 0.0 {
            0.0
        } else {
            self.s as f64 / (a * b).sqrt()
        }
    }
}

/// Mann-Kendall trend test with Sen's slope (see the module documentation for the method).
///
/// `points` are `(time, value)` in any order; times may repeat. `alpha` is the two-sided
/// significance level for [`TrendResult::direction`].
pub fn mann_kendall(points: &[(f64, f64)], alpha: f64) -> Result<TrendResult, TrendError> {
    if !(alpha > 0.0 && alpha < 1.0) {
        return Err(TrendError::InvalidAlpha(alpha));
    }
    Ok(mann_kendall_sorted(validated_sorted(points.to_vec())?, alpha)?.0)
}

/// What [`duration_trend`] needs beside the test, read off the sorted points for free.
struct SortedExtras {
    median_value: f64,
    first_time: f64,
    last_time: f64,
}

/// [`mann_kendall`] on points already validated and sorted by `(time, value)`; consumes them so
/// that the Sen slope selection reuses their memory. `alpha` must be in `(0, 1)`.
fn mann_kendall_sorted(
    sorted: Vec<(f64, f64)>,
    alpha: f64,
) -> Result<(TrendResult, SortedExtras), TrendError> {
    let (score, values) = knight(&sorted);
    // Both medians come from sorted sequences: times are sorted with the points, and Knight's
    // merge sort leaves the values sorted.
    let median_time = median_sorted(sorted.len(), |i| sorted[i].0);
    let median_value = median_sorted(values.len(), |i| values[i]);
    drop(values);
    let (first_time, last_time) = (sorted[0].0, sorted[sorted.len() - 1].0);
    let pts: Vec<sen::Pt> = sorted.into_iter().map(|(x, y)| sen::Pt { x, y }).collect();
    let sen_slope = sen::median_slope(&pts, &sen::SelectParams::for_len(pts.len()))
        .ok_or(TrendError::SingleTime)?;
    drop(pts);

    let s = score.s as f64;
    let z = if score.s == 0 || score.var_s <= 0.0 {
        0.0
    } else {
        (s - s.signum()) / score.var_s.sqrt()
    };
    let p_value = 2.0 * Normal::standard().sf(z.abs());
    let direction = if p_value < alpha && z > 0.0 {
        Direction::Increasing
    } else if p_value < alpha && z < 0.0 {
        Direction::Decreasing
    } else {
        Direction::NoTrend
    };
    let result = TrendResult {
        n: score.n,
        s,
        var_s: score.var_s,
        z,
        p_value,
        tau: score.tau_b(),
        sen_slope,
        intercept: median_value - sen_slope * median_time,
        direction,
    };
    let extras = SortedExtras {
        median_value,
        first_time,
        last_time,
    };
    Ok((result, extras))
}

/// Kendall's score `S` and its tie-corrected variance in `O(n log n)` (Knight 1966).
pub fn kendall_score(points: &[(f64, f64)]) -> Result<KendallScore, TrendError> {
    // Points already in time order are used where they are, without a copy.
    if check_points(points)? != Shape::Unsorted {
        return Ok(knight(points).0);
    }
    Ok(knight(&validated_sorted(points.to_vec())?).0)
}

/// Sen's slope alone: the median pairwise slope over pairs with different times.
pub fn sen_slope(points: &[(f64, f64)]) -> Result<f64, TrendError> {
    let sorted = validated_sorted(points.to_vec())?;
    let pts: Vec<sen::Pt> = sorted.into_iter().map(|(x, y)| sen::Pt { x, y }).collect();
    sen::median_slope(&pts, &sen::SelectParams::for_len(pts.len())).ok_or(TrendError::SingleTime)
}

/// Trend of a task's durations, in the product's terms.
#[derive(Debug, Clone, PartialEq)]
pub struct DurationTrend {
    /// Longer durations over time are `Degrading`, shorter `Improving`, else `Stable`.
    pub direction: types::TrendDirection,
    /// Sen's slope in duration units per day.
    pub slope_per_day: f64,
    /// `sen_slope · (last time − first time) / median(duration)`: the fitted change across the
    /// window relative to the typical duration; `None` when the median duration is 0.
    pub relative_change: Option<f64>,
    /// Length of the observation window in days.
    pub window_days: f64,
    pub test: TrendResult,
}

/// [`mann_kendall`] on `(start time in seconds since the epoch, duration)` observations, mapped
/// to [`types::TrendDirection`].
pub fn duration_trend(points: &[(f64, f64)], alpha: f64) -> Result<DurationTrend, TrendError> {
    duration_trend_owned(points.to_vec(), alpha)
}

/// [`duration_trend`] on points the caller gives up, so that no copy of them is made.
pub(crate) fn duration_trend_owned(
    points: Vec<(f64, f64)>,
    alpha: f64,
) -> Result<DurationTrend, TrendError> {
    if !(alpha > 0.0 && alpha < 1.0) {
        return Err(TrendError::InvalidAlpha(alpha));
    }
    let (test, extras) = mann_kendall_sorted(validated_sorted(points)?, alpha)?;
    let window = extras.last_time - extras.first_time;
    let median_duration = extras.median_value;
    Ok(DurationTrend {
        direction: match test.direction {
            Direction::Increasing => types::TrendDirection::Degrading,
            Direction::Decreasing => types::TrendDirection::Improving,
            Direction::NoTrend => types::TrendDirection::Stable,
        },
        slope_per_day: test.sen_slope * SECONDS_PER_DAY,
        relative_change: (median_duration != 0.0)
            .then(|| test.sen_slope * window / median_duration),
        window_days: window / SECONDS_PER_DAY,
        test,
    })
}

/// What [`check_points`] found besides validity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// In `(time, value)` order, no `-0.0`, more than one time.
    Sorted,
    /// In time order (equal times with their values in any order, or a `-0.0`), more than
    /// one time: enough for Knight's algorithm, which orders each run of equal times itself.
    TimeSorted,
    /// Out of time order (and may still have a single time).
    Unsorted,
}

/// Validates the points in one pass: enough of them, finite, in range; in the order of the
/// errors the documentation of [`TrendError`] gives (the first offending index).
fn check_points(points: &[(f64, f64)]) -> Result<Shape, TrendError> {
    if points.len() < MIN_POINTS {
        return Err(TrendError::TooFewPoints(points.len()));
    }
    if points.len() > MAX_POINTS {
        return Err(TrendError::TooManyPoints(points.len()));
    }
    let in_range = |v: f64| v == 0.0 || (1.0 / MAX_MAGNITUDE..=MAX_MAGNITUDE).contains(&v.abs());
    let (mut time_sorted, mut sorted, mut negative_zero) = (true, true, false);
    let mut previous = points[0];
    for (i, &(x, y)) in points.iter().enumerate() {
        if !x.is_finite() || !y.is_finite() {
            return Err(TrendError::NonFinite(i));
        }
        if !in_range(x) || !in_range(y) {
            return Err(TrendError::OutOfRange(i));
        }
        negative_zero |= (x == 0.0 && x.is_sign_negative()) || (y == 0.0 && y.is_sign_negative());
        time_sorted &= previous.0 <= x;
        sorted &= previous.0 < x || (previous.0 == x && previous.1 <= y);
        previous = (x, y);
    }
    if !time_sorted {
        return Ok(Shape::Unsorted);
    }
    if points[0].0 == points[points.len() - 1].0 {
        return Err(TrendError::SingleTime);
    }
    Ok(if sorted && !negative_zero {
        Shape::Sorted
    } else {
        Shape::TimeSorted
    })
}

/// Checks the input and returns it sorted by `(time, value)`, with `-0.0` read as `0.0`. Sorts
/// in place; input already in time order (executions usually arrive so) costs one pass, or a
/// few more when runs at the same time are out of value order. Equal points are identical, so
/// which sort does not change the result.
fn validated_sorted(mut points: Vec<(f64, f64)>) -> Result<Vec<(f64, f64)>, TrendError> {
    if check_points(&points)? == Shape::Sorted {
        return Ok(points);
    }
    for p in &mut points {
        *p = (p.0 + 0.0, p.1 + 0.0);
    }
    let before = |a: &(f64, f64), b: &(f64, f64)| a.0 < b.0 || (a.0 == b.0 && a.1 < b.1);
    let budget = points.len();
    if !insertion_repair(&mut points, budget, before) {
        points.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    }
    if points[0].0 == points[points.len() - 1].0 {
        return Err(TrendError::SingleTime);
    }
    Ok(points)
}

/// Insertion sort that gives up after `budget` element moves (the permutation then stays
/// valid but unsorted, for a full sort to finish): linear on input that is sorted but for a
/// few local disorders, never quadratic. Returns whether it sorted `v`.
fn insertion_repair<T: Copy>(v: &mut [T], budget: usize, before: impl Fn(&T, &T) -> bool) -> bool {
    let mut moves = 0;
    for i in 1..v.len() {
        if !before(&v[i], &v[i - 1]) {
            continue;
        }
        let x = v[i];
        let mut j = i;
        while j > 0 && before(&x, &v[j - 1]) {
            v[j] = v[j - 1];
            j -= 1;
        }
        v[j] = x;
        moves += i - j;
        if moves > budget {
            return false;
        }
    }
    true
}

/// Tie-group moments `Σt(t−1)(2t+5)`, `Σt(t−1)(t−2)`, `Σt(t−1)` and the tied pair count.
#[derive(Default)]
struct Ties {
    a: u128,
    b: u128,
    c: u128,
    pairs: u64,
}

impl Ties {
    fn add_group(&mut self, size: usize) {
        let t = size as u128;
        if t > 1 {
            self.a += t * (t - 1) * (2 * t + 5);
            self.b += t * (t - 1) * (t - 2);
            self.c += t * (t - 1);
            self.pairs += (t * (t - 1) / 2) as u64;
        }
    }

    /// Tie groups of a sorted sequence under `same`.
    fn of<T>(sorted: &[T], same: impl Fn(&T, &T) -> bool) -> Self {
        let mut ties = Ties::default();
        let mut start = 0;
        for i in 1..=sorted.len() {
            if i == sorted.len() || !same(&sorted[start], &sorted[i]) {
                ties.add_group(i - start);
                start = i;
            }
        }
        ties
    }
}

/// Knight's algorithm on time-sorted points (equal times with their values in any order);
/// also returns the values sorted.
fn knight(points: &[(f64, f64)]) -> (KendallScore, Vec<f64>) {
    let n = points.len();
    let mut keys: Vec<u64> = points.iter().map(|p| order_key(p.1)).collect();
    let (time_ties, joint_ties) = order_time_groups(points, &mut keys);
    let swaps = sort_count_inversions(&mut keys);
    let value_ties = Ties::of(&keys, |a, b| a == b);
    let ys: Vec<f64> = keys.into_iter().map(key_value).collect();

    let pairs = (n * n.saturating_sub(1) / 2) as u64;
    let s = pairs as i64 - time_ties.pairs as i64 - value_ties.pairs as i64
        + joint_ties.pairs as i64
        - 2 * swaps as i64;

    let nn = n as u128;
    let base = nn * (nn - 1) * (2 * nn + 5);
    let first = (base as f64 - time_ties.a as f64 - value_ties.a as f64) / 18.0;
    let m = (nn * (nn - 1)) as f64;
    let second = if n > 2 {
        time_ties.b as f64 * value_ties.b as f64 / (9.0 * m * (n - 2) as f64)
    } else {
        0.0
    };
    let third = time_ties.c as f64 * value_ties.c as f64 / (2.0 * m);
    let score = KendallScore {
        n,
        s,
        pairs,
        time_tied_pairs: time_ties.pairs,
        value_tied_pairs: value_ties.pairs,
        joint_tied_pairs: joint_ties.pairs,
        var_s: (first + second + third).max(0.0),
    };
    (score, ys)
}

/// Sorts the value keys within each run of equal times, so that they follow the `(time,
/// value)` order Knight's algorithm counts in, and returns the tie groups in time and in both.
/// Runs of equal times are short (executions rarely start in the same millisecond).
fn order_time_groups(points: &[(f64, f64)], keys: &mut [u64]) -> (Ties, Ties) {
    let (mut time, mut joint) = (Ties::default(), Ties::default());
    let mut start = 0;
    for end in 1..=points.len() {
        if end < points.len() && points[end].0 == points[start].0 {
            continue;
        }
        let group = &mut keys[start..end];
        time.add_group(group.len());
        if group.len() > 1 {
            group.sort_unstable();
            let mut run = 1;
            for i in 1..group.len() {
                if group[i] == group[i - 1] {
                    run += 1;
                } else {
                    joint.add_group(run);
                    run = 1;
                }
            }
            joint.add_group(run);
        }
        start = end;
    }
    (time, joint)
}

/// Median with numpy's convention (mean of the two middle values) of `n ≥ 1` ascending values
/// read through `at`.
fn median_sorted(n: usize, at: impl Fn(usize) -> f64) -> f64 {
    if n % 2 == 1 {
        at(n / 2)
    } else {
        (at(n / 2 - 1) + at(n / 2)) / 2.0
    }
}

/// Direct `O(n²)` definitions, the reference for the fast algorithms.
#[cfg(test)]
pub(crate) mod naive {
    /// `S = Σ_{i<j} sgn(x_j − x_i)·sgn(y_j − y_i)` and Kendall's variance from explicit tie
    /// groups.
    pub fn kendall(points: &[(f64, f64)]) -> (i64, f64) {
        let n = points.len();
        let mut s = 0i64;
        for i in 0..n {
            for j in i + 1..n {
                let dx = points[j].0 - points[i].0;
                let dy = points[j].1 - points[i].1;
                s += (sign(dx) * sign(dy)) as i64;
            }
        }
        let groups = |f: fn(&(f64, f64)) -> f64| {
            let mut v: Vec<f64> = points.iter().map(f).collect();
            v.sort_by(f64::total_cmp);
            let mut sizes = Vec::new();
            let mut start = 0;
            for i in 1..=v.len() {
                if i == v.len() || v[i] != v[start] {
                    sizes.push((i - start) as f64);
                    start = i;
                }
            }
            sizes
        };
        let (tx, ty) = (groups(|p| p.0), groups(|p| p.1));
        let sum = |g: &[f64], f: fn(f64) -> f64| g.iter().map(|&t| f(t)).sum::<f64>();
        let nf = n as f64;
        let var = (nf * (nf - 1.0) * (2.0 * nf + 5.0)
            - sum(&tx, |t| t * (t - 1.0) * (2.0 * t + 5.0))
            - sum(&ty, |t| t * (t - 1.0) * (2.0 * t + 5.0)))
            / 18.0
            + sum(&tx, |t| t * (t - 1.0) * (t - 2.0)) * sum(&ty, |t| t * (t - 1.0) * (t - 2.0))
                / (9.0 * nf * (nf - 1.0) * (nf - 2.0))
            + sum(&tx, |t| t * (t - 1.0)) * sum(&ty, |t| t * (t - 1.0)) / (2.0 * nf * (nf - 1.0));
        (s, var)
    }

    /// Median of every pairwise slope with different times.
    pub fn sen_slope(points: &[(f64, f64)]) -> Option<f64> {
        let mut slopes = Vec::new();
        for a in points {
            for b in points {
                if a.0 < b.0 {
                    slopes.push((b.1 - a.1) / (b.0 - a.0));
                }
            }
        }
        slopes.sort_by(f64::total_cmp);
        let n = slopes.len();
        match n {
            0 => None,
            _ if n % 2 == 1 => Some(slopes[n / 2]),
            _ => Some((slopes[n / 2 - 1] + slopes[n / 2]) / 2.0),
        }
    }

    fn sign(v: f64) -> i32 {
        i32::from(v > 0.0) - i32::from(v < 0.0)
    }

    /// Inversions (`i < j`, `v_i > v_j`) by the plain top-down merge sort, `O(n log n)`: the
    /// reference for inputs too large for the quadratic count.
    pub fn inversions(v: &[u64]) -> u64 {
        if v.len() < 2 {
            return 0;
        }
        let (a, b) = v.split_at(v.len() / 2);
        let mut count = inversions(a) + inversions(b);
        let (mut a, mut b) = (a.to_vec(), b.to_vec());
        a.sort_unstable();
        b.sort_unstable();
        let mut i = 0;
        for y in b {
            while i < a.len() && a[i] <= y {
                i += 1;
            }
            count += (a.len() - i) as u64;
        }
        count
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tolerances::REL;
    use approx::assert_relative_eq;
    use proptest::prelude::*;

    /// Small integer grids: many ties in time, in value and in both, and exact differences.
    fn tied_points() -> impl Strategy<Value = Vec<(f64, f64)>> {
        prop::collection::vec((0i32..8, -5i32..5), 3..40).prop_map(|v| {
            v.into_iter()
                .map(|(x, y)| (f64::from(x), f64::from(y)))
                .collect()
        })
    }

    fn has_two_times(p: &[(f64, f64)]) -> bool {
        p.iter().any(|q| q.0 != p[0].0)
    }

    #[test]
    fn a_strictly_increasing_series_has_maximal_score_and_unit_tau() {
        let pts: Vec<(f64, f64)> = (0..10)
            .map(|i| (f64::from(i), 2.0 * f64::from(i)))
            .collect();
        let r = mann_kendall(&pts, 0.05).unwrap();
        // S = n(n−1)/2 = 45; var S = n(n−1)(2n+5)/18 = 125; z = 44/√125.
        assert_eq!((r.s, r.var_s, r.tau, r.sen_slope), (45.0, 125.0, 1.0, 2.0));
        assert_relative_eq!(r.z, 44.0 / 125f64.sqrt(), max_relative = REL);
        assert_eq!(r.direction, Direction::Increasing);
        assert_eq!(r.intercept, 0.0);
    }

    #[test]
    fn repeated_times_score_zero_and_shrink_the_variance() {
        // Two runs at t=0 (values 1 and 5), one at t=1 (3): only the cross pairs count.
        let k = kendall_score(&[(0.0, 5.0), (1.0, 3.0), (0.0, 1.0)]).unwrap();
        assert_eq!((k.s, k.time_tied_pairs, k.value_tied_pairs), (0, 1, 0));
        // [3·2·11 − 2·1·9]/18 + 0 + (2·0)/(2·6) = 48/18.
        assert_relative_eq!(k.var_s, 48.0 / 18.0, max_relative = REL);
    }

    #[test]
    fn constant_values_have_no_trend_and_zero_slope() {
        let pts: Vec<(f64, f64)> = (0..6).map(|i| (f64::from(i % 3), 7.0)).collect();
        let r = mann_kendall(&pts, 0.05).unwrap();
        assert_eq!(
            (r.s, r.z, r.p_value, r.tau, r.sen_slope),
            (0.0, 0.0, 1.0, 0.0, 0.0)
        );
        assert_eq!(r.direction, Direction::NoTrend);
    }

    #[test]
    fn invalid_input_is_reported_not_guessed() {
        let ok = [(0.0, 1.0), (1.0, 2.0), (2.0, 3.0)];
        assert_eq!(
            mann_kendall(&ok[..2], 0.05),
            Err(TrendError::TooFewPoints(2))
        );
        assert_eq!(mann_kendall(&ok, 1.0), Err(TrendError::InvalidAlpha(1.0)));
        assert_eq!(
            mann_kendall(&[(0.0, 1.0), (f64::NAN, 2.0), (2.0, 3.0)], 0.05),
            Err(TrendError::NonFinite(1))
        );
        assert_eq!(
            mann_kendall(&[(0.0, 1.0), (1.0, 1e200), (2.0, 3.0)], 0.05),
            Err(TrendError::OutOfRange(1))
        );
        assert_eq!(
            mann_kendall(&[(5.0, 1.0), (5.0, 2.0), (5.0, 3.0)], 0.05),
            Err(TrendError::SingleTime)
        );
    }

    #[test]
    fn slower_runs_over_time_are_degrading_with_slope_per_day() {
        // One run a day, each 60 s slower than the day before, around 1000 s.
        let day = 86_400.0;
        let t0 = 1_700_000_000.0;
        let pts: Vec<(f64, f64)> = (0..30)
            .map(|i| (t0 + f64::from(i) * day, 1000.0 + 60.0 * f64::from(i)))
            .collect();
        let d = duration_trend(&pts, 0.05).unwrap();
        assert_eq!(d.direction, types::TrendDirection::Degrading);
        assert_relative_eq!(d.slope_per_day, 60.0, max_relative = REL);
        assert_relative_eq!(d.window_days, 29.0, max_relative = REL);
        // Median duration 1000 + 60·14.5 = 1870; change over the window 60·29 = 1740.
        assert_relative_eq!(
            d.relative_change.unwrap(),
            1740.0 / 1870.0,
            max_relative = REL
        );

        let faster: Vec<(f64, f64)> = pts.iter().map(|&(t, v)| (t, 5000.0 - v)).collect();
        let d = duration_trend(&faster, 0.05).unwrap();
        assert_eq!(d.direction, types::TrendDirection::Improving);
    }

    #[test]
    fn large_inputs_take_the_contraction_path_and_still_match_naive() {
        // 3000 points → 4.5 M slopes, far above the listing budget.
        let mut state = 12345u64;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as f64
        };
        let pts: Vec<(f64, f64)> = (0..3000)
            .map(|i| (f64::from(i / 3), (next() % 1000.0) + f64::from(i)))
            .collect();
        assert_eq!(sen_slope(&pts).unwrap(), naive::sen_slope(&pts).unwrap());
        let (s, var) = naive::kendall(&pts);
        let k = kendall_score(&pts).unwrap();
        assert_eq!(k.s, s);
        assert_relative_eq!(k.var_s, var, max_relative = REL);
    }

    proptest! {
        #[test]
        fn knight_score_equals_naive_score(pts in tied_points()) {
            prop_assume!(has_two_times(&pts));
            let (s, var) = naive::kendall(&pts);
            let k = kendall_score(&pts).unwrap();
            prop_assert_eq!(k.s, s);
            prop_assert!((k.var_s - var).abs() <= REL * var.abs().max(1.0));
        }

        #[test]
        fn sen_slope_equals_naive_median_of_slopes_on_tied_grids(pts in tied_points()) {
            prop_assume!(has_two_times(&pts));
            prop_assert_eq!(sen_slope(&pts).unwrap(), naive::sen_slope(&pts).unwrap());
        }

        #[test]
        fn sen_slope_matches_naive_on_arbitrary_floats(
            pts in prop::collection::vec((-1e6f64..1e6, -1e3f64..1e3), 3..60),
        ) {
            prop_assume!(has_two_times(&pts));
            let (got, want) = (sen_slope(&pts).unwrap(), naive::sen_slope(&pts).unwrap());
            // Coordinate differences round here, so the two may order near-equal slopes
            // differently; they agree to a few ulps.
            prop_assert!((got - want).abs() <= REL * want.abs().max(f64::MIN_POSITIVE));
        }

        #[test]
        fn knight_is_invariant_to_input_order(mut pts in tied_points()) {
            prop_assume!(has_two_times(&pts));
            let a = kendall_score(&pts).unwrap();
            pts.reverse();
            prop_assert_eq!(a, kendall_score(&pts).unwrap());
            // Time order with equal times' values in any order (the copy-free path) too.
            pts.sort_by(|p, q| p.0.total_cmp(&q.0));
            prop_assert_eq!(a, kendall_score(&pts).unwrap());
        }
    }
}
