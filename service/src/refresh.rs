//! Stale-while-revalidate for the results of named windows (`7d`, ...).
//!
//! A result younger than [`Services::fresh_for`] its window is served as it is. An older one,
//! up to [`Services::max_stale`] older, is served too, while one background worker recomputes
//! it (each result queued at most once), so a dashboard or portal never waits for the
//! recomputation of something it has asked for before. Past that, or without a worker (tests,
//! the CLI), the caller computes. The worker also warms: [`Services::prewarm`] queues every
//! active task's performance and every ranking for the given windows, so first requests find a
//! result too.
//!
//! One worker computes one result at a time, leaving the other cores to requests.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::Utc;
use tokio::sync::mpsc;
use types::{TimeRangePreset, TimeWindow};

use crate::{ServiceError, Services};

/// A recomputation the worker runs.
#[derive(Debug, Clone)]
pub(crate) enum Job {
    Performance {
        task: db::executions::TaskRef,
        label: String,
    },
    /// Tasks of one workflow, computed with one load of its context.
    Workflow {
        tasks: Vec<db::executions::TaskRef>,
        label: String,
    },
    Rankings {
        metric: String,
        limit: Option<i64>,
        label: String,
    },
}

impl Job {
    /// The job's name in metrics and logs.
    fn kind(&self) -> &'static str {
        match self {
            Job::Performance { .. } => "performance",
            Job::Workflow { .. } => "workflow",
            Job::Rankings { .. } => "rankings",
        }
    }

    fn key(&self) -> String {
        match self {
            Job::Performance { task, label } => format!("performance|{}|{label}", task.id),
            Job::Workflow { tasks, label } => format!(
                "workflow|{}|{label}",
                tasks.first().map(|t| t.workflow_id).unwrap_or_default()
            ),
            Job::Rankings {
                metric,
                limit,
                label,
            } => format!("rankings|{metric}|{limit:?}|{label}"),
        }
    }
}

/// The handle requests queue recomputations on; empty until [`Services::start_refresher`].
#[derive(Debug, Clone, Default)]
pub struct Refresher {
    jobs: Option<mpsc::UnboundedSender<Job>>,
    queued: Arc<Mutex<HashSet<String>>>,
}

impl Refresher {
    /// Queues `job` unless it is already queued; false when there is no worker.
    pub(crate) fn enqueue(&self, job: Job) -> bool {
        let Some(jobs) = &self.jobs else {
            return false;
        };
        let fresh = self
            .queued
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(job.key());
        if fresh && jobs.send(job).is_err() {
            return false;
        }
        true
    }

    /// Recomputations queued or running.
    pub fn pending(&self) -> usize {
        self.queued
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

/// The window a label names, now.
pub(crate) fn window_of(label: &str) -> Result<TimeWindow, ServiceError> {
    let preset: TimeRangePreset = label
        .parse()
        .map_err(|e: types::TimeRangeError| ServiceError::invalid("time_range", e.to_string()))?;
    Ok(TimeWindow::from_preset(preset, Utc::now()))
}

impl Services {
    /// Starts the `refresh` queue on the worker (within a Tokio runtime) and returns the
    /// services that queue on it.
    pub fn start_refresher(mut self) -> Self {
        let queued = self.refresher.queued.clone();
        // The queue's own calls compute instead of queueing.
        let computing = Services {
            refresher: Refresher::default(),
            ..self.clone()
        };
        let tx = self.worker.queue("refresh", move |job: Job| {
            let (s, queued) = (computing.clone(), queued.clone());
            async move {
                let (key, kind) = (job.key(), job.kind());
                let started = std::time::Instant::now();
                let outcome = match run(&s, job).await {
                    Ok(()) => "ok",
                    Err(e) => {
                        tracing::warn!(job = %key, error = %e, "background recomputation failed");
                        "failed"
                    }
                };
                metrics::histogram!("tasklens_worker_job_seconds", "job" => kind, "outcome" => outcome)
                    .record(started.elapsed().as_secs_f64());
                queued
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .remove(&key);
            }
        });
        self.refresher.jobs = Some(tx);
        self
    }

    /// Queues each named window's (`7d`, ...) rankings (default limit) and the performance of
    /// every task with executions in it, one job per workflow; returns how many tasks were
    /// queued. The worker skips results still fresh.
    pub async fn prewarm(&self, labels: &[String]) -> Result<usize, ServiceError> {
        let mut n = 0;
        for label in labels {
            let window = window_of(label)?;
            let tasks = db::executions::active_tasks(&self.pool, &window).await?;
            for (metric, _) in crate::rankings::RANKING_METRICS {
                self.refresher.enqueue(Job::Rankings {
                    metric: metric.to_owned(),
                    limit: None,
                    label: label.clone(),
                });
            }
            for group in tasks.chunk_by(|a, b| a.workflow_id == b.workflow_id) {
                if self.refresher.enqueue(Job::Workflow {
                    tasks: group.to_vec(),
                    label: label.clone(),
                }) {
                    n += group.len();
                }
            }
        }
        Ok(n)
    }
}

/// Whether the stored result of `task` for `label` is still fresh.
async fn fresh(
    s: &Services,
    task: &db::executions::TaskRef,
    label: &str,
) -> Result<bool, ServiceError> {
    Ok(db::cache::performance_age(&s.pool, task.id, label)
        .await?
        .is_some_and(|age| s.is_fresh(label, age)))
}

/// How long one background step waits for requests in flight before it runs anyway.
const GIVE_WAY: Duration = Duration::from_secs(2);

async fn run(s: &Services, job: Job) -> Result<(), ServiceError> {
    s.worker.foreground().give_way(GIVE_WAY).await;
    match job {
        Job::Performance { task, label } => {
            if fresh(s, &task, &label).await? {
                return Ok(());
            }
            let window = window_of(&label)?;
            let data = crate::tasks::compute_performance(s, &task, &window, None).await?;
            db::cache::store_performance(&s.pool, task.id, &label, &window, &data).await?;
        }
        Job::Workflow { tasks, label } => {
            let mut stale = Vec::new();
            for task in tasks {
                if !fresh(s, &task, &label).await? {
                    stale.push(task);
                }
            }
            let Some(first) = stale.first() else {
                return Ok(());
            };
            let window = window_of(&label)?;
            let ctx = Arc::new(crate::tasks::context(s, first, &window).await?);
            // One task's failure does not keep the workflow's others from being computed.
            for task in &stale {
                s.worker.foreground().give_way(GIVE_WAY).await;
                let stored = async {
                    let data =
                        crate::tasks::compute_performance(s, task, &window, Some(ctx.clone()))
                            .await?;
                    db::cache::store_performance(&s.pool, task.id, &label, &window, &data).await?;
                    Ok::<_, ServiceError>(())
                };
                if let Err(e) = stored.await {
                    tracing::warn!(task = %task.task_key, window = %label, error = %e,
                        "background recomputation failed");
                }
            }
        }
        Job::Rankings {
            metric,
            limit,
            label,
        } => {
            let key = crate::rankings::rankings_key(&metric, limit, &label);
            if let Some(c) = s.rankings_cache.get(&key).await
                && s.is_fresh(&label, c.at.elapsed())
            {
                return Ok(());
            }
            let window = window_of(&label)?;
            let r = crate::rankings::rankings(s, &metric, limit, window).await?;
            s.rankings_cache
                .insert(key, Arc::new(crate::Stamped::now(r)))
                .await;
        }
    }
    Ok(())
}
