//! One function per question the product answers ("how does task X perform over 7 days?").
//! REST handlers and Leptos server functions both call these, so the two never disagree:
//! parse → `db` → `analytics` → `types` response. No SQL and no statistics live here.

mod error;
mod lists;
mod series;
mod tasks;
mod window;
mod workflows;

pub use error::ServiceError;
pub use lists::*;
pub use series::*;
pub use tasks::*;
pub use window::{WindowParams, resolve_window};
pub use workflows::*;

/// What every service call needs.
#[derive(Clone, Debug)]
pub struct Services {
    /// Rankings of named windows computed less than `cache_ttl` ago, shared by every caller:
    /// concurrent requests for one ranking wait for a single computation.
    pub rankings_cache:
        moka::future::Cache<String, std::sync::Arc<tasks::Windowed<types::Rankings>>>,
    pub pool: db::PgPool,
    pub cost: analytics::task::CostModel,
    /// How long a computed performance result is served from the cache.
    pub cache_ttl: std::time::Duration,
    /// Answer windowed questions from raw rows instead of rollups: the benchmarks' baseline.
    pub read_raw: bool,
}

impl Services {
    pub fn new(
        pool: db::PgPool,
        cost: analytics::task::CostModel,
        cache_ttl: std::time::Duration,
        read_raw: bool,
    ) -> Self {
        Services {
            rankings_cache: moka::future::Cache::builder()
                .max_capacity(1_000)
                .time_to_live(cache_ttl.max(std::time::Duration::from_millis(1)))
                .build(),
            pool,
            cost,
            cache_ttl,
            read_raw,
        }
    }
}
