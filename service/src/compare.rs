//! Task comparison and similar tasks (issue #15).
//!
//! * [`compare_tasks`] (`POST /tasks/compare`): 2 to 10 tasks, the first the baseline, over
//!   one window. Window figures from the rollups ([`db::rollups::summaries`]: every execution
//!   of the window), the significance tests on each task's latest [`SAMPLE_CAP`] executions
//!   of the window (one statement for all tasks, [`db::comparison::latest_samples`]; the
//!   answer's `basis` says how many were read of how many), [`analytics::compare`] for the
//!   figures, tests, insights and recommendations, and each task's similarity to the
//!   baseline as `/similar` scores it.
//! * [`similar_tasks`] (`GET /tasks/{task_id}/similar`): every task's profile over the
//!   window's whole hours from the hourly rollups in one statement
//!   ([`db::comparison::profiles`]), DAG positions from the edges, scored by
//!   [`analytics::similarity`]; validated optimisations of the task and of each similar one
//!   with whether they transfer.

use std::collections::{HashMap, HashSet};

use analytics::similarity::{self, Profile, Similarity};
use types::{
    AspectScore, CompareRequest, ComparisonAnalysis, ComparisonBasis, OptimizationTransfer,
    SimilarTask, SimilarTasks, TaskComparison, TaskIdentifier, TaskProfileFeatures,
    TimeRangePreset, TimeWindow,
};
use uuid::Uuid;

use crate::{ServiceError, Services, WindowParams, resolve_window};

/// Tasks a comparison takes, at least and at most.
pub const MIN_COMPARED: usize = 2;
pub const MAX_COMPARED: usize = 10;
/// Executions per task the significance tests read (the latest of the window): enough for a
/// Mann-Whitney test to see a 5 % shift of a log-normal duration (σ 0.3) at p < 0.001, and
/// bounded so ten tasks of a busy month stay within the latency target.
pub const SAMPLE_CAP: i64 = 5_000;
/// Similar tasks listed by default and at most.
pub const DEFAULT_SIMILAR_LIMIT: usize = 20;
pub const MAX_SIMILAR_LIMIT: usize = 200;
/// Similarity threshold by default (the spec's 0.7).
pub const DEFAULT_THRESHOLD: f64 = 0.7;

/// How a similarity score is computed, as the answer states it.
pub const SIMILARITY_METHOD: &str = "score = Σ w·(1 − d) over the aspects both tasks have \
    (weights renormalised): duration 0.30 (d = mean |Δ ln q| / ln 10 over the 10th, 50th and \
    90th percentiles of a log-normal fitted to the hourly medians of completed-run durations, \
    capped at 1), resources \
    0.20 (mean |Δ| of CPU efficiency and memory peak/allocated, each in [0, 1]), failures 0.15 \
    (mean |Δ √x| of failure rate and retry share), dag_position 0.20 (mean |Δ ln(1 + x)| / ln 10 \
    of depth, fan-in and fan-out, capped at 1), task_type 0.15 (0 if equal, else 1)";

/// The 90th percentile of the standard normal: a log-normal's 10th and 90th percentiles are
/// `exp(μ ∓ z₀.₉ σ)`.
const Z90: f64 = 1.281_551_565_544_600_4;

fn window_of(p: &WindowParams, default: TimeRangePreset) -> Result<TimeWindow, ServiceError> {
    // Name the body's or query's own field.
    resolve_window(p, default, chrono::Utc::now()).map_err(|e| match e {
        ServiceError::Invalid { param, message } if param == "time_range" => {
            ServiceError::invalid("timeRange", message)
        }
        e => e,
    })
}

/// Compares the request's tasks with its first (see the module documentation).
pub async fn compare_tasks(
    s: &Services,
    req: CompareRequest,
) -> Result<TaskComparison, ServiceError> {
    let keys = &req.task_ids;
    if !(MIN_COMPARED..=MAX_COMPARED).contains(&keys.len()) {
        return Err(ServiceError::invalid(
            "taskIds",
            format!(
                "must list {MIN_COMPARED} to {MAX_COMPARED} task keys, the first the baseline; \
                 got {}",
                keys.len()
            ),
        ));
    }
    for (i, k) in keys.iter().enumerate() {
        types::TaskKey::parse(k)
            .map_err(|e| ServiceError::invalid(&format!("taskIds[{i}]"), e.to_string()))?;
        if let Some(j) = keys[..i].iter().position(|o| o == k) {
            return Err(ServiceError::invalid(
                &format!("taskIds[{i}]"),
                format!("repeats taskIds[{j}] ({k:?}); list each task once"),
            ));
        }
    }
    let window = window_of(
        &WindowParams {
            time_range: req.time_range.clone(),
            from: req.from.clone(),
            to: req.to.clone(),
        },
        TimeRangePreset::Month,
    )?;
    let mut tasks = Vec::with_capacity(keys.len());
    for k in keys {
        tasks.push(crate::tasks::find(s, k).await?);
    }
    let ids: Vec<Uuid> = tasks.iter().map(|t| t.id).collect();
    let (mut summaries, mut samples, profiles, edges) = tokio::try_join!(
        db::rollups::summaries(&s.pool, &ids, &window),
        db::comparison::latest_samples(&s.pool, &ids, &window, SAMPLE_CAP),
        db::comparison::profiles(&s.pool, &window, Some(&ids)),
        db::comparison::all_edges(&s.pool),
    )?;
    let inputs: Vec<analytics::compare::TaskInput> = tasks
        .iter()
        .map(|t| analytics::compare::TaskInput {
            key: t.task_key.clone(),
            summary: summaries.remove(&t.id).unwrap_or_default(),
            sample: samples.remove(&t.id).unwrap_or_default(),
        })
        .collect();
    let basis: Vec<ComparisonBasis> = inputs
        .iter()
        .map(|t| {
            let read = t.sample.len() as u64;
            ComparisonBasis {
                task_id: t.key.clone(),
                executions_in_window: t.summary.executions,
                completed_in_window: t.summary.completed,
                executions_read: read,
                completed_read: t
                    .sample
                    .iter()
                    .filter(|e| e.status == types::ExecutionStatus::Completed)
                    .count() as u64,
                capped: t.summary.executions > read,
            }
        })
        .collect();
    if let Some(empty) = basis.iter().find(|b| b.executions_in_window == 0) {
        return Err(ServiceError::invalid(
            "timeRange",
            format!("task {:?} has no executions in the window", empty.task_id),
        ));
    }
    let profiled = profiles_with_positions(profiles, &edges);
    let by_id: HashMap<Uuid, &(db::comparison::ProfileRow, Profile)> =
        profiled.iter().map(|p| (p.0.task_id, p)).collect();
    let similarity: std::collections::BTreeMap<String, f64> = tasks[1..]
        .iter()
        .filter_map(|t| {
            let (a, b) = (by_id.get(&ids[0])?, by_id.get(&t.id)?);
            Some((t.task_key.clone(), similarity::similarity(&a.1, &b.1).score))
        })
        .collect();
    let model = s.cost.clone();
    let c = crate::tasks::compute(move || analytics::compare::compare(&inputs, &model)).await?;
    let ident = |t: &db::executions::TaskRef| TaskIdentifier {
        task_id: t.task_key.clone(),
        task_name: t.task_name.clone(),
        workflow_id: Some(t.workflow_key.clone()),
    };
    Ok(TaskComparison {
        baseline_task: ident(&tasks[0]),
        comparison_tasks: tasks[1..].iter().map(ident).collect(),
        window: Some(window),
        basis,
        metrics: c.metrics,
        analysis: ComparisonAnalysis {
            similarity,
            summary: c.summary,
        },
        insights: c.insights,
        recommendations: c.recommendations,
        currency: s.cost.currency.clone(),
    })
}

/// Every profiled task of a window: rows and profiles in the same order.
#[derive(Debug)]
struct ProfileSet {
    window: TimeWindow,
    rows: Vec<db::comparison::ProfileRow>,
    profiles: Vec<Profile>,
}

/// Profile sets of named windows by database and label, with when they were computed.
/// Process-wide rather than a [`Services`] field so that the shared struct stays as it is; the
/// database's address is part of the key, so two pools never share an entry.
static PROFILE_SETS: std::sync::LazyLock<
    moka::future::Cache<String, std::sync::Arc<crate::Stamped<std::sync::Arc<ProfileSet>>>>,
> = std::sync::LazyLock::new(|| {
    moka::future::Cache::builder()
        .max_capacity(64)
        // The longest freshness (0.1 % of 90 days); `Services::is_fresh` decides per request.
        .time_to_live(std::time::Duration::from_secs(90 * 86_400 / 1000 + 3_600))
        .build()
});

/// Every task's profile over the window: for a named window (`label`) the set computed within
/// its freshness ([`Services::fresh_for`]: 43 min for 30 days), else computed now (one
/// statement over the hourly rollups and one over the edges). The similarity of 5,000 tasks
/// is then a pass over 5,000 small vectors.
async fn profile_set(
    s: &Services,
    label: Option<&str>,
    window: TimeWindow,
) -> Result<std::sync::Arc<ProfileSet>, ServiceError> {
    let key = label.map(|l| {
        let o = s.pool.connect_options();
        format!(
            "{}:{}/{}|{l}",
            o.get_host(),
            o.get_port(),
            o.get_database().unwrap_or_default()
        )
    });
    if let (Some(k), Some(l)) = (&key, label)
        && let Some(hit) = PROFILE_SETS.get(k).await
        && s.is_fresh(l, hit.at.elapsed())
    {
        crate::cache_result("similarity_profiles", "fresh");
        return Ok(hit.value.clone());
    }
    let (rows, edges) = tokio::try_join!(
        db::comparison::profiles(&s.pool, &window, None),
        db::comparison::all_edges(&s.pool),
    )?;
    let set = crate::tasks::compute(move || {
        let (rows, profiles) = profiles_with_positions(rows, &edges).into_iter().unzip();
        std::sync::Arc::new(ProfileSet {
            window,
            rows,
            profiles,
        })
    })
    .await?;
    if let Some(k) = key {
        crate::cache_result("similarity_profiles", "miss");
        PROFILE_SETS
            .insert(k, std::sync::Arc::new(crate::Stamped::now(set.clone())))
            .await;
    }
    Ok(set)
}

/// Profiles with their DAG positions (depth over every workflow's edges, fan-in, fan-out).
fn profiles_with_positions(
    rows: Vec<db::comparison::ProfileRow>,
    edges: &[(Uuid, Uuid)],
) -> Vec<(db::comparison::ProfileRow, Profile)> {
    let mut index: HashMap<Uuid, usize> = HashMap::new();
    let mut node = |id: Uuid| {
        let n = index.len();
        *index.entry(id).or_insert(n)
    };
    let pairs: Vec<(usize, usize)> = edges.iter().map(|&(u, d)| (node(u), node(d))).collect();
    let depths = similarity::depths(index.len(), &pairs);
    let (mut fan_in, mut fan_out) = (vec![0u32; index.len()], vec![0u32; index.len()]);
    for &(u, d) in &pairs {
        fan_out[u] += 1;
        fan_in[d] += 1;
    }
    rows.into_iter()
        .map(|r| {
            let at = index.get(&r.task_id).copied();
            let pos = |v: &[u32]| at.map_or(0, |i| v[i]);
            let execs = r.executions.max(0) as f64;
            let share = |x: i64| if execs > 0.0 { x as f64 / execs } else { 0.0 };
            let p = Profile {
                task_type: r.task_type,
                duration_quantiles: r
                    .log_median_mean
                    .map(|m| [-Z90, 0.0, Z90].map(|z| (m + z * r.log_median_sd).exp())),
                cpu_efficiency: (r.cpu_share_n > 0).then(|| r.cpu_share_sum / r.cpu_share_n as f64),
                memory_utilization: match (r.memory_peak, r.memory_allocated) {
                    (Some(p), Some(a)) if a > 0.0 => Some(p / a),
                    _ => None,
                },
                failure_rate: share(r.failures),
                retry_share: share(r.retried),
                depth: pos(&depths),
                fan_in: pos(&fan_in),
                fan_out: pos(&fan_out),
            };
            (r, p)
        })
        .collect()
}

fn features(r: &db::comparison::ProfileRow, p: &Profile) -> TaskProfileFeatures {
    TaskProfileFeatures {
        task_type: p.task_type,
        duration_quantiles_ms: p.duration_quantiles,
        cpu_efficiency: p.cpu_efficiency,
        memory_utilization: p.memory_utilization,
        failure_rate: p.failure_rate,
        retry_share: p.retry_share,
        depth: p.depth,
        fan_in: p.fan_in,
        fan_out: p.fan_out,
        executions: u64::try_from(r.executions).unwrap_or(0),
    }
}

fn identifier(r: &db::comparison::ProfileRow) -> TaskIdentifier {
    TaskIdentifier {
        task_id: r.task_key.clone(),
        task_name: r.task_name.clone(),
        workflow_id: Some(r.workflow_key.clone()),
    }
}

/// The request of [`similar_tasks`].
#[derive(Debug, Clone, Default)]
pub struct SimilarQuery {
    /// In [0, 1] (default 0.7).
    pub threshold: Option<f64>,
    /// 1 to [`MAX_SIMILAR_LIMIT`] (default [`DEFAULT_SIMILAR_LIMIT`]).
    pub limit: Option<usize>,
    pub window: WindowParams,
}

/// Tasks similar to `key` over the window (default 30 days; see the module documentation).
pub async fn similar_tasks(
    s: &Services,
    key: &str,
    q: SimilarQuery,
) -> Result<SimilarTasks, ServiceError> {
    let threshold = q.threshold.unwrap_or(DEFAULT_THRESHOLD);
    if !(0.0..=1.0).contains(&threshold) {
        return Err(ServiceError::invalid("threshold", "must be in [0, 1]"));
    }
    let limit = q.limit.unwrap_or(DEFAULT_SIMILAR_LIMIT);
    if !(1..=MAX_SIMILAR_LIMIT).contains(&limit) {
        return Err(ServiceError::invalid(
            "limit",
            format!("must be 1 to {MAX_SIMILAR_LIMIT}"),
        ));
    }
    let window = resolve_window(&q.window, TimeRangePreset::Month, chrono::Utc::now())?;
    let task = crate::tasks::find(s, key).await?;
    let set = profile_set(s, q.window.label(TimeRangePreset::Month), window).await?;
    let Some(at) = set.rows.iter().position(|r| r.task_id == task.id) else {
        return Err(ServiceError::invalid(
            "time_range",
            format!("task {key:?} has no executions in the window's whole hours to profile"),
        ));
    };
    let found =
        similarity::most_similar(&set.profiles[at], &set.profiles, Some(at), threshold, limit);
    let (me, my_profile) = (&set.rows[at], &set.profiles[at]);
    let mut ids: Vec<Uuid> = found.iter().map(|(i, _)| set.rows[*i].task_id).collect();
    ids.push(me.task_id);
    let validated = db::comparison::validated_optimizations(&s.pool, &ids).await?;
    let similar = found
        .into_iter()
        .map(|(i, sim)| {
            let (other, profile) = (&set.rows[i], &set.profiles[i]);
            let pair: HashSet<Uuid> = [me.task_id, other.task_id].into();
            let transfer = validated
                .iter()
                .filter(|v| pair.contains(&v.task_id))
                .map(|v| {
                    let (from, to) = if v.task_id == me.task_id {
                        (me, other)
                    } else {
                        (other, me)
                    };
                    let (transfers, reason) = similarity::transfers(&v.kind, &sim, threshold);
                    OptimizationTransfer {
                        optimization_id: v.id.to_string(),
                        kind: v.kind.clone(),
                        summary: v.summary.clone(),
                        from_task: from.task_key.clone(),
                        to_task: to.task_key.clone(),
                        transfers,
                        reason,
                    }
                })
                .collect();
            similar_task(other, profile, &sim, threshold, transfer)
        })
        .collect();
    Ok(SimilarTasks {
        task: identifier(me),
        window: Some(set.window),
        threshold,
        tasks_scored: set.rows.len().saturating_sub(1) as u64,
        method: SIMILARITY_METHOD.to_owned(),
        profile: features(me, my_profile),
        similar,
    })
}

fn similar_task(
    other: &db::comparison::ProfileRow,
    profile: &Profile,
    sim: &Similarity,
    threshold: f64,
    optimization_transfer: Vec<OptimizationTransfer>,
) -> SimilarTask {
    SimilarTask {
        task: identifier(other),
        similarity_score: sim.score,
        similar_aspects: sim
            .aspects
            .iter()
            .filter(|a| a.1 >= threshold)
            .map(|a| a.0.as_str().to_owned())
            .collect(),
        aspects: sim
            .aspects
            .iter()
            .map(|&(a, score, weight)| AspectScore {
                aspect: a.as_str().to_owned(),
                score,
                weight,
            })
            .collect(),
        profile: features(other, profile),
        optimization_transfer,
    }
}
