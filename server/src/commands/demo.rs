//! `tasklens demo`: generates a realistic history with the `workload` generator, loads it, and
//! writes the generator's ground truth (what analytics must find) beside it as JSON. With
//! `--counterfactual`, the history is the same seed's as it would have been with the change
//! (`workload::Counterfactual`): the ground truth a what-if simulation is checked against.

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
    /// Generate the same seed's history as it would have been with this change (repeatable):
    /// `faster:TASK:FACTOR` (0.7 = 30 % faster), `cache:TASK:HIT_RATE`,
    /// `remove-edge:UPSTREAM:DOWNSTREAM` or `memory:TASK:MB`, tasks named as in the records
    /// (`ci_web.build`). Without it the history is the original, record for record.
    #[arg(long = "counterfactual", value_name = "CHANGE")]
    pub counterfactuals: Vec<workload::Counterfactual>,
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
    })?
    .counterfactual(&args.counterfactuals)?;
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

#[cfg(test)]
mod tests {
    use clap::Parser;

    #[derive(Parser)]
    struct Demo {
        #[command(flatten)]
        args: super::DemoArgs,
    }

    #[test]
    fn counterfactual_flags_become_changes_and_a_malformed_one_is_refused() {
        let d = Demo::try_parse_from([
            "demo",
            "--counterfactual",
            "cache:ci_web.build:0.5",
            "--counterfactual",
            "remove-edge:ci_web.integration_tests:ci_web.package",
        ])
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            d.args.counterfactuals,
            [
                workload::Counterfactual::Cache {
                    task_id: "ci_web.build".into(),
                    hit_rate: 0.5
                },
                workload::Counterfactual::RemoveEdge {
                    upstream: "ci_web.integration_tests".into(),
                    downstream: "ci_web.package".into()
                }
            ]
        );
        assert!(Demo::try_parse_from(["demo"]).is_ok_and(|d| d.args.counterfactuals.is_empty()));
        assert!(Demo::try_parse_from(["demo", "--counterfactual", "faster:x"]).is_err());
    }
}
