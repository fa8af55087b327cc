//! Bulk ingestion of validated batches: one transaction per batch, array-bound statements
//! (`UNNEST`) instead of row-by-row inserts, the touched hours' rollups recomputed in the same
//! transaction (by the triggers of `migrations/*_rollups.sql`), and a NOTIFY naming the task
//! keys touched.
//!
//! A replay guard keeps one run from overwriting another: a record whose (taskId, executionId)
//! is stored, but whose times lie further from the stored ones than the stored duration, is far
//! more likely another run under reused keys (a file name taken as the run key, a restarted
//! counter) than the same execution re-measured. Such a batch is refused whole
//! ([`DbError::Conflict`], nothing written) unless the record says `correction: true`. A stored
//! execution without an end time (running) may complete without limit. [`preview`] applies the
//! exact form of the rule (any change of time) for importers, and counts unchanged records.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use sqlx::{PgPool, Postgres, Transaction};
use types::ExecutionStatus;
use types::ingest::{ExecutionRecord, FieldError, IngestResponse, ValidBatch};
use uuid::Uuid;

use crate::DbError;

mod replay;

use replay::moved;
pub use replay::{Moved, Preview, preview};

/// Channel of the per-transaction notification. Payload (keys and ids, never rows):
/// `{"tasks": [task keys], "workflows": [workflow keys], "executions": [execution row ids],
/// "truncated": bool, "executionsTruncated": bool}`, where `executions` holds, per task in
/// `tasks` order, the id of its latest execution in the batch (by start) and, when another, of
/// its latest failed one. Kept under PostgreSQL's 8000-byte limit: `truncated` says task or
/// workflow keys were left out, `executionsTruncated` that some tasks' ids were.
pub const INGEST_CHANNEL: &str = "tasklens_ingest";
/// Postgres refuses NOTIFY payloads of 8000 bytes or more.
const MAX_NOTIFY_PAYLOAD: usize = 7_900;

/// Writes a batch atomically. Fails with [`DbError::Invalid`] (nothing written) when a record
/// conflicts with what is stored: a task already registered under another workflow, or a
/// dependency naming a task that does not exist; with [`DbError::Conflict`] when a record would
/// move a stored execution (see the module docs).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn ingest_batch(pool: &PgPool, batch: &ValidBatch) -> Result<IngestResponse, DbError> {
    let mut tx = pool.begin().await?;
    let resp = write_batch(&mut tx, batch).await?;
    tx.commit().await?;
    Ok(resp)
}

/// As [`ingest_batch`] inside a caller's transaction (importers load a whole file in one).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn write_batch(
    tx: &mut Transaction<'static, Postgres>,
    batch: &ValidBatch,
) -> Result<IngestResponse, DbError> {
    write_batch_with(tx, batch, Notify::Yes).await
}

/// Whether a write sends its NOTIFY.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notify {
    Yes,
    /// Only for the benchmark that measures what the NOTIFY costs (`db/benches/notify.rs`):
    /// without it no replica hears of the write.
    No,
}

/// As [`write_batch`], choosing whether to NOTIFY.
pub async fn write_batch_with(
    tx: &mut Transaction<'static, Postgres>,
    batch: &ValidBatch,
    notify_listeners: Notify,
) -> Result<IngestResponse, DbError> {
    let workflows = upsert_workflows(tx, batch).await?;
    let tasks = upsert_tasks(tx, batch, &workflows).await?;
    let runs = upsert_workflow_executions(tx, batch, &workflows).await?;
    let (inserted, updated, ids) = upsert_executions(tx, batch, &workflows, &tasks, &runs).await?;
    let dependencies = upsert_dependencies(tx, batch, &workflows).await?;
    if notify_listeners == Notify::Yes {
        notify(tx, batch, &tasks, &ids).await?;
    }
    Ok(IngestResponse {
        accepted: batch.executions.len() as u64,
        inserted,
        updated,
        dependencies,
    })
}

async fn upsert_workflows(
    tx: &mut Transaction<'static, Postgres>,
    batch: &ValidBatch,
) -> Result<HashMap<String, Uuid>, DbError> {
    let mut names: BTreeMap<&str, Option<&str>> = BTreeMap::new();
    for r in &batch.executions {
        let e = names.entry(&r.workflow_id).or_default();
        if r.workflow_name.is_some() {
            *e = r.workflow_name.as_deref();
        }
    }
    for d in &batch.dependencies {
        names.entry(&d.workflow_id).or_default();
    }
    let (keys, names): (Vec<&str>, Vec<Option<&str>>) = names.into_iter().unzip();
    sqlx::query(
        "INSERT INTO workflows (workflow_key, workflow_name)
         SELECT * FROM UNNEST($1::text[], $2::text[])
         ON CONFLICT (workflow_key) DO UPDATE SET workflow_name = EXCLUDED.workflow_name,
                                                  updated_at = CURRENT_TIMESTAMP
         WHERE EXCLUDED.workflow_name IS NOT NULL
           AND workflows.workflow_name IS DISTINCT FROM EXCLUDED.workflow_name",
    )
    .bind(&keys)
    .bind(&names)
    .execute(&mut **tx)
    .await?;
    let rows: Vec<(Uuid, String)> =
        sqlx::query_as("SELECT id, workflow_key FROM workflows WHERE workflow_key = ANY($1)")
            .bind(&keys)
            .fetch_all(&mut **tx)
            .await?;
    Ok(rows.into_iter().map(|(id, k)| (k, id)).collect())
}

/// Task keys → (task id, workflow id).
async fn upsert_tasks(
    tx: &mut Transaction<'static, Postgres>,
    batch: &ValidBatch,
    workflows: &HashMap<String, Uuid>,
) -> Result<HashMap<String, Uuid>, DbError> {
    // Last record wins for name and type, as a later request would.
    let mut tasks: BTreeMap<&str, (Uuid, &str, &str)> = BTreeMap::new();
    for r in &batch.executions {
        tasks.insert(
            &r.task_id,
            (
                workflows[&r.workflow_id],
                &r.task_name,
                r.task_type.as_str(),
            ),
        );
    }
    if tasks.is_empty() {
        return Ok(HashMap::new());
    }
    let keys: Vec<&str> = tasks.keys().copied().collect();
    let wf: Vec<Uuid> = tasks.values().map(|t| t.0).collect();
    let names: Vec<&str> = tasks.values().map(|t| t.1).collect();
    let kinds: Vec<&str> = tasks.values().map(|t| t.2).collect();
    sqlx::query(
        "INSERT INTO tasks (task_key, workflow_id, task_name, task_type)
         SELECT * FROM UNNEST($1::text[], $2::uuid[], $3::text[], $4::text[])
         ON CONFLICT (task_key) DO UPDATE SET task_name = EXCLUDED.task_name,
                                              task_type = EXCLUDED.task_type,
                                              updated_at = CURRENT_TIMESTAMP
         WHERE (tasks.task_name, tasks.task_type) IS DISTINCT FROM (EXCLUDED.task_name, EXCLUDED.task_type)",
    )
    .bind(&keys)
    .bind(&wf)
    .bind(&names)
    .bind(&kinds)
    .execute(&mut **tx)
    .await?;
    let rows: Vec<(Uuid, String, Uuid, String)> = sqlx::query_as(
        "SELECT t.id, t.task_key, t.workflow_id, w.workflow_key
         FROM tasks t JOIN workflows w ON w.id = t.workflow_id WHERE t.task_key = ANY($1)",
    )
    .bind(&keys)
    .fetch_all(&mut **tx)
    .await?;
    let mut errors = Vec::new();
    let mut ids = HashMap::with_capacity(rows.len());
    for (id, key, wf_id, wf_key) in rows {
        if tasks[key.as_str()].0 != wf_id
            && let Some(i) = batch.executions.iter().position(|r| r.task_id == key)
        {
            errors.push(FieldError::new(
                i,
                "workflowId",
                format!("task {key:?} is registered under workflow {wf_key:?}"),
            ));
        }
        ids.insert(key, id);
    }
    if errors.is_empty() {
        Ok(ids)
    } else {
        Err(DbError::Invalid(errors))
    }
}

/// (task id, execution key) → execution row id, of the rows a batch wrote.
type ExecutionIds = HashMap<(Uuid, String), Uuid>;

/// (workflow key, execution key) → workflow execution id.
async fn upsert_workflow_executions(
    tx: &mut Transaction<'static, Postgres>,
    batch: &ValidBatch,
    workflows: &HashMap<String, Uuid>,
) -> Result<HashMap<(Uuid, String), Uuid>, DbError> {
    type Span = (DateTime<Utc>, Option<DateTime<Utc>>);
    let mut runs: BTreeMap<(Uuid, &str), Span> = BTreeMap::new();
    for r in &batch.executions {
        let key = (workflows[&r.workflow_id], r.workflow_execution_id.as_str());
        let span = runs.entry(key).or_insert((r.start_time, r.end_time));
        span.0 = span.0.min(r.start_time);
        span.1 = span.1.max(r.end_time);
    }
    if runs.is_empty() {
        return Ok(HashMap::new());
    }
    let wf: Vec<Uuid> = runs.keys().map(|k| k.0).collect();
    let keys: Vec<&str> = runs.keys().map(|k| k.1).collect();
    let starts: Vec<DateTime<Utc>> = runs.values().map(|s| s.0).collect();
    let ends: Vec<Option<DateTime<Utc>>> = runs.values().map(|s| s.1).collect();
    let rows: Vec<(Uuid, Uuid, String)> = sqlx::query_as(
        "INSERT INTO workflow_executions (workflow_id, execution_key, start_time, end_time)
         SELECT * FROM UNNEST($1::uuid[], $2::text[], $3::timestamptz[], $4::timestamptz[])
         ON CONFLICT (workflow_id, execution_key) DO UPDATE
           SET start_time = LEAST(workflow_executions.start_time, EXCLUDED.start_time),
               end_time = GREATEST(workflow_executions.end_time, EXCLUDED.end_time)
         RETURNING id, workflow_id, execution_key",
    )
    .bind(&wf)
    .bind(&keys)
    .bind(&starts)
    .bind(&ends)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows.into_iter().map(|(id, w, k)| ((w, k), id)).collect())
}

async fn upsert_executions(
    tx: &mut Transaction<'static, Postgres>,
    batch: &ValidBatch,
    workflows: &HashMap<String, Uuid>,
    tasks: &HashMap<String, Uuid>,
    runs: &HashMap<(Uuid, String), Uuid>,
) -> Result<(u64, u64, ExecutionIds), DbError> {
    if batch.executions.is_empty() {
        return Ok((0, 0, HashMap::new()));
    }
    let task_ids: Vec<Uuid> = batch.executions.iter().map(|r| tasks[&r.task_id]).collect();
    let run_ids: Vec<Uuid> = batch
        .executions
        .iter()
        .map(|r| runs[&(workflows[&r.workflow_id], r.workflow_execution_id.clone())])
        .collect();
    // COPY (CSV) into the staging table, then one INSERT ... SELECT: Postgres parses COPY rows
    // far faster than 25 bound arrays (measured 2.3× on a 10,000-row batch).
    stage(
        tx,
        batch
            .executions
            .iter()
            .zip(task_ids.iter().zip(&run_ids))
            .enumerate()
            .map(|(i, (r, (task, run)))| (i, r, *task, *run)),
    )
    .await?;
    let moved = moved(tx, false).await?;
    if !moved.is_empty() {
        return Err(DbError::Conflict(
            moved.iter().map(Moved::field_error).collect(),
        ));
    }
    let rows: Vec<(Uuid, Uuid, String, bool)> =
        sqlx::query_as(include_str!("sql/ingest_executions.sql"))
            .fetch_all(&mut **tx)
            .await?;
    let inserted = rows.iter().filter(|r| r.3).count() as u64;
    let updated = rows.len() as u64 - inserted;

    // Failure rows mirror the current state of each execution: replace, never accumulate.
    // Only replayed (updated) executions can have failure rows already.
    let replayed: Vec<Uuid> = rows.iter().filter(|r| !r.3).map(|r| r.0).collect();
    if !replayed.is_empty() {
        sqlx::query("DELETE FROM task_failures WHERE task_execution_id = ANY($1)")
            .bind(&replayed)
            .execute(&mut **tx)
            .await?;
    }
    let by_key: ExecutionIds = rows
        .iter()
        .map(|(id, task, key, _)| ((*task, key.clone()), *id))
        .collect();
    let mut f_task = Vec::new();
    let mut f_exec = Vec::new();
    let mut f_time = Vec::new();
    let mut f_type = Vec::new();
    let mut f_code: Vec<Option<&str>> = Vec::new();
    let mut f_msg: Vec<Option<&str>> = Vec::new();
    let mut f_stack: Vec<Option<&str>> = Vec::new();
    for (r, task) in batch.executions.iter().zip(&task_ids) {
        if !r.status.is_failure() {
            continue;
        }
        let Some(exec) = by_key.get(&(*task, r.execution_id.clone())) else {
            continue;
        };
        f_task.push(*task);
        f_exec.push(*exec);
        f_time.push(r.end_time.unwrap_or(r.start_time));
        let default_type = if r.status == ExecutionStatus::Timeout {
            "Timeout"
        } else {
            "UnknownError"
        };
        f_type.push(
            r.error
                .as_ref()
                .map_or(default_type, |e| e.error_type.as_str()),
        );
        f_code.push(r.error.as_ref().and_then(|e| e.code.as_deref()));
        f_msg.push(r.error.as_ref().and_then(|e| e.message.as_deref()));
        f_stack.push(r.error.as_ref().and_then(|e| e.stack_trace.as_deref()));
    }
    if !f_task.is_empty() {
        sqlx::query(
            "INSERT INTO task_failures (task_id, task_execution_id, failure_time, error_type,
                                        error_code, error_message, stack_trace)
             SELECT * FROM UNNEST($1::uuid[], $2::uuid[], $3::timestamptz[], $4::text[],
                                  $5::text[], $6::text[], $7::text[])",
        )
        .bind(&f_task)
        .bind(&f_exec)
        .bind(&f_time)
        .bind(&f_type)
        .bind(&f_code)
        .bind(&f_msg)
        .bind(&f_stack)
        .execute(&mut **tx)
        .await?;
    }
    // Retry flags of the failure rows of every logical execution the batch touched, stored
    // ones included: a retry arriving now marks the earlier attempt's failure as retried.
    sqlx::query(include_str!("sql/ingest_retry_flags.sql"))
        .execute(&mut **tx)
        .await?;
    Ok((inserted, updated, by_key))
}

/// Fills the (emptied) staging table with `rows`: (index in the batch, record, task id,
/// workflow execution id).
async fn stage<'a>(
    tx: &mut Transaction<'static, Postgres>,
    rows: impl Iterator<Item = (usize, &'a ExecutionRecord, Uuid, Uuid)>,
) -> Result<(), DbError> {
    sqlx::query(include_str!("sql/ingest_stage.sql"))
        .execute(&mut **tx)
        .await?;
    // The stage empties at commit only: a transaction writing several batches (an imported
    // file in chunks) must not move an earlier chunk's rows again.
    sqlx::query("TRUNCATE ingest_stage")
        .execute(&mut **tx)
        .await?;
    let csv = stage_csv(rows);
    let mut copy = tx
        .copy_in_raw(
            "COPY ingest_stage (task_id, workflow_execution_id, task_name, start_time, end_time, \
             duration_ms, status, attempt_number, input_size_bytes, output_size_bytes, cpu_time_ms, \
             memory_peak_mb, io_operations, network_calls, error_details, retry_reason, execution_key, \
             read_bytes, write_bytes, bytes_transferred, cpu_allocated_cores, memory_allocated_mb, host, \
             input_hash, attributes, ord, correction, instance_key) FROM STDIN (FORMAT csv)",
        )
        .await?;
    copy.send(csv.into_bytes()).await?;
    copy.finish().await?;
    Ok(())
}

async fn upsert_dependencies(
    tx: &mut Transaction<'static, Postgres>,
    batch: &ValidBatch,
    workflows: &HashMap<String, Uuid>,
) -> Result<u64, DbError> {
    if batch.dependencies.is_empty() {
        return Ok(0);
    }
    let keys: BTreeSet<&str> = batch
        .dependencies
        .iter()
        .flat_map(|d| [d.upstream_task_id.as_str(), d.downstream_task_id.as_str()])
        .collect();
    let keys: Vec<&str> = keys.into_iter().collect();
    // Edges may arrive before any execution of their tasks: register such tasks under the
    // edge's workflow with their key as name (their first execution fills in name and type).
    let mut new_keys = Vec::new();
    let mut new_wfs = Vec::new();
    for d in &batch.dependencies {
        for key in [&d.upstream_task_id, &d.downstream_task_id] {
            new_keys.push(key.as_str());
            new_wfs.push(workflows[&d.workflow_id]);
        }
    }
    sqlx::query(
        "INSERT INTO tasks (task_key, workflow_id, task_name)
         SELECT k, w, k FROM UNNEST($1::text[], $2::uuid[]) AS u(k, w)
         ON CONFLICT (task_key) DO NOTHING",
    )
    .bind(&new_keys)
    .bind(&new_wfs)
    .execute(&mut **tx)
    .await?;
    let rows: Vec<(Uuid, String, Uuid)> =
        sqlx::query_as("SELECT id, task_key, workflow_id FROM tasks WHERE task_key = ANY($1)")
            .bind(&keys)
            .fetch_all(&mut **tx)
            .await?;
    let known: HashMap<&str, (Uuid, Uuid)> = rows
        .iter()
        .map(|(id, k, w)| (k.as_str(), (*id, *w)))
        .collect();
    let mut errors = Vec::new();
    let (mut wf, mut up, mut down, mut kind, mut optional) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (i, d) in batch.dependencies.iter().enumerate() {
        let w = workflows[&d.workflow_id];
        let mut lookup = |field: &str, key: &str| match known.get(key) {
            None => {
                errors.push(FieldError::new(
                    i,
                    format!("dependencies.{field}"),
                    format!("task {key:?} could not be registered"),
                ));
                None
            }
            Some((_, tw)) if *tw != w => {
                errors.push(FieldError::new(
                    i,
                    format!("dependencies.{field}"),
                    format!(
                        "task {key:?} belongs to another workflow than {:?}",
                        d.workflow_id
                    ),
                ));
                None
            }
            Some((id, _)) => Some(*id),
        };
        let u = lookup("upstreamTaskId", &d.upstream_task_id);
        let v = lookup("downstreamTaskId", &d.downstream_task_id);
        if let (Some(u), Some(v)) = (u, v) {
            wf.push(w);
            up.push(u);
            down.push(v);
            kind.push(d.dependency_type.as_str());
            optional.push(d.optional);
        }
    }
    if !errors.is_empty() {
        return Err(DbError::Invalid(errors));
    }
    let done = sqlx::query(
        "INSERT INTO task_dependencies (workflow_id, task_id, dependent_task_id, dependency_type, optional)
         SELECT * FROM UNNEST($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::bool[])
         ON CONFLICT (workflow_id, task_id, dependent_task_id) DO UPDATE
           SET dependency_type = EXCLUDED.dependency_type, optional = EXCLUDED.optional,
               updated_at = CURRENT_TIMESTAMP",
    )
    .bind(&wf)
    .bind(&up)
    .bind(&down)
    .bind(&kind)
    .bind(&optional)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected())
}

async fn notify(
    tx: &mut Transaction<'static, Postgres>,
    batch: &ValidBatch,
    tasks: &HashMap<String, Uuid>,
    ids: &ExecutionIds,
) -> Result<(), DbError> {
    // Per task key: its latest record in the batch and its latest failed one (by start).
    let mut latest: BTreeMap<&str, (Option<&ExecutionRecord>, Option<&ExecutionRecord>)> =
        BTreeMap::new();
    for r in &batch.executions {
        let e = latest.entry(r.task_id.as_str()).or_default();
        if e.0.is_none_or(|l| l.start_time <= r.start_time) {
            e.0 = Some(r);
        }
        if r.status.is_failure() && e.1.is_none_or(|l| l.start_time <= r.start_time) {
            e.1 = Some(r);
        }
    }
    if latest.is_empty() {
        return Ok(());
    }
    let id_of = |r: &ExecutionRecord| {
        tasks
            .get(&r.task_id)
            .and_then(|t| ids.get(&(*t, r.execution_id.clone())))
            .copied()
    };
    let per_task: Vec<(&str, Vec<Uuid>)> = latest
        .iter()
        .map(|(k, (last, failed))| {
            let mut v: Vec<Uuid> = last.and_then(id_of).into_iter().collect();
            if let Some(f) = failed.and_then(id_of)
                && !v.contains(&f)
            {
                v.push(f);
            }
            (*k, v)
        })
        .collect();
    let workflows: BTreeSet<&str> = batch
        .executions
        .iter()
        .map(|r| r.workflow_id.as_str())
        .collect();
    let payload = notify_payload(&per_task, workflows.into_iter());
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(INGEST_CHANNEL)
        .bind(payload)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The payload described at [`INGEST_CHANNEL`], kept under Postgres's limit: task keys first,
/// then workflow keys, then the tasks' execution ids as long as they fit.
fn notify_payload<'a>(
    per_task: &[(&'a str, Vec<Uuid>)],
    workflows: impl Iterator<Item = &'a str>,
) -> String {
    // The fixed part: {"tasks":[],"workflows":[],"executions":[],"truncated":false,
    // "executionsTruncated":false}
    let mut size = 100;
    let mut truncated = false;
    let fits = |s: &str, size: &mut usize| {
        let n = serde_json::to_string(s).map_or(usize::MAX / 2, |q| q.len() + 1);
        if *size + n > MAX_NOTIFY_PAYLOAD {
            false
        } else {
            *size += n;
            true
        }
    };
    let mut tasks = Vec::new();
    for (k, _) in per_task {
        if !fits(k, &mut size) {
            truncated = true;
            break;
        }
        tasks.push(*k);
    }
    let mut wfs = Vec::new();
    for w in workflows {
        if truncated || !fits(w, &mut size) {
            truncated = true;
            break;
        }
        wfs.push(w);
    }
    let mut executions = Vec::new();
    let mut executions_truncated = false;
    'tasks: for (_, ids) in per_task.iter().take(tasks.len()) {
        for id in ids {
            if size + 39 > MAX_NOTIFY_PAYLOAD {
                executions_truncated = true;
                break 'tasks;
            }
            size += 39;
            executions.push(id);
        }
    }
    serde_json::json!({
        "tasks": tasks,
        "workflows": wfs,
        "executions": executions,
        "truncated": truncated,
        "executionsTruncated": executions_truncated,
    })
    .to_string()
}

/// A CSV field: quoted (so an empty string stays distinct from NULL), quotes doubled.
fn push_text(out: &mut String, v: &str) {
    out.push('"');
    for c in v.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    out.push('"');
}

fn push_opt<T: std::fmt::Display>(out: &mut String, v: Option<T>) {
    if let Some(v) = v {
        out.push_str(&v.to_string());
    }
}

/// The rows as COPY CSV in `ingest_stage` column order; an empty unquoted field is NULL.
fn stage_csv<'a>(rows: impl Iterator<Item = (usize, &'a ExecutionRecord, Uuid, Uuid)>) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    for (ord, r, task, run) in rows {
        let _ = write!(out, "{task},{run},");
        push_text(&mut out, &r.task_name);
        let _ = write!(out, ",{},", r.start_time.to_rfc3339());
        push_opt(&mut out, r.end_time.map(|t| t.to_rfc3339()));
        out.push(',');
        push_opt(&mut out, r.duration_ms);
        let _ = write!(out, ",{},{},", r.status.as_str(), r.attempt_number);
        push_opt(&mut out, r.input_size_bytes);
        out.push(',');
        push_opt(&mut out, r.output_size_bytes);
        out.push(',');
        push_opt(&mut out, r.cpu_time_ms);
        out.push(',');
        push_opt(&mut out, r.memory_peak_mb);
        out.push(',');
        push_opt(&mut out, r.io_operations);
        out.push(',');
        push_opt(&mut out, r.network_calls);
        out.push(',');
        if let Some(e) = r.error.as_ref().and_then(|e| serde_json::to_string(e).ok()) {
            push_text(&mut out, &e);
        }
        out.push(',');
        if let Some(v) = &r.retry_reason {
            push_text(&mut out, v);
        }
        out.push(',');
        push_text(&mut out, &r.execution_id);
        out.push(',');
        push_opt(&mut out, r.read_bytes);
        out.push(',');
        push_opt(&mut out, r.write_bytes);
        out.push(',');
        push_opt(&mut out, r.bytes_transferred);
        out.push(',');
        push_opt(&mut out, r.cpu_allocated_cores);
        out.push(',');
        push_opt(&mut out, r.memory_allocated_mb);
        out.push(',');
        if let Some(v) = &r.host {
            push_text(&mut out, v);
        }
        out.push(',');
        if let Some(v) = &r.input_hash {
            push_text(&mut out, v);
        }
        out.push(',');
        push_text(
            &mut out,
            &serde_json::to_string(&r.attributes).unwrap_or_else(|_| "{}".into()),
        );
        let _ = write!(out, ",{ord},{},", r.correction);
        push_text(&mut out, r.instance_id.as_deref().unwrap_or(""));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn notify_payload_stays_under_the_postgres_limit_and_says_when_it_truncates() {
        let id = uuid::Uuid::nil();
        let keys: Vec<String> = (0..2000).map(|i| format!("workflow.task_{i:05}")).collect();
        let per_task: Vec<(&str, Vec<uuid::Uuid>)> =
            keys.iter().map(|k| (k.as_str(), vec![id, id])).collect();
        let p = super::notify_payload(&per_task, ["workflow"].into_iter());
        assert!(p.len() < 8000, "{}", p.len());
        assert!(p.contains("\"truncated\":true"), "{p}");
        // Few keys, many ids: every key, as many ids as fit.
        let per_task: Vec<(&str, Vec<uuid::Uuid>)> = keys[..100]
            .iter()
            .map(|k| (k.as_str(), vec![id, id]))
            .collect();
        let p = super::notify_payload(&per_task, ["workflow"].into_iter());
        assert!(p.len() < 8000, "{}", p.len());
        let v: serde_json::Value = serde_json::from_str(&p).unwrap_or_default();
        assert_eq!(v["tasks"].as_array().map(Vec::len), Some(100));
        assert_eq!(v["truncated"], false);
        assert_eq!(v["executionsTruncated"], true);
        let p = super::notify_payload(&[("a", vec![id]), ("b", vec![])], ["w"].into_iter());
        assert_eq!(
            p,
            r#"{"executions":["00000000-0000-0000-0000-000000000000"],"executionsTruncated":false,"tasks":["a","b"],"truncated":false,"workflows":["w"]}"#
        );
    }
}
