//! The one write path: HTTP ingest, the CLI importers, the demo loader and, next, OTLP all write
//! through here. After a batch commits, [`Services::subscribe_ingested`] subscribers hear which
//! tasks and workflows changed: the seam where live updates, incremental pattern detection,
//! alert evaluation and model retraining hook in. (Other processes learn the same through
//! PostgreSQL's `NOTIFY tasklens_ingest`, which `db::ingest` sends in the same transaction.)

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Instant;

use types::ingest::{IngestResponse, ValidBatch};

use crate::{ServiceError, Services};

/// What one committed ingest changed.
#[derive(Debug, Clone, PartialEq)]
pub struct Ingested {
    /// Task keys with a new or updated execution, sorted.
    pub tasks: Vec<String>,
    /// Workflow keys of those tasks and of new edges, sorted.
    pub workflows: Vec<String>,
    pub counts: IngestResponse,
}

impl Ingested {
    fn of(batches: &[&ValidBatch], counts: IngestResponse) -> Self {
        let mut tasks = BTreeSet::new();
        let mut workflows = BTreeSet::new();
        for b in batches {
            for e in &b.executions {
                tasks.insert(e.task_id.clone());
                workflows.insert(e.workflow_id.clone());
            }
            for d in &b.dependencies {
                workflows.insert(d.workflow_id.clone());
            }
        }
        Ingested {
            tasks: tasks.into_iter().collect(),
            workflows: workflows.into_iter().collect(),
            counts,
        }
    }
}

/// Writes a validated batch in one transaction (all or nothing), then tells subscribers.
pub async fn ingest(s: &Services, batch: &ValidBatch) -> Result<IngestResponse, ServiceError> {
    let started = Instant::now();
    let counts = db::ingest::ingest_batch(&s.pool, batch).await?;
    record(&counts, started);
    let _ = s.ingested.send(Arc::new(Ingested::of(&[batch], counts)));
    Ok(counts)
}

/// Writes several batches in one transaction (an imported file: a bad chunk writes nothing),
/// calling `progress` with each chunk's record count, then tells subscribers once.
pub async fn ingest_all(
    s: &Services,
    batches: &[ValidBatch],
    mut progress: impl FnMut(usize),
) -> Result<IngestResponse, ServiceError> {
    let started = Instant::now();
    let mut tx = s.pool.begin().await.map_err(db::DbError::from)?;
    let mut total = IngestResponse::default();
    for b in batches {
        let r = db::ingest::write_batch(&mut tx, b).await?;
        total.accepted += r.accepted;
        total.inserted += r.inserted;
        total.updated += r.updated;
        total.dependencies += r.dependencies;
        progress(b.executions.len());
    }
    tx.commit().await.map_err(db::DbError::from)?;
    record(&total, started);
    let all: Vec<&ValidBatch> = batches.iter().collect();
    let _ = s.ingested.send(Arc::new(Ingested::of(&all, total)));
    Ok(total)
}

fn record(counts: &IngestResponse, started: Instant) {
    metrics::counter!("tasklens_ingest_batches_total").increment(1);
    metrics::counter!("tasklens_ingest_records_total", "outcome" => "inserted")
        .increment(counts.inserted);
    metrics::counter!("tasklens_ingest_records_total", "outcome" => "updated")
        .increment(counts.updated);
    metrics::histogram!("tasklens_ingest_seconds").record(started.elapsed().as_secs_f64());
}
