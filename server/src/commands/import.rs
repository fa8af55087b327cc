//! `tasklens import FILE...`: detects each file's format (ingest v1 JSON/NDJSON, WfCommons
//! WfFormat, Nextflow trace) and loads it, straight into the database (one transaction per file:
//! all or nothing) or over HTTP to a running server (`--url`, `--token`; batches of 10,000,
//! validated locally first, so a bad file sends nothing).

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use secrecy::{ExposeSecret, SecretString};
use types::ingest::{IngestResponse, ValidBatch};

/// Records per transaction chunk or HTTP request.
const CHUNK: usize = 10_000;

#[derive(Debug, Clone, Args)]
pub struct ImportArgs {
    /// Files to load (format detected from content).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Send to a running server instead of writing to the database directly.
    #[arg(long, env = "TASKLENS_URL")]
    pub url: Option<String>,
    /// Bearer token for `--url`.
    #[arg(long, env = "TASKLENS_TOKEN", hide_env_values = true)]
    pub token: Option<SecretString>,
    /// Workflow key to file the executions under (default: from the file).
    #[arg(long)]
    pub workflow_id: Option<String>,
    /// Workflow execution key (default: the file name without extension).
    #[arg(long)]
    pub workflow_execution_id: Option<String>,
}

pub async fn run(args: ImportArgs, config: &crate::config::Config) -> anyhow::Result<()> {
    let pool = match &args.url {
        Some(_) => None,
        None => {
            let pool = db::connect(config.database_url.expose_secret(), &config.pool_options())?;
            db::migrate(&pool)
                .await
                .context("applying database migrations")?;
            Some(pool)
        }
    };
    for file in &args.files {
        let batch = read(file, &args)?;
        let total = match (&pool, &args.url) {
            (Some(pool), _) => load_direct(pool, &batch).await?,
            (None, Some(url)) => send(url, args.token.as_ref(), &batch).await?,
            (None, None) => unreachable!("either a pool or a URL"),
        };
        println!(
            "{}: {} executions ({} new, {} updated), {} dependencies",
            file.display(),
            total.accepted,
            total.inserted,
            total.updated,
            total.dependencies
        );
    }
    Ok(())
}

pub fn read(file: &PathBuf, args: &ImportArgs) -> anyhow::Result<ValidBatch> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "import".to_owned());
    let opts = importers::ImportOptions {
        workflow_id: args.workflow_id.clone(),
        workflow_execution_id: args.workflow_execution_id.clone(),
        source_name: stem,
    };
    importers::import(&bytes, &opts).with_context(|| format!("{}", file.display()))
}

fn progress(len: usize) -> ProgressBar {
    let bar = ProgressBar::new(len as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} executions ({per_sec}, {eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

fn chunks(batch: &ValidBatch) -> impl Iterator<Item = ValidBatch> + '_ {
    let n = batch.executions.len().div_ceil(CHUNK).max(1);
    (0..n).map(move |i| ValidBatch {
        executions: batch.executions[(i * CHUNK).min(batch.executions.len())
            ..((i + 1) * CHUNK).min(batch.executions.len())]
            .to_vec(),
        // Edges go last: they need their tasks, which the earlier chunks create.
        dependencies: if i + 1 == n {
            batch.dependencies.clone()
        } else {
            Vec::new()
        },
    })
}

fn add(total: &mut IngestResponse, r: IngestResponse) {
    total.accepted += r.accepted;
    total.inserted += r.inserted;
    total.updated += r.updated;
    total.dependencies += r.dependencies;
}

/// One transaction for the whole file, through the one write path (`service::ingest_all`).
pub async fn load_direct(pool: &db::PgPool, batch: &ValidBatch) -> anyhow::Result<IngestResponse> {
    let services = service::Services::new(
        pool.clone(),
        Default::default(),
        std::time::Duration::ZERO,
        false,
    );
    let bar = progress(batch.executions.len());
    let chunks: Vec<ValidBatch> = chunks(batch).collect();
    let total = service::ingest_all(&services, &chunks, |n| bar.inc(n as u64))
        .await
        .map_err(describe_error)?;
    bar.finish_and_clear();
    Ok(total)
}

fn describe_error(e: service::ServiceError) -> anyhow::Error {
    match e {
        service::ServiceError::Db(db::DbError::Invalid(errors)) => {
            let lines: Vec<String> = errors
                .iter()
                .take(10)
                .map(|e| format!("  record {}: {}: {}", e.index, e.field, e.message))
                .collect();
            anyhow::anyhow!(
                "records conflict with stored data; nothing was written:\n{}",
                lines.join("\n")
            )
        }
        other => anyhow::Error::new(other),
    }
}

async fn send(
    url: &str,
    token: Option<&SecretString>,
    batch: &ValidBatch,
) -> anyhow::Result<IngestResponse> {
    let Some(token) = token else {
        bail!("--url needs --token (or TASKLENS_TOKEN)");
    };
    let endpoint = format!("{}/api/v1/task-analytics/ingest", url.trim_end_matches('/'));
    let http = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(120))
        .build()?;
    let bar = progress(batch.executions.len());
    let mut total = IngestResponse::default();
    for chunk in chunks(batch) {
        let resp = http
            .post(&endpoint)
            .bearer_auth(token.expose_secret())
            .json(&serde_json::json!({
                "executions": chunk.executions,
                "dependencies": chunk.dependencies,
            }))
            .send()
            .await
            .with_context(|| format!("POST {endpoint}"))?;
        if !resp.status().is_success() {
            let status = resp.status();
            let body = resp.text().await.unwrap_or_default();
            bail!("POST {endpoint}: {status}: {body}");
        }
        add(&mut total, resp.json().await?);
        bar.inc(chunk.executions.len() as u64);
    }
    bar.finish_and_clear();
    Ok(total)
}
