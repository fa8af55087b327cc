//! `GET /tasks/{id}/anomalies` against planted outliers and a planted level shift, on both of the
//! dashboard's paths (records below 2,000 executions, rollups above), and equal to what the
//! dashboard's chart draws. The truth is the plan below, not the product's own functions.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

mod common;

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};
use sqlx::PgPool;

/// A history of `n` hourly runs ending an hour ago: about 1 s (log-uniform ±10 %), then about
/// 2 s from run `n / 2` on; three planted 60 s runs and two planted 20 ms runs.
struct Plan {
    n: usize,
    start: DateTime<Utc>,
    slow: [usize; 3],
    fast: [usize; 2],
}

impl Plan {
    fn new(n: usize) -> Self {
        let start = Utc::now() - Duration::hours(n as i64 + 1);
        Plan {
            n,
            start,
            slow: [n / 10, n / 3, 4 * n / 5],
            fast: [n / 7, 3 * n / 5],
        }
    }

    fn duration_ms(&self, i: usize) -> i64 {
        if self.slow.contains(&i) {
            return 60_000;
        }
        if self.fast.contains(&i) {
            return 20;
        }
        // Golden-ratio jitter: deterministic, evenly spread.
        let jitter = (0.2 * ((i as f64 * 0.618_033_988_7).fract()) - 0.1).exp();
        let base = if i < self.n / 2 { 1_000.0 } else { 2_000.0 };
        (base * jitter).round() as i64
    }

    fn shift_at(&self) -> DateTime<Utc> {
        self.start + Duration::hours((self.n / 2) as i64)
    }

    fn records(&self) -> Vec<Value> {
        (0..self.n)
            .map(|i| {
                let s = self.start + Duration::hours(i as i64);
                let e = s + Duration::milliseconds(self.duration_ms(i));
                json!({
                    "executionId": format!("run-{i}"), "workflowId": "planted",
                    "workflowExecutionId": format!("wf-{i}"), "taskId": "planted.step",
                    "taskName": "step", "status": "completed",
                    "startTime": s.to_rfc3339(), "endTime": e.to_rfc3339(),
                    "durationMs": self.duration_ms(i),
                })
            })
            .collect()
    }

    fn ids(idx: &[usize]) -> BTreeSet<String> {
        idx.iter().map(|i| format!("run-{i}")).collect()
    }
}

async fn check(pool: PgPool, n: usize) {
    let plan = Plan::new(n);
    let app = common::spawn(pool).await;
    let resp = app
        .ingest()
        .json(&json!({ "executions": plan.records() }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());

    let url = format!(
        "{}/api/v1/task-analytics/tasks/planted.step/anomalies?time_range=all",
        app.base
    );
    let resp = app.http.get(&url).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    let outliers = body["outliers"].as_array().unwrap();
    let of_rule = |rule: &str| -> BTreeSet<String> {
        outliers
            .iter()
            .filter(|o| o["rule"] == rule)
            .map(|o| o["executionId"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(of_rule("slow"), Plan::ids(&plan.slow), "n={n}: {body}");
    assert_eq!(of_rule("fast"), Plan::ids(&plan.fast), "n={n}: {body}");
    assert_eq!(body["outliersTruncated"], false);
    let threshold = body["outlierThreshold"].as_f64().unwrap();
    for o in outliers {
        let score = o["score"].as_f64().unwrap();
        assert!(score.abs() > threshold, "n={n}: {o} beyond ±{threshold}");
        let i: usize = o["executionId"].as_str().unwrap()[4..].parse().unwrap();
        assert_eq!(
            o["durationMs"].as_f64().unwrap(),
            plan.duration_ms(i) as f64
        );
    }
    // Outliers first by how extreme they are: the 20 ms runs sit further out in log terms.
    assert_eq!(outliers[0]["rule"], "fast", "n={n}");

    // The dashboard's chart, for comparison and for the time resolution of level shifts.
    let dash: Value = app
        .http
        .post(format!("{}/api/task_dashboard", app.base))
        .form(&[("task", "planted.step"), ("range", "all")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let bucket_ms = dash["series"]["bucketMs"].as_i64().unwrap();

    let shifts = body["changePoints"].as_array().unwrap();
    assert_eq!(shifts.len(), 1, "n={n}: {shifts:?}");
    let at: DateTime<Utc> = shifts[0]["at"].as_str().unwrap().parse().unwrap();
    // Shifts are found between time buckets: the start of the bucket the shift falls in.
    let off = (at - plan.shift_at()).num_milliseconds().abs();
    assert!(
        off <= bucket_ms,
        "n={n}: shift at {at}, planted {}, buckets of {bucket_ms} ms",
        plan.shift_at()
    );
    let (before, after) = (
        shifts[0]["beforeMs"].as_f64().unwrap(),
        shifts[0]["afterMs"].as_f64().unwrap(),
    );
    assert!((before / 1_000.0 - 1.0).abs() < 0.1, "n={n}: {before}");
    assert!((after / 2_000.0 - 1.0).abs() < 0.1, "n={n}: {after}");

    // The dashboard draws the same outliers and shifts.
    let drawn: Vec<(String, f64)> = dash["series"]["outliers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["executionId"].as_str().unwrap().to_owned(),
                o["score"].as_f64().unwrap(),
            )
        })
        .collect();
    let answered: Vec<(String, f64)> = outliers
        .iter()
        .map(|o| {
            (
                o["executionId"].as_str().unwrap().to_owned(),
                o["score"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(drawn, answered, "n={n}");
    assert_eq!(
        dash["series"]["changePoints"], body["changePoints"],
        "n={n}"
    );

    // And /patterns lists them as performance patterns.
    let patterns: Value = app
        .http
        .get(format!(
            "{}/api/v1/task-analytics/tasks/planted.step/patterns?time_range=all",
            app.base
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let perf: Vec<(String, u64)> = patterns["patterns"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["patternType"] == "performance")
        .map(|p| {
            (
                p["id"].as_str().unwrap().to_owned(),
                p["frequency"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(
        perf.contains(&("planted.step:performance:slow-outliers".into(), 3)),
        "{perf:?}"
    );
    assert!(
        perf.contains(&("planted.step:performance:fast-outliers".into(), 2)),
        "{perf:?}"
    );
    assert_eq!(
        perf.iter().filter(|p| p.0.contains("level-shift")).count(),
        1,
        "{perf:?}"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn anomalies_find_the_planted_outliers_and_shift_from_the_records(pool: PgPool) {
    check(pool, 600).await;
}

#[sqlx::test(migrations = "../migrations")]
async fn anomalies_find_the_planted_outliers_and_shift_from_the_rollups(pool: PgPool) {
    // Above the dashboard's 2,000 records: cut-offs from the rollups' sketch, one index scan.
    check(pool, 2_600).await;
}
