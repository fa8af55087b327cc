//! The task dashboard page, server-rendered from the small fixture (etl.extract: 4 runs).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use sqlx::PgPool;

#[sqlx::test(
    migrations = "../migrations",
    fixtures(path = "../../db/tests/fixtures", scripts("small"))
)]
async fn dashboard_page_is_complete_html_with_cards_charts_and_history(pool: PgPool) {
    let app = common::spawn(pool).await;
    let resp = app
        .http
        .get(format!("{}/tasks/etl.extract?range=all", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let html = resp.text().await.unwrap();
    for part in [
        r#"data-testid="card-executions""#,
        r#"data-panel="distribution""#,
        r#"data-panel="dependencies""#,
        r#"data-testid="history-table""#,
    ] {
        assert!(html.contains(part), "missing {part}");
    }
    assert_eq!(html.matches(r#"data-testid="history-row""#).count(), 4);
}

#[sqlx::test(migrations = "../migrations")]
async fn dashboard_of_an_unknown_task_says_so_and_bad_ranges_name_the_parameter(pool: PgPool) {
    let app = common::spawn(pool).await;
    let resp = app
        .http
        .get(format!("{}/tasks/no.such.task", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    assert!(resp.text().await.unwrap().contains("not found"));
    let resp = app
        .http
        .post(format!("{}/api/task_dashboard", app.base))
        .form(&[("task", "no.such.task"), ("range", "2w")])
        .send()
        .await
        .unwrap();
    assert!(!resp.status().is_success());
    assert!(resp.text().await.unwrap().contains("time_range"));
}
