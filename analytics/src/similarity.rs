//! How similar two tasks are (spec `TaskComparator.identify_similar_tasks`), from a
//! documented, normalised feature vector, with a score per aspect so the total is explained.
//!
//! A task's [`Profile`] over a window holds five aspects. Each pair of tasks gets, per aspect,
//! a normalised distance `d ∈ [0, 1]` and the score `1 − d`; the similarity is the weighted
//! mean of the aspect scores ([`WEIGHTS`]) over the aspects both tasks have (the weights of
//! those renormalised to sum to 1). All scales are fixed, not learned from the population, so
//! a score does not move when unrelated tasks are added.
//!
//! | aspect | features | distance |
//! |---|---|---|
//! | `duration` | `ln` of the 10th, 50th, 90th percentiles of completed-run durations (the caller's estimate; the service fits a log-normal to the window's hourly medians) | mean `|Δ ln q|` ÷ `ln 10`, capped at 1 (10 × at every quantile is as far as it gets) |
//! | `resources` | CPU efficiency (share of allocated cores used), memory peak ÷ allocation, both clamped to [0, 1] | mean `|Δ|` over those both tasks report |
//! | `failures` | failure rate, retry share | mean `|Δ √x|` (the square root spreads the small rates most tasks have; it is the variance-stabilising transform of a proportion) |
//! | `dag_position` | depth (longest upstream chain), fan-in, fan-out | mean `|Δ ln(1 + x)|` ÷ `ln 10`, capped at 1 |
//! | `task_type` | compute, io, network, ... | 0 if equal, else 1 |
//!
//! This is "1 − normalised distance" (an L1 distance per aspect) rather than a cosine: a
//! cosine of raw features is dominated by the largest feature and is blind to scale (a task
//! ten times slower in every respect would be identical), which is what similarity of tasks
//! must not miss.
//!
//! An optimisation validated on one task **transfers** to a similar one when every aspect it
//! depends on ([`depends_on`]) scores at or above the threshold: a cache's value depends on
//! what the task is and how long it runs, a right-sized allocation on the resource profile, a
//! retry policy on the failure profile, a parallelised edge on the DAG position.

use types::TaskType;

/// The aspects, in the order of [`WEIGHTS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Aspect {
    Duration,
    Resources,
    Failures,
    DagPosition,
    TaskType,
}

impl Aspect {
    pub const ALL: [Aspect; 5] = [
        Aspect::Duration,
        Aspect::Resources,
        Aspect::Failures,
        Aspect::DagPosition,
        Aspect::TaskType,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Aspect::Duration => "duration",
            Aspect::Resources => "resources",
            Aspect::Failures => "failures",
            Aspect::DagPosition => "dag_position",
            Aspect::TaskType => "task_type",
        }
    }
}

/// Weights of the aspects: how long a task runs says most about what it does, its resource
/// profile and place in the DAG next, its failures and declared type least (a type is coarse,
/// and failure rates are small and noisy).
pub const WEIGHTS: [f64; 5] = [0.30, 0.20, 0.15, 0.20, 0.15];

/// A task's features over a window (see the module documentation).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Profile {
    pub task_type: TaskType,
    /// 10th, 50th and 90th percentiles of completed-run durations (ms, > 0); `None` without
    /// completed runs.
    pub duration_quantiles: Option<[f64; 3]>,
    pub cpu_efficiency: Option<f64>,
    pub memory_utilization: Option<f64>,
    pub failure_rate: f64,
    pub retry_share: f64,
    pub depth: u32,
    pub fan_in: u32,
    pub fan_out: u32,
}

/// The similarity of two profiles and its parts.
#[derive(Debug, Clone, PartialEq)]
pub struct Similarity {
    /// Weighted mean of the aspect scores, in [0, 1].
    pub score: f64,
    /// `(aspect, score, weight)` for the aspects both tasks have; weights sum to 1.
    pub aspects: Vec<(Aspect, f64, f64)>,
}

impl Similarity {
    pub fn aspect(&self, a: Aspect) -> Option<f64> {
        self.aspects.iter().find(|x| x.0 == a).map(|x| x.1)
    }
}

fn mean(values: impl IntoIterator<Item = f64>) -> Option<f64> {
    let (sum, n) = values
        .into_iter()
        .fold((0.0, 0u32), |(s, n), v| (s + v, n + 1));
    (n > 0).then(|| sum / f64::from(n))
}

/// `|ln a − ln b| / ln 10`, capped at 1.
fn log_distance(a: f64, b: f64) -> f64 {
    ((a.ln() - b.ln()).abs() / std::f64::consts::LN_10).min(1.0)
}

/// Distance of one aspect in [0, 1], `None` when either task lacks it.
fn distance(a: &Profile, b: &Profile, aspect: Aspect) -> Option<f64> {
    match aspect {
        Aspect::Duration => {
            let (qa, qb) = (a.duration_quantiles?, b.duration_quantiles?);
            if qa.iter().chain(&qb).any(|q| !(q.is_finite() && *q > 0.0)) {
                return None;
            }
            mean(qa.iter().zip(&qb).map(|(x, y)| log_distance(*x, *y)))
        }
        Aspect::Resources => {
            let unit = |x: f64| x.clamp(0.0, 1.0);
            let pairs = [
                (a.cpu_efficiency, b.cpu_efficiency),
                (a.memory_utilization, b.memory_utilization),
            ];
            mean(pairs.into_iter().filter_map(|p| match p {
                (Some(x), Some(y)) if x.is_finite() && y.is_finite() => {
                    Some((unit(x) - unit(y)).abs())
                }
                _ => None,
            }))
        }
        Aspect::Failures => {
            let root = |x: f64| x.clamp(0.0, 1.0).sqrt();
            mean([
                (root(a.failure_rate) - root(b.failure_rate)).abs(),
                (root(a.retry_share) - root(b.retry_share)).abs(),
            ])
        }
        Aspect::DagPosition => mean(
            [
                (a.depth, b.depth),
                (a.fan_in, b.fan_in),
                (a.fan_out, b.fan_out),
            ]
            .into_iter()
            .map(|(x, y)| log_distance(1.0 + f64::from(x), 1.0 + f64::from(y))),
        ),
        Aspect::TaskType => Some(if a.task_type == b.task_type { 0.0 } else { 1.0 }),
    }
}

/// How similar `a` and `b` are (see the module documentation). Symmetric.
pub fn similarity(a: &Profile, b: &Profile) -> Similarity {
    let present: Vec<(Aspect, f64, f64)> = Aspect::ALL
        .iter()
        .zip(WEIGHTS)
        .filter_map(|(&aspect, w)| distance(a, b, aspect).map(|d| (aspect, 1.0 - d, w)))
        .collect();
    let total: f64 = present.iter().map(|x| x.2).sum();
    let aspects: Vec<(Aspect, f64, f64)> = present
        .into_iter()
        .map(|(a, s, w)| (a, s, w / total))
        .collect();
    let score = aspects
        .iter()
        .map(|x| x.1 * x.2)
        .sum::<f64>()
        .clamp(0.0, 1.0);
    Similarity { score, aspects }
}

/// The indices of `others` scoring at least `threshold` against `target` (skipping
/// `exclude`, the target's own index), most similar first (ties by index), at most `limit`.
pub fn most_similar(
    target: &Profile,
    others: &[Profile],
    exclude: Option<usize>,
    threshold: f64,
    limit: usize,
) -> Vec<(usize, Similarity)> {
    let mut found: Vec<(usize, Similarity)> = others
        .iter()
        .enumerate()
        .filter(|(i, _)| Some(*i) != exclude)
        .map(|(i, p)| (i, similarity(target, p)))
        .filter(|(_, s)| s.score >= threshold)
        .collect();
    found.sort_by(|a, b| b.1.score.total_cmp(&a.1.score).then(a.0.cmp(&b.0)));
    found.truncate(limit);
    found
}

/// The aspects an optimisation of this kind (`analytics::optimize::Kind::as_str`) depends on;
/// an unknown kind depends on all of them.
pub fn depends_on(kind: &str) -> &'static [Aspect] {
    match kind {
        "parallelisation" => &[Aspect::DagPosition],
        "caching" | "batching" | "algorithm" => &[Aspect::TaskType, Aspect::Duration],
        "fewer_cores" | "more_memory" => &[Aspect::Resources],
        "fewer_retries" | "retry_backoff" => &[Aspect::Failures],
        "concurrency" => &[Aspect::Resources, Aspect::Duration],
        _ => &Aspect::ALL,
    }
}

/// Whether an optimisation of `kind` validated on one of the two tasks carries over to the
/// other, and why: every aspect it depends on scores at least `threshold`.
pub fn transfers(kind: &str, s: &Similarity, threshold: f64) -> (bool, String) {
    let needs = depends_on(kind);
    let mut missing = Vec::new();
    let mut low = Vec::new();
    for &a in needs {
        match s.aspect(a) {
            None => missing.push(a.as_str()),
            Some(x) if x < threshold => low.push(format!("{} {x:.2}", a.as_str())),
            Some(_) => {}
        }
    }
    let names: Vec<&str> = needs.iter().map(|a| a.as_str()).collect();
    if missing.is_empty() && low.is_empty() {
        (
            true,
            format!(
                "{kind} depends on {}, all similar at ≥ {threshold}",
                names.join(", ")
            ),
        )
    } else if !low.is_empty() {
        (
            false,
            format!(
                "{kind} depends on {}; below {threshold}: {}",
                names.join(", "),
                low.join(", ")
            ),
        )
    } else {
        (
            false,
            format!(
                "{kind} depends on {}; not measured for both: {}",
                names.join(", "),
                missing.join(", ")
            ),
        )
    }
}

/// Depth of every node (the longest chain of upstreams; 0 for a root) of a graph of `n` nodes
/// with `(upstream, downstream)` edges, by Kahn's topological order (Kahn 1962, "Topological
/// sorting of large networks", *CACM* 5). Nodes on a cycle, which a workflow DAG never has,
/// keep the depth reached before it.
pub fn depths(n: usize, edges: &[(usize, usize)]) -> Vec<u32> {
    let mut indegree = vec![0u32; n];
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); n];
    for &(u, d) in edges {
        if u < n && d < n && u != d {
            out[u].push(d);
            indegree[d] += 1;
        }
    }
    let mut depth = vec![0u32; n];
    let mut ready: Vec<usize> = (0..n).filter(|&i| indegree[i] == 0).collect();
    while let Some(u) = ready.pop() {
        for &d in &out[u] {
            depth[d] = depth[d].max(depth[u] + 1);
            indegree[d] -= 1;
            if indegree[d] == 0 {
                ready.push(d);
            }
        }
    }
    depth
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tolerances::REL;
    use approx::assert_relative_eq;
    use proptest::prelude::*;

    /// A transform shard of the demo's ETL: 240 s median, 80 % of 4 cores, memory tight.
    fn shard(median_s: f64) -> Profile {
        Profile {
            task_type: TaskType::Compute,
            duration_quantiles: Some([0.65 * median_s * 1e3, median_s * 1e3, 1.5 * median_s * 1e3]),
            cpu_efficiency: Some(0.8),
            memory_utilization: Some(0.95),
            failure_rate: 0.04,
            retry_share: 0.04,
            depth: 1,
            fan_in: 1,
            fan_out: 1,
        }
    }

    #[test]
    fn identical_profiles_score_one_on_every_aspect() {
        let s = similarity(&shard(240.0), &shard(240.0));
        assert_eq!(s.score, 1.0);
        assert_eq!(s.aspects.len(), 5);
        assert_relative_eq!(
            s.aspects.iter().map(|a| a.2).sum::<f64>(),
            1.0,
            max_relative = REL
        );
    }

    #[test]
    fn a_hand_worked_pair_scores_as_the_formula_says() {
        // Durations 1.3 × at every quantile: d = ln 1.3 / ln 10 = 0.113943, score 0.886057.
        // Resources: CPU 0.8 vs 0.5, memory 0.95 vs 0.75: d = (0.3 + 0.2)/2 = 0.25.
        // Failures: √0.04 = 0.2 vs √0.16 = 0.4 twice: d = 0.2.
        // DAG: depth 1 vs 3 → |ln 2 − ln 4|/ln 10 = 0.301030; fan-in 1 vs 1 → 0;
        //   fan-out 1 vs 0 → ln 2/ln 10 = 0.301030; d = 0.200687.
        // Type: io vs compute → d = 1.
        // Score = 0.30·0.886057 + 0.20·0.75 + 0.15·0.8 + 0.20·0.799313 + 0.15·0
        //       = 0.265817 + 0.15 + 0.12 + 0.159863 = 0.695680.
        let a = shard(240.0);
        let b = Profile {
            task_type: TaskType::Io,
            duration_quantiles: a.duration_quantiles.map(|q| q.map(|x| 1.3 * x)),
            cpu_efficiency: Some(0.5),
            memory_utilization: Some(0.75),
            failure_rate: 0.16,
            retry_share: 0.16,
            depth: 3,
            fan_in: 1,
            fan_out: 0,
        };
        let s = similarity(&a, &b);
        let d_dur = 1.3_f64.ln() / std::f64::consts::LN_10;
        let d_dag = 2.0 * 2.0_f64.ln() / std::f64::consts::LN_10 / 3.0;
        assert_relative_eq!(
            s.aspect(Aspect::Duration).unwrap(),
            1.0 - d_dur,
            max_relative = 1e-12
        );
        assert_relative_eq!(
            s.aspect(Aspect::Resources).unwrap(),
            0.75,
            max_relative = 1e-12
        );
        assert_relative_eq!(
            s.aspect(Aspect::Failures).unwrap(),
            0.8,
            max_relative = 1e-12
        );
        assert_relative_eq!(
            s.aspect(Aspect::DagPosition).unwrap(),
            1.0 - d_dag,
            max_relative = 1e-12
        );
        assert_eq!(s.aspect(Aspect::TaskType), Some(0.0));
        let want = 0.30 * (1.0 - d_dur) + 0.20 * 0.75 + 0.15 * 0.8 + 0.20 * (1.0 - d_dag);
        assert_relative_eq!(s.score, want, max_relative = 1e-12);
        assert!((s.score - 0.695680).abs() < 1e-6);
        // Symmetric.
        assert_relative_eq!(similarity(&b, &a).score, s.score, max_relative = REL);
    }

    #[test]
    fn a_missing_aspect_is_left_out_and_the_weights_renormalised() {
        let mut a = shard(240.0);
        a.cpu_efficiency = None;
        a.memory_utilization = None;
        let s = similarity(&a, &shard(240.0));
        assert_eq!(s.aspect(Aspect::Resources), None);
        assert_eq!(s.aspects.len(), 4);
        assert_relative_eq!(s.aspects[0].2, 0.30 / 0.80, max_relative = REL);
        assert_eq!(s.score, 1.0);
    }

    #[test]
    fn shards_rank_above_a_slower_straggler_shard_and_the_other_tasks() {
        let report = Profile {
            duration_quantiles: Some([15e3, 20e3, 27e3]),
            cpu_efficiency: Some(0.8),
            memory_utilization: Some(0.6),
            failure_rate: 0.0,
            retry_share: 0.0,
            depth: 3,
            fan_out: 0,
            ..shard(20.0)
        };
        let others = vec![shard(240.0), shard(250.0), shard(330.0), report];
        let found = most_similar(&others[0], &others, Some(0), 0.0, 10);
        let order: Vec<usize> = found.iter().map(|f| f.0).collect();
        assert_eq!(order, [1, 2, 3]);
        assert!(found[2].1.score < 0.7, "{:?}", found[2]);
        assert_eq!(most_similar(&others[0], &others, Some(0), 0.9, 10).len(), 2);
        assert_eq!(most_similar(&others[0], &others, Some(0), 0.0, 1).len(), 1);
    }

    #[test]
    fn an_optimisation_transfers_when_the_aspects_it_depends_on_are_similar() {
        let a = shard(240.0);
        let mut b = shard(240.0);
        b.cpu_efficiency = Some(0.1);
        let s = similarity(&a, &b);
        assert!(transfers("caching", &s, 0.7).0);
        let (ok, why) = transfers("fewer_cores", &s, 0.7);
        assert!(!ok && why.contains("resources"), "{why}");
        assert!(transfers("retry_backoff", &s, 0.7).0);
    }

    #[test]
    fn depths_are_the_longest_upstream_chains() {
        // 0 → 1 → 3, 0 → 2 → 3, 3 → 4, and 0 → 4 directly: 4 sits at depth 3, not 1.
        let d = depths(6, &[(0, 1), (0, 2), (1, 3), (2, 3), (3, 4), (0, 4)]);
        assert_eq!(d, [0, 1, 1, 2, 3, 0]);
    }

    proptest! {
        #[test]
        fn scores_are_in_the_unit_interval_and_symmetric(
            q in prop::array::uniform3(1.0f64..1e7), r in prop::array::uniform3(1.0f64..1e7),
            c in 0.0f64..2.0, f in 0.0f64..1.0, depth in 0u32..20, fan in 0u32..50,
        ) {
            let a = Profile { duration_quantiles: Some(q), cpu_efficiency: Some(c), failure_rate: f,
                depth, fan_in: fan, ..Profile::default() };
            let b = Profile { duration_quantiles: Some(r), memory_utilization: Some(0.5),
                fan_out: fan, ..Profile::default() };
            let s = similarity(&a, &b);
            prop_assert!((0.0..=1.0).contains(&s.score));
            prop_assert!((s.score - similarity(&b, &a).score).abs() < 1e-12);
        }
    }
}
