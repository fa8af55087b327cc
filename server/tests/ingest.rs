//! `POST /api/v1/task-analytics/ingest` over HTTP against a fresh database per test.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

mod common;

use common::{TOKEN, spawn};
use serde_json::{Value, json};
use sqlx::PgPool;

fn exec(id: &str) -> Value {
    json!({
        "executionId": id, "workflowId": "etl", "workflowExecutionId": "run-1",
        "taskId": "etl.extract", "taskName": "Extract", "status": "completed",
        "startTime": "2026-01-01T10:00:00Z", "endTime": "2026-01-01T10:00:05Z"
    })
}

async fn rows(pool: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM task_execution_history")
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn problem(resp: reqwest::Response) -> (u16, Value) {
    let status = resp.status().as_u16();
    assert_eq!(resp.headers()["content-type"], "application/problem+json");
    (status, resp.json().await.unwrap())
}

#[sqlx::test(migrations = "../migrations")]
async fn json_batch_is_accepted_and_counted_and_a_replay_only_updates(pool: PgPool) {
    let app = spawn(pool.clone()).await;
    let body = json!({"executions": [exec("a"), exec("b")], "dependencies": []});
    let first: Value = app
        .ingest()
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        first,
        json!({"accepted": 2, "inserted": 2, "updated": 0, "dependencies": 0})
    );
    let again: Value = app
        .ingest()
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        again,
        json!({"accepted": 2, "inserted": 0, "updated": 2, "dependencies": 0})
    );
    assert_eq!(rows(&pool).await, 2);
}

#[sqlx::test(migrations = "../migrations")]
async fn ndjson_is_accepted_one_record_per_line(pool: PgPool) {
    let app = spawn(pool.clone()).await;
    let body = format!("{}\n{}\n", exec("a"), exec("b"));
    let resp = app
        .ingest()
        .header("content-type", "application/x-ndjson")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(rows(&pool).await, 2);
}

#[sqlx::test(migrations = "../migrations")]
async fn missing_token_is_401_and_wrong_token_is_403_both_problem_json(pool: PgPool) {
    let app = spawn(pool.clone()).await;
    let url = format!("{}/api/v1/task-analytics/ingest", app.base);
    let body = json!({"executions": [exec("a")]});
    let (status, p) = problem(app.http.post(&url).json(&body).send().await.unwrap()).await;
    assert_eq!((status, p["status"].as_u64()), (401, Some(401)));
    let (status, _) = problem(
        app.http
            .post(&url)
            .bearer_auth("nope")
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = problem(
        app.http
            .post(&url)
            .bearer_auth(&TOKEN[..5])
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 403, "a prefix of a valid token is not valid");
    assert_eq!(rows(&pool).await, 0);
}

#[sqlx::test(migrations = "../migrations")]
async fn an_invalid_record_is_422_naming_index_and_field_and_nothing_is_written(pool: PgPool) {
    let app = spawn(pool.clone()).await;
    let mut bad = exec("b");
    bad["endTime"] = json!("2026-01-01T09:00:00Z");
    bad["status"] = json!("finished");
    let resp = app
        .ingest()
        .json(&json!({"executions": [exec("a"), bad]}))
        .send()
        .await
        .unwrap();
    let (status, p) = problem(resp).await;
    assert_eq!(status, 422);
    let errors: Vec<(u64, &str)> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["index"].as_u64().unwrap(), e["field"].as_str().unwrap()))
        .collect();
    assert_eq!(errors, [(1, "status")]);
    assert_eq!(
        rows(&pool).await,
        0,
        "the valid record beside it is not written either"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn malformed_json_is_400_naming_line_and_column(pool: PgPool) {
    let app = spawn(pool).await;
    let resp = app
        .ingest()
        .header("content-type", "application/json")
        .body("{\"executions\": [\n  {\"executionId\": }\n]}")
        .send()
        .await
        .unwrap();
    let (status, p) = problem(resp).await;
    assert_eq!(status, 400);
    // Column 19 is the `}` where a value was expected: two spaces + `{"executionId": ` is 18.
    assert_eq!(
        p["detail"],
        "malformed JSON at line 2, column 19: expected value"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_body_over_16_mib_is_413(pool: PgPool) {
    let app = spawn(pool).await;
    let body = vec![b' '; 16 * 1024 * 1024 + 1];
    let resp = app
        .ingest()
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let (status, _) = problem(resp).await;
    assert_eq!(status, 413);
}

#[sqlx::test(migrations = "../migrations")]
async fn more_than_50000_records_is_413(pool: PgPool) {
    let app = spawn(pool).await;
    let body = format!("{{\"executions\": [{}{{}}]}}", "{},".repeat(50_000));
    let resp = app
        .ingest()
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let (status, p) = problem(resp).await;
    assert_eq!(status, 413);
    assert!(p["detail"].as_str().unwrap().contains("50000"));
}

#[sqlx::test(migrations = "../migrations")]
async fn an_unsupported_content_type_is_415(pool: PgPool) {
    let app = spawn(pool).await;
    let resp = app
        .ingest()
        .header("content-type", "text/csv")
        .body("a,b")
        .send()
        .await
        .unwrap();
    assert_eq!(problem(resp).await.0, 415);
}

#[tokio::test]
async fn with_postgres_unreachable_ingest_answers_503_within_5_seconds() {
    let url = "postgres://postgres@127.0.0.1:9/none";
    let mut config = server::config::Config::for_tests(url);
    config.db_acquire_timeout_ms = 2000;
    config.ingest_tokens = secrecy::SecretString::from(TOKEN.to_owned());
    let pool = db::connect(url, &config.pool_options()).unwrap();
    let app = server::startup::Application::build_without_migrating(config, pool)
        .await
        .unwrap();
    let base = format!("http://{}", app.local_addr());
    tokio::spawn(app.run_until_stopped());
    let started = std::time::Instant::now();
    let resp = reqwest::Client::new()
        .post(format!("{base}/api/v1/task-analytics/ingest"))
        .bearer_auth(TOKEN)
        .json(&json!({"executions": [exec("a")]}))
        .send()
        .await
        .unwrap();
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(problem(resp).await.0, 503);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_batch_refused_with_503_during_an_outage_succeeds_once_postgres_is_back(pool: PgPool) {
    use common::{PgProxy, pg_addr, spawn_with};
    let mut proxy = PgProxy::new(pg_addr(&pool)).await;
    let opts = proxy.options_for(&pool);
    let proxied = sqlx::postgres::PgPoolOptions::new()
        .acquire_timeout(std::time::Duration::from_secs(2))
        .connect_lazy_with(opts);
    let app = spawn_with(proxied, |_| {}).await;
    let body = json!({"executions": [exec("a")]});
    assert_eq!(app.ingest().json(&body).send().await.unwrap().status(), 200);

    proxy.stop().await;
    let started = std::time::Instant::now();
    let resp = app
        .ingest()
        .json(&json!({"executions": [exec("b")]}))
        .send()
        .await
        .unwrap();
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(problem(resp).await.0, 503);

    proxy.start().await;
    let resp = app
        .ingest()
        .json(&json!({"executions": [exec("b")]}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "same server, no restart");
    assert_eq!(rows(&pool).await, 2);
}
