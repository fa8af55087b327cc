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
//! * **Requests first.** Background recomputation runs on the same cores and database as the
//!   requests; before each step it gives way while requests are in flight ([`Foreground`]),
//!   at most a bounded time, so a prewarm slows answers less and still finishes.
//! * **Graceful shutdown.** [`Worker::shutdown`] cancels every job at its next await point and
//!   waits for them, at most a grace period. Jobs write each result in one statement (or one
//!   transaction), so a cancelled job leaves nothing half-written.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// Runs and stops the background jobs of one process.
#[derive(Debug, Clone, Default)]
pub struct Worker {
    stop: CancellationToken,
    tasks: TaskTracker,
    foreground: Foreground,
}

/// Requests in flight in this process, counted by the server around each read request, so
/// background steps can give way to them.
#[derive(Debug, Clone, Default)]
pub struct Foreground(Arc<AtomicUsize>);

/// Counts one request in flight until dropped.
#[derive(Debug)]
pub struct InFlight(Arc<AtomicUsize>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Foreground {
    /// Counts a request in flight until the guard is dropped.
    pub fn enter(&self) -> InFlight {
        self.0.fetch_add(1, Ordering::Relaxed);
        InFlight(self.0.clone())
    }

    /// Requests in flight now.
    pub fn busy(&self) -> usize {
        self.0.load(Ordering::Relaxed)
    }

    /// Waits until no request is in flight, polling every 5 ms, but at most `at_most`: a
    /// background step never starves under steady traffic. Returns how long it waited.
    pub async fn give_way(&self, at_most: Duration) -> Duration {
        let started = Instant::now();
        while self.busy() > 0 && started.elapsed() < at_most {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        started.elapsed()
    }
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

    /// The request counter background steps give way to.
    pub fn foreground(&self) -> &Foreground {
        &self.foreground
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

#[cfg(test)]
mod foreground_tests {
    use super::*;

    #[tokio::test]
    async fn a_background_step_waits_for_requests_in_flight_but_not_forever() {
        let fg = Foreground::default();
        assert!(fg.give_way(Duration::from_secs(5)).await < Duration::from_millis(5));
        let request = fg.enter();
        assert_eq!(fg.busy(), 1);
        // Bounded: with a request that never ends, the step goes on after `at_most`.
        let waited = fg.give_way(Duration::from_millis(30)).await;
        assert!(waited >= Duration::from_millis(30), "{waited:?}");
        // Released: a request ending mid-wait lets the step go on at once.
        let fg2 = fg.clone();
        let waiter = tokio::spawn(async move { fg2.give_way(Duration::from_secs(10)).await });
        tokio::time::sleep(Duration::from_millis(20)).await;
        drop(request);
        let waited = waiter.await.unwrap();
        assert!(waited < Duration::from_secs(1), "{waited:?}");
        assert_eq!(fg.busy(), 0);
    }
}
