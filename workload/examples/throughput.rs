//! Measures the generator: estimated vs generated executions and records per second.
//! `cargo run --release -p workload --example throughput -- DAYS WORKFLOWS SCALE [SEED]`
//! (defaults 30 5 1.0 1). Pass `estimate` as a fifth argument to skip generation.

use std::time::Instant;

use chrono::{TimeZone, Utc};
use workload::{DemoParams, Generator};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize, default: &str| args.get(i).cloned().unwrap_or_else(|| default.to_owned());
    let params = DemoParams {
        days: arg(0, "30").parse()?,
        workflows: arg(1, "5").parse()?,
        scale: arg(2, "1.0").parse()?,
        seed: arg(3, "1").parse()?,
        end: Utc
            .with_ymd_and_hms(2026, 3, 1, 0, 0, 0)
            .single()
            .ok_or("bad date")?,
    };
    let g = Generator::new(params)?;
    println!(
        "tasks {}  estimated executions {}",
        g.task_count(),
        g.estimated_executions()
    );
    if args.get(4).is_some_and(|a| a == "estimate") {
        return Ok(());
    }
    let t = Instant::now();
    let mut n = 0_usize;
    let mut batches = 0_usize;
    for b in g.batches(50_000) {
        n += b.executions.len();
        batches += 1;
    }
    let dt = t.elapsed().as_secs_f64();
    println!(
        "batches: {n} executions in {batches} batches, {dt:.2} s, {:.0} executions/s",
        n as f64 / dt
    );
    let t = Instant::now();
    let truth = g.ground_truth();
    let dt = t.elapsed().as_secs_f64();
    println!(
        "ground truth: {} executions, {} failures, {} retries, {} skipped, {} running, {} runs, {dt:.2} s",
        truth.totals.executions,
        truth.totals.failures,
        truth.totals.retries,
        truth.totals.skipped,
        truth.totals.running,
        truth.totals.runs
    );
    Ok(())
}
