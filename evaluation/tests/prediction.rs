//! The failure model comes within 2 points of the true model's accuracy and 0.03 of its ROC
//! AUC, with expected calibration error ≤ 0.05, on every failure-prone task of two demo
//! workloads (seeds other than the one `docs/accuracy.md` was produced with).

#[test]
#[ignore = "not yet met: 5 of 26 tasks miss the AUC or accuracy target (docs/accuracy.md, Failure prediction)"]
fn the_failure_model_reaches_the_ceiling_on_every_failure_prone_task() {
    let reports: Vec<_> = [3, 17]
        .into_iter()
        .map(|seed| {
            evaluation::prediction::evaluate(workload::DemoParams {
                days: 30,
                workflows: 5,
                scale: 1.0,
                seed,
                end: "2026-11-26T00:00:00Z".parse().expect("a timestamp"),
            })
            .expect("the workload generates")
        })
        .collect();
    let tables: String = reports.iter().map(|r| r.to_markdown() + "\n").collect();
    assert!(reports.iter().all(|r| r.all_passed()), "{tables}");
}
