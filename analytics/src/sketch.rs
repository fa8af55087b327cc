//! A mergeable quantile sketch with a relative-error guarantee: DDSketch's logarithmic mapping
//! (Masson, Rim & Lee, "DDSketch: a fast and fully-mergeable quantile sketch with
//! relative-error guarantees", VLDB 2019) with an unbounded sparse store.
//!
//! A value `v > 0` lands in bucket `k = ⌈ln v / ln γ⌉`, `γ = (1 + α)/(1 − α)`; the bucket's
//! representative `2γᵏ/(γ + 1)` is within `α` (relative) of every value in the bucket, so an
//! order statistic read from the buckets is within `α` of the true one, and so is a type-7
//! interpolation between two of them. Merging adds counts per key, so hourly sketches merge
//! into windows without losing accuracy. The same mapping runs in SQL at ingest
//! (`migrations/*_rollups.sql`); both sides compute `ln` in IEEE double precision.
//!
//! Why not the `sketches-ddsketch` crate: its stores keep dense bins behind an offset and
//! cannot be built from (key, count) pairs produced elsewhere, which is how rollups arrive.

/// Relative accuracy α of every quantile.
pub const RELATIVE_ACCURACY: f64 = 0.01;

fn gamma() -> f64 {
    (1.0 + RELATIVE_ACCURACY) / (1.0 - RELATIVE_ACCURACY)
}

/// Bucket of a positive value.
pub fn key(v: f64) -> i32 {
    (v.ln() / gamma().ln()).ceil() as i32
}

/// Representative value of a bucket: within α of any value the bucket holds.
pub fn value(k: i32) -> f64 {
    let g = gamma();
    2.0 * g.powi(k) / (g + 1.0)
}

/// Counts per bucket (sorted by key, no zero counts) plus the count of zeros.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sketch {
    zeros: u64,
    bins: Vec<(i32, u64)>,
}

impl Sketch {
    /// A sketch of these values (negative values count as zeros: durations are never negative).
    pub fn of(values: impl IntoIterator<Item = f64>) -> Self {
        let mut zeros = 0;
        let mut keys: Vec<i32> = Vec::new();
        for v in values {
            if v > 0.0 {
                keys.push(key(v));
            } else {
                zeros += 1;
            }
        }
        keys.sort_unstable();
        let mut bins: Vec<(i32, u64)> = Vec::new();
        for k in keys {
            match bins.last_mut() {
                Some((last, c)) if *last == k => *c += 1,
                _ => bins.push((k, 1)),
            }
        }
        Sketch { zeros, bins }
    }

    /// A sketch from stored parts: the count of zeros and `(key, count)` pairs in any order
    /// (repeated keys add up).
    pub fn from_parts(zeros: u64, parts: impl IntoIterator<Item = (i32, u64)>) -> Self {
        let mut bins: Vec<(i32, u64)> = parts.into_iter().filter(|p| p.1 > 0).collect();
        bins.sort_unstable_by_key(|b| b.0);
        bins.dedup_by(|b, a| {
            if a.0 == b.0 {
                a.1 += b.1;
                true
            } else {
                false
            }
        });
        Sketch { zeros, bins }
    }

    /// Adds another sketch's counts (exact: merging never loses accuracy).
    pub fn merge(&mut self, other: &Sketch) {
        self.zeros += other.zeros;
        let (a, b) = (&self.bins, &other.bins);
        let mut out = Vec::with_capacity(a.len() + b.len());
        let (mut i, mut j) = (0, 0);
        loop {
            match (a.get(i), b.get(j)) {
                (Some(x), Some(y)) if x.0 == y.0 => {
                    out.push((x.0, x.1 + y.1));
                    (i, j) = (i + 1, j + 1);
                }
                (Some(x), Some(y)) if x.0 < y.0 => {
                    out.push(*x);
                    i += 1;
                }
                (Some(x), None) => {
                    out.push(*x);
                    i += 1;
                }
                (_, Some(y)) => {
                    out.push(*y);
                    j += 1;
                }
                (None, None) => break,
            }
        }
        self.bins = out;
    }

    /// Removes a sub-sketch's counts key by key: the sketch of the values not in `part`, when
    /// `part` is the sketch of a subset of this sketch's values (counts add, so they
    /// subtract). Counts floor at 0 should `part` not be such a subset.
    pub fn minus(&self, part: &Sketch) -> Sketch {
        let mut bins = self.bins.clone();
        for &(k, c) in &part.bins {
            if let Ok(i) = bins.binary_search_by_key(&k, |b| b.0) {
                bins[i].1 = bins[i].1.saturating_sub(c);
            }
        }
        bins.retain(|b| b.1 > 0);
        Sketch {
            zeros: self.zeros.saturating_sub(part.zeros),
            bins,
        }
    }

    pub fn count(&self) -> u64 {
        self.zeros + self.bins.iter().map(|b| b.1).sum::<u64>()
    }

    /// `(representative value, count)` per non-empty bucket, ascending (zeros first).
    pub fn buckets(&self) -> impl Iterator<Item = (f64, u64)> + '_ {
        (self.zeros > 0)
            .then_some((0.0, self.zeros))
            .into_iter()
            .chain(self.bins.iter().map(|&(k, c)| (value(k), c)))
    }

    /// The order statistic of 0-based rank `r` (its bucket's representative).
    fn rank(&self, r: u64) -> f64 {
        if r < self.zeros {
            return 0.0;
        }
        let mut seen = self.zeros;
        for &(k, c) in &self.bins {
            seen += c;
            if r < seen {
                return value(k);
            }
        }
        self.bins.last().map_or(0.0, |b| value(b.0))
    }

    /// Quantile `q ∈ [0, 1]` by linear interpolation between order statistics (Hyndman-Fan
    /// type 7, as numpy and `percentile_cont`), each read from its bucket: within α of the
    /// exact type-7 value. `None` when empty.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        let n = self.count();
        if n == 0 {
            return None;
        }
        let h = q.clamp(0.0, 1.0) * (n - 1) as f64;
        let lo = h.floor() as u64;
        let v = self.rank(lo);
        let frac = h - lo as f64;
        Some(if frac > 0.0 {
            v + frac * (self.rank(lo + 1) - v)
        } else {
            v
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::statistics::quantiles;

    #[test]
    fn every_value_is_within_one_percent_of_its_bucket_representative() {
        for v in [1.0, 1.5, 7.0, 999.0, 1e3, 12_345.0, 3.6e6, 8.64e7] {
            let r = value(key(v));
            assert!((r - v).abs() <= RELATIVE_ACCURACY * v, "{v} → {r}");
        }
    }

    #[test]
    fn quantiles_are_within_one_percent_of_the_exact_type_7_values() {
        // Log-normal-ish values from a fixed LCG; exact quantiles by selection (numpy's
        // 'linear' method, checked against numpy in statistics' oracle tests).
        let mut x: u64 = 42;
        let mut values: Vec<f64> = (0..20_000)
            .map(|_| {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let u = (x >> 11) as f64 / (1u64 << 53) as f64;
                (8.0 + 2.0 * (u - 0.5)).exp().round()
            })
            .collect();
        let sketch = Sketch::of(values.iter().copied());
        let qs = [0.0, 0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 1.0];
        let exact = quantiles(&mut values, &qs).unwrap();
        for (q, e) in qs.iter().zip(exact) {
            let s = sketch.quantile(*q).unwrap();
            assert!((s - e).abs() <= RELATIVE_ACCURACY * e, "q{q}: {s} vs {e}");
        }
    }

    #[test]
    fn merged_sketches_equal_the_sketch_of_all_values() {
        let a = [0.0, 3.0, 3.0, 50.0, 1200.0];
        let b = [3.0, 7.0, 0.0, 90_000.0];
        let mut m = Sketch::of(a);
        m.merge(&Sketch::of(b));
        assert_eq!(m, Sketch::of(a.into_iter().chain(b)));
        assert_eq!(m.count(), 9);
        assert_eq!(m.quantile(0.0), Some(0.0));
    }

    #[test]
    fn a_sketch_minus_the_sketch_of_a_subset_is_the_sketch_of_the_rest() {
        let rest = [0.0, 3.0, 50.0, 90_000.0];
        let subset = [0.0, 3.0, 7.0, 1200.0];
        let all = Sketch::of(rest.into_iter().chain(subset));
        assert_eq!(all.minus(&Sketch::of(subset)), Sketch::of(rest));
        assert_eq!(all.minus(&all), Sketch::default());
    }

    #[test]
    fn parts_with_repeated_and_unsorted_keys_add_up() {
        let s = Sketch::from_parts(1, [(5, 1), (2, 2), (5, 3)]);
        assert_eq!(s.buckets().map(|b| b.1).collect::<Vec<_>>(), vec![1, 2, 4]);
    }

    #[test]
    fn a_single_value_is_every_quantile() {
        let s = Sketch::of([250.0]);
        let v = s.quantile(0.95).unwrap();
        assert!((v - 250.0).abs() <= 2.5);
        assert_eq!(s.quantile(0.0), s.quantile(1.0));
        assert_eq!(Sketch::default().quantile(0.5), None);
    }
}
