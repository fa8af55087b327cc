//! The replay guard of ingestion (see the parent module's docs): which staged records would
//! move a stored execution, and the read-only preview importers show before writing.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use sqlx::{PgPool, Postgres, Transaction};
use types::ingest::{FieldError, ValidBatch};
use uuid::Uuid;

use super::stage;
use crate::DbError;

/// A stored execution that a record would move (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Moved {
    /// The record's index in its batch.
    pub index: usize,
    pub task_id: String,
    pub execution_id: String,
    pub stored_start: DateTime<Utc>,
    pub stored_end: Option<DateTime<Utc>>,
    pub start: DateTime<Utc>,
    pub end: Option<DateTime<Utc>>,
    /// `startTime` or `endTime`: the first time that moved.
    pub field: String,
}

impl Moved {
    /// `2021-03-04T21:06:07.625Z – 2021-03-04T21:06:21.525Z` (`…` for no end).
    pub fn span(start: DateTime<Utc>, end: Option<DateTime<Utc>>) -> String {
        let at = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        format!("{} – {}", at(start), end.map_or_else(|| "…".to_owned(), at))
    }

    pub(super) fn field_error(&self) -> FieldError {
        FieldError::new(
            self.index,
            &self.field,
            format!(
                "execution {:?} of task {:?} is stored as {}; this record puts it at {}, further \
                 than its stored duration: another run under the same keys? Give each run its own \
                 workflowExecutionId and executionIds, or send the record with \"correction\": true \
                 to replace the stored times",
                self.execution_id,
                self.task_id,
                Self::span(self.stored_start, self.stored_end),
                Self::span(self.start, self.end),
            ),
        )
    }
}

type MovedRow = (
    i32,
    String,
    String,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
    String,
    i64,
);

/// The staged records that move a stored execution (at most 100, by index), and how many do.
async fn moved_with_total(
    tx: &mut Transaction<'static, Postgres>,
    exact: bool,
) -> Result<(Vec<Moved>, u64), DbError> {
    let rows: Vec<MovedRow> = sqlx::query_as(include_str!("../sql/ingest_moved.sql"))
        .bind(exact)
        .fetch_all(&mut **tx)
        .await?;
    let total = rows.first().map_or(0, |r| r.8.max(0) as u64);
    let moved = rows
        .into_iter()
        .map(
            |(ord, task_id, execution_id, stored_start, stored_end, start, end, field, _)| Moved {
                index: usize::try_from(ord).unwrap_or_default(),
                task_id,
                execution_id,
                stored_start,
                stored_end,
                start,
                end,
                field,
            },
        )
        .collect();
    Ok((moved, total))
}

pub(super) async fn moved(
    tx: &mut Transaction<'static, Postgres>,
    exact: bool,
) -> Result<Vec<Moved>, DbError> {
    Ok(moved_with_total(tx, exact).await?.0)
}

/// What writing a batch would do to stored executions, read without writing anything.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Preview {
    /// Records equal to their stored execution in every stored field.
    pub unchanged: u64,
    /// Records that would change a stored execution's start or end time at all (the first
    /// 100, by index); records marked `correction` and running stored executions excepted.
    pub moved: Vec<Moved>,
    /// How many records would, in all.
    pub moved_total: u64,
}

/// Compares a batch with what is stored, in one read-only transaction that is rolled back:
/// the exact form of the replay guard (an importer replays a file, whose times must not have
/// changed) and the count of unchanged records. Records of tasks or runs not stored yet are
/// new and not compared.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn preview(pool: &PgPool, batch: &ValidBatch) -> Result<Preview, DbError> {
    if batch.executions.is_empty() {
        return Ok(Preview::default());
    }
    let mut tx = pool.begin().await?;
    let task_keys: BTreeSet<&str> = batch
        .executions
        .iter()
        .map(|r| r.task_id.as_str())
        .collect();
    let task_keys: Vec<&str> = task_keys.into_iter().collect();
    let tasks: HashMap<String, Uuid> = sqlx::query_as::<_, (Uuid, String)>(
        "SELECT id, task_key FROM tasks WHERE task_key = ANY($1)",
    )
    .bind(&task_keys)
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .map(|(id, key)| (key, id))
    .collect();
    if tasks.is_empty() {
        return Ok(Preview::default());
    }
    let runs: BTreeSet<(&str, &str)> = batch
        .executions
        .iter()
        .map(|r| (r.workflow_id.as_str(), r.workflow_execution_id.as_str()))
        .collect();
    let (wf_keys, run_keys): (Vec<&str>, Vec<&str>) = runs.into_iter().unzip();
    let runs: HashMap<(String, String), Uuid> = sqlx::query_as::<_, (Uuid, String, String)>(
        "SELECT we.id, w.workflow_key, we.execution_key
         FROM UNNEST($1::text[], $2::text[]) AS k(w, e)
         JOIN workflows w ON w.workflow_key = k.w
         JOIN workflow_executions we ON we.workflow_id = w.id AND we.execution_key = k.e",
    )
    .bind(&wf_keys)
    .bind(&run_keys)
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .map(|(id, w, e)| ((w, e), id))
    .collect();
    stage(
        &mut tx,
        batch.executions.iter().enumerate().filter_map(|(i, r)| {
            let task = *tasks.get(&r.task_id)?;
            // A record of a run not stored yet still compares with an execution stored under
            // its keys in another run (and differs from it).
            let run = runs
                .get(&(r.workflow_id.clone(), r.workflow_execution_id.clone()))
                .copied()
                .unwrap_or(Uuid::nil());
            Some((i, r, task, run))
        }),
    )
    .await?;
    let (moved, moved_total) = moved_with_total(&mut tx, true).await?;
    let unchanged: i64 = sqlx::query_scalar(include_str!("../sql/ingest_unchanged.sql"))
        .fetch_one(&mut *tx)
        .await?;
    tx.rollback().await?;
    Ok(Preview {
        unchanged: unchanged.max(0) as u64,
        moved,
        moved_total,
    })
}
