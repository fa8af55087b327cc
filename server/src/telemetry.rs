//! Structured logs with `tracing`; `RUST_LOG` filters them (default `info`). Besides the log
//! output, one layer turns the connection pool's acquire events into the
//! `tasklens_db_pool_acquire_seconds` histogram of `/metrics`: how long requests and jobs
//! waited for a database connection (sqlx exposes no count of waiters; the histogram's
//! acquires above the first bucket, 1 ms, are the ones that waited).

use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// The target and field of sqlx's acquire event (sqlx-core `pool/inner.rs`).
const ACQUIRE_TARGET: &str = "sqlx::pool::acquire";
const ACQUIRE_FIELD: &str = "acquired_after_secs";

pub fn init(format: &str) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let logs = if format == "json" {
        tracing_subscriber::fmt::layer().json().boxed()
    } else {
        tracing_subscriber::fmt::layer().boxed()
    };
    let acquires = Targets::new().with_target(ACQUIRE_TARGET, LevelFilter::TRACE);
    // A second init (tests) is harmless: the first subscriber stays.
    let _ = tracing_subscriber::registry()
        .with(logs.with_filter(filter))
        .with(PoolWait.with_filter(acquires))
        .try_init();
}

/// Records each pool acquire's wait.
struct PoolWait;

impl<S: Subscriber> Layer<S> for PoolWait {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let mut wait = AcquiredAfter(None);
        event.record(&mut wait);
        if let Some(secs) = wait.0 {
            metrics::histogram!("tasklens_db_pool_acquire_seconds").record(secs);
        }
    }
}

struct AcquiredAfter(Option<f64>);

impl Visit for AcquiredAfter {
    fn record_f64(&mut self, field: &Field, value: f64) {
        if field.name() == ACQUIRE_FIELD {
            self.0 = Some(value);
        }
    }

    fn record_debug(&mut self, _field: &Field, _value: &dyn std::fmt::Debug) {}
}
