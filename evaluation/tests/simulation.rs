//! The what-if simulator meets the validation targets on demo workloads (seeds 3 and
//! 17, as `tests/accuracy.rs`; `docs/accuracy.md` reports seed 2026): every counterfactual's
//! makespan p50 and p95 within 5 % and failure probability within 2 points of the generator's
//! counterfactual history, and the backtest's P10–P90 band holding about 80 % of later runs.

use evaluation::simulation::{self, MAKESPAN_TARGET};

#[test]
fn the_simulator_predicts_counterfactual_histories_and_later_runs_within_the_targets() {
    for seed in [3, 17] {
        let report = simulation::evaluate_simulation(workload::DemoParams {
            days: 30,
            workflows: 5,
            scale: 1.0,
            seed,
            end: "2026-11-26T00:00:00Z".parse().expect("a timestamp"),
        })
        .expect("the workload generates");
        let md = report.to_markdown();
        assert_eq!(report.counterfactuals.len(), 4, "{md}");
        for c in &report.counterfactuals {
            assert!(c.passed(), "seed {seed}, {}:\n{md}", c.change);
            // Each change moved something the check could miss.
            let moved = (c.truth.p50 - c.original.p50).abs() / c.original.p50 > MAKESPAN_TARGET
                || (c.truth.p95 - c.original.p95).abs() / c.original.p95 > MAKESPAN_TARGET
                || (c.truth.failure - c.original.failure).abs() > 0.003;
            assert!(moved, "seed {seed}, {} changed nothing:\n{md}", c.change);
        }
        assert_eq!(report.backtests.len(), 5, "{md}");
        // ~80 %: a binomial share of ~1,000 runs is within ±3 points; the trends the
        // generator plants (+40 % over the month in the ETL shards, +60 % in variant calling)
        // push later runs above a band fitted on earlier ones, hence the wider bounds.
        let coverage = report.coverage();
        assert!(
            (0.7..=0.9).contains(&coverage),
            "seed {seed}: {coverage}\n{md}"
        );
        for b in &report.backtests {
            assert!(b.median_error <= 0.15, "seed {seed}, {}:\n{md}", b.workflow);
        }
        // Resampling along the trends follows the ETL shards' planted +40 % drift.
        let etl = report
            .backtests
            .iter()
            .find(|b| b.workflow == "etl_orders")
            .expect("the ETL workflow");
        assert!(
            etl.adjusted_median_error < 0.6 * etl.median_error,
            "seed {seed}:\n{md}"
        );
        let adjusted = report.adjusted_coverage();
        assert!(
            (0.7..=0.9).contains(&adjusted),
            "seed {seed}: {adjusted}\n{md}"
        );
    }
}

#[test]
fn one_real_run_fits_a_point_prediction_its_own_makespan_which_the_next_year_misses() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata/real/nextflow/");
    let read = |name: &str| std::fs::read(format!("{dir}{name}")).expect("the trace is there");
    let (fit, test) = (
        read("openproblems-trace-2021-03-04.txt"),
        read("openproblems-trace-2022-05-13.txt"),
    );
    let r = simulation::real_backtest(&fit, &test, 1).expect("both traces import");
    // The 2021 run's own span, from its records (first start to last end): resampling one run
    // of a DAG-less trace replays it, so every simulated run takes exactly that.
    let records = importers::import(&fit, &importers::ImportOptions::from_source("2021"))
        .expect("imports")
        .executions;
    let start = records.iter().map(|r| r.start_time).min().expect("records");
    let end = records
        .iter()
        .filter_map(|r| r.end_time)
        .max()
        .expect("ended");
    let span = (end - start).num_milliseconds() as f64;
    assert_eq!(
        (r.predicted_p10, r.predicted_p50, r.predicted_p90),
        (span, span, span)
    );
    // 69.4 min against 34.8 min the next year: no band to be inside.
    assert!(!r.inside_band && r.median_error > 0.9, "{r:?}");
    assert_eq!((r.fit_tasks, r.shared_tasks), (11, 11));
}
