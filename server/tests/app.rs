//! The real application on port 0 against a fresh Postgres database per test.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use std::time::{Duration, Instant};

use server::config::Config;
use server::startup::Application;
use sqlx::PgPool;

mod common;
use common::spawn;

#[sqlx::test(migrations = "../migrations")]
async fn healthz_reports_ok_when_the_database_answers(pool: PgPool) {
    let app = spawn(pool).await;
    let resp = app
        .http
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["database"], "ok");
}

#[tokio::test]
async fn healthz_answers_503_problem_json_within_5_seconds_when_postgres_is_unreachable() {
    // Port 9 (discard) on loopback: nothing listens, connections are refused.
    let mut config = Config::for_tests("postgres://postgres@127.0.0.1:9/none");
    config.db_acquire_timeout_ms = 1000;
    let pool = db::connect(
        "postgres://postgres@127.0.0.1:9/none",
        &config.pool_options(),
    )
    .unwrap();
    let app = Application::build_without_migrating(config, pool)
        .await
        .unwrap();
    let base = format!("http://{}", app.local_addr());
    tokio::spawn(app.run_until_stopped());

    let started = Instant::now();
    let resp = reqwest::get(format!("{base}/healthz")).await.unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(resp.status(), 503);
    assert_eq!(resp.headers()["content-type"], "application/problem+json");
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["status"], 503);
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("database is unavailable")
    );
}

#[sqlx::test(
    migrations = "../migrations",
    fixtures(path = "../../db/tests/fixtures", scripts("small"))
)]
async fn list_tasks_server_function_returns_execution_counts_from_postgres(pool: PgPool) {
    let app = spawn(pool).await;
    let resp = app
        .http
        .post(format!("{}/api/list_tasks", app.base))
        .form(&[("search", "etl")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let page: types::Page<types::TaskSummary> = resp.json().await.unwrap();
    assert_eq!(page.next_cursor, None, "every match fits the page");
    let tasks = page.items;
    let got: Vec<(&str, u64, u64)> = tasks
        .iter()
        .map(|t| (t.task_id.as_str(), t.total_executions, t.failed_executions))
        .collect();
    // Hand-counted in the fixture: extract 4 runs (1 failed + 1 timeout), load 2 runs.
    assert_eq!(got, [("etl.extract", 4, 2), ("etl.load", 2, 0)]);
    assert_eq!(tasks[0].workflow_id, "etl_orders");
    assert_eq!(tasks[0].task_type, types::TaskType::Io);
}

#[sqlx::test(migrations = "../migrations")]
async fn list_tasks_server_function_rejects_an_overlong_search_naming_the_field(pool: PgPool) {
    let app = spawn(pool).await;
    let resp = app
        .http
        .post(format!("{}/api/list_tasks", app.base))
        .form(&[("search", "x".repeat(300))])
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.status(),
        422,
        "server functions answer their error's status, as REST does"
    );
    let err: app::AppError = serde_json::from_str(&resp.text().await.unwrap()).unwrap();
    assert_eq!(
        err,
        app::AppError::InvalidInput {
            field: "search".into(),
            message: "must be at most 255 characters".into()
        }
    );
}

#[sqlx::test(
    migrations = "../migrations",
    fixtures(path = "../../db/tests/fixtures", scripts("small"))
)]
async fn overview_is_server_rendered_with_rows_chart_and_hydration_scripts(pool: PgPool) {
    let app = spawn(pool).await;
    let resp = app
        .http
        .get(format!("{}/?q=ml", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let html = resp.text().await.unwrap();
    assert!(html.contains("ml.train") && html.contains("ml.evaluate"));
    assert!(
        !html.contains("etl.extract"),
        "the ?q= filter applies during SSR"
    );
    assert_eq!(html.matches(r#"data-testid="task-row""#).count(), 2);
    assert!(html.contains("<svg"), "chart rendered on the server");
    assert!(html.contains("/pkg/tasklens.js") && html.contains("tasklens_bg.wasm"));
}

#[sqlx::test(migrations = "../migrations")]
async fn overview_shows_getting_started_when_there_is_no_data(pool: PgPool) {
    let app = spawn(pool).await;
    let html = app
        .http
        .get(&app.base)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("No task executions yet"));
    assert!(!html.contains("<svg"));
}

#[sqlx::test(migrations = "../migrations")]
async fn unknown_pages_answer_404_with_a_way_back(pool: PgPool) {
    let app = spawn(pool).await;
    let resp = app
        .http
        .get(format!("{}/no/such/page", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("Back to the task overview")
    );
}

#[sqlx::test(
    migrations = "../migrations",
    fixtures(path = "../../db/tests/fixtures", scripts("small"))
)]
async fn the_overview_and_the_rest_list_are_one_path(pool: PgPool) {
    let app = spawn(pool).await;
    let overview: types::Page<types::TaskSummary> = app
        .http
        .post(format!("{}/api/list_tasks", app.base))
        .form(&[("search", "l")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let rest: types::Page<types::TaskSummary> = app
        .http
        .get(format!(
            "{}/api/v1/task-analytics/tasks?search=l&sort=busiest&limit=200",
            app.base
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(overview, rest);
    // Hand-counted: etl.extract (4), etl.load (2), ml.train (1), ml.evaluate (0) all hold an "l".
    let keys: Vec<&str> = rest.items.iter().map(|t| t.task_id.as_str()).collect();
    assert_eq!(keys, ["etl.extract", "etl.load", "ml.train", "ml.evaluate"]);
}
