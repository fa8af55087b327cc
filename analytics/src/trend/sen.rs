//! Theil-Sen slope selection: the k-th smallest of the `O(n²)` pairwise slopes in
//! `O(n log n)` expected time, without materialising the pairs.
//!
//! Method: randomized interval contraction (Matoušek 1991, "Randomized optimal algorithm for
//! slope selection", *Inf. Process. Lett.* 39; Dillencourt, Mount & Netanyahu 1992, "A
//! randomized algorithm for slope selection", *IJCGA* 2). For a threshold `t`, the pair
//! `x_i < x_j` has slope `≤ t` exactly when `y_j − t·x_j ≤ y_i − t·x_i`, so the number of slopes
//! below `t` is an inversion count between the order of the points by `x` and their order by
//! `y − t·x`, and the pairs whose slope lies in an open interval `(lo, hi)` are the inversions
//! between the orders at `lo` and at `hi`. Each round samples `m` of those pairs uniformly (a
//! Fenwick tree gives the r-th inversion of each point), takes two sample slopes bracketing the
//! wanted rank and counts exactly where they fall; the interval shrinks by a factor of about
//! `√m` per round, so with `m = n` it holds `O(n)` pairs after a constant expected number of
//! `O(n log n)` rounds, and those are listed and selected directly (bracketed first by a
//! smaller sample when they outnumber the points, so that the listing stays small).
//!
//! Memory: points are indexed with `u32` (at most `u32::MAX` of them), so each order a round
//! keeps costs 4 bytes a point; keys are sorted as 16-byte `(approximation, index)` records
//! with one error bound for all of them; every part is freed as soon as it is done with. At its
//! peak (sampling a round's pairs) the selection holds about 48 bytes a point beside the
//! 16-byte points themselves.
//!
//! Exactness: orders at a threshold compare `y·dx − x·dy` for the threshold's `(dy, dx)` with
//! a floating-point filter and, when the filter cannot decide, an exact sign from error-free
//! transformations (Dekker's product via FMA, Knuth's two-sum and Shewchuk's expansion sum,
//! Shewchuk 1997, "Adaptive precision floating-point arithmetic and fast robust geometric
//! predicates", *DCG* 18). Counts are therefore exact for the slopes of the given points, ties
//! included, and the result does not depend on the random choices (which only affect speed;
//! the generator is seeded with a constant, so runs are reproducible anyway). The selected
//! value is computed as `(y_j − y_i) / (x_j − x_i)` in `f64`, like every reference
//! implementation, so it equals the naive "sort all slopes" answer bit for bit whenever the
//! coordinate differences are exact in `f64` (integer-valued data, timestamps in one binade),
//! and otherwise differs from it by at most a few ulps.

use std::cmp::Ordering;

/// A finite observation `(x, y)`; callers validate finiteness and magnitude.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pt {
    pub x: f64,
    pub y: f64,
}

/// Tuning of the selection; only speed depends on it, never the result.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SelectParams {
    /// List the pairs of the current interval once there are at most this many.
    pub budget: u64,
    /// Pairs sampled per contraction round.
    pub sample: usize,
    /// Half-width of the bracket around the expected sample rank, in units of `√sample`.
    pub spread: f64,
    /// Rounds after which the interval is listed whatever its size (guards against
    /// astronomically unlucky sampling).
    pub max_rounds: usize,
}

impl SelectParams {
    pub fn for_len(n: usize) -> Self {
        let n = n as u64;
        Self {
            budget: 8 * n + 256,
            sample: (n as usize).max(64),
            spread: 1.5,
            max_rounds: 64,
        }
    }
}

/// The median of the slopes `(y_j − y_i)/(x_j − x_i)` over all pairs with `x_i ≠ x_j`, averaging
/// the two middle slopes when their number is even (numpy `median`, so scipy `theilslopes`).
/// `None` when every point has the same `x`. `pts` must be sorted by `(x, y)`.
pub(crate) fn median_slope(pts: &[Pt], params: &SelectParams) -> Option<f64> {
    // Callers refuse more points (`trend::MAX_POINTS`): indices are `u32`.
    if pts.len() > u32::MAX as usize {
        return None;
    }
    let total = valid_pairs(pts);
    if total == 0 {
        return None;
    }
    let mut rng = SplitMix64(0x7A5C_1E25_5E25_10BE);
    let k = total.div_ceil(2);
    if total % 2 == 1 {
        return Some(select(pts, [k, k], total, params, &mut rng)[0]);
    }
    let [lower, upper] = select(pts, [k, k + 1], total, params, &mut rng);
    Some((lower + upper) / 2.0)
}

/// Number of pairs with different `x` in `(x, y)`-sorted points.
fn valid_pairs(pts: &[Pt]) -> u64 {
    let n = pts.len() as u64;
    let mut tied = 0u64;
    let mut start = 0;
    for i in 1..=pts.len() {
        if i == pts.len() || pts[i].x != pts[start].x {
            let g = (i - start) as u64;
            tied += g * (g - 1) / 2;
            start = i;
        }
    }
    n * n.saturating_sub(1) / 2 - tied
}

/// A slope threshold. `Slope { dy, dx }` stands for the real number `dy / dx` (`dx > 0`).
#[derive(Debug, Clone, Copy)]
enum Threshold {
    NegInf,
    Slope { dy: f64, dx: f64 },
    PosInf,
}

/// The `ranks[0]`-th and `ranks[1]`-th smallest (1-based, `ranks[0] ≤ ranks[1] ≤ total`)
/// pairwise slopes, found in one contraction that keeps both ranks inside the interval.
fn select(
    pts: &[Pt],
    ranks: [u64; 2],
    total: u64,
    params: &SelectParams,
    rng: &mut SplitMix64,
) -> [f64; 2] {
    let mut found: [Option<f64>; 2] = [None, None];
    // Invariant: `below` slopes are ≤ lo and `upto` slopes are < hi, and every rank still
    // wanted lies in `below + 1 ..= upto`.
    let (mut lo, mut below) = (Threshold::NegInf, 0u64);
    let (mut hi, mut upto) = (Threshold::PosInf, total);
    let mut round = 0;
    loop {
        let pending = |found: &[Option<f64>; 2]| -> Vec<u64> {
            (0..2)
                .filter(|&r| found[r].is_none())
                .map(|r| ranks[r])
                .collect()
        };
        let wanted = pending(&found);
        let (Some(&first), Some(&last)) = (wanted.first(), wanted.last()) else {
            return found.map(|f| f.unwrap_or(f64::NAN));
        };
        let scan = Scan::new(pts, lo, hi);
        debug_assert_eq!(scan.total, upto - below);
        if scan.total <= params.budget || round >= params.max_rounds {
            let wanted: Vec<u64> = wanted.iter().map(|k| k - below - 1).collect();
            let values = select_listed(pts, &scan, &wanted, rng);
            for r in 0..2 {
                if found[r].is_none() {
                    let at = wanted.iter().position(|&k| k == ranks[r] - below - 1);
                    found[r] = at.map(|a| values[a]);
                }
            }
            continue;
        }
        round += 1;

        // Sample m pairs of the interval uniformly. Only the interval's size is needed after
        // the sampling, and only the two candidate pairs after their selection: each part is
        // freed as soon as it is done with, before the counts at the candidates.
        let m = params.sample.max(1);
        let requests = scan.requests(m, rng);
        let scan_total = scan.total;
        let mut scan = scan;
        scan.counts = Vec::new();
        let mut samples = scan.sample_slopes(pts, &requests);
        drop((scan, requests));

        // Expected (0-based) sample indices of the wanted slopes, bracketed by ± spread·√m.
        let expected = |k: u64| (k - below) as f64 / scan_total as f64 * m as f64 - 1.0;
        let delta = params.spread * (m as f64).sqrt();
        let candidates: Vec<(usize, usize)> = [
            (expected(first) - delta).floor(),
            (expected(last) + delta).ceil(),
        ]
        .into_iter()
        .filter(|&c| c >= 0.0 && c < m as f64)
        .map(|c| {
            let by_slope = |a: &(f64, u32, u32), b: &(f64, u32, u32)| a.0.total_cmp(&b.0);
            let (_, i, j) = *samples.select_nth_unstable_by(c as usize, by_slope).1;
            (i as usize, j as usize)
        })
        .collect();
        drop(samples);
        for (i, j) in candidates {
            let t = Threshold::Slope {
                dy: pts[j].y - pts[i].y,
                dx: pts[j].x - pts[i].x,
            };
            let (less, less_or_equal) = count_at(pts, t);
            for r in 0..2 {
                if found[r].is_none() && less < ranks[r] && ranks[r] <= less_or_equal {
                    // The wanted slope is exactly this threshold.
                    found[r] = Some(slope(pts, i, j));
                }
            }
            let wanted = pending(&found);
            if wanted.is_empty() {
                break;
            }
            if wanted.iter().all(|&k| less_or_equal < k) && less_or_equal > below {
                (lo, below) = (t, less_or_equal);
            } else if wanted.iter().all(|&k| k <= less) && less < upto {
                (hi, upto) = (t, less);
            }
        }
    }
}

/// Pairs that [`select_listed`] always lists directly (8 MB of slopes).
const LIST_DIRECTLY: u64 = 1 << 20;

/// The slopes of the scan's pairs at the 0-based ranks `wanted` (ascending, in `total_cmp`
/// order), by listing the pairs. Up to `max(n, 2²⁰)` pairs are collected and selected
/// directly. More (the last interval typically holds a few pairs a point, 8 bytes each, more
/// than the points themselves) are first bracketed by a sample of `n / 8` of them, as in a
/// contraction round but by float value: one pass then counts the slopes below the bracket and
/// keeps only those inside it. Should a wanted rank fall outside the bracket (about 3 in 1,000
/// times), a second pass lists everything.
fn select_listed(pts: &[Pt], scan: &Scan, wanted: &[u64], rng: &mut SplitMix64) -> Vec<f64> {
    let select = |kept: &mut Vec<f64>, skipped: u64| -> Option<Vec<f64>> {
        wanted
            .iter()
            .map(|&k| {
                let r = usize::try_from(k.checked_sub(skipped)?).ok()?;
                (r < kept.len()).then(|| *kept.select_nth_unstable_by(r, f64::total_cmp).1)
            })
            .collect()
    };
    let (Some(&first), Some(&last)) = (wanted.first(), wanted.last()) else {
        return Vec::new();
    };
    if scan.total > (pts.len() as u64).max(LIST_DIRECTLY) {
        let m = (pts.len() / 8).max(64);
        let mut samples = scan.sample_slopes(pts, &scan.requests(m, rng));
        let at = |k: u64| k as f64 / scan.total as f64 * m as f64;
        let delta = 3.0 * (m as f64).sqrt();
        let (a, b) = ((at(first) - delta).floor(), (at(last) + delta).ceil());
        let mut nth = |c: f64| {
            let by_slope = |a: &(f64, u32, u32), b: &(f64, u32, u32)| a.0.total_cmp(&b.0);
            (c >= 0.0 && c < m as f64)
                .then(|| samples.select_nth_unstable_by(c as usize, by_slope).1.0)
        };
        let (low, high) = (nth(a), nth(b));
        drop(samples);
        let (mut below, mut kept) = (0u64, Vec::new());
        scan.for_each_pair(|i, j| {
            let s = slope(pts, i, j);
            if low.is_some_and(|l| s.total_cmp(&l).is_lt()) {
                below += 1;
            } else if high.is_none_or(|h| s.total_cmp(&h).is_le()) {
                kept.push(s);
            }
        });
        if let Some(values) = select(&mut kept, below) {
            return values;
        }
    }
    let mut all = Vec::with_capacity(scan.total as usize);
    scan.for_each_pair(|i, j| all.push(slope(pts, i, j)));
    select(&mut all, 0).unwrap_or_else(|| vec![f64::NAN; wanted.len()])
}

/// Slope of the pair `(i, j)`, `x_i < x_j`, as every reference computes it.
fn slope(pts: &[Pt], i: usize, j: usize) -> f64 {
    (pts[j].y - pts[i].y) / (pts[j].x - pts[i].x)
}

/// `(#slopes < t, #slopes ≤ t)`, exactly.
fn count_at(pts: &[Pt], t: Threshold) -> (u64, u64) {
    let scan = Scan::new(pts, Threshold::NegInf, t);
    // Pairs with slope exactly t: equal keys at t, minus identical points (equal key and x).
    let mut equal = 0u64;
    let mut start = 0;
    while start < pts.len() {
        let end = scan.class_end[scan.hi_order[start] as usize] as usize;
        let class = (end - start) as u64;
        equal += class * (class - 1) / 2;
        // Members are in index order and points are (x, y)-sorted: duplicates are adjacent.
        let mut run = 1u64;
        for w in scan.hi_order[start..end].windows(2) {
            if pts[w[0] as usize].x == pts[w[1] as usize].x {
                run += 1;
            } else {
                equal -= run * (run - 1) / 2;
                run = 1;
            }
        }
        equal -= run * (run - 1) / 2;
        start = end;
    }
    (scan.total, scan.total + equal)
}

/// The points in ascending order of their keys `y − t·x` at the threshold `t`, ties by index,
/// and the ends of the runs of equal keys (classes) in that order. Indices are `u32`: the
/// orders of a scan cost 4 bytes a point each.
fn sorted_classes(pts: &[Pt], t: Threshold) -> (Vec<u32>, Vec<u32>) {
    let n = pts.len();
    let identical = |a: u32, b: u32| {
        let (p, q) = (pts[a as usize], pts[b as usize]);
        p.x == q.x && p.y == q.y
    };
    let order: Vec<u32> = match t {
        // t → −∞: by x, then y: callers sort the points so, the identity is this order.
        Threshold::NegInf => (0..n as u32).collect(),
        // t → +∞: by x descending, then y: the runs of equal x of the identity, last first.
        Threshold::PosInf => {
            let mut order = Vec::with_capacity(n);
            let mut end = n;
            while end > 0 {
                let mut start = end - 1;
                while start > 0 && pts[start - 1].x == pts[end - 1].x {
                    start -= 1;
                }
                order.extend(start as u32..end as u32);
                end = start;
            }
            order
        }
        Threshold::Slope { dy, dx } => return sorted_key_classes(pts, dy, dx),
    };
    // At ±∞ equal keys are identical points, adjacent in either order.
    let mut ends = Vec::new();
    for e in 1..=n {
        if e == n || !identical(order[e - 1], order[e]) {
            ends.push(e as u32);
        }
    }
    (order, ends)
}

/// [`sorted_classes`] at the finite threshold `dy / dx`: keys `y·dx − x·dy` compared through
/// a floating-point filter with one error bound for all of them (the largest of their
/// [`Key`] bounds), and exactly, as [`Key::cmp`] does, where the filter cannot decide. Sorts
/// compact `(approximation, index)` records (16 bytes a point, only while sorting).
fn sorted_key_classes(pts: &[Pt], dy: f64, dx: f64) -> (Vec<u32>, Vec<u32>) {
    let n = pts.len();
    let mut bound = 0.0f64;
    let mut items: Vec<(f64, u32)> = pts
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let k = Key::new(*p, dy, dx);
            bound = bound.max(k.bound);
            (k.approx, i as u32)
        })
        .collect();
    let filter = 2.0 * bound;
    let key_cmp = |a: &(f64, u32), b: &(f64, u32)| {
        let d = a.0 - b.0;
        if d.abs() > filter {
            d.total_cmp(&0.0)
        } else {
            exact_key_cmp(pts[a.1 as usize], pts[b.1 as usize], dy, dx)
        }
    };
    items.sort_unstable_by(|a, b| key_cmp(a, b).then(a.1.cmp(&b.1)));
    let mut ends = Vec::new();
    for e in 1..=n {
        if e == n || key_cmp(&items[e - 1], &items[e]) != Ordering::Equal {
            ends.push(e as u32);
        }
    }
    let order = items.iter().map(|&(_, i)| i).collect();
    (order, ends)
}

/// The keys of `p` and `q` at `dy / dx` compared as [`Key::cmp`] does: what the shared filter
/// of [`sorted_key_classes`] leaves undecided (rare: kept out of the sort's inner loop).
#[cold]
#[inline(never)]
fn exact_key_cmp(p: Pt, q: Pt, dy: f64, dx: f64) -> Ordering {
    Key::new(p, dy, dx).cmp(
        &Key::new(q, dy, dx),
        || exact_terms(p, dy, dx),
        || exact_terms(q, dy, dx),
    )
}

/// `y·dx − x·dy` for one point: a float approximation with an error bound. The exact value,
/// four floats from [`exact_terms`], is recomputed when the bound cannot decide a comparison
/// rather than stored.
#[derive(Debug, Clone, Copy)]
struct Key {
    approx: f64,
    bound: f64,
}

/// `y·dx − x·dy` exactly as four floats: `y·dx` and `−x·dy`, each split into product and
/// rounding error.
fn exact_terms(p: Pt, dy: f64, dx: f64) -> [f64; 4] {
    let (a, a_err) = two_product(p.y, dx);
    let (b, b_err) = two_product(p.x, dy);
    [a, a_err, -b, -b_err]
}

impl Key {
    fn new(p: Pt, dy: f64, dx: f64) -> Self {
        let (a, a_err) = two_product(p.y, dx);
        let (b, b_err) = two_product(p.x, dy);
        if a_err == 0.0 && b_err == 0.0 {
            let (d, d_err) = two_sum(a, -b);
            if d_err == 0.0 {
                // The float difference is the exact key (always so for small integers).
                return Key {
                    approx: d,
                    bound: 0.0,
                };
            }
        }
        // |approx − exact| ≤ ε(|a| + |b|) (one rounding each for a, b and the difference);
        // twice that leaves room for rounding in the comparison itself.
        Key {
            approx: a - b,
            bound: 2.0 * f64::EPSILON * (a.abs() + b.abs()),
        }
    }

    /// Compares two keys; `exact_self` and `exact_other` give their [`exact_terms`].
    fn cmp(
        &self,
        other: &Key,
        exact_self: impl FnOnce() -> [f64; 4],
        exact_other: impl FnOnce() -> [f64; 4],
    ) -> Ordering {
        let d = self.approx - other.approx;
        if d.abs() > self.bound + other.bound {
            return d.total_cmp(&0.0);
        }
        if self.bound == 0.0 && other.bound == 0.0 {
            // Both approximations are exact, so comparing them is exact.
            return self
                .approx
                .partial_cmp(&other.approx)
                .unwrap_or(Ordering::Equal);
        }
        let [a0, a1, a2, a3] = exact_self();
        let [b0, b1, b2, b3] = exact_other();
        sign_of_sum([a0, a1, a2, a3, -b0, -b1, -b2, -b3])
    }
}

/// `a·b` as `p + e` exactly (Dekker's product through a fused multiply-add).
fn two_product(a: f64, b: f64) -> (f64, f64) {
    let p = a * b;
    (p, a.mul_add(b, -p))
}

/// `a + b` as `s + e` exactly (Knuth's two-sum).
fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let bv = s - a;
    let av = s - bv;
    (s, (a - av) + (b - bv))
}

/// Exact sign of a sum of floats: grow a non-overlapping expansion term by term (Shewchuk
/// 1997, Grow-Expansion); the sign of the sum is that of its largest non-zero component.
fn sign_of_sum<const N: usize>(terms: [f64; N]) -> Ordering {
    let mut h = [0.0f64; N];
    for (len, &t) in terms.iter().enumerate() {
        let mut q = t;
        for hi in h.iter_mut().take(len) {
            let (s, e) = two_sum(q, *hi);
            *hi = e;
            q = s;
        }
        h[len] = q;
    }
    h.iter()
        .rev()
        .find(|c| **c != 0.0)
        .map_or(Ordering::Equal, |c| {
            if *c > 0.0 {
                Ordering::Greater
            } else {
                Ordering::Less
            }
        })
}

/// The pairs `i, j` with `key_lo(i) < key_lo(j)` and `key_hi(i) > key_hi(j)`: for `lo < hi`
/// these are exactly the pairs with `x_i < x_j` and slope strictly between `lo` and `hi`.
/// 24 bytes a point (six `u32` arrays), plus a 4-byte Fenwick tree while counting.
struct Scan {
    lo_order: Vec<u32>,
    /// Ends of the runs of `lo_order` with equal keys at `lo`.
    lo_ends: Vec<u32>,
    hi_order: Vec<u32>,
    /// Position of each point in `hi_order`.
    hi_pos: Vec<u32>,
    /// One past the last position of each point's equal-key class in `hi_order`.
    class_end: Vec<u32>,
    /// Pairs per point `j`, indexed by `j`'s position in `lo_order` (fewer than the points).
    counts: Vec<u32>,
    total: u64,
}

impl Scan {
    fn new(pts: &[Pt], lo: Threshold, hi: Threshold) -> Self {
        let n = pts.len();
        let (lo_order, lo_ends) = sorted_classes(pts, lo);
        let (hi_order, hi_ends) = sorted_classes(pts, hi);
        let mut hi_pos = vec![0u32; n];
        let mut class_end = vec![0u32; n];
        let mut start = 0;
        for &end in &hi_ends {
            for (pos, &p) in hi_order.iter().enumerate().take(end as usize).skip(start) {
                hi_pos[p as usize] = pos as u32;
                class_end[p as usize] = end;
            }
            start = end as usize;
        }
        drop(hi_ends);
        let mut counts = vec![0u32; n];
        let mut total = 0u64;
        let mut tree = Fenwick::new(n);
        let mut inserted = 0u32;
        let mut start = 0;
        for &end in &lo_ends {
            let group = start..end as usize;
            for pos in group.clone() {
                let j = lo_order[pos] as usize;
                let c = inserted - tree.prefix(class_end[j] as usize);
                counts[pos] = c;
                total += u64::from(c);
            }
            for pos in group {
                tree.add(hi_pos[lo_order[pos] as usize] as usize);
            }
            inserted = end;
            start = end as usize;
        }
        Scan {
            lo_order,
            lo_ends,
            hi_order,
            hi_pos,
            class_end,
            counts,
            total,
        }
    }

    /// `m` pairs of the interval drawn uniformly (with replacement): sorted draws in
    /// `0..total`, each turned in place into a request `position in lo_order << 32 | r` for the
    /// `r`-th pair of the point there (positions and pair counts fit 32 bits: at most
    /// `u32::MAX` points). The interval must not be empty.
    fn requests(&self, m: usize, rng: &mut SplitMix64) -> Vec<u64> {
        let mut requests: Vec<u64> = (0..m).map(|_| rng.below(self.total)).collect();
        requests.sort_unstable();
        let (mut pos, mut cum) = (0usize, 0u64);
        for d in &mut requests {
            while cum + u64::from(self.counts[pos]) <= *d {
                cum += u64::from(self.counts[pos]);
                pos += 1;
            }
            *d = (pos as u64) << 32 | (*d - cum);
        }
        requests
    }

    /// Inserts the points of `lo_order[group]` into `tree` at their `hi` positions.
    fn insert(&self, tree: &mut Fenwick, group: std::ops::Range<usize>) {
        for pos in group {
            tree.add(self.hi_pos[self.lo_order[pos] as usize] as usize);
        }
    }

    /// Calls `f(i, j)` for every pair of the interval.
    fn for_each_pair(&self, mut f: impl FnMut(usize, usize)) {
        let mut tree = Fenwick::new(self.lo_order.len());
        let mut start = 0;
        for &end in &self.lo_ends {
            for pos in start..end as usize {
                let j = self.lo_order[pos] as usize;
                let below = tree.prefix(self.class_end[j] as usize);
                for r in 0..self.counts[pos] {
                    f(self.hi_order[tree.kth(below + r + 1)] as usize, j);
                }
            }
            self.insert(&mut tree, start..end as usize);
            start = end as usize;
        }
    }

    /// The sampled pairs with their slopes: for each request `pos << 32 | r` (sorted), the
    /// `r`-th (0-based) partner `i` of the point `j` at `lo_order[pos]`, as
    /// `(slope, i, j)`.
    fn sample_slopes(&self, pts: &[Pt], requests: &[u64]) -> Vec<(f64, u32, u32)> {
        let mut tree = Fenwick::new(self.lo_order.len());
        let mut out = Vec::with_capacity(requests.len());
        let mut q = 0;
        let mut start = 0;
        for &end in &self.lo_ends {
            while let Some(&request) = requests.get(q).filter(|&&r| r >> 32 < u64::from(end)) {
                let (pos, r) = ((request >> 32) as usize, (request & 0xFFFF_FFFF) as u32);
                let j = self.lo_order[pos];
                let below = tree.prefix(self.class_end[j as usize] as usize);
                let i = self.hi_order[tree.kth(below + r + 1)];
                out.push((slope(pts, i as usize, j as usize), i, j));
                q += 1;
            }
            self.insert(&mut tree, start..end as usize);
            start = end as usize;
        }
        out
    }
}

/// Binary indexed tree over positions `0..n` counting inserted positions (Fenwick 1994);
/// `u32` counts, as a scan holds at most `u32::MAX` points.
struct Fenwick {
    tree: Vec<u32>,
}

impl Fenwick {
    fn new(n: usize) -> Self {
        Fenwick {
            tree: vec![0; n + 1],
        }
    }

    fn add(&mut self, pos: usize) {
        let mut i = pos + 1;
        while i < self.tree.len() {
            self.tree[i] += 1;
            i += i & i.wrapping_neg();
        }
    }

    /// Number of inserted positions `< end`.
    fn prefix(&self, end: usize) -> u32 {
        let (mut i, mut sum) = (end, 0);
        while i > 0 {
            sum += self.tree[i];
            i &= i - 1;
        }
        sum
    }

    /// The `k`-th smallest inserted position (1-based `k`, at most the number inserted).
    fn kth(&self, mut k: u32) -> usize {
        let n = self.tree.len() - 1;
        let mut pos = 0;
        let mut step = if n == 0 { 0 } else { 1 << n.ilog2() };
        while step > 0 {
            if pos + step <= n && self.tree[pos + step] < k {
                pos += step;
                k -= self.tree[pos];
            }
            step >>= 1;
        }
        pos
    }
}

/// SplitMix64 (Steele, Lea & Flood 2014): small, seedable, good enough to sample pairs.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..bound` (Lemire's multiply-shift; the bias of at most `bound / 2⁶⁴` only
    /// affects which pairs get sampled, never the result).
    fn below(&mut self, bound: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(bound)) >> 64) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sorted_pts(raw: &[(f64, f64)]) -> Vec<Pt> {
        let mut pts: Vec<Pt> = raw.iter().map(|&(x, y)| Pt { x, y }).collect();
        pts.sort_by(|a, b| a.x.total_cmp(&b.x).then(a.y.total_cmp(&b.y)));
        pts
    }

    fn naive_slopes(pts: &[Pt]) -> Vec<f64> {
        let mut s = Vec::new();
        for i in 0..pts.len() {
            for j in 0..pts.len() {
                if pts[i].x < pts[j].x {
                    s.push(slope(pts, i, j));
                }
            }
        }
        s.sort_by(f64::total_cmp);
        s
    }

    fn naive_count_at(pts: &[Pt], dy: f64, dx: f64) -> (u64, u64) {
        // Exact comparison of (y_j − y_i)/(x_j − x_i) with dy/dx on small integers.
        let (mut less, mut leq) = (0, 0);
        for i in 0..pts.len() {
            for j in 0..pts.len() {
                if pts[i].x < pts[j].x {
                    let lhs = (pts[j].y - pts[i].y) * dx;
                    let rhs = dy * (pts[j].x - pts[i].x);
                    less += u64::from(lhs < rhs);
                    leq += u64::from(lhs <= rhs);
                }
            }
        }
        (less, leq)
    }

    fn small_points() -> impl Strategy<Value = Vec<(f64, f64)>> {
        prop::collection::vec(((-6i32..6), (-6i32..6)), 0..24).prop_map(|v| {
            v.into_iter()
                .map(|(x, y)| (f64::from(x), f64::from(y)))
                .collect()
        })
    }

    #[test]
    fn exact_sign_sees_what_rounding_hides() {
        // 1e16 + 1 − 1e16 rounds to 0 term by term, but the exact sum is 1.
        assert_eq!(sign_of_sum([1e16, 1.0, -1e16]), Ordering::Greater);
        assert_eq!(sign_of_sum([1e16, -1.0, -1e16]), Ordering::Less);
        assert_eq!(sign_of_sum([0.1, 0.2, -0.1, -0.2]), Ordering::Equal);
        assert_eq!(sign_of_sum::<0>([]), Ordering::Equal);
    }

    #[test]
    fn fenwick_finds_kth_inserted_position() {
        let mut f = Fenwick::new(10);
        for p in [7, 2, 9, 4] {
            f.add(p);
        }
        assert_eq!(f.prefix(5), 2);
        assert_eq!(
            (1..=4).map(|k| f.kth(k)).collect::<Vec<_>>(),
            vec![2, 4, 7, 9]
        );
    }

    proptest! {
        #[test]
        fn counts_at_a_threshold_equal_brute_force(
            raw in small_points(), dy in -7i32..7, dx in 1i32..5,
        ) {
            let pts = sorted_pts(&raw);
            let t = Threshold::Slope { dy: f64::from(dy), dx: f64::from(dx) };
            prop_assert_eq!(count_at(&pts, t), naive_count_at(&pts, f64::from(dy), f64::from(dx)));
        }

        #[test]
        fn every_rank_is_selected_exactly_with_forced_contraction(
            raw in small_points(), budget in 0u64..4, sample in 1usize..6,
        ) {
            // Every rank of every case, through many tiny contraction rounds: keep cases small.
            let pts = sorted_pts(&raw[..raw.len().min(16)]);
            let naive = naive_slopes(&pts);
            prop_assert_eq!(valid_pairs(&pts), naive.len() as u64);
            let params = SelectParams { budget, sample, spread: 1.0, max_rounds: 64 };
            let mut rng = SplitMix64(7);
            let total = naive.len() as u64;
            for k in 1..=total {
                let pair = [k, (k + 1).min(total)];
                let got = select(&pts, pair, total, &params, &mut rng);
                prop_assert_eq!(got, [naive[pair[0] as usize - 1], naive[pair[1] as usize - 1]]);
            }
        }
    }
}
