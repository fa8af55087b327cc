//! k-means clustering of resource profiles with k chosen by the silhouette.
//!
//! * **Lloyd's algorithm** (Lloyd 1982, "Least squares quantization in PCM", *IEEE Trans. Inf.
//!   Theory* 28) from given initial centroids: assign each point to the nearest centroid
//!   (squared Euclidean distance, ties to the lower index), move each centroid to the mean of its
//!   points (an emptied cluster keeps its centroid), until no assignment changes. From the same
//!   initial centroids this is what scikit-learn's `KMeans(init=C, n_init=1, algorithm="lloyd")`
//!   computes, which the oracle tests check.
//! * **k-means++ seeding** (Arthur & Vassilvitskii 2007): the first centroid uniformly, each
//!   next one with probability proportional to the squared distance to the nearest chosen
//!   centroid, from a seeded SplitMix64 stream, so results are deterministic given the seed.
//! * **Silhouette** (Rousseeuw 1987, *J. Comput. Appl. Math.* 20): for point i,
//!   `s = (b − a)/max(a, b)` with `a` the mean distance to its own cluster and `b` the smallest
//!   mean distance to another cluster (0 for singletons); the score is the mean over points
//!   (scikit-learn `silhouette_score`, Euclidean). k is the value in `2..=max_k` with the best
//!   score; below [`MIN_SILHOUETTE`] the data are reported as one cluster (no structure).

/// Best silhouette below this means "no cluster structure" (Kaufman & Rousseeuw 1990 call
/// 0.26–0.50 weak and possibly artificial).
pub const MIN_SILHOUETTE: f64 = 0.5;
/// Iteration cap for Lloyd's algorithm (it converges in far fewer on real data).
pub const MAX_ITERATIONS: usize = 300;
/// The silhouette is O(n²); larger inputs are scored on an evenly strided sample of this size.
pub const SILHOUETTE_SAMPLE: usize = 2_000;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ClusterError {
    #[error("no points to cluster")]
    Empty,
    #[error("points must all have the same, non-zero dimension")]
    Dimension,
    #[error("point {0} has a non-finite coordinate")]
    NonFinite(usize),
    #[error("k = {k} is outside 1..={n}")]
    BadK { k: usize, n: usize },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Clustering {
    pub centroids: Vec<Vec<f64>>,
    pub labels: Vec<usize>,
    pub inertia: f64,
    pub iterations: usize,
}

/// Chosen clustering and its score.
#[derive(Debug, Clone, PartialEq)]
pub struct BestClustering {
    pub clustering: Clustering,
    /// Silhouette of the chosen k (0 when k = 1).
    pub silhouette: f64,
}

fn check(points: &[Vec<f64>]) -> Result<usize, ClusterError> {
    let dim = points.first().ok_or(ClusterError::Empty)?.len();
    if dim == 0 || points.iter().any(|p| p.len() != dim) {
        return Err(ClusterError::Dimension);
    }
    if let Some(i) = points.iter().position(|p| p.iter().any(|v| !v.is_finite())) {
        return Err(ClusterError::NonFinite(i));
    }
    Ok(dim)
}

fn dist2(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

fn nearest(p: &[f64], centroids: &[Vec<f64>]) -> (usize, f64) {
    let mut best = (0, f64::INFINITY);
    for (j, c) in centroids.iter().enumerate() {
        let d = dist2(p, c);
        if d < best.1 {
            best = (j, d);
        }
    }
    best
}

/// Lloyd's algorithm from the given initial centroids.
pub fn kmeans_from(points: &[Vec<f64>], init: &[Vec<f64>]) -> Result<Clustering, ClusterError> {
    let dim = check(points)?;
    if init.is_empty() || init.len() > points.len() {
        return Err(ClusterError::BadK {
            k: init.len(),
            n: points.len(),
        });
    }
    if init.iter().any(|c| c.len() != dim) {
        return Err(ClusterError::Dimension);
    }
    let k = init.len();
    let mut centroids = init.to_vec();
    let mut labels = vec![usize::MAX; points.len()];
    let mut iterations = 0;
    loop {
        let mut changed = false;
        for (i, p) in points.iter().enumerate() {
            let (j, _) = nearest(p, &centroids);
            if labels[i] != j {
                labels[i] = j;
                changed = true;
            }
        }
        if !changed || iterations == MAX_ITERATIONS {
            break;
        }
        iterations += 1;
        let mut sums = vec![vec![0.0; dim]; k];
        let mut counts = vec![0usize; k];
        for (p, &l) in points.iter().zip(&labels) {
            counts[l] += 1;
            for (s, v) in sums[l].iter_mut().zip(p) {
                *s += v;
            }
        }
        for j in 0..k {
            if counts[j] > 0 {
                centroids[j] = sums[j].iter().map(|s| s / counts[j] as f64).collect();
            }
        }
    }
    let inertia = points
        .iter()
        .zip(&labels)
        .map(|(p, &l)| dist2(p, &centroids[l]))
        .sum();
    Ok(Clustering {
        centroids,
        labels,
        inertia,
        iterations,
    })
}

/// SplitMix64 (Steele, Lea & Flood 2014): a tiny, portable, seeded generator.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_f64(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// k-means++ seeding, then Lloyd's algorithm.
pub fn kmeans(points: &[Vec<f64>], k: usize, seed: u64) -> Result<Clustering, ClusterError> {
    check(points)?;
    if k == 0 || k > points.len() {
        return Err(ClusterError::BadK { k, n: points.len() });
    }
    let mut rng = SplitMix64(seed);
    let first = ((rng.next_f64() * points.len() as f64) as usize).min(points.len() - 1);
    let mut centroids = vec![points[first].clone()];
    let mut d2: Vec<f64> = points.iter().map(|p| dist2(p, &centroids[0])).collect();
    while centroids.len() < k {
        let total: f64 = d2.iter().sum();
        let next = if total <= 0.0 {
            // Fewer distinct points than k: take the next point in order.
            centroids.len()
        } else {
            let mut target = rng.next_f64() * total;
            let mut chosen = points.len() - 1;
            for (i, w) in d2.iter().enumerate() {
                if target < *w {
                    chosen = i;
                    break;
                }
                target -= w;
            }
            chosen
        };
        centroids.push(points[next].clone());
        for (d, p) in d2.iter_mut().zip(points) {
            *d = d.min(dist2(p, &points[next]));
        }
    }
    kmeans_from(points, &centroids)
}

/// Mean silhouette (Euclidean) of a labelling; 0 with fewer than 2 clusters.
pub fn silhouette(points: &[Vec<f64>], labels: &[usize]) -> f64 {
    let k = labels.iter().copied().max().map_or(0, |m| m + 1);
    if k < 2 || points.len() < 2 {
        return 0.0;
    }
    let n = points.len();
    let mut total = 0.0;
    for i in 0..n {
        let mut sum = vec![0.0; k];
        let mut count = vec![0usize; k];
        for j in 0..n {
            if i != j {
                sum[labels[j]] += dist2(&points[i], &points[j]).sqrt();
                count[labels[j]] += 1;
            }
        }
        let own = labels[i];
        if count[own] == 0 {
            continue; // a singleton scores 0
        }
        let a = sum[own] / count[own] as f64;
        let b = (0..k)
            .filter(|&c| c != own && count[c] > 0)
            .map(|c| sum[c] / count[c] as f64)
            .fold(f64::INFINITY, f64::min);
        if b.is_finite() {
            total += (b - a) / a.max(b);
        }
    }
    total / n as f64
}

/// Tries k = 2..=max_k and keeps the best silhouette; one cluster when none reaches
/// [`MIN_SILHOUETTE`].
pub fn best_kmeans(
    points: &[Vec<f64>],
    max_k: usize,
    seed: u64,
) -> Result<BestClustering, ClusterError> {
    check(points)?;
    let step = points.len().div_ceil(SILHOUETTE_SAMPLE).max(1);
    let sample: Vec<Vec<f64>> = points.iter().step_by(step).cloned().collect();
    let mut best: Option<BestClustering> = None;
    for k in 2..=max_k.min(points.len().saturating_sub(1)) {
        let c = kmeans(points, k, seed)?;
        let labels: Vec<usize> = c.labels.iter().step_by(step).copied().collect();
        let s = silhouette(&sample, &labels);
        if best.as_ref().is_none_or(|b| s > b.silhouette) {
            best = Some(BestClustering {
                clustering: c,
                silhouette: s,
            });
        }
    }
    match best {
        Some(b) if b.silhouette >= MIN_SILHOUETTE => Ok(b),
        _ => Ok(BestClustering {
            clustering: kmeans(points, 1, seed)?,
            silhouette: 0.0,
        }),
    }
}

/// Scales each coordinate to zero mean and unit variance (constant columns become 0), so that
/// seconds, cores and megabytes weigh alike.
pub fn standardize(points: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let Some(dim) = points.first().map(Vec::len) else {
        return Vec::new();
    };
    let n = points.len() as f64;
    let mut out = points.to_vec();
    for d in 0..dim {
        let mean = points.iter().map(|p| p[d]).sum::<f64>() / n;
        let var = points.iter().map(|p| (p[d] - mean).powi(2)).sum::<f64>() / n;
        let sd = var.sqrt();
        for p in &mut out {
            p[d] = if sd > 0.0 { (p[d] - mean) / sd } else { 0.0 };
        }
    }
    out
}
