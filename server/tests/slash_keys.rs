//! Task keys may contain `/` (`team/etl.load`): links carry it percent-encoded (`%2F`), so the
//! key stays one path segment in the dashboard, the embed panels and the REST API.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

mod common;

use sqlx::PgPool;

const SEED: &str = "
INSERT INTO workflows (id, workflow_key, workflow_name)
  VALUES ('00000000-0000-0000-0000-0000000000a1', 'team', 'Team');
INSERT INTO tasks (id, task_key, workflow_id, task_name, task_type) VALUES
  ('00000000-0000-0000-0000-0000000000b1', 'team/etl.load', '00000000-0000-0000-0000-0000000000a1', 'Load', 'compute'),
  ('00000000-0000-0000-0000-0000000000b2', 'team', '00000000-0000-0000-0000-0000000000a1', 'Decoy', 'compute');
INSERT INTO workflow_executions (id, workflow_id, execution_key)
  VALUES ('00000000-0000-0000-0000-0000000000c1', '00000000-0000-0000-0000-0000000000a1', 'run-1');
INSERT INTO task_execution_history
  (task_id, workflow_execution_id, task_name, start_time, end_time, duration_ms, status, execution_key) VALUES
  ('00000000-0000-0000-0000-0000000000b1', '00000000-0000-0000-0000-0000000000c1', 'Load',
   '2026-03-01T10:00:00Z', '2026-03-01T10:00:02Z', 2000, 'completed', 'x1'),
  ('00000000-0000-0000-0000-0000000000b1', '00000000-0000-0000-0000-0000000000c1', 'Load',
   '2026-03-01T11:00:00Z', '2026-03-01T11:00:03Z', 3000, 'failed', 'x2');
";

async fn get(app: &common::TestApp, path: &str) -> (u16, String) {
    let resp = app
        .http
        .get(format!("{}{path}", app.base))
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

#[sqlx::test(migrations = "../migrations")]
async fn a_key_with_a_slash_opens_its_dashboard_panels_and_rest_resources(pool: PgPool) {
    sqlx::raw_sql(SEED).execute(&pool).await.unwrap();
    let app = common::spawn(pool).await;

    let (status, html) = get(&app, "/tasks/team%2Fetl.load?range=all").await;
    assert_eq!(status, 200);
    assert!(
        html.contains(r#"class="task-key">team/etl.load</h1>"#),
        "title"
    );
    assert_eq!(html.matches(r#"data-testid="history-row""#).count(), 2);
    // Every link of the page keeps the key in one segment.
    assert!(html.contains(r#"href="/tasks/team%2Fetl.load?range=24h""#));
    assert!(html.contains(r#"href="/tasks/team%2Fetl.load?range=all&amp;sort=longest""#));
    assert!(!html.contains(r#"href="/tasks/team/etl.load"#));

    let (status, html) = get(&app, "/embed/tasks/team%2Fetl.load/cards?range=all").await;
    assert_eq!(status, 200);
    assert!(html.contains(r#"data-testid="card-executions""#));
    assert!(html.contains(r#"href="/tasks/team%2Fetl.load?range=all""#));

    for resource in ["performance", "failures", "dependencies", "patterns"] {
        let (status, body) = get(
            &app,
            &format!("/api/v1/task-analytics/tasks/team%2Fetl.load/{resource}?time_range=all"),
        )
        .await;
        assert_eq!(status, 200, "{resource}: {body}");
    }
    let (status, body) = get(
        &app,
        "/api/v1/task-analytics/tasks/team%2Fetl.load/performance?time_range=all",
    )
    .await;
    assert_eq!(status, 200);
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["taskId"], "team/etl.load");
    assert_eq!(body["executionStats"]["totalExecutions"], 2);
    let (_, body) = get(
        &app,
        "/api/v1/task-analytics/tasks/team%2Fetl.load/executions",
    )
    .await;
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["items"][0]["executionId"], "x2");

    // Unencoded, the slash splits the key: no route, or another task, never this one.
    let (status, _) = get(
        &app,
        "/api/v1/task-analytics/tasks/team/etl.load/executions",
    )
    .await;
    assert_eq!(status, 404);
}
