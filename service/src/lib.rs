//! One function per question the product answers ("how does task X perform over 7 days?").
//! REST handlers and Leptos server functions both call these, so the two never disagree:
//! parse → `db` → `analytics` → `types` response. No SQL and no statistics live here.

mod anomalies;
mod compare;
mod dashboard;
mod error;
mod extent;
mod ingest;
mod lists;
pub mod live;
mod optimizations;
mod prediction;
mod rankings;
mod refresh;
mod simulate;
mod task_groups;
mod tasks;
mod window;
pub mod worker;
mod workflow_page;
mod workflows;

pub use anomalies::{performance_patterns, task_anomalies};
pub use compare::*;
pub use dashboard::*;
pub use error::ServiceError;
pub use extent::{DataExtent, FailuresAnswer, empty_window_hint, task_failures_answer};
pub use ingest::{Ingested, ingest, ingest_all};
pub use lists::*;
pub use optimizations::*;
pub use prediction::{
    MAX_POOLED_TASKS, ModelCache, RETRAIN_AFTER, RETRAIN_AGE, failure_model, predict_failure,
    retrain_models,
};
pub use rankings::*;
pub use refresh::Refresher;
pub use simulate::{MAX_HISTORY_RUNS, MAX_TASK_STEPS, simulate_workflow};
pub use task_groups::{DEFAULT_GROUPS, MAX_GROUPS, task_groups};
pub use tasks::*;
pub use window::{WindowParams, resolve_window};
pub use workflow_page::{MAX_RUN_POINTS, TASKS_PER_LIST, workflow_overview};
pub use workflows::*;

/// Counts a cache lookup by outcome (`fresh`, `stale` served while recomputed, `miss`) for
/// `/metrics`.
pub(crate) fn cache_result(cache: &'static str, outcome: &'static str) {
    metrics::counter!("tasklens_cache_requests_total", "cache" => cache, "outcome" => outcome)
        .increment(1);
}

/// Ingest events kept for slow subscribers.
pub const INGESTED_BACKLOG: usize = 1_024;

/// What every service call needs.
#[derive(Clone, Debug)]
pub struct Services {
    /// Rankings of named windows with when they were computed, shared by every caller:
    /// concurrent requests for a missing ranking wait for a single computation, and one no
    /// longer fresh is refreshed in the background (see [`refresh`]).
    pub rankings_cache:
        moka::future::Cache<String, std::sync::Arc<Stamped<tasks::Windowed<types::Rankings>>>>,
    pub pool: db::PgPool,
    pub cost: analytics::cost::CostModel,
    /// How long a computed result of a named window is served as it is, at least (see
    /// [`Services::fresh_for`]); zero turns the caches off.
    pub cache_ttl: std::time::Duration,
    /// How long past its freshness a result is still served while it is recomputed in the
    /// background.
    pub max_stale: std::time::Duration,
    /// Answer windowed questions from raw rows instead of rollups: the benchmarks' baseline.
    pub read_raw: bool,
    /// Where requests queue background recomputations.
    pub refresher: Refresher,
    /// Record-level analyses running at once (each holds thousands of records): more would
    /// only queue for the same cores and multiply memory.
    pub analysis_slots: std::sync::Arc<tokio::sync::Semaphore>,
    /// The process's background jobs (see [`worker`]).
    pub worker: worker::Worker,
    /// Committed ingests, for whoever reacts to new data (see [`ingest`]).
    pub ingested: tokio::sync::broadcast::Sender<std::sync::Arc<Ingested>>,
    /// Fitted failure models (see [`prediction`]).
    pub models: ModelCache,
    /// Live updates for WebSocket subscribers (see [`live`]).
    pub live: live::Live,
}

/// A value with the moment it was computed.
#[derive(Clone, Debug)]
pub struct Stamped<T> {
    pub at: std::time::Instant,
    pub value: T,
}

impl<T> Stamped<T> {
    pub fn now(value: T) -> Self {
        Stamped {
            at: std::time::Instant::now(),
            value,
        }
    }
}

impl Services {
    /// Services without a background worker and serving nothing stale: see
    /// [`Services::with_max_stale`] and [`Services::start_refresher`].
    pub fn new(
        pool: db::PgPool,
        cost: analytics::cost::CostModel,
        cache_ttl: std::time::Duration,
        read_raw: bool,
    ) -> Self {
        let slots = std::thread::available_parallelism().map_or(2, |n| n.get() * 2);
        Services {
            rankings_cache: Self::rankings_cache(cache_ttl),
            pool,
            cost,
            cache_ttl,
            max_stale: std::time::Duration::ZERO,
            read_raw,
            refresher: Refresher::default(),
            analysis_slots: std::sync::Arc::new(tokio::sync::Semaphore::new(slots)),
            worker: worker::Worker::new(),
            ingested: tokio::sync::broadcast::channel(INGESTED_BACKLOG).0,
            models: prediction::model_cache(),
            live: live::Live::default(),
        }
    }

    /// Hears of every ingest this process commits from now on. A subscriber more than
    /// [`INGESTED_BACKLOG`] events behind gets `Lagged` and should resynchronise.
    pub fn subscribe_ingested(&self) -> tokio::sync::broadcast::Receiver<std::sync::Arc<Ingested>> {
        self.ingested.subscribe()
    }

    /// Serves results up to `max_stale` past their freshness while they are recomputed.
    pub fn with_max_stale(mut self, max_stale: std::time::Duration) -> Self {
        self.max_stale = max_stale;
        self.rankings_cache = Self::rankings_cache(self.cache_ttl + max_stale);
        self
    }

    /// How long a result of the named window is served as it is: the TTL, or 0.1 % of the
    /// window's length when that is longer. Whatever a result misses then is at most 0.1 % of
    /// its window's time (a 30-day result is fresh for 43 min, a 24-hour one for 86 s), so
    /// long windows are not recomputed every minute for changes they cannot show.
    pub fn fresh_for(&self, label: &str) -> std::time::Duration {
        if self.cache_ttl.is_zero() {
            return std::time::Duration::ZERO;
        }
        let share = label
            .parse::<types::TimeRangePreset>()
            .ok()
            .and_then(|p| p.duration())
            .and_then(|d| d.to_std().ok())
            .map_or(std::time::Duration::ZERO, |d| d / 1000);
        self.cache_ttl.max(share)
    }

    /// Whether a result of the named window computed `age` ago is served as it is.
    pub fn is_fresh(&self, label: &str, age: std::time::Duration) -> bool {
        age < self.fresh_for(label)
    }

    /// How old a result of the named window may be served at all.
    pub fn served_for(&self, label: &str) -> std::time::Duration {
        self.fresh_for(label) + self.max_stale
    }

    fn rankings_cache(
        keep: std::time::Duration,
    ) -> moka::future::Cache<String, std::sync::Arc<Stamped<tasks::Windowed<types::Rankings>>>>
    {
        // The longest freshness: 0.1 % of 90 days.
        let longest = std::time::Duration::from_secs(90 * 86_400 / 1000);
        moka::future::Cache::builder()
            .max_capacity(1_000)
            .time_to_live((keep + longest).max(std::time::Duration::from_millis(1)))
            .build()
    }
}
