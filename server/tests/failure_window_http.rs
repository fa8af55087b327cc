//! The outside tester's request, over HTTP: `GET /tasks/payments_sync.write_ledger/performance?
//! time_range=all` on a history longer than the workflow context (600 runs of a 15-minute
//! workflow, ingested through `POST /ingest`) blames every skipped `write_ledger` run on what
//! caused it, and says in `basis` (camelCase) which parts are a sample and of what.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

mod common;

use std::collections::BTreeMap;

use chrono::{TimeDelta, Utc};
use serde_json::{Value, json};
use sqlx::PgPool;

const RUNS: i64 = 600;

/// Run `i`: `poll_api` fails in every 10th run (from the 3rd) and times out in every 25th
/// (from the 7th), and then `reconcile` and `write_ledger` are skipped; otherwise `reconcile`
/// fails in every 40th run (from the 11th) and `write_ledger` is skipped.
fn poll_outcome(i: i64) -> Option<(&'static str, &'static str)> {
    if i % 10 == 3 {
        Some(("failed", "HTTPError"))
    } else if i % 25 == 7 {
        Some(("timeout", "TimeoutError"))
    } else {
        None
    }
}

fn history(end: chrono::DateTime<Utc>) -> Vec<Value> {
    let mut out = Vec::new();
    for i in 0..RUNS {
        let t0 = end - TimeDelta::minutes(15 * (RUNS - i));
        let rec = |task: &str, status: &str, start: i64, end: i64, error: Option<&str>| {
            let mut v = json!({
                "executionId": format!("ps-{i}/{task}"), "workflowId": "payments_sync",
                "workflowExecutionId": format!("ps-{i}"), "taskId": format!("payments_sync.{task}"),
                "taskName": task, "status": status,
                "startTime": (t0 + TimeDelta::seconds(start)).to_rfc3339(),
                "endTime": (t0 + TimeDelta::seconds(end)).to_rfc3339(),
            });
            if let Some(e) = error {
                v["error"] = json!({"type": e, "message": e});
            }
            v
        };
        if let Some((status, error)) = poll_outcome(i) {
            out.push(rec("poll_api", status, 0, 30, Some(error)));
            out.push(rec("reconcile", "skipped", 30, 30, Some("UpstreamFailed")));
            out.push(rec(
                "write_ledger",
                "skipped",
                30,
                30,
                Some("UpstreamFailed"),
            ));
            continue;
        }
        out.push(rec("poll_api", "completed", 0, 10, None));
        if i % 40 == 11 {
            out.push(rec(
                "reconcile",
                "failed",
                11,
                20,
                Some("ReconcileMismatch"),
            ));
            out.push(rec(
                "write_ledger",
                "skipped",
                20,
                20,
                Some("UpstreamFailed"),
            ));
            continue;
        }
        out.push(rec("reconcile", "completed", 11, 20, None));
        out.push(rec("write_ledger", "completed", 21, 30, None));
    }
    out
}

async fn get(app: &common::TestApp, path: &str) -> Value {
    let resp = app
        .http
        .get(format!("{}/api/v1/task-analytics{path}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200, "{path}");
    resp.json().await.unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn every_skip_of_a_long_history_is_blamed_on_its_cause_and_samples_say_so(pool: PgPool) {
    let app = common::spawn(pool).await;
    let deps = json!([
        {"workflowId": "payments_sync", "upstreamTaskId": "payments_sync.poll_api",
         "downstreamTaskId": "payments_sync.reconcile"},
        {"workflowId": "payments_sync", "upstreamTaskId": "payments_sync.reconcile",
         "downstreamTaskId": "payments_sync.write_ledger"},
    ]);
    let body =
        json!({"executions": history(Utc::now() - TimeDelta::hours(1)), "dependencies": deps});
    let resp = app.ingest().json(&body).send().await.unwrap();
    assert_eq!(
        resp.status().as_u16(),
        200,
        "{}",
        resp.text().await.unwrap()
    );

    // The plan's truth.
    let mut truth: BTreeMap<(String, String), u64> = BTreeMap::new();
    for i in 0..RUNS {
        let cause = match poll_outcome(i) {
            Some((_, e)) => ("payments_sync.poll_api", e),
            None if i % 40 == 11 => ("payments_sync.reconcile", "ReconcileMismatch"),
            None => continue,
        };
        *truth
            .entry((cause.0.to_owned(), cause.1.to_owned()))
            .or_default() += 1;
    }
    let skips: u64 = truth.values().sum();

    let p = get(
        &app,
        "/tasks/payments_sync.write_ledger/performance?time_range=all",
    )
    .await;
    let f = &p["failureAnalysis"];
    let causes: BTreeMap<(String, String), u64> = f["rootCauses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                (
                    r["taskId"].as_str().unwrap().to_owned(),
                    r["errorType"].as_str().unwrap().to_owned(),
                ),
                r["occurrences"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(causes, truth, "{}", f["rootCauses"]);
    assert_eq!(p["dependencies"]["dependencyFailures"], skips);
    // Root causes are whole-window: no basis there. Waits come from the latest 500 runs.
    assert!(f.get("basis").is_none(), "{f}");
    let runs_basis = json!({
        "executions": RUNS, "ofExecutions": RUNS, "workflowRuns": 500, "ofWorkflowRuns": RUNS
    });
    assert_eq!(p["dependencies"]["basis"], runs_basis);
    assert_eq!(p["basis"], runs_basis);

    let failures = get(
        &app,
        "/tasks/payments_sync.write_ledger/failures?time_range=all",
    )
    .await;
    assert_eq!(failures["rootCauses"], f["rootCauses"]);
    assert!(failures.get("basis").is_none(), "{failures}");
    let poll = get(
        &app,
        "/tasks/payments_sync.poll_api/failures?time_range=all",
    )
    .await;
    let by_poll = truth
        .iter()
        .filter(|(k, _)| k.0 == "payments_sync.poll_api")
        .map(|(_, n)| n)
        .sum::<u64>();
    assert_eq!(
        poll["failureCascades"].as_array().unwrap().len() as u64,
        by_poll
    );
    assert_eq!(poll["impactRadius"], 2);
}
