//! Request ids in responses, logs and problem bodies (the metrics are in `metrics.rs`).
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use sqlx::PgPool;

mod common;

#[sqlx::test(migrations = "../migrations")]
async fn every_response_has_a_request_id_and_problem_bodies_quote_it(pool: PgPool) {
    let app = common::spawn(pool).await;
    let resp = app
        .http
        .get(format!(
            "{}/api/v1/task-analytics/tasks/nope/performance",
            app.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    let id = resp.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(id.len(), 36, "a UUID: {id}");
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["requestId"], id.as_str());

    // A caller's own id is kept (a proxy's trace id reaches our logs).
    let resp = app
        .http
        .get(format!("{}/api/v1/no-such-route", app.base))
        .header("x-request-id", "portal-7f3a")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["x-request-id"], "portal-7f3a");
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["requestId"], "portal-7f3a");
}
