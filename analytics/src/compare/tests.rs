use approx::assert_relative_eq;
use statrs::distribution::{ContinuousCDF, Normal};
use types::{ExecutionStatus, InsightType, Level};

use super::*;
use crate::tolerances::{P_VALUE_REL, REL};

/// A run of `d` ms on 4 cores using `share` of them, peaking at 3,000 of 4,096 MB.
fn run(i: usize, status: ExecutionStatus, d: f64, share: f64) -> Execution {
    Execution {
        duration_ms: Some(d),
        cpu_time_ms: Some(d * 4.0 * share),
        cpu_allocated_cores: Some(4.0),
        memory_peak_mb: Some(3000.0),
        memory_allocated_mb: Some(4096.0),
        ..Execution::new(
            format!("e{i}"),
            "t",
            format!("r{i}"),
            status,
            i as i64 * 3_600_000,
            None,
        )
    }
}

/// 40 completed runs of 100, 101, ..., 139 s, each duration × `scale`.
fn runs(scale: f64, share: f64) -> Vec<Execution> {
    (0..40)
        .map(|i| {
            run(
                i,
                ExecutionStatus::Completed,
                scale * (100_000.0 + 1_000.0 * i as f64),
                share,
            )
        })
        .collect()
}

#[test]
fn mann_whitney_of_separated_samples_matches_the_hand_worked_normal_approximation() {
    // x = [1, 2, 3] below y = [4, 5, 6]: R₁ = 6, U₁ = 6 − 3·4/2 = 0, U₂ = 9, μ = 4.5,
    // σ² = 3·3/12 · 7 = 5.25 (no ties), z = (9 − 4.5 − 0.5)/√5.25, p = 2(1 − Φ(z)) = 0.0809
    // (scipy.stats.mannwhitneyu([1,2,3], [4,5,6], method="asymptotic"): 0.08085559837005224).
    let r = mann_whitney_u(&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0]).unwrap();
    assert_eq!(r.u, 0.0);
    assert_eq!(r.probability_greater, 0.0);
    let z = 4.0 / 5.25_f64.sqrt();
    assert_relative_eq!(
        r.p_value,
        2.0 * Normal::standard().sf(z),
        max_relative = REL
    );
    assert_relative_eq!(r.p_value, 0.08085559837005224, max_relative = P_VALUE_REL);
    // Ties: x = [1, 2, 2, 3], y = [2, 3, 3, 4, 5]. Pooled ranks: 1 → 1; the three 2s → 3;
    // the three 3s → 6; 4 → 8; 5 → 9. R₁ = 1 + 3 + 3 + 6 = 13, U₁ = 13 − 10 = 3, U₂ = 17,
    // μ = 10, Σ(t³ − t) = 24 + 24 = 48, σ² = 20/12 · (10 − 48/72) = 15.5̅,
    // z = (17 − 10 − 0.5)/σ (scipy: 0.09934224785346528).
    let r = mann_whitney_u(&[1.0, 2.0, 2.0, 3.0], &[2.0, 3.0, 3.0, 4.0, 5.0]).unwrap();
    assert_eq!(r.u, 3.0);
    let sigma = (20.0 / 12.0 * (10.0 - 48.0 / 72.0_f64)).sqrt();
    assert_relative_eq!(
        r.p_value,
        2.0 * Normal::standard().sf(6.5 / sigma),
        max_relative = REL
    );
}

#[test]
fn mann_whitney_of_identical_or_all_tied_samples_is_one_and_empty_samples_are_none() {
    let x: Vec<f64> = (0..25).map(|i| f64::from(i) * 1.5).collect();
    let r = mann_whitney_u(&x, &x).unwrap();
    assert_eq!((r.u, r.p_value, r.probability_greater), (312.5, 1.0, 0.5));
    assert_eq!(mann_whitney_u(&[5.0; 3], &[5.0; 2]).unwrap().p_value, 1.0);
    assert!(mann_whitney_u(&[], &[1.0]).is_none());
    assert!(mann_whitney_u(&[1.0], &[f64::NAN]).is_none());
}

#[test]
fn planted_gaps_become_insights_with_their_tests_and_a_twin_shows_none() {
    let base = runs(1.0, 0.8);
    // 1.8 × slower on the same allocation: a performance gap (and 1.8 × the cost per run).
    let slow = runs(1.8, 0.8);
    // The same runs, and 10 failed attempts of 50 s beside them.
    let mut flaky = runs(1.0, 0.8);
    flaky.extend((40..50).map(|i| run(i, ExecutionStatus::Failed, 50_000.0, 0.8)));
    // The same durations on a fifth of the cores' time.
    let idle = runs(1.0, 0.2);
    let twin = runs(1.0, 0.8);
    let tasks = vec![
        input_of("base", base),
        input_of("slow", slow),
        input_of("flaky", flaky),
        input_of("idle", idle),
        input_of("twin", twin),
    ];
    let c = compare(&tasks, &CostModel::default());

    let perf = &c.metrics.performance_comparison;
    assert_eq!(perf.len(), 5);
    assert_eq!(perf["base"].relative_to_baseline, 1.0);
    assert_eq!(perf["base"].p_value, None);
    // Every slow run exceeds every baseline run: U = 40·40, P(slower) = 1; scipy
    // mannwhitneyu(1.8·d, d, method="asymptotic") = 1.435e-14 for these durations (no ties).
    assert_eq!(perf["slow"].probability_slower, Some(1.0));
    assert!(perf["slow"].p_value.unwrap() < 1e-13);
    // Sketch medians within 1 % of 1.8 × (119.5 s).
    assert!((perf["slow"].relative_to_baseline - 1.8).abs() < 0.04);
    assert_eq!(perf["twin"].p_value, Some(1.0));

    let of = |t: InsightType, task: &str| {
        c.insights
            .iter()
            .find(|i| i.insight_type == t && i.affected_tasks == [task])
    };
    let gap = of(InsightType::PerformanceGap, "slow").expect("a performance gap");
    assert_eq!(gap.severity, Level::Medium);
    let e = gap.evidence.as_ref().unwrap();
    assert_eq!(
        (e.test.as_str(), e.reference_task.as_str()),
        ("mann_whitney_u", "base")
    );
    assert!(e.adjusted_p_value < ALPHA && e.adjusted_p_value >= e.p_value);
    // Savings: the slow task's cost × (1 − 1/1.8).
    let slow_cost = c.metrics.cost_comparison["slow"].total_cost;
    assert!((gap.potential_savings / slow_cost - (1.0 - 1.0 / 1.8)).abs() < 0.02);
    assert!(of(InsightType::CostAnomaly, "slow").is_some());

    // 10 of 50 failed against 0 of 40. One-sided Fisher, P(X ≥ 10) with N = 90, K = 10 failures,
    // n = 50 draws: C(80, 40)/C(90, 50) = 0.0017956501941076197 (math.comb; scipy
    // fisher_exact([[10, 40], [0, 40]], alternative="greater") agrees), doubled.
    let rel = &c.metrics.reliability_comparison["flaky"];
    assert_eq!((rel.failures, rel.executions), (10, 50));
    assert_relative_eq!(rel.failure_rate, 0.2, max_relative = REL);
    assert_relative_eq!(
        rel.p_value.unwrap(),
        2.0 * 0.0017956501941076197,
        max_relative = P_VALUE_REL
    );
    let issue = of(InsightType::ReliabilityIssue, "flaky").expect("a reliability issue");
    assert_eq!(issue.severity, Level::High);
    assert_eq!(issue.evidence.as_ref().unwrap().test, "fisher_exact");
    // Its completed runs are the baseline's: no performance gap.
    assert!(of(InsightType::PerformanceGap, "flaky").is_none());

    let res = &c.metrics.resource_comparison["idle"];
    assert_relative_eq!(res.cpu_efficiency, 0.2, max_relative = 1e-9);
    assert_relative_eq!(res.relative_to_baseline, 0.25, max_relative = 1e-9);
    let ineff = of(InsightType::ResourceInefficiency, "idle").expect("an inefficiency");
    assert_eq!(ineff.severity, Level::High);

    assert!(
        c.insights
            .iter()
            .all(|i| i.affected_tasks != ["twin"] && i.affected_tasks != ["base"])
    );
    assert!(c.recommendations.iter().any(|r| r.task_id == "idle"));
    assert!(c.summary.contains("baseline base"), "{}", c.summary);
}

#[test]
fn a_better_task_makes_the_baseline_the_affected_one() {
    let tasks = vec![
        input_of("base", runs(2.5, 0.8)),
        input_of("fast", runs(1.0, 0.8)),
    ];
    let c = compare(&tasks, &CostModel::default());
    let gap = c
        .insights
        .iter()
        .find(|i| i.insight_type == InsightType::PerformanceGap)
        .expect("a gap");
    assert_eq!(gap.affected_tasks, ["base"]);
    assert_eq!(gap.severity, Level::High);
    assert_eq!(gap.evidence.as_ref().unwrap().reference_task, "fast");
}

#[test]
fn a_small_significant_difference_is_not_an_insight() {
    // 10 % slower, every run: significant (p ≈ 1e-4) but below the 1.2 × threshold.
    let tasks = vec![
        input_of("base", runs(1.0, 0.8)),
        input_of("near", runs(1.1, 0.8)),
    ];
    let c = compare(&tasks, &CostModel::default());
    assert!(c.metrics.performance_comparison["near"].p_value.unwrap() < 0.05);
    assert!(c.insights.is_empty(), "{:?}", c.insights);
}
