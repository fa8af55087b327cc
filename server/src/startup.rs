//! Building and running the application; tests start the real thing on port 0.

use std::net::SocketAddr;

use anyhow::Context;
use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;
use secrecy::ExposeSecret;
use tokio::net::TcpListener;

use crate::config::Config;

/// Router state: Leptos needs its options, server functions and handlers the app context.
#[derive(Clone, Debug)]
pub struct ServerState {
    pub leptos_options: LeptosOptions,
    pub app: app::ssr::AppContext,
    pub services: service::Services,
    /// Bearer tokens accepted by write endpoints.
    pub ingest_tokens: std::sync::Arc<Vec<secrecy::SecretString>>,
    /// Who may frame which page (`Content-Security-Policy: frame-ancestors`).
    pub frame_policy: crate::routes::FramePolicy,
    /// Bounds on requests in flight.
    pub shedding: crate::routes::Shedding,
}

impl FromRef<ServerState> for LeptosOptions {
    fn from_ref(s: &ServerState) -> Self {
        s.leptos_options.clone()
    }
}

pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    header_read_timeout: std::time::Duration,
    worker: service::worker::Worker,
}

impl Application {
    /// Connects (lazily), applies pending migrations and binds the listener.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let pool = db::connect(config.database_url.expose_secret(), &config.pool_options())?;
        Self::build_with_pool(config, pool).await
    }

    /// As [`Application::build`] with a given pool (tests pass their fresh database's pool).
    pub async fn build_with_pool(config: Config, pool: db::PgPool) -> anyhow::Result<Self> {
        db::migrate(&pool)
            .await
            .context("applying database migrations")?;
        Self::build_without_migrating(config, pool).await
    }

    /// Binds without touching the database: the server starts even when Postgres is down.
    pub async fn build_without_migrating(config: Config, pool: db::PgPool) -> anyhow::Result<Self> {
        crate::metrics::handle(); // the recorder exists before the first request
        let listener = TcpListener::bind(config.addr)
            .await
            .with_context(|| format!("binding {}", config.addr))?;
        let addr = listener.local_addr()?;
        let leptos_options = LeptosOptions::builder()
            .output_name(app::OUTPUT_NAME)
            .site_root(config.site_root.to_string_lossy().into_owned())
            .site_pkg_dir("pkg")
            .site_addr(addr)
            .build();
        let services = service::Services::new(
            pool.clone(),
            config.cost_model(),
            std::time::Duration::from_secs(config.cache_ttl_secs),
            config.read_raw,
        )
        .with_max_stale(std::time::Duration::from_secs(config.cache_max_stale_secs));
        let services = if config.cache_ttl_secs > 0 {
            services.start_refresher()
        } else {
            services
        };
        let mut services = services;
        services.live.limits = config.live_limits();
        services.start_live();
        start_jobs(&services, &config);
        let state = ServerState {
            leptos_options,
            services: services.clone(),
            app: app::ssr::AppContext {
                pool,
                services: services.clone(),
            },
            ingest_tokens: std::sync::Arc::new(config.ingest_tokens()),
            frame_policy: crate::routes::FramePolicy::new(&config.embed_origins())
                .map_err(|e| anyhow::anyhow!("TASKLENS_EMBED_ORIGINS: {e}"))?,
            shedding: crate::routes::Shedding::new(
                config.max_in_flight,
                config.max_in_flight_ingest,
                services.worker.foreground().clone(),
            ),
        };
        let router = crate::routes::router(state, config.request_timeout());
        Ok(Self {
            listener,
            router,
            worker: services.worker.clone(),
            header_read_timeout: std::time::Duration::from_secs(
                config.header_read_timeout_secs.max(1),
            ),
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    pub fn port(&self) -> u16 {
        self.local_addr().port()
    }

    /// Serves until Ctrl-C or SIGTERM, then stops the background jobs and finishes in-flight
    /// requests.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let worker = self.worker.clone();
        let signal = async move {
            shutdown_signal().await;
            tracing::info!("shutting down: stopping background jobs, finishing requests");
            if !worker.shutdown(JOBS_GRACE).await {
                tracing::warn!("background jobs still running after {JOBS_GRACE:?}; leaving them");
            }
        };
        crate::serve::serve(self.listener, self.router, self.header_read_timeout, signal).await
    }
}

pub async fn migrate_only(config: &Config) -> anyhow::Result<()> {
    let pool = db::connect(config.database_url.expose_secret(), &config.pool_options())?;
    db::migrate(&pool)
        .await
        .context("applying database migrations")?;
    tracing::info!("migrations applied");
    Ok(())
}

/// How long background jobs may take to stop at shutdown.
const JOBS_GRACE: std::time::Duration = std::time::Duration::from_secs(3);

/// The periodic jobs: prewarming named windows (every half of the max staleness; the refresh
/// queue skips results still fresh) and refreshing the task_performance_summary view (one
/// replica at a time).
fn start_jobs(services: &service::Services, config: &Config) {
    use service::worker::Every;
    let windows: Vec<String> = config
        .prewarm
        .split(',')
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect();
    if config.cache_ttl_secs > 0 && !windows.is_empty() {
        let s = services.clone();
        let every = Every {
            period: (services.max_stale / 2).max(std::time::Duration::from_secs(1)),
            at_start: true,
            leader_only: false,
        };
        services
            .worker
            .every("prewarm", services.pool.clone(), every, move || {
                let (s, windows) = (s.clone(), windows.clone());
                async move {
                    let n = s.prewarm(&windows).await?;
                    tracing::info!(queued = n, windows = ?windows, "prewarming performance results");
                    Ok(format!("{n} tasks queued"))
                }
            });
    }
    if config.summary_refresh_secs > 0 {
        let pool = services.pool.clone();
        let every = Every {
            period: std::time::Duration::from_secs(config.summary_refresh_secs),
            at_start: false, // the view was just migrated
            leader_only: true,
        };
        services
            .worker
            .every("summary-refresh", services.pool.clone(), every, move || {
                let pool = pool.clone();
                async move {
                    db::cache::refresh_summary(&pool).await?;
                    Ok("task_performance_summary refreshed".to_owned())
                }
            });
    }
    if config.retrain_secs > 0 {
        let s = services.clone();
        let every = Every {
            period: std::time::Duration::from_secs(config.retrain_secs),
            at_start: false,
            leader_only: true,
        };
        services.worker.every(
            "failure-model-retrain",
            services.pool.clone(),
            every,
            move || {
                let s = s.clone();
                async move {
                    let n = service::retrain_models(&s).await?;
                    Ok(format!("{n} failure models refitted"))
                }
            },
        );
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
