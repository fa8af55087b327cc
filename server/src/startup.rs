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
            let services = services.start_refresher();
            let windows: Vec<String> = config
                .prewarm
                .split(',')
                .map(str::trim)
                .filter(|w| !w.is_empty())
                .map(str::to_owned)
                .collect();
            if !windows.is_empty() {
                tokio::spawn(prewarm_every(
                    services.clone(),
                    windows,
                    services.max_stale / 2,
                ));
            }
            services
        } else {
            services
        };
        if config.summary_refresh_secs > 0 {
            tokio::spawn(refresh_summary_every(
                pool.clone(),
                std::time::Duration::from_secs(config.summary_refresh_secs),
            ));
        }
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
            ),
        };
        let router = crate::routes::router(state, config.request_timeout());
        Ok(Self {
            listener,
            router,
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

    /// Serves until Ctrl-C or SIGTERM, then finishes in-flight requests.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        crate::serve::serve(
            self.listener,
            self.router,
            self.header_read_timeout,
            shutdown_signal(),
        )
        .await
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

/// Keeps the task_performance_summary view fresh; a failed refresh (database down) is logged
/// and retried at the next tick.
async fn refresh_summary_every(pool: db::PgPool, every: std::time::Duration) {
    let mut tick = tokio::time::interval(every);
    tick.tick().await; // the first tick fires at once; the view was just migrated
    loop {
        tick.tick().await;
        match db::cache::refresh_summary(&pool).await {
            Ok(()) => tracing::debug!("task_performance_summary refreshed"),
            Err(e) => tracing::warn!(error = ?e, "refreshing task_performance_summary failed"),
        }
    }
}

/// Queues the named windows' performance of every active task now and then every `every`
/// (the worker skips results still fresh).
async fn prewarm_every(
    services: service::Services,
    windows: Vec<String>,
    every: std::time::Duration,
) {
    let mut tick = tokio::time::interval(every.max(std::time::Duration::from_secs(1)));
    loop {
        tick.tick().await;
        match services.prewarm(&windows).await {
            Ok(n) => {
                tracing::info!(queued = n, windows = ?windows, "prewarming performance results")
            }
            Err(e) => tracing::warn!(error = %e, "prewarming failed"),
        }
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
