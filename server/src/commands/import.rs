//! `tasklens import FILE...`: detects each file's format (ingest v1 JSON/NDJSON, WfCommons
//! WfFormat, Nextflow trace) and loads it, straight into the database (one transaction per file:
//! all or nothing) or over HTTP to a running server (`--url`, `--token`; batches of 10,000,
//! validated locally first, so a bad file sends nothing). A file that fails stops the import
//! and the files after it are named as skipped, unless `--keep-going`.
//!
//! Keys come from the file's content, never its name (`importers::keys`): Nextflow writes
//! `execution_trace.txt` on every run. Loading straight into the database, an import that would
//! change the times of executions already stored under the same keys is refused before anything
//! is written, naming them (`db::ingest::preview`), unless `--replace`; the same file again is
//! idempotent and reported as unchanged. Over HTTP the server's own guard applies (409 when a
//! record moves a stored execution by more than its duration); `--replace` marks every record
//! `correction: true`.

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
    /// Workflow key to file the executions under (default: from the content: the pipeline's
    /// scope for Nextflow, the instance name and a DAG fingerprint for WfCommons).
    #[arg(long, visible_alias = "workflow")]
    pub workflow_id: Option<String>,
    /// Workflow execution (run) key (default: from the content: the run's first submit time
    /// and a fingerprint of what it ran; never the file name).
    #[arg(long)]
    pub workflow_execution_id: Option<String>,
    /// Overwrite stored executions whose times differ from the file's (a corrected trace of
    /// the same run). Without it such an import is refused and writes nothing.
    #[arg(long)]
    pub replace: bool,
    /// Import the remaining files when one fails (and exit non-zero naming the failed ones);
    /// without it the first failure stops the import and the files after it are named as
    /// skipped.
    #[arg(long)]
    pub keep_going: bool,
}

/// What loading one file did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Loaded {
    pub counts: IngestResponse,
    /// Of `counts.updated`, the executions whose stored fields all stayed the same (known when
    /// loading straight into the database).
    pub unchanged: u64,
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
    let mut failed = Vec::new();
    for (i, file) in args.files.iter().enumerate() {
        let loaded = async {
            let batch = read(file, &args)?;
            let loaded = match (&pool, &args.url) {
                (Some(pool), _) => load_direct(pool, &batch, args.replace)
                    .await
                    .with_context(|| format!("{}", file.display()))?,
                (None, Some(url)) => Loaded {
                    counts: send(url, args.token.as_ref(), &batch).await?,
                    unchanged: 0,
                },
                (None, None) => unreachable!("either a pool or a URL"),
            };
            anyhow::Ok(summary(&batch, &loaded))
        }
        .await;
        match loaded {
            Ok(line) => println!("{}: {line}", file.display()),
            Err(e) if args.keep_going => {
                eprintln!("{}: not imported: {e:#}", file.display());
                failed.push(file);
            }
            Err(e) => return Err(e.context(stopped_at(file, &args.files[i + 1..]))),
        }
    }
    if failed.is_empty() {
        return Ok(());
    }
    bail!(
        "{} of {} files not imported: {}",
        failed.len(),
        args.files.len(),
        names(failed.iter().copied())
    )
}

fn names<'a>(files: impl IntoIterator<Item = &'a PathBuf>) -> String {
    files
        .into_iter()
        .map(|f| f.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// What an import stopped at `file` did not do: the files after it, which were skipped.
pub fn stopped_at(file: &std::path::Path, rest: &[PathBuf]) -> String {
    let mut line = format!("{} not imported", file.display());
    if !rest.is_empty() {
        line.push_str(&format!(
            "; skipped, not imported: {} (--keep-going imports them despite a failed file)",
            names(rest)
        ));
    }
    line
}

/// `864 executions (0 new, 0 updated, 864 unchanged), 0 dependencies, as run R of workflow W`.
pub fn summary(batch: &ValidBatch, loaded: &Loaded) -> String {
    let c = &loaded.counts;
    let mut line = format!(
        "{} executions ({} new, {} updated, {} unchanged), {} dependencies",
        c.accepted,
        c.inserted,
        c.updated.saturating_sub(loaded.unchanged),
        loaded.unchanged,
        c.dependencies
    );
    let runs: std::collections::BTreeSet<(&str, &str)> = batch
        .executions
        .iter()
        .map(|r| (r.workflow_id.as_str(), r.workflow_execution_id.as_str()))
        .collect();
    if let [(workflow, run)] = runs.into_iter().collect::<Vec<_>>()[..] {
        line.push_str(&format!(", as run {run} of workflow {workflow}"));
    }
    line
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
    let mut batch =
        importers::import(&bytes, &opts).with_context(|| format!("{}", file.display()))?;
    if args.replace {
        for r in &mut batch.executions {
            r.correction = true;
        }
    }
    Ok(batch)
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

/// One transaction for the whole file, through the one write path (`service::ingest_all`),
/// after a read-only comparison with what is stored: executions whose times the file would
/// change are refused, naming them, unless `replace` (or the records say `correction`).
pub async fn load_direct(
    pool: &db::PgPool,
    batch: &ValidBatch,
    replace: bool,
) -> anyhow::Result<Loaded> {
    let preview = db::ingest::preview(pool, batch).await?;
    if !replace && preview.moved_total > 0 {
        return Err(refusal(&preview));
    }
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
    Ok(Loaded {
        counts: total,
        unchanged: preview.unchanged,
    })
}

/// Lines a person can act on: which executions, stored when, this file when.
fn refusal(preview: &db::ingest::Preview) -> anyhow::Error {
    const SHOWN: usize = 10;
    let mut lines: Vec<String> = preview
        .moved
        .iter()
        .take(SHOWN)
        .map(|m| {
            format!(
                "  task {:?}, execution {:?}: stored {}; this file {}",
                m.task_id,
                m.execution_id,
                db::ingest::Moved::span(m.stored_start, m.stored_end),
                db::ingest::Moved::span(m.start, m.end),
            )
        })
        .collect();
    let total = usize::try_from(preview.moved_total).unwrap_or(usize::MAX);
    if total > SHOWN {
        lines.push(format!("  ... and {} more", total - SHOWN));
    }
    anyhow::anyhow!(
        "refused, nothing was written: {total} execution(s) are already stored under the same \
         keys with other start or end times (another run under this run's keys, or a changed \
         file):\n{}\nImport it as another run (--workflow-execution-id), or pass --replace to \
         overwrite the stored times.",
        lines.join("\n")
    )
}

fn describe_error(e: service::ServiceError) -> anyhow::Error {
    match e {
        service::ServiceError::Db(db::DbError::Conflict(errors)) => {
            let lines: Vec<String> = errors
                .iter()
                .take(10)
                .map(|e| format!("  record {}: {}: {}", e.index, e.field, e.message))
                .collect();
            anyhow::anyhow!(
                "records would move stored executions; nothing was written:\n{}",
                lines.join("\n")
            )
        }
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
