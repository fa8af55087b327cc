//! Persisted results: the performance cache (task_performance_metrics), detected patterns
//! (task_patterns) and the summary view's refresh.

use std::time::Duration;

use sqlx::PgPool;
use sqlx::types::Json;
use types::{TaskPattern, TaskPerformanceMetrics, TimeWindow};
use uuid::Uuid;

use crate::DbError;

/// A stored result with its age and the window it was computed for.
#[derive(Debug, Clone)]
pub struct CachedPerformance {
    pub age: Duration,
    pub window: TimeWindow,
    pub data: TaskPerformanceMetrics,
}

/// The stored result of a named window, if it is no older than `max_age`.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn cached_performance(
    pool: &PgPool,
    task_id: Uuid,
    window_label: &str,
    max_age: Duration,
) -> Result<Option<CachedPerformance>, DbError> {
    let row: Option<(f64, Json<TimeWindow>, Json<TaskPerformanceMetrics>)> = sqlx::query_as(
        "SELECT extract(epoch FROM clock_timestamp() - calculated_at)::float8,
                metadata->'window', metadata->'result'
         FROM task_performance_metrics
         WHERE task_id = $1 AND window_label = $2
           AND calculated_at > clock_timestamp() - make_interval(secs => $3)",
    )
    .bind(task_id)
    .bind(window_label)
    .bind(max_age.as_secs_f64())
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|(age, w, m)| CachedPerformance {
        age: Duration::from_secs_f64(age.max(0.0)),
        window: w.0,
        data: m.0,
    }))
}

/// How long ago the stored result of a named window was computed, if there is one.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn performance_age(
    pool: &PgPool,
    task_id: Uuid,
    window_label: &str,
) -> Result<Option<Duration>, DbError> {
    let age: Option<f64> = sqlx::query_scalar(
        "SELECT extract(epoch FROM clock_timestamp() - calculated_at)::float8
         FROM task_performance_metrics WHERE task_id = $1 AND window_label = $2",
    )
    .bind(task_id)
    .bind(window_label)
    .fetch_optional(pool)
    .await?;
    Ok(age.map(|a| Duration::from_secs_f64(a.max(0.0))))
}

/// Stores a computed result in the spec's columns (the whole answer also in `metadata`).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn store_performance(
    pool: &PgPool,
    task_id: Uuid,
    window_label: &str,
    window: &TimeWindow,
    m: &TaskPerformanceMetrics,
) -> Result<(), DbError> {
    let metadata = serde_json::json!({ "window": window, "result": m });
    sqlx::query(
        "INSERT INTO task_performance_metrics (task_id, task_name, task_type, execution_stats,
             resource_usage, failure_analysis, dependencies, concurrency_metrics, caching_metrics,
             cost_analysis, metadata, window_label, calculated_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, clock_timestamp(), clock_timestamp())
         ON CONFLICT (task_id, window_label) DO UPDATE SET
             task_name = EXCLUDED.task_name, task_type = EXCLUDED.task_type,
             execution_stats = EXCLUDED.execution_stats, resource_usage = EXCLUDED.resource_usage,
             failure_analysis = EXCLUDED.failure_analysis, dependencies = EXCLUDED.dependencies,
             concurrency_metrics = EXCLUDED.concurrency_metrics, caching_metrics = EXCLUDED.caching_metrics,
             cost_analysis = EXCLUDED.cost_analysis, metadata = EXCLUDED.metadata,
             calculated_at = EXCLUDED.calculated_at, updated_at = EXCLUDED.updated_at",
    )
    .bind(task_id)
    .bind(&m.task_name)
    .bind(m.task_type.as_str())
    .bind(Json(&m.execution_stats))
    .bind(Json(&m.resource_usage))
    .bind(Json(&m.failure_analysis))
    .bind(Json(&m.dependencies))
    .bind(Json(&m.concurrency))
    .bind(Json(&m.caching_metrics))
    .bind(Json(&m.cost_analysis))
    .bind(Json(metadata))
    .bind(window_label)
    .execute(pool)
    .await?;
    Ok(())
}

/// Upserts detected patterns by signature (`{task}:{kind}`): frequency, characteristics and
/// `last_seen` move; `first_detected` stays.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn store_patterns(
    pool: &PgPool,
    task_id: Uuid,
    patterns: &[TaskPattern],
) -> Result<(), DbError> {
    for p in patterns {
        sqlx::query(
            "INSERT INTO task_patterns (pattern_name, pattern_type, pattern_signature, frequency,
                 task_ids, characteristics, impact, recommendations)
             VALUES ($1, $2, $3, $4, ARRAY[$5]::uuid[], $6, $7, $8)
             ON CONFLICT (pattern_signature) DO UPDATE SET
                 pattern_name = EXCLUDED.pattern_name, frequency = EXCLUDED.frequency,
                 characteristics = EXCLUDED.characteristics, impact = EXCLUDED.impact,
                 recommendations = EXCLUDED.recommendations, last_seen = CURRENT_TIMESTAMP",
        )
        .bind(&p.pattern_name)
        .bind(
            serde_json::to_value(p.pattern_type)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned)),
        )
        .bind(&p.id)
        .bind(i32::try_from(p.frequency).unwrap_or(i32::MAX))
        .bind(task_id)
        .bind(Json(&p.characteristics))
        .bind(Json(&p.impact))
        .bind(&p.recommendations)
        .execute(pool)
        .await?;
    }
    Ok(())
}

/// `REFRESH MATERIALIZED VIEW CONCURRENTLY task_performance_summary`: readers are never
/// blocked (the unique index on the view allows it).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn refresh_summary(pool: &PgPool) -> Result<(), DbError> {
    sqlx::query("REFRESH MATERIALIZED VIEW CONCURRENTLY task_performance_summary")
        .execute(pool)
        .await?;
    Ok(())
}
