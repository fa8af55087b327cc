use super::*;
use types::ExecutionStatus;

/// 40 rows whose outcome no line separates (so the optimum is finite):
/// x = (sin i, (i mod 7)/7 − 0.5), y = ((37 i mod 11) < 4) XOR (sin i > 0.6).
fn dataset() -> (Vec<Vec<f64>>, Vec<bool>) {
    (0..40)
        .map(|i| {
            let s = f64::from(i).sin();
            (
                vec![s, f64::from(i % 7) / 7.0 - 0.5],
                ((i * 37) % 11 < 4) != (s > 0.6),
            )
        })
        .unzip()
}

#[test]
fn the_ridge_logistic_fit_is_scikit_learns_optimum() {
    // sklearn 1.x: LogisticRegression(C=1/λ, solver="newton-cg", tol=1e-14).fit(X, y) on the
    // same rows: (intercept, coef).
    let reference = [
        (
            0.1,
            -0.301_547_622_363_514_07,
            [0.673_530_565_234_585_2, -2.020_015_758_061_034_7],
        ),
        (
            1.0,
            -0.203_472_285_411_660_96,
            [0.537_115_786_134_003_5, -0.947_075_134_388_481_9],
        ),
        (
            10.0,
            -0.120_417_595_175_979_64,
            [0.207_802_650_396_120_72, -0.154_209_935_326_049_18],
        ),
    ];
    let (x, y) = dataset();
    assert_eq!(y.iter().filter(|&&f| f).count(), 19);
    for (lambda, b, w) in reference {
        let m = fit_logistic(&x, &y, lambda).unwrap();
        assert!(
            (m.intercept - b).abs() < 1e-8,
            "λ {lambda}: {} vs {b}",
            m.intercept
        );
        for (got, want) in m.weights.iter().zip(w) {
            assert!((got - want).abs() < 1e-8, "λ {lambda}: {got} vs {want}");
        }
        assert!(m.iterations < 20, "{}", m.iterations);
    }
    assert!(matches!(
        fit_logistic(&x, &y[1..], 1.0),
        Err(PredictError::Shape {
            rows: 40,
            labels: 39
        })
    ));
}

#[test]
fn quality_measures_match_scikit_learn_and_a_hand_worked_calibration() {
    let p = [0.1, 0.4, 0.35, 0.8, 0.8, 0.2, 0.9, 0.5];
    let y = [false, false, true, true, false, false, true, true];
    let q = quality(&p, &y);
    // sklearn.metrics.roc_auc_score(y, p) = 0.78125; brier_score_loss(y, p) = 0.19656250000000003.
    assert!((q.roc_auc.unwrap() - 0.781_25).abs() < 1e-12);
    assert!((q.brier - 0.196_562_5).abs() < 1e-12);
    // At 0.5: right on 0, 1, 3, 5, 6, 7 (6 of 8).
    assert_eq!(q.accuracy, 0.75);
    // Bins 1..5 hold one prediction each (0.1, 0.2, 0.35, 0.4, 0.5), bin 8 the two 0.8 (one
    // failed), bin 9 the 0.9: (0.1 + 0.2 + 0.65 + 0.4 + 0.5 + 2 × 0.3 + 0.1) / 8 = 0.31875.
    assert!((q.expected_calibration_error - 0.318_75).abs() < 1e-12);
    assert_eq!(q.bins[8].count, 2);
    assert_eq!(q.bins[8].observed_rate, 0.5);
    assert_eq!(roc_auc(&[0.3, 0.3], &[true, true]), None);
    // All tied: 0.5.
    assert_eq!(roc_auc(&[0.3, 0.3, 0.3], &[true, false, false]), Some(0.5));
}

fn exec(i: i64, status: ExecutionStatus, host: &str) -> Execution {
    let start = 1_767_225_600_000 + i * 3_600_000; // 2026-01-01T00:00Z + i hours
    Execution {
        host: Some(host.into()),
        input_size_bytes: Some(1000.0 * (1 + i % 10) as f64),
        ..Execution::new(
            format!("e{i}"),
            "t",
            format!("r{i}"),
            status,
            start,
            Some(start + 1000),
        )
    }
}

#[test]
fn recent_failure_rates_look_only_backwards() {
    use ExecutionStatus::*;
    let execs = [
        exec(0, Failed, "a"),
        exec(1, Completed, "a"),
        exec(2, Running, "a"),
        exec(3, Timeout, "a"),
        exec(4, Completed, "a"),
    ];
    let up = std::collections::HashMap::from([("e3", 2u32)]);
    let s = samples(&execs, &up);
    let rates: Vec<f64> = s.iter().map(|s| s.recent_failure_rate).collect();
    // Before e0 nothing; then 1/1, 1/2, (running is no outcome) 1/2, 2/3.
    assert_eq!(rates, [0.0, 1.0, 0.5, 0.5, 2.0 / 3.0]);
    assert_eq!(s[3].upstream_failures, 2);
    assert_eq!(s[2].failed(), None);
}

/// 400 hourly attempts on four hosts; host d fails every second time, a–c every twentieth.
fn host_d_history() -> Vec<Execution> {
    use ExecutionStatus::*;
    (0..400)
        .map(|i| {
            let host = ["a", "b", "c", "d"][(i % 4) as usize];
            let fails = if host == "d" {
                (i / 4) % 2 == 0
            } else {
                (i / 4) % 20 == 0
            };
            exec(i, if fails { Failed } else { Completed }, host)
        })
        .collect()
}

#[test]
fn a_failure_prone_host_is_learned_and_too_little_history_is_refused() {
    let execs = host_d_history();
    let s = samples(&execs, &Default::default());
    let m = fit_task_model(&s).unwrap();
    assert!(m.encoder.names().contains(&"host = d".to_owned()));
    // The next round (hour of day and host move together in this history: host = hour mod 4).
    let p = |host: &str| {
        let i = 400
            + ["a", "b", "c", "d"]
                .iter()
                .position(|h| *h == host)
                .unwrap() as i64;
        let e = exec(i, ExecutionStatus::Completed, host);
        m.probability(&Sample {
            execution: &e,
            recent_failure_rate: m.training_failure_rate,
            upstream_failures: 0,
        })
    };
    assert!(p("d") > 0.35 && p("d") < 0.65, "{}", p("d"));
    assert!(p("a") < 0.12, "{}", p("a"));
    assert!(m.training_failure_rate > 0.15 && m.training_failure_rate < 0.17);

    assert_eq!(
        fit_task_model(&s[..30]).unwrap_err(),
        PredictError::TooFew(30)
    );
    let ok: Vec<Execution> = (0..60)
        .map(|i| exec(i, ExecutionStatus::Completed, "a"))
        .collect();
    assert_eq!(
        fit_task_model(&samples(&ok, &Default::default())).unwrap_err(),
        PredictError::OneSided {
            failures: 0,
            successes: 60
        }
    );
}

#[test]
fn a_planned_attempt_with_typical_conditions_is_the_intercept() {
    let execs = host_d_history();
    let s = samples(&execs, &Default::default());
    let m = fit_task_model(&s).unwrap();
    let e = exec(403, ExecutionStatus::Completed, "d");
    let planned = Sample {
        execution: &e,
        recent_failure_rate: 0.5,
        upstream_failures: 3,
    };
    // Every family typical: every standardised column 0, so P = σ(b) and nothing contributes.
    let (p, parts) = m.predict_planned(&planned, &m.encoder.families());
    let b = m.model.intercept;
    assert!((p - 1.0 / (1.0 + (-b).exp())).abs() < 1e-12);
    assert!(
        parts
            .iter()
            .all(|c| c.log_odds == 0.0 && c.risk_increase == 0.0)
    );
    // Nothing typical: the plain prediction, and the contributions add up to the log-odds.
    let (q, parts) = m.predict_planned(&planned, &[]);
    assert!((q - m.probability(&planned)).abs() < 1e-12);
    let z: f64 = b + parts.iter().map(|c| c.log_odds).sum::<f64>();
    assert!((q - 1.0 / (1.0 + (-z).exp())).abs() < 1e-12);
    // Host typical only: the host's contribution is gone, the rest stays.
    let (r, parts) = m.predict_planned(&planned, &[Family::Host]);
    assert!(r < q, "{r} {q}");
    assert!(
        parts
            .iter()
            .all(|c| c.family != Family::Host || c.log_odds == 0.0)
    );
}
