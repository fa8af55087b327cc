//! The analytics find every ground-truth label of demo workloads (seeds other than the one
//! `docs/accuracy.md` was produced with, so neither tunes to the other).

#[test]
fn every_label_is_found_and_outliers_reach_ninety_percent_precision_and_recall() {
    for seed in [3, 17] {
        let report = evaluation::evaluate(workload::DemoParams {
            days: 30,
            workflows: 5,
            scale: 1.0,
            seed,
            end: "2026-11-26T00:00:00Z".parse().expect("a timestamp"),
        })
        .expect("the workload generates");
        assert!(
            report.all_passed(),
            "seed {seed}:\n{}",
            report.to_markdown()
        );
    }
}
