//! Background work: every job the server runs besides answering requests — recomputing stale
//! results, prewarming named windows, refreshing the summary view, and next: training, alert
//! evaluation, webhooks, live fan-out — runs here, under a name.
//!
//! * **Separate queues.** Each named job is its own task: a long prewarm never delays the
//!   summary refresh, and queued recomputations have their own consumer ([`Worker::queue`]).
//! * **One leader per job across replicas.** A periodic job marked `leader_only` runs where its
//!   PostgreSQL session-level advisory lock (`pg_try_advisory_lock`, keyed by the job's name) is
//!   free; the lock is held on one pooled connection for the run and released after it (or by
//!   PostgreSQL when the process dies), so N replicas behind a load balancer refresh the view
//!   once, not N times.
//! * **Graceful shutdown.** [`Worker::shutdown`] cancels every job at its next await point and
//!   waits for them, at most a grace period. Jobs write each result in one statement (or one
//!   transaction), so a cancelled job leaves nothing half-written.

use std::future::Future;
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// Runs and stops the background jobs of one process.
#[derive(Debug, Clone, Default)]
pub struct Worker {
    stop: CancellationToken,
    tasks: TaskTracker,
}

/// How a periodic job is scheduled.
#[derive(Debug, Clone, Copy)]
pub struct Every {
    pub period: Duration,
    /// Run once at start, before the first period has passed.
    pub at_start: bool,
    /// Run in one replica only (PostgreSQL advisory lock); the others skip the tick.
    pub leader_only: bool,
}

impl Worker {
    pub fn new() -> Self {
        Self::default()
    }

    /// Cancelled when the worker shuts down: long jobs may check it between steps.
    pub fn stopping(&self) -> CancellationToken {
        self.stop.clone()
    }

    /// Runs `job` every `every.period` under `name` until shutdown. A run that fails is logged
    /// and counted; the next tick runs again.
    pub fn every<F, Fut>(&self, name: &'static str, pool: db::PgPool, every: Every, job: F)
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<String, crate::ServiceError>> + Send,
    {
        let stop = self.stop.clone();
        self.tasks.spawn(async move {
            let mut tick = tokio::time::interval(every.period.max(Duration::from_millis(10)));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            if !every.at_start {
                tick.tick().await; // the first tick fires at once
            }
            loop {
                tokio::select! {
                    () = stop.cancelled() => break,
                    _ = tick.tick() => {}
                }
                let run = run_once(name, &pool, every.leader_only, &job);
                tokio::select! {
                    () = stop.cancelled() => {
                        tracing::info!(job = name, "stopped mid-run at shutdown");
                        break;
                    }
                    () = run => {}
                }
            }
        });
    }

    /// A named queue: `handle` runs each item sent on the returned sender, one at a time, in
    /// the order sent, until shutdown.
    pub fn queue<T, F, Fut>(
        &self,
        name: &'static str,
        handle: F,
    ) -> tokio::sync::mpsc::UnboundedSender<T>
    where
        T: Send + 'static,
        F: Fn(T) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send,
    {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<T>();
        let stop = self.stop.clone();
        self.tasks.spawn(async move {
            loop {
                let item = tokio::select! {
                    () = stop.cancelled() => break,
                    item = rx.recv() => match item {
                        Some(item) => item,
                        None => break,
                    },
                };
                tokio::select! {
                    () = stop.cancelled() => {
                        tracing::info!(queue = name, "stopped mid-job at shutdown");
                        break;
                    }
                    () = handle(item) => {}
                }
            }
        });
        tx
    }

    /// Any other long-running task (a LISTEN loop, a fan-out) that should stop with the worker;
    /// it receives the cancellation token.
    pub fn spawn<F, Fut>(&self, f: F)
    where
        F: FnOnce(CancellationToken) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.tasks.spawn(f(self.stop.clone()));
    }

    /// Cancels every job and waits for them to end, at most `grace`; true when all ended.
    pub async fn shutdown(&self, grace: Duration) -> bool {
        self.stop.cancel();
        self.tasks.close();
        tokio::time::timeout(grace, self.tasks.wait()).await.is_ok()
    }
}

/// One run of a periodic job, under its advisory lock when `leader_only`.
async fn run_once<F, Fut>(name: &'static str, pool: &db::PgPool, leader_only: bool, job: &F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<String, crate::ServiceError>>,
{
    let lock = if leader_only {
        match db::leader::try_lock(pool, name).await {
            Ok(Some(lock)) => Some(lock),
            Ok(None) => {
                tracing::debug!(job = name, "another replica holds the job; skipped");
                metrics::counter!("tasklens_worker_runs_total", "job" => name, "outcome" => "skipped")
                    .increment(1);
                return;
            }
            Err(e) => {
                tracing::warn!(job = name, error = %e, "could not take the job's lock; skipped");
                return;
            }
        }
    } else {
        None
    };
    let started = Instant::now();
    let outcome = match job().await {
        Ok(summary) => {
            tracing::debug!(job = name, %summary, "job ran");
            "ok"
        }
        Err(e) => {
            tracing::warn!(job = name, error = %e, "job failed");
            "failed"
        }
    };
    metrics::histogram!("tasklens_worker_job_seconds", "job" => name, "outcome" => outcome)
        .record(started.elapsed().as_secs_f64());
    metrics::counter!("tasklens_worker_runs_total", "job" => name, "outcome" => outcome)
        .increment(1);
    if let Some(lock) = lock {
        lock.release().await;
    }
}
