use super::*;

fn task(id: &str) -> TaskSpec {
    TaskSpec {
        id: id.into(),
        cores: 1.0,
        memory_mb: None,
    }
}

fn ok(duration_ms: f64) -> Attempt {
    Attempt {
        duration_ms,
        succeeded: true,
        memory_peak_mb: None,
        oom: false,
        gap_ms: 0.0,
    }
}

fn obs(wait_ms: f64, attempts: Vec<Attempt>) -> Observed {
    Observed { wait_ms, attempts }
}

/// a → b; one run: a waits 0 and runs 100 ms, b waits 10 and runs 50 ms.
fn chain() -> History {
    History {
        tasks: vec![task("a"), task("b")],
        edges: vec![("a".into(), "b".into())],
        runs: vec![HashMap::from([
            (0, obs(0.0, vec![ok(100.0)])),
            (1, obs(10.0, vec![ok(50.0)])),
        ])],
    }
}

fn prices() -> CostModel {
    CostModel::default()
}

fn run(h: &History, changes: &[Change], runs: usize) -> Outcome {
    simulate(h, changes, runs, 7, &prices()).unwrap()
}

#[test]
fn a_single_observed_run_replays_exactly_with_its_cost() {
    let o = run(&chain(), &[], 1000);
    // 100 + 10 + 50, every run.
    assert_eq!(o.makespans.len(), 1000);
    assert!(o.makespans.iter().all(|&m| m == 160.0));
    let p50 = o.makespan_p50.unwrap();
    assert_eq!((p50.value, p50.low, p50.high), (160.0, 160.0, 160.0));
    assert_eq!(o.failure_probability.value, 0.0);
    // 150 ms of one core at 0.048 per core-hour, no memory allocated.
    assert!((o.cost_per_run - 150.0 / 3_600_000.0 * 0.048).abs() < 1e-15);
    assert!((o.throughput_per_hour - 3_600_000.0 / 160.0).abs() < 1e-9);
}

#[test]
fn no_change_is_the_baseline_and_a_seed_fixes_the_answer() {
    let h = diamond();
    let base = simulate(&h, &[], 5_000, 42, &prices()).unwrap();
    assert_eq!(simulate(&h, &[], 5_000, 42, &prices()).unwrap(), base);
    // A change on a task that never matters here leaves every other draw where it was.
    let other = simulate(&h, &[], 5_000, 43, &prices()).unwrap();
    assert_ne!(other.makespans, base.makespans);
}

/// a → {b, c} → d; run 0: a 10, b 20, c 5, d 1 (makespan 31); run 1: a 20, b 10, c 30, d 1
/// (makespan 51).
fn diamond() -> History {
    let edges = [("a", "b"), ("a", "c"), ("b", "d"), ("c", "d")];
    History {
        tasks: ["a", "b", "c", "d"].map(task).to_vec(),
        edges: edges.map(|(x, y)| (x.into(), y.into())).to_vec(),
        runs: vec![
            HashMap::from([
                (0, obs(0.0, vec![ok(10.0)])),
                (1, obs(0.0, vec![ok(20.0)])),
                (2, obs(0.0, vec![ok(5.0)])),
                (3, obs(0.0, vec![ok(1.0)])),
            ]),
            HashMap::from([
                (0, obs(0.0, vec![ok(20.0)])),
                (1, obs(0.0, vec![ok(10.0)])),
                (2, obs(0.0, vec![ok(30.0)])),
                (3, obs(0.0, vec![ok(1.0)])),
            ]),
        ],
    }
}

#[test]
fn whole_runs_are_resampled_so_tasks_keep_their_within_run_correlation() {
    // Resampling runs gives only 31 or 51; resampling tasks independently would also give
    // 10 + 30 + 1 = 41 and 20 + 20 + 1 = 41.
    let o = run(&diamond(), &[], 10_000);
    assert!(o.makespans.iter().all(|&m| m == 31.0 || m == 51.0));
    let share_51 = o.makespans.iter().filter(|&&m| m == 51.0).count() as f64 / 1e4;
    // Binomial(10,000, 0.5): 4 standard deviations are 0.02.
    assert!((share_51 - 0.5).abs() < 0.02, "{share_51}");
}

#[test]
fn scaling_removing_an_edge_and_batching_change_the_schedule_as_worked_by_hand() {
    let h = chain();
    let scaled = run(
        &h,
        &[Change::Scale {
            task: "a".into(),
            factor: 0.7,
        }],
        100,
    );
    assert!(
        scaled
            .makespans
            .iter()
            .all(|&m| (m - (70.0 + 10.0 + 50.0)).abs() < 1e-9)
    );
    let parallel = run(
        &h,
        &[Change::RemoveEdge {
            from: "a".into(),
            to: "b".into(),
        }],
        100,
    );
    // max(100, 10 + 50).
    assert!(parallel.makespans.iter().all(|&m| m == 100.0));
    let batched = run(
        &h,
        &[Change::Batch {
            task: "b".into(),
            k: 4,
            overhead_ms: 40.0,
        }],
        100,
    );
    // b: 40 / 4 + (50 − 40) = 20 → 100 + 10 + 20.
    assert!(batched.makespans.iter().all(|&m| m == 130.0));
}

#[test]
fn a_cache_skips_the_task_at_its_hit_rate() {
    let o = run(
        &chain(),
        &[Change::Cache {
            task: "a".into(),
            hit_rate: 0.3,
        }],
        10_000,
    );
    let hits = o.makespans.iter().filter(|&&m| m == 60.0).count() as f64 / 1e4;
    let misses = o.makespans.iter().filter(|&&m| m == 160.0).count();
    assert_eq!(hits * 1e4 + misses as f64, 1e4);
    // Binomial(10,000, 0.3): sd 0.0046; 4 sd.
    assert!((hits - 0.3).abs() < 0.0184, "{hits}");
}

fn failed(duration_ms: f64, peak: Option<f64>, oom: bool) -> Attempt {
    Attempt {
        duration_ms,
        succeeded: false,
        memory_peak_mb: peak,
        oom,
        gap_ms: 0.0,
    }
}

#[test]
fn failure_rate_and_retry_policy_decide_the_outcome() {
    let h = History {
        tasks: vec![task("t")],
        edges: vec![],
        runs: vec![HashMap::from([(
            0,
            obs(0.0, vec![failed(5.0, None, false), ok(50.0)]),
        )])],
    };
    // As observed: one failure then a success, 55 ms, never a failed run.
    let base = run(&h, &[], 1_000);
    assert!(base.makespans.iter().all(|&m| m == 55.0));
    // At most one attempt: the first fails, so every run fails.
    let one = run(
        &h,
        &[Change::MaxAttempts {
            task: "t".into(),
            attempts: 1,
        }],
        1_000,
    );
    assert_eq!(
        (one.failure_probability.value, one.makespans.len()),
        (1.0, 0)
    );
    assert!(one.makespan_p50.is_none());
    // Failure rate 0.2 with a single attempt: runs fail at 0.2.
    let changes = [
        Change::MaxAttempts {
            task: "t".into(),
            attempts: 1,
        },
        Change::FailureRate {
            task: "t".into(),
            rate: 0.2,
        },
    ];
    let o = run(&h, &changes, 10_000);
    let f = o.failure_probability;
    // Binomial(10,000, 0.2): sd 0.004; 4 sd. The Wilson interval holds the estimate.
    assert!((f.value - 0.2).abs() < 0.016, "{f:?}");
    assert!(
        f.low < f.value && f.value < f.high && f.high - f.low < 0.02,
        "{f:?}"
    );
    // With three attempts at 0.2 the run fails only if all three do: 0.008.
    let changes = [
        Change::MaxAttempts {
            task: "t".into(),
            attempts: 3,
        },
        Change::FailureRate {
            task: "t".into(),
            rate: 0.2,
        },
    ];
    let o = run(&h, &changes, 20_000);
    // Binomial(20,000, 0.008): sd 0.00063; 4 sd.
    assert!(
        (o.failure_probability.value - 0.008).abs() < 0.0025,
        "{:?}",
        o.failure_probability
    );
}

#[test]
fn memory_below_the_peak_kills_and_enough_memory_saves_the_killed_attempts() {
    let peak = |a: Attempt, p: f64| Attempt {
        memory_peak_mb: Some(p),
        ..a
    };
    let h = History {
        tasks: vec![TaskSpec {
            id: "t".into(),
            cores: 2.0,
            memory_mb: Some(1024.0),
        }],
        edges: vec![],
        // Killed at 1,000 MB after 30 ms, then succeeded with 1,900 MB in 100 ms.
        runs: vec![HashMap::from([(
            0,
            obs(
                0.0,
                vec![failed(30.0, Some(1000.0), true), peak(ok(100.0), 1900.0)],
            ),
        )])],
    };
    let base = run(&h, &[], 100);
    assert!(base.makespans.iter().all(|&m| m == 130.0));
    let more = |mb: f64| Change::Resources {
        task: "t".into(),
        cores: None,
        memory_mb: Some(mb),
    };
    // 2 GiB covers the 1,900 MB it needed: one attempt of 100 ms.
    let o = run(&h, &[more(2048.0)], 100);
    assert!(o.makespans.iter().all(|&m| m == 100.0));
    // 100 ms at 2 cores × 0.048 + 2 GB × 0.0053 per hour.
    let want = 100.0 / 3_600_000.0 * (2.0 * 0.048 + 2.0 * 0.0053);
    assert!((o.cost_per_run - want).abs() < 1e-15, "{}", o.cost_per_run);
    // 1,500 MB is below the successful attempt's peak: it is killed too.
    let o = run(&h, &[more(1500.0)], 100);
    assert_eq!(o.failure_probability.value, 1.0);
}

#[test]
fn bad_changes_are_refused_naming_the_change_and_field() {
    let h = chain();
    let err = |c: Change| simulate(&h, &[c], 10, 1, &prices()).unwrap_err();
    assert_eq!(
        err(Change::Cache {
            task: "a".into(),
            hit_rate: 1.5
        }),
        SimulationError::Invalid {
            index: 0,
            field: "hitRate",
            message: "must be between 0 and 1".into()
        }
    );
    assert_eq!(
        err(Change::Scale {
            task: "zz".into(),
            factor: 1.0
        }),
        SimulationError::UnknownTask {
            index: 0,
            task: "zz".into()
        }
    );
    assert!(matches!(
        err(Change::AddEdge {
            from: "b".into(),
            to: "a".into()
        }),
        SimulationError::Cycle(_)
    ));
    assert_eq!(
        simulate(&h, &[], 0, 1, &prices()).unwrap_err(),
        SimulationError::Runs(0)
    );
    assert_eq!(
        simulate(&History::default(), &[], 10, 1, &prices()).unwrap_err(),
        SimulationError::NoRuns
    );
}

#[test]
fn quantile_and_proportion_intervals_match_their_formulas() {
    let xs: Vec<f64> = (1..=100).map(f64::from).collect();
    let m = quantile_interval(&xs, 0.5).unwrap();
    // numpy.percentile(range(1, 101), 50) = 50.5; ranks 50 ∓ 1.96·5 → 40.2, 59.8 → the 40th
    // and 60th order statistics.
    assert_eq!((m.value, m.low, m.high), (50.5, 40.0, 60.0));
    // statsmodels.stats.proportion.proportion_confint(10, 100, method="wilson")
    // = (0.05522913706067509, 0.17436566150491348).
    let w = wilson(10, 100);
    assert!((w.low - 0.055_229_137_060_675_09).abs() < 1e-12, "{w:?}");
    assert!((w.high - 0.174_365_661_504_913_5).abs() < 1e-12, "{w:?}");
    let w = wilson(0, 50);
    assert_eq!(w.low, 0.0);
}

fn after(gap_ms: f64, a: Attempt) -> Attempt {
    Attempt { gap_ms, ..a }
}

#[test]
fn retries_wait_their_observed_gaps_and_new_retries_draw_the_latest_ones() {
    // Run 0: fails in 5 ms, retries 30 ms later and succeeds in 50 (85 ms). Run 1: fails in 5,
    // retries 40 ms later and fails again in 7, out of attempts (a failed run).
    let h = History {
        tasks: vec![task("t")],
        edges: vec![],
        runs: vec![
            HashMap::from([(
                0,
                obs(0.0, vec![failed(5.0, None, false), after(30.0, ok(50.0))]),
            )]),
            HashMap::from([(
                0,
                obs(
                    0.0,
                    vec![
                        failed(5.0, None, false),
                        after(40.0, failed(7.0, None, false)),
                    ],
                ),
            )]),
        ],
    };
    let base = run(&h, &[], 10_000);
    // Gaps count: 5 + 30 + 50, not 55.
    assert!(base.makespans.iter().all(|&m| m == 85.0));
    let third = run(
        &h,
        &[Change::MaxAttempts {
            task: "t".into(),
            attempts: 3,
        }],
        10_000,
    );
    // Run 1 gets a third attempt: no second retry was observed, so its gap is one of the first
    // retries' (30 or 40); it succeeds at the retry success rate (1 of 2) and lasts 50 (the only
    // successful duration): 5 + 40 + 7 + {30, 40} + 50 = 132 or 142.
    let count = |v: f64| third.makespans.iter().filter(|&&m| m == v).count() as f64 / 1e4;
    assert!(
        third
            .makespans
            .iter()
            .all(|&m| [85.0, 132.0, 142.0].contains(&m))
    );
    // Shares 0.5, 0.125, 0.125, failure 0.25; Binomial(10,000, ·) sd ≤ 0.005, 4 sd.
    for (share, want) in [
        (count(85.0), 0.5),
        (count(132.0), 0.125),
        (count(142.0), 0.125),
    ] {
        assert!((share - want).abs() < 0.02, "{share} vs {want}");
    }
    assert!((third.failure_probability.value - 0.25).abs() < 0.02);
}

#[test]
fn enough_memory_saves_a_logical_execution_that_was_killed_every_time() {
    let peak = |a: Attempt, p: f64| Attempt {
        memory_peak_mb: Some(p),
        ..a
    };
    let h = History {
        tasks: vec![TaskSpec {
            id: "t".into(),
            cores: 1.0,
            memory_mb: Some(1024.0),
        }],
        edges: vec![],
        runs: vec![
            // Killed at 1,030 MB after 30 ms, out of attempts.
            HashMap::from([(0, obs(0.0, vec![failed(30.0, Some(1030.0), true)]))]),
            // Killed at 1,010 MB after 20 ms; 10 ms later succeeded in 100 ms with 900 MB.
            HashMap::from([(
                0,
                obs(
                    0.0,
                    vec![
                        failed(20.0, Some(1010.0), true),
                        after(10.0, peak(ok(100.0), 900.0)),
                    ],
                ),
            )]),
        ],
    };
    let base = run(&h, &[], 10_000);
    assert!(base.makespans.iter().all(|&m| m == 130.0));
    assert!((base.failure_probability.value - 0.5).abs() < 0.02);
    // With 2 GiB run 1's first attempt runs like its successful one (100 ms) and run 0's, which
    // needed at least the 1,030 MB it was killed at, runs as long as a successful attempt after
    // a kill (the only one: 100 ms). Nothing fails.
    let o = run(
        &h,
        &[Change::Resources {
            task: "t".into(),
            cores: None,
            memory_mb: Some(2048.0),
        }],
        10_000,
    );
    assert_eq!(o.failure_probability.value, 0.0);
    assert!(o.makespans.iter().all(|&m| m == 100.0));
    // 1,020 MB is below run 0's kill peak: it stays failed.
    let o = run(
        &h,
        &[Change::Resources {
            task: "t".into(),
            cores: None,
            memory_mb: Some(1020.0),
        }],
        10_000,
    );
    assert!((o.failure_probability.value - 0.5).abs() < 0.02);
}

#[test]
fn records_become_logical_executions_with_waits_gaps_and_kills() {
    use types::ExecutionStatus::{Completed, Failed, Skipped};
    let rec = |run, task, status, start: f64, end: f64| Recorded {
        run,
        task,
        instance: "",
        status,
        start_ms: start,
        end_ms: Some(end),
        duration_ms: None,
        memory_peak_mb: None,
        cpu_allocated_cores: Some(2.0),
        memory_allocated_mb: Some(1024.0),
        oom: false,
    };
    let records = [
        // r1: a 0–100; b fails 110–120 (killed for memory), retries 150–200.
        rec("r1", "a", Completed, 0.0, 100.0),
        Recorded {
            oom: killed_for_memory(Some("OOMKilled"), Some("137")),
            ..rec("r1", "b", Failed, 110.0, 120.0)
        },
        rec("r1", "b", Completed, 150.0, 200.0),
        // r2: a fails 1,000–1,040; b skipped.
        rec("r2", "a", Failed, 1000.0, 1040.0),
        rec("r2", "b", Skipped, 1040.0, 1040.0),
    ];
    let h = History::from_records(&records, &[("a".into(), "b".into())]);
    assert_eq!(h.tasks[0].id, "a");
    assert_eq!(
        (h.tasks[1].cores, h.tasks[1].memory_mb),
        (2.0, Some(1024.0))
    );
    assert_eq!(h.runs.len(), 2);
    let b = &h.runs[0][&1];
    // Ready at a's end (100), first start 110.
    assert_eq!(b.wait_ms, 10.0);
    let shape: Vec<(f64, f64, bool, bool)> = b
        .attempts
        .iter()
        .map(|a| (a.gap_ms, a.duration_ms, a.succeeded, a.oom))
        .collect();
    assert_eq!(shape, [(0.0, 10.0, false, true), (30.0, 50.0, true, false)]);
    // The skipped b never ran.
    assert_eq!(h.runs[1].len(), 1);
    assert!(!h.runs[1][&0].attempts[0].succeeded);
    // Simulated: r1 takes 200 ms, r2 fails.
    let o = run(&h, &[], 10_000);
    assert!(o.makespans.iter().all(|&m| m == 200.0));
    let (p10, p90) = (o.makespan_p10.unwrap(), o.makespan_p90.unwrap());
    assert_eq!((p10.value, p90.value), (200.0, 200.0));
}

#[test]
fn a_trending_task_is_moved_along_its_trend_and_a_stable_one_is_left_alone() {
    // Ten daily runs: t doubles every 10 days in log-linear steps (100·e^(0.0693·day)); s
    // alternates 50 and 60 (no trend).
    let day = 86_400_000.0;
    let b = std::f64::consts::LN_2 / 10.0;
    let h = History {
        tasks: vec![task("t"), task("s")],
        edges: vec![],
        runs: (0..10)
            .map(|d| {
                HashMap::from([
                    (0, obs(0.0, vec![ok(100.0 * (b * f64::from(d)).exp())])),
                    (1, obs(0.0, vec![ok(if d % 2 == 0 { 50.0 } else { 60.0 })])),
                ])
            })
            .collect(),
    };
    let starts: Vec<f64> = (0..10).map(|d| f64::from(d) * day).collect();
    // At day 20: every t is 100·e^(20b) = 400 (Sen's slope of exact points is b; Mann-Kendall
    // on 10 increasing points: S = 45, var 125, z = 3.94, p = 8·10⁻⁵).
    let moved = along_trends(&h, &starts, 20.0 * day, 0.01);
    for run in &moved.runs {
        assert!((run[&0].attempts[0].duration_ms - 400.0).abs() < 1e-9);
    }
    for (a, b) in moved.runs.iter().zip(&h.runs) {
        assert_eq!(a[&1], b[&1]);
    }
    // Run times that do not match the runs leave the history as it is.
    assert_eq!(along_trends(&h, &starts[1..], 0.0, 0.01), h);
}
