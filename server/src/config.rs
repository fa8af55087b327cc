//! Layered configuration: built-in defaults, then `TASKLENS_*` (and `DATABASE_URL`) environment
//! variables, then command-line flags. `tasklens --help` lists every setting.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use secrecy::SecretString;

#[derive(Debug, Clone, Args)]
pub struct Config {
    /// PostgreSQL connection URL.
    #[arg(
        long,
        env = "DATABASE_URL",
        hide_env_values = true,
        default_value = "postgres://postgres@127.0.0.1:5432/tasklens",
        global = true
    )]
    pub database_url: SecretString,

    /// Address to listen on (`:0` picks a free port).
    #[arg(
        long,
        env = "TASKLENS_ADDR",
        default_value = "127.0.0.1:3000",
        global = true
    )]
    pub addr: SocketAddr,

    /// Folder holding the built site (`pkg/` with the wasm, JS and CSS bundles).
    #[arg(
        long,
        env = "TASKLENS_SITE_ROOT",
        default_value = "site",
        global = true
    )]
    pub site_root: PathBuf,

    /// Most database connections the server holds.
    #[arg(
        long,
        env = "TASKLENS_DB_MAX_CONNECTIONS",
        default_value_t = 10,
        global = true
    )]
    pub db_max_connections: u32,

    /// Longest wait for a database connection before answering 503, in milliseconds.
    #[arg(
        long,
        env = "TASKLENS_DB_ACQUIRE_TIMEOUT_MS",
        default_value_t = 3000,
        global = true
    )]
    pub db_acquire_timeout_ms: u64,

    /// Longest time a single SQL statement may run, in milliseconds.
    #[arg(
        long,
        env = "TASKLENS_DB_STATEMENT_TIMEOUT_MS",
        default_value_t = 30_000,
        global = true
    )]
    pub db_statement_timeout_ms: u64,

    /// Longest time any HTTP request may take, in seconds.
    #[arg(
        long,
        env = "TASKLENS_REQUEST_TIMEOUT_SECS",
        default_value_t = 30,
        global = true
    )]
    pub request_timeout_secs: u64,

    /// Longest time a client may take to send a request's headers, in seconds (slow clients
    /// holding connections open are cut off).
    #[arg(
        long,
        env = "TASKLENS_HEADER_READ_TIMEOUT_SECS",
        default_value_t = 10,
        global = true
    )]
    pub header_read_timeout_secs: u64,

    /// Most requests served at once (pages, server functions, REST reads); more are answered
    /// 503 with `Retry-After` at once.
    #[arg(
        long,
        env = "TASKLENS_MAX_IN_FLIGHT",
        default_value_t = 64,
        global = true
    )]
    pub max_in_flight: usize,

    /// Most ingest requests served at once; more are answered 503 with `Retry-After` at once.
    /// Batches touching the same executions serialise on their rows anyway; two at the
    /// 16 MiB limit (about 40,000 records) finish in under 10 s on two cores.
    #[arg(
        long,
        env = "TASKLENS_MAX_IN_FLIGHT_INGEST",
        default_value_t = 2,
        global = true
    )]
    pub max_in_flight_ingest: usize,

    /// Bearer tokens accepted by the ingest API, comma-separated. Empty: ingest is refused.
    #[arg(
        long,
        env = "TASKLENS_INGEST_TOKENS",
        hide_env_values = true,
        default_value = "",
        global = true
    )]
    pub ingest_tokens: SecretString,

    /// Cost model: price of one vCPU-hour (allocated cores, else used).
    #[arg(
        long,
        env = "TASKLENS_COST_CPU_HOUR",
        default_value_t = 0.048,
        global = true
    )]
    pub cost_cpu_hour: f64,

    /// Cost model: price of one GB-hour of memory (allocated, else peak).
    #[arg(
        long,
        env = "TASKLENS_COST_GB_HOUR",
        default_value_t = 0.0053,
        global = true
    )]
    pub cost_gb_hour: f64,

    /// Cost model: currency of the prices.
    #[arg(
        long,
        env = "TASKLENS_COST_CURRENCY",
        default_value = "USD",
        global = true
    )]
    pub cost_currency: String,

    /// Origins allowed to show `/embed/...` panels in an iframe, comma-separated
    /// (`https://portal.example.com`). Every other page refuses framing.
    #[arg(
        long,
        env = "TASKLENS_EMBED_ORIGINS",
        default_value = "",
        global = true
    )]
    pub embed_origins: String,

    /// Seconds a computed performance result or ranking of a named window is served as it is,
    /// or 0.1 % of the window when longer (0: no caching).
    #[arg(
        long,
        env = "TASKLENS_CACHE_TTL_SECS",
        default_value_t = 60,
        global = true
    )]
    pub cache_ttl_secs: u64,

    /// Seconds past its freshness a result is still served while it is recomputed in the
    /// background (stale-while-revalidate).
    #[arg(
        long,
        env = "TASKLENS_CACHE_MAX_STALE_SECS",
        default_value_t = 900,
        global = true
    )]
    pub cache_max_stale_secs: u64,

    /// Named windows whose rankings and per-task performance (which `/failures` shares) the
    /// server computes in the background, at start and every half of the max staleness, so
    /// first requests find a result ("" for none). The defaults are `/failures`' and
    /// `/performance`'s default windows.
    #[arg(
        long,
        env = "TASKLENS_PREWARM",
        default_value = "24h,7d",
        global = true
    )]
    pub prewarm: String,

    /// Answer windowed questions from raw rows instead of the rollups (the benchmarks' baseline).
    #[arg(long, env = "TASKLENS_READ_RAW", global = true)]
    pub read_raw: bool,

    /// Seconds between concurrent refreshes of the task_performance_summary view (0: never).
    #[arg(
        long,
        env = "TASKLENS_SUMMARY_REFRESH_SECS",
        default_value_t = 300,
        global = true
    )]
    pub summary_refresh_secs: u64,

    /// Seconds between runs of the failure-model retraining job (one replica at a time; 0:
    /// never). A run refits stored models that 200 new executions, or a day and any new one,
    /// made stale.
    #[arg(
        long,
        env = "TASKLENS_RETRAIN_SECS",
        default_value_t = 600,
        global = true
    )]
    pub retrain_secs: u64,

    /// Milliseconds between the server's pings on a live-updates WebSocket (`/ws`).
    #[arg(
        long,
        env = "TASKLENS_WS_PING_MS",
        default_value_t = 20_000,
        global = true
    )]
    pub ws_ping_ms: u64,

    /// Milliseconds without any frame from a WebSocket client (pongs count) before the server
    /// closes the connection.
    #[arg(
        long,
        env = "TASKLENS_WS_IDLE_TIMEOUT_MS",
        default_value_t = 60_000,
        global = true
    )]
    pub ws_idle_timeout_ms: u64,

    /// Milliseconds a WebSocket client's socket may accept nothing before the server
    /// disconnects it as too slow (until then it gets coalesced updates).
    #[arg(
        long,
        env = "TASKLENS_WS_SEND_TIMEOUT_MS",
        default_value_t = 10_000,
        global = true
    )]
    pub ws_send_timeout_ms: u64,

    /// Log format: `text` for people, `json` for log collectors. Filter with `RUST_LOG`.
    #[arg(long, env = "TASKLENS_LOG_FORMAT", default_value = "text", value_parser = ["text", "json"], global = true)]
    pub log_format: String,
}

impl Config {
    pub fn pool_options(&self) -> db::PoolOptions {
        db::PoolOptions {
            max_connections: self.db_max_connections,
            acquire_timeout: Duration::from_millis(self.db_acquire_timeout_ms),
            statement_timeout: Duration::from_millis(self.db_statement_timeout_ms),
        }
    }

    pub fn ingest_tokens(&self) -> Vec<SecretString> {
        use secrecy::ExposeSecret;
        self.ingest_tokens
            .expose_secret()
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(|t| SecretString::from(t.to_owned()))
            .collect()
    }

    pub fn embed_origins(&self) -> Vec<String> {
        self.embed_origins
            .split(',')
            .map(str::trim)
            .filter(|o| !o.is_empty())
            .map(str::to_owned)
            .collect()
    }

    pub fn cost_model(&self) -> analytics::cost::CostModel {
        analytics::cost::CostModel {
            cpu_hour: self.cost_cpu_hour,
            gb_hour: self.cost_gb_hour,
            currency: self.cost_currency.clone(),
        }
    }

    pub fn live_limits(&self) -> service::live::LiveLimits {
        service::live::LiveLimits {
            ping_every: Duration::from_millis(self.ws_ping_ms.max(10)),
            idle_timeout: Duration::from_millis(self.ws_idle_timeout_ms.max(10)),
            send_timeout: Duration::from_millis(self.ws_send_timeout_ms.max(10)),
        }
    }

    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs)
    }

    /// Defaults with the given database URL and a free port: what tests start.
    pub fn for_tests(database_url: &str) -> Self {
        use clap::Parser;
        #[derive(Parser)]
        struct Only {
            #[command(flatten)]
            config: Config,
        }
        let mut config = Only::parse_from(["tasklens"]).config;
        config.database_url = SecretString::from(database_url.to_owned());
        config.addr = SocketAddr::from(([127, 0, 0, 1], 0));
        config
    }
}
