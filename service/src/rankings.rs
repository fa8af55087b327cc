//! Questions across tasks: which tasks rank highest by busy time, failure rate, cost, p95
//! duration or executions over a window (from the rollups; cached per named window).

use types::{Rankings, TaskRanking, TimeWindow};

use crate::{ServiceError, Services, Windowed};

/// The ranking metrics and what their value means.
pub const RANKING_METRICS: [(&str, &str); 5] = [
    (
        "performance",
        "busy time in the window (executions × mean duration), ms: the biggest levers",
    ),
    (
        "failure_rate",
        "failed and timed-out executions over all executions",
    ),
    ("cost", "total cost in the window under the cost model"),
    ("duration", "p95 duration of completed runs, ms"),
    ("executions", "executions in the window"),
];

/// The `n` tasks with the largest p95 duration of completed runs, the task page's headline p95
/// (each from its merged sketch of completed runs, within 1 %),
/// without merging every task's sketches: tasks are visited by decreasing upper bound of their
/// p95 (the largest p95 bound of the rollup parts of the window: a quantile of merged parts
/// never exceeds the largest part's order statistic of rank ⌈q (n − 1)⌉), and the search stops
/// once the n-th best value is at least the next bound (with the sketch's α as margin). Exact,
/// not a heuristic: typically about 2n tasks are merged.
async fn top_p95<'a>(
    s: &Services,
    rows: &'a [db::rollups::TaskTotals],
    n: usize,
    window: &TimeWindow,
) -> Result<Vec<(f64, &'a db::rollups::TaskTotals)>, ServiceError> {
    let mut order: Vec<&db::rollups::TaskTotals> =
        rows.iter().filter(|r| r.p95_upper.is_some()).collect();
    order.sort_by(|a, b| {
        b.p95_upper
            .unwrap_or(0.0)
            .total_cmp(&a.p95_upper.unwrap_or(0.0))
    });
    let mut done: Vec<(f64, &db::rollups::TaskTotals)> = Vec::new();
    let mut batch = (2 * n).max(16);
    while done.len() < order.len() {
        let next = &order[done.len()..(done.len() + batch).min(order.len())];
        let ids: Vec<uuid::Uuid> = next.iter().map(|r| r.task_id).collect();
        let sums = db::rollups::summaries(&s.pool, &ids, window).await?;
        for r in next {
            let p95 = sums
                .get(&r.task_id)
                .map_or(0.0, |t| t.statistics(Default::default()).p95_duration);
            done.push((p95, r));
        }
        done.sort_by(|a, b| b.0.total_cmp(&a.0));
        let nth = done.get(n.saturating_sub(1)).map(|d| d.0);
        let bound = order.get(done.len()).and_then(|r| r.p95_upper);
        match (nth, bound) {
            // Bounds are bucket representatives or raw durations: allow for the sketch's α.
            (Some(v), Some(b)) if v >= b * (1.0 + 3.0 * analytics::sketch::RELATIVE_ACCURACY) => {
                break;
            }
            (_, None) => break,
            _ => batch *= 2,
        }
    }
    Ok(done)
}

/// The cache key of a named window's ranking.
pub(crate) fn rankings_key(metric: &str, limit: Option<i64>, label: &str) -> String {
    format!("{metric}|{limit:?}|{label}")
}

/// As [`rankings`] for a named window (`7d`, ...), from [`Services::rankings_cache`]: a ranking
/// younger than [`Services::fresh_for`] its window is served; one up to
/// [`Services::max_stale`] older is served while the background worker recomputes it; a
/// missing one is computed once for every concurrent caller. Explicit windows are always
/// computed.
pub async fn rankings_cached(
    s: &Services,
    metric: &str,
    limit: Option<i64>,
    label: Option<&str>,
    window: TimeWindow,
) -> Result<Windowed<Rankings>, ServiceError> {
    let Some(label) = label.filter(|_| !s.cache_ttl.is_zero()) else {
        return rankings(s, metric, limit, window).await;
    };
    let key = rankings_key(metric, limit, label);
    if let Some(c) = s.rankings_cache.get(&key).await {
        let age = c.at.elapsed();
        let fresh = s.is_fresh(label, age);
        if fresh
            || (age < s.served_for(label)
                && s.refresher.enqueue(crate::refresh::Job::Rankings {
                    metric: metric.to_owned(),
                    limit,
                    label: label.to_owned(),
                }))
        {
            crate::cache_result("rankings", if fresh { "fresh" } else { "stale" });
            return Ok(c.value.clone());
        }
        s.rankings_cache.invalidate(&key).await;
    }
    crate::cache_result("rankings", "miss");
    let cached = s
        .rankings_cache
        .optionally_get_with(key, async {
            rankings(s, metric, limit, window)
                .await
                .ok()
                .map(|r| std::sync::Arc::new(crate::Stamped::now(r)))
        })
        .await;
    match cached {
        Some(r) => Ok(r.value.clone()),
        // Errors are not cached: compute again for this caller's error.
        None => rankings(s, metric, limit, window).await,
    }
}

pub const RANKINGS_DEFAULT_LIMIT: i64 = 20;
pub const RANKINGS_MAX_LIMIT: i64 = 100;

pub async fn rankings(
    s: &Services,
    metric: &str,
    limit: Option<i64>,
    window: TimeWindow,
) -> Result<Windowed<Rankings>, ServiceError> {
    let Some((metric, description)) = RANKING_METRICS.iter().find(|(m, _)| *m == metric) else {
        return Err(ServiceError::invalid(
            "metric",
            "must be one of performance, failure_rate, cost, duration, executions",
        ));
    };
    let n = match limit {
        None => RANKINGS_DEFAULT_LIMIT,
        Some(n) if (1..=RANKINGS_MAX_LIMIT).contains(&n) => n,
        Some(n) => {
            return Err(ServiceError::invalid(
                "limit",
                format!("must be 1..={RANKINGS_MAX_LIMIT}, got {n}"),
            ));
        }
    };
    let rows = if s.read_raw {
        db::workflows::task_aggregates(&s.pool, &window).await?
    } else {
        db::rollups::task_totals(&s.pool, &window).await?
    };
    let mut scored: Vec<(f64, &db::rollups::TaskTotals)> = if *metric == "duration" && !s.read_raw {
        top_p95(s, &rows, n as usize, &window).await?
    } else {
        rows.iter()
            .map(|r| {
                let v = match *metric {
                    "performance" => r.busy_ms,
                    "failure_rate" => types::failure_rate(
                        r.failures.max(0).unsigned_abs(),
                        r.executions.max(0).unsigned_abs(),
                    ),
                    "cost" => analytics::cost::price(&s.cost, r.core_hours, r.gb_hours),
                    // From raw rows the bound is the exact p95.
                    "duration" => r.p95_upper.unwrap_or(0.0),
                    _ => r.executions as f64,
                };
                (v, r)
            })
            .collect()
    };
    scored.sort_by(|a, b| {
        b.0.total_cmp(&a.0)
            .then_with(|| a.1.task_key.cmp(&b.1.task_key))
    });
    let items = scored
        .into_iter()
        .take(n as usize)
        .enumerate()
        .map(|(i, (v, r))| TaskRanking {
            rank: i as u64 + 1,
            task_id: r.task_key.clone(),
            task_name: r.task_name.clone(),
            workflow_id: r.workflow_key.clone(),
            value: v,
            executions: u64::try_from(r.executions).unwrap_or(0),
        })
        .collect();
    Ok(Windowed {
        window,
        data: Rankings {
            metric: (*metric).to_owned(),
            value_description: (*description).to_owned(),
            items,
        },
    })
}
