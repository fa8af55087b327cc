//! Stored optimisations of a task (`task_optimizations`) and their lifecycle.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use sqlx::types::Json;
use types::{
    ImprovementEstimate, Level, OptimizationRisk, OptimizationStatus, OptimizationType,
    PerformanceBaseline, ProposedChange, StoredOptimization, TaskOptimization, ValidationPlan,
};
use uuid::Uuid;

use crate::DbError;

/// One optimisation to store, ranked.
#[derive(Debug, Clone)]
pub struct NewOptimization {
    pub kind: String,
    pub rank: i32,
    pub score: f64,
    pub summary: String,
    pub evidence: BTreeMap<String, f64>,
    pub optimization: TaskOptimization,
}

/// A stored optimisation.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OptimizationRow {
    pub id: Uuid,
    pub task_key: String,
    pub kind: String,
    pub status: String,
    pub rank: i32,
    pub score: f64,
    pub summary: String,
    pub evidence: Json<BTreeMap<String, f64>>,
    pub optimization_type: Json<OptimizationType>,
    pub current_performance: Json<PerformanceBaseline>,
    pub proposed_changes: Json<Vec<ProposedChange>>,
    pub expected_improvement: Json<ImprovementEstimate>,
    pub implementation_complexity: Option<Json<Level>>,
    pub risks: Option<Json<Vec<OptimizationRisk>>>,
    pub validation_plan: Option<Json<ValidationPlan>>,
    pub created_at: DateTime<Utc>,
    pub status_changed_at: Option<DateTime<Utc>>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub implemented_at: Option<DateTime<Utc>>,
    pub validated_at: Option<DateTime<Utc>>,
    pub rolled_back_at: Option<DateTime<Utc>>,
}

impl From<OptimizationRow> for StoredOptimization {
    fn from(r: OptimizationRow) -> Self {
        StoredOptimization {
            id: r.id.to_string(),
            kind: r.kind,
            status: OptimizationStatus::parse(&r.status).unwrap_or_default(),
            rank: u32::try_from(r.rank).unwrap_or(0),
            score: r.score,
            summary: r.summary,
            evidence: r.evidence.0,
            created_at: r.created_at,
            status_changed_at: r.status_changed_at,
            accepted_at: r.accepted_at,
            implemented_at: r.implemented_at,
            validated_at: r.validated_at,
            rolled_back_at: r.rolled_back_at,
            optimization: TaskOptimization {
                task_id: r.task_key,
                optimization_type: r.optimization_type.0,
                current_performance: r.current_performance.0,
                proposed_changes: r.proposed_changes.0,
                expected_improvement: r.expected_improvement.0,
                implementation_complexity: r
                    .implementation_complexity
                    .map(|j| j.0)
                    .unwrap_or_default(),
                risks: r.risks.map(|j| j.0).unwrap_or_default(),
                validation: r.validation_plan.map(|j| j.0).unwrap_or_default(),
            },
        }
    }
}

const COLUMNS: &str = "o.id, t.task_key, o.kind, o.status, o.rank, o.score, o.summary, o.evidence,
    to_jsonb(o.optimization_type) AS optimization_type, o.current_performance,
    o.proposed_changes, o.expected_improvement,
    to_jsonb(o.implementation_complexity) AS implementation_complexity, o.risks,
    o.validation_plan, o.created_at, o.status_changed_at, o.accepted_at, o.implemented_at,
    o.validated_at, o.rolled_back_at";

/// The task's stored optimisations, by rank (then age).
#[tracing::instrument(level = "debug", skip(pool))]
pub async fn list(pool: &PgPool, task_id: Uuid) -> Result<Vec<OptimizationRow>, DbError> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM task_optimizations o JOIN tasks t ON t.id = o.task_id
         WHERE o.task_id = $1 ORDER BY o.rank, o.created_at, o.id"
    )))
    .bind(task_id)
    .fetch_all(pool)
    .await?)
}

/// One of the task's stored optimisations.
#[tracing::instrument(level = "debug", skip(pool))]
pub async fn find(
    pool: &PgPool,
    task_id: Uuid,
    id: Uuid,
) -> Result<Option<OptimizationRow>, DbError> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM task_optimizations o JOIN tasks t ON t.id = o.task_id
         WHERE o.task_id = $1 AND o.id = $2"
    )))
    .bind(task_id)
    .bind(id)
    .fetch_optional(pool)
    .await?)
}

/// Replaces the task's optimisations still `proposed` with `new`, in one transaction; those
/// accepted or further along are kept. Returns the new rows by rank.
#[tracing::instrument(level = "debug", skip(pool, new))]
pub async fn replace_proposed(
    pool: &PgPool,
    task_id: Uuid,
    new: &[NewOptimization],
) -> Result<Vec<OptimizationRow>, DbError> {
    let mut tx = pool.begin().await?;
    sqlx::query("DELETE FROM task_optimizations WHERE task_id = $1 AND status = 'proposed'")
        .bind(task_id)
        .execute(&mut *tx)
        .await?;
    let mut ids = Vec::with_capacity(new.len());
    for n in new {
        let o = &n.optimization;
        let id: Uuid = sqlx::query_scalar(
            "INSERT INTO task_optimizations (task_id, optimization_type, current_performance,
                 proposed_changes, expected_improvement, implementation_complexity, risks,
                 validation_plan, status, kind, rank, score, summary, evidence)
             VALUES ($1, $2 #>> '{}', $3, $4, $5, $6 #>> '{}', $7, $8, 'proposed', $9, $10, $11,
                 $12, $13)
             RETURNING id",
        )
        .bind(task_id)
        .bind(Json(o.optimization_type))
        .bind(Json(&o.current_performance))
        .bind(Json(&o.proposed_changes))
        .bind(Json(&o.expected_improvement))
        .bind(Json(o.implementation_complexity))
        .bind(Json(&o.risks))
        .bind(Json(&o.validation))
        .bind(&n.kind)
        .bind(n.rank)
        .bind(n.score)
        .bind(&n.summary)
        .bind(Json(&n.evidence))
        .fetch_one(&mut *tx)
        .await?;
        ids.push(id);
    }
    tx.commit().await?;
    let mut rows = list(pool, task_id).await?;
    rows.retain(|r| ids.contains(&r.id));
    Ok(rows)
}

/// Moves the optimisation from `from` to `to`, stamping when; `None` when it is not (or no
/// longer) in `from`, so two concurrent transitions cannot both succeed.
#[tracing::instrument(level = "debug", skip(pool))]
pub async fn transition(
    pool: &PgPool,
    task_id: Uuid,
    id: Uuid,
    from: OptimizationStatus,
    to: OptimizationStatus,
) -> Result<Option<OptimizationRow>, DbError> {
    let updated: Option<Uuid> = sqlx::query_scalar(
        "UPDATE task_optimizations SET status = $4, status_changed_at = now(),
             accepted_at = CASE WHEN $4 = 'accepted' THEN now() ELSE accepted_at END,
             implemented_at = CASE WHEN $4 = 'implemented' THEN now() ELSE implemented_at END,
             validated_at = CASE WHEN $4 = 'validated' THEN now() ELSE validated_at END,
             rolled_back_at = CASE WHEN $4 = 'rolled_back' THEN now() ELSE rolled_back_at END
         WHERE task_id = $1 AND id = $2 AND status = $3
         RETURNING id",
    )
    .bind(task_id)
    .bind(id)
    .bind(from.as_str())
    .bind(to.as_str())
    .fetch_optional(pool)
    .await?;
    match updated {
        Some(id) => find(pool, task_id, id).await,
        None => Ok(None),
    }
}
