//! `tasklens demo`: generates a realistic history with the `workload` generator, loads it, and
//! writes the generator's ground truth (what analytics must find) beside it as JSON.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use secrecy::ExposeSecret;

#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// Days of history, ending now.
    #[arg(long, default_value_t = 30)]
    pub days: u32,
    /// Number of workflows.
    #[arg(long, default_value_t = 5)]
    pub workflows: u32,
    /// Multiplies how often workflows run.
    #[arg(long, default_value_t = 1.0)]
    pub scale: f64,
    /// Random seed: the same seed gives the same history.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Where to write the ground truth JSON.
    #[arg(long, default_value = "demo-ground-truth.json")]
    pub ground_truth: PathBuf,
    /// Do nothing when the database already holds executions.
    #[arg(long)]
    pub if_empty: bool,
}

pub async fn run(args: DemoArgs, config: &crate::config::Config) -> anyhow::Result<()> {
    let pool = db::connect(config.database_url.expose_secret(), &config.pool_options())?;
    db::migrate(&pool)
        .await
        .context("applying database migrations")?;
    if args.if_empty && db::tasks::execution_count(&pool).await? > 0 {
        println!("the database already holds executions; demo skipped");
        return Ok(());
    }
    let generator = workload::Generator::new(workload::DemoParams {
        days: args.days,
        workflows: args.workflows,
        scale: args.scale,
        seed: args.seed,
        end: chrono::Utc::now(),
    })?;
    let bar = ProgressBar::new(generator.estimated_executions());
    bar.set_style(
        ProgressStyle::with_template("{bar:40} ~{pos}/{len} executions ({per_sec}, {eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let services = service::Services::new(
        pool.clone(),
        config.cost_model(),
        std::time::Duration::ZERO,
        false,
    );
    let mut executions = 0u64;
    for batch in generator.batches(10_000) {
        let r = service::ingest(&services, &batch).await?;
        executions += r.accepted;
        bar.inc(r.accepted);
    }
    bar.finish_and_clear();
    let truth = serde_json::to_vec_pretty(&generator.ground_truth())?;
    std::fs::write(&args.ground_truth, truth)
        .with_context(|| format!("writing {}", args.ground_truth.display()))?;
    println!(
        "demo loaded: {executions} executions over {} days; ground truth in {}",
        args.days,
        args.ground_truth.display()
    );
    Ok(())
}
