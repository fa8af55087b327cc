//! `GET /api/v1/task-analytics/tasks/{task_id}/executions`: every sort pages through exactly the
//! window's executions (keyset pages never skip or repeat a row, ties included), and bad
//! parameters are 422 naming the parameter. Expected orders are computed here in Rust from the
//! raw rows, independently of the SQL under test.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

mod common;

use std::cmp::Reverse;

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

/// 30 runs of one task: three per start minute (ties on start time), durations 1–5 s with many
/// ties, every seventh still running (no duration). The key has a `/`.
const SEED: &str = "
INSERT INTO workflows (id, workflow_key, workflow_name)
  VALUES ('00000000-0000-0000-0000-0000000000a1', 'team', 'Team');
INSERT INTO tasks (id, task_key, workflow_id, task_name, task_type)
  VALUES ('00000000-0000-0000-0000-0000000000b1', 'team/etl.load',
          '00000000-0000-0000-0000-0000000000a1', 'Load', 'compute');
INSERT INTO workflow_executions (id, workflow_id, execution_key)
  VALUES ('00000000-0000-0000-0000-0000000000c1', '00000000-0000-0000-0000-0000000000a1', 'run-1');
INSERT INTO task_execution_history
  (task_id, workflow_execution_id, task_name, start_time, end_time, duration_ms, status, execution_key)
SELECT '00000000-0000-0000-0000-0000000000b1', '00000000-0000-0000-0000-0000000000c1', 'Load',
       '2026-03-01T10:00:00Z'::timestamptz + (i / 3) * interval '1 minute',
       CASE WHEN i % 7 = 0 THEN NULL
            ELSE '2026-03-01T10:00:00Z'::timestamptz + (i / 3) * interval '1 minute' + interval '1 second' END,
       CASE WHEN i % 7 = 0 THEN NULL ELSE ((i * 7) % 5 + 1) * 1000 END,
       CASE WHEN i % 7 = 0 THEN 'running' ELSE 'completed' END,
       'x' || i
FROM generate_series(0, 29) AS i;
";

const PATH: &str = "/api/v1/task-analytics/tasks/team%2Fetl.load/executions";

struct Run {
    id: Uuid,
    key: String,
    start: DateTime<Utc>,
    duration: Option<i64>,
}

async fn runs(pool: &PgPool) -> Vec<Run> {
    let rows: Vec<(Uuid, String, DateTime<Utc>, Option<i64>)> = sqlx::query_as(
        "SELECT id, execution_key, start_time, duration_ms FROM task_execution_history",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    rows.into_iter()
        .map(|(id, key, start, duration)| Run {
            id,
            key,
            start,
            duration,
        })
        .collect()
}

/// Execution keys in `sort` order, the row id breaking ties in the sort's direction and runs
/// without a duration last in both duration orders.
fn expected(runs: &[Run], sort: &str, window: Option<(&str, &str)>) -> Vec<String> {
    let window = window.map(|(f, t)| {
        (
            f.parse::<DateTime<Utc>>().unwrap(),
            t.parse::<DateTime<Utc>>().unwrap(),
        )
    });
    let mut rows: Vec<&Run> = runs
        .iter()
        .filter(|r| window.is_none_or(|(f, t)| r.start >= f && r.start < t))
        .collect();
    match sort {
        "newest" => rows.sort_by_key(|r| Reverse((r.start, r.id))),
        "oldest" => rows.sort_by_key(|r| (r.start, r.id)),
        "longest" => rows.sort_by_key(|r| Reverse((r.duration.unwrap_or(-1), r.id))),
        "shortest" => rows.sort_by_key(|r| (r.duration.unwrap_or(i64::MAX), r.id)),
        other => panic!("unknown sort {other}"),
    }
    rows.into_iter().map(|r| r.key.clone()).collect()
}

async fn get(app: &common::TestApp, query: &str) -> (u16, Value) {
    let resp = app
        .http
        .get(format!("{}{PATH}?{query}", app.base))
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

/// Every execution key of every page, following `nextCursor` with pages of `limit`.
async fn walk(app: &common::TestApp, query: &str, limit: usize) -> Vec<String> {
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let q = match &cursor {
            Some(c) => format!("{query}&limit={limit}&cursor={c}"),
            None => format!("{query}&limit={limit}"),
        };
        let (status, body) = get(app, &q).await;
        assert_eq!(status, 200, "{q}: {body}");
        let items = body["items"].as_array().unwrap();
        assert!(items.len() <= limit);
        seen.extend(
            items
                .iter()
                .map(|e| e["executionId"].as_str().unwrap().to_owned()),
        );
        match body["nextCursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return seen,
        }
        assert!(seen.len() <= 30, "{query}: the pages do not end");
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn every_sort_pages_through_its_window_without_skipping_or_repeating_rows(pool: PgPool) {
    sqlx::raw_sql(SEED).execute(&pool).await.unwrap();
    let all = runs(&pool).await;
    let app = common::spawn(pool).await;
    // A window from the second start minute up to (not including) the ninth: 21 runs.
    let window = ("2026-03-01T10:01:00Z", "2026-03-01T10:08:00Z");
    for sort in ["newest", "oldest", "longest", "shortest"] {
        let want_all = expected(&all, sort, None);
        assert_eq!(want_all.len(), 30);
        for limit in [1, 4, 7] {
            assert_eq!(
                walk(&app, &format!("sort={sort}"), limit).await,
                want_all,
                "sort={sort} limit={limit}"
            );
        }
        let want = expected(&all, sort, Some(window));
        assert_eq!(want.len(), 21);
        let query = format!("sort={sort}&from={}&to={}", window.0, window.1);
        assert_eq!(walk(&app, &query, 4).await, want, "{query}");
        assert_eq!(
            walk(&app, &format!("sort={sort}&time_range=all"), 4).await,
            want_all
        );
    }
    // Without `sort` the order is newest first, as before sorting existed.
    assert_eq!(walk(&app, "status=completed", 5).await.len(), 25);
    assert_eq!(walk(&app, "x=1", 4).await, expected(&all, "newest", None));
}

#[sqlx::test(migrations = "../migrations")]
async fn a_named_window_ending_now_excludes_older_runs(pool: PgPool) {
    sqlx::raw_sql(SEED).execute(&pool).await.unwrap();
    let app = common::spawn(pool).await;
    // The seeded runs are from March 2026, months before any `now` these tests run at.
    let (status, body) = get(&app, "time_range=24h").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["items"].as_array().unwrap().len(), 0);
    assert!(body["nextCursor"].is_null());
}

#[sqlx::test(migrations = "../migrations")]
async fn bad_sorts_windows_and_cursors_of_another_sort_are_422_naming_the_parameter(pool: PgPool) {
    sqlx::raw_sql(SEED).execute(&pool).await.unwrap();
    let app = common::spawn(pool).await;
    let (_, body) = get(&app, "sort=longest&limit=2").await;
    let longest = body["nextCursor"].as_str().unwrap().to_owned();
    let (status, body) = get(&app, "sort=longest&limit=2").await;
    assert_eq!(status, 200, "{body}");
    for (query, param) in [
        (format!("sort=newest&cursor={longest}"), "cursor"),
        (format!("cursor={longest}"), "cursor"),
        (format!("sort=shortest&cursor={longest}"), "cursor"),
        ("sort=slowest".to_owned(), "sort"),
        ("time_range=2w".to_owned(), "time_range"),
        ("from=yesterday".to_owned(), "from"),
        ("to=2026-03-01T10:00:00Z".to_owned(), "from"),
        (
            "from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z".to_owned(),
            "from",
        ),
    ] {
        let resp = app
            .http
            .get(format!("{}{PATH}?{query}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 422, "{query}");
        assert_eq!(
            resp.headers()["content-type"],
            "application/problem+json",
            "{query}"
        );
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["errors"][0]["field"], param, "{query}: {body}");
    }
    // The same cursor continues its own sort.
    let (status, body) = get(&app, &format!("sort=longest&limit=2&cursor={longest}")).await;
    assert_eq!(status, 200, "{body}");
}
