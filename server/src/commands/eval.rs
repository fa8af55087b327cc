//! `tasklens eval`: generates a demo workload with a seed of your choice, runs every analysis
//! on it, and scores the findings against the generator's ground truth (see `evaluation`);
//! then validates the what-if simulator: backtest, counterfactual histories and the real
//! openproblems traces (`evaluation::simulation`).

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

#[derive(Debug, Clone, Args)]
pub struct EvalArgs {
    /// Seed of the workload (use one the tests do not use).
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
    #[arg(long, default_value_t = 30)]
    pub days: u32,
    #[arg(long, default_value_t = 5)]
    pub workflows: u32,
    #[arg(long, default_value_t = 1.0)]
    pub scale: f64,
    /// Also score this many further workloads (seeds seed+1, ...) and summarise all of them.
    #[arg(long, default_value_t = 0)]
    pub more_seeds: u64,
    /// Also write the report to this Markdown file.
    #[arg(long)]
    pub markdown: Option<PathBuf>,
    /// End of the generated history (RFC 3339; default now): a fixed end reproduces a report.
    #[arg(long)]
    pub end: Option<chrono::DateTime<chrono::Utc>>,
    /// Directory of the two openproblems Nextflow traces (2021-03-04, 2022-05-13) for the
    /// simulator's real-data backtest; skipped when they are not there.
    #[arg(long, default_value = "testdata/real/nextflow")]
    pub real_traces: PathBuf,
}

pub fn run(args: EvalArgs) -> anyhow::Result<()> {
    let end = args.end.unwrap_or_else(chrono::Utc::now);
    let params = |seed| workload::DemoParams {
        days: args.days,
        workflows: args.workflows,
        scale: args.scale,
        seed,
        end,
    };
    let report = evaluation::evaluate(params(args.seed))?;
    let mut md = report.to_markdown();
    if args.more_seeds > 0 {
        let mut reports = vec![report.clone()];
        for seed in args.seed + 1..=args.seed + args.more_seeds {
            reports.push(evaluation::evaluate(params(seed))?);
        }
        md.push_str(&format!(
            "\n## Across seeds {}..={}\n\n{}",
            args.seed,
            args.seed + args.more_seeds,
            evaluation::summarize(&reports)
        ));
    }
    let read = |name: &str| std::fs::read(args.real_traces.join(name)).ok();
    let traces =
        read("openproblems-trace-2021-03-04.txt").zip(read("openproblems-trace-2022-05-13.txt"));
    let (section, simulated) = evaluation::simulation::section(
        params(args.seed),
        traces.as_ref().map(|(a, b)| (a.as_slice(), b.as_slice())),
    )?;
    md.push('\n');
    md.push_str(&section);
    println!("{md}");
    if let Some(path) = &args.markdown {
        std::fs::write(path, &md).with_context(|| format!("writing {}", path.display()))?;
    }
    if !report.all_passed() {
        anyhow::bail!("some ground-truth labels were missed (see above)");
    }
    if !simulated {
        anyhow::bail!("some counterfactual predictions missed their targets (see above)");
    }
    Ok(())
}
