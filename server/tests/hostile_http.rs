//! What a hostile test found at the HTTP layer (issue #11), kept closed: markup in the title,
//! panics and overload without an answer, NUL in URLs, wrong statuses, error bodies that are not
//! problem+json, missing security headers, slow clients, keys decoded twice.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use std::time::{Duration, Instant};

use serde_json::json;
use sqlx::PgPool;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

mod common;
use common::{PgProxy, TestApp, pg_addr, spawn, spawn_with};

/// Payloads that break out of the raw-text contexts of HTML.
const BREAKOUTS: [&str; 4] = [
    "</title><script>alert(1)</script>",
    "</script><script>alert(2)</script>",
    "</style><script>alert(3)</script>",
    "<!--<script>alert(4)</script>-->",
];

fn encode(s: &str) -> String {
    app::components::view::encode(s)
}

/// The nonce of the response's `script-src`.
fn csp_nonce(resp: &reqwest::Response) -> String {
    let csp = resp.headers()["content-security-policy"].to_str().unwrap();
    let start = csp.find("'nonce-").expect("script-src has a nonce") + "'nonce-".len();
    csp[start..].split('\'').next().unwrap().to_owned()
}

/// Fetches an HTML page and checks that markup from the URL or the database cannot run: the
/// title is `key` as escaped text, and every `<script>` carries this response's CSP nonce.
async fn assert_inert(app: &TestApp, path: &str, key: &str) -> (u16, String) {
    let resp = app
        .http
        .get(format!("{}{path}", app.base))
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let nonce = csp_nonce(&resp);
    let html = resp.text().await.unwrap();
    let title = &html[html.find("<title>").unwrap() + 7..];
    let title = &title[..title.find("</title>").unwrap()];
    assert_eq!(
        title,
        format!("{} · Tasklens", html_escape::encode_text(key)),
        "{path}"
    );
    let scripts: Vec<&str> = html
        .match_indices("<script")
        .map(|(i, _)| &html[i..])
        .collect();
    assert!(!scripts.is_empty(), "{path}: the hydration scripts");
    for s in scripts {
        let tag = &s[..s.find('>').unwrap()];
        assert!(
            tag.contains(&format!("nonce=\"{nonce}\"")),
            "{path}: a script without the response's nonce: {tag}"
        );
    }
    (status, html)
}

fn exec(task: &str, id: &str, status: &str) -> serde_json::Value {
    let start = chrono::Utc::now() - chrono::Duration::hours(1);
    json!({
        "executionId": id, "workflowId": "hostile", "workflowExecutionId": format!("run-{id}"),
        "taskId": task, "taskName": task, "status": status,
        "startTime": start.to_rfc3339(),
        "endTime": (start + chrono::Duration::seconds(30)).to_rfc3339(),
    })
}

#[sqlx::test(migrations = "../migrations")]
async fn markup_in_a_crafted_link_or_a_stored_key_never_leaves_the_title(pool: PgPool) {
    let app = spawn(pool).await;
    let execs: Vec<_> = BREAKOUTS
        .iter()
        .enumerate()
        .map(|(i, k)| exec(k, &format!("e{i}"), "completed"))
        .collect();
    let resp = app
        .ingest()
        .json(&json!({ "executions": execs }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    for key in BREAKOUTS {
        // Stored: the page renders the task (200) with the key as text.
        let (status, html) = assert_inert(&app, &format!("/tasks/{}", encode(key)), key).await;
        assert_eq!(status, 200, "{key}");
        assert!(html.contains(&html_escape::encode_text(key).to_string()));
        let (status, _) =
            assert_inert(&app, &format!("/embed/tasks/{}/cards", encode(key)), key).await;
        assert_eq!(status, 200, "{key}");
        // Crafted: an unknown key is a 404, as inert.
        let crafted = format!("{key}-nowhere");
        let (status, _) =
            assert_inert(&app, &format!("/tasks/{}", encode(&crafted)), &crafted).await;
        assert_eq!(status, 404);
        let (status, _) = assert_inert(
            &app,
            &format!("/embed/tasks/{}/timeline", encode(&crafted)),
            &crafted,
        )
        .await;
        assert_eq!(status, 404);
    }
}

#[sqlx::test(
    migrations = "../migrations",
    fixtures(path = "../../db/tests/fixtures", scripts("small"))
)]
async fn every_response_carries_nosniff_a_referrer_policy_and_a_script_policy(pool: PgPool) {
    let app = spawn(pool).await;
    for path in [
        "/",
        "/tasks/etl.extract",
        "/embed/tasks/etl.extract/cards",
        "/no-such-page",
        "/healthz",
        "/api/v1/task-analytics/tasks",
        "/api/v1/openapi.json",
        "/api/v1/docs",
    ] {
        let resp = app
            .http
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .unwrap();
        let h = resp.headers();
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "same-origin", "{path}");
        let csp = h["content-security-policy"].to_str().unwrap();
        let html = h["content-type"].to_str().unwrap().starts_with("text/html");
        if html {
            assert!(csp.contains("script-src 'self' 'nonce-"), "{path}: {csp}");
            assert!(csp.contains("object-src 'none'"), "{path}: {csp}");
        } else {
            assert!(csp.starts_with("default-src 'none'"), "{path}: {csp}");
        }
    }
    // A fresh nonce per response.
    let get = || app.http.get(format!("{}/", app.base)).send();
    assert_ne!(
        csp_nonce(&get().await.unwrap()),
        csp_nonce(&get().await.unwrap())
    );
}

#[sqlx::test(
    migrations = "../migrations",
    fixtures(path = "../../db/tests/fixtures", scripts("small"))
)]
async fn nul_in_any_url_or_server_function_argument_is_a_client_error(pool: PgPool) {
    let app = spawn(pool).await;
    for path in [
        "/tasks/%00",
        "/tasks/etl.extract?cursor=%00",
        "/embed/tasks/a%00b/cards",
        "/?q=%00",
        "/api/v1/task-analytics/tasks?search=%00",
        "/api/v1/task-analytics/tasks?workflow_id=%00",
        "/api/v1/task-analytics/tasks/%00/performance",
        "/api/v1/task-analytics/tasks/etl.extract/executions?cursor=%00",
        "/api/v1/task-analytics/workflows/%00/critical-path",
    ] {
        let resp = app
            .http
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 400, "{path}");
        assert_eq!(
            resp.headers()["content-type"],
            "application/problem+json",
            "{path}"
        );
    }
    for (func, form) in [
        ("task_dashboard", vec![("task", "a\0b")]),
        (
            "task_executions",
            vec![("task", "etl.extract"), ("cursor", "\0")],
        ),
        ("list_tasks", vec![("search", "a\0b")]),
    ] {
        let resp = app
            .http
            .post(format!("{}/api/{func}", app.base))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 422, "{func}");
    }
}

#[sqlx::test(
    migrations = "../migrations",
    fixtures(path = "../../db/tests/fixtures", scripts("small"))
)]
async fn server_functions_answer_the_status_of_their_error(pool: PgPool) {
    let app = spawn(pool).await;
    let call = |func: &'static str, form: Vec<(&'static str, &'static str)>| {
        app.http
            .post(format!("{}/api/{func}", app.base))
            .form(&form)
            .send()
    };
    let cases = [
        ("task_dashboard", vec![], 400), // missing argument
        ("task_dashboard", vec![("task", "nope")], 404),
        (
            "task_dashboard",
            vec![("task", "etl.extract"), ("range", "9y")],
            422,
        ),
        (
            "task_executions",
            vec![("task", "etl.extract"), ("cursor", "zz")],
            422,
        ),
        (
            "task_executions",
            vec![("task", "etl.extract"), ("status", "odd")],
            422,
        ),
        ("task_dashboard", vec![("task", "etl.extract")], 200),
    ];
    for (func, form, want) in cases {
        let shown = format!("{func} {form:?}");
        let resp = call(func, form).await.unwrap();
        assert_eq!(resp.status(), want, "{shown}");
        if want != 200 {
            // The body is still the AppError the browser decodes.
            let body = resp.text().await.unwrap();
            serde_json::from_str::<app::AppError>(&body).unwrap_or_else(|e| panic!("{body}: {e}"));
        }
    }
}

#[sqlx::test(
    migrations = "../migrations",
    fixtures(path = "../../db/tests/fixtures", scripts("small"))
)]
async fn pages_answer_the_status_of_the_error_they_show(pool: PgPool) {
    let app = spawn(pool).await;
    for (path, want) in [
        ("/tasks/etl.extract?range=9y", 422),
        ("/tasks/etl.extract?from=yesterday", 422),
        ("/tasks/etl.extract?cursor=zz", 422),
        ("/tasks/etl.extract?status=odd", 422),
        ("/tasks/nope", 404),
        ("/embed/tasks/nope/cards", 404),
        ("/embed/tasks/etl.extract/no-such-panel", 404),
        ("/tasks/etl.extract?range=all", 200),
    ] {
        let resp = app
            .http
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), want, "{path}");
    }
}

#[sqlx::test(
    migrations = "../migrations",
    fixtures(path = "../../db/tests/fixtures", scripts("small"))
)]
async fn during_an_outage_pages_server_functions_and_rest_answer_503(pool: PgPool) {
    let mut proxy = PgProxy::new(pg_addr(&pool)).await;
    let proxied = sqlx::postgres::PgPoolOptions::new()
        .acquire_timeout(Duration::from_secs(1))
        .connect_lazy_with(proxy.options_for(&pool));
    let app = spawn_with(proxied, |c| c.cache_ttl_secs = 0).await;
    let page = format!("{}/tasks/etl.extract?range=all", app.base);
    assert_eq!(app.http.get(&page).send().await.unwrap().status(), 200);

    proxy.stop().await;
    let started = Instant::now();
    for path in [
        "/tasks/etl.extract?range=all",
        "/embed/tasks/etl.extract/cards?range=all",
        "/",
        "/api/v1/task-analytics/tasks/etl.extract/performance?time_range=all",
    ] {
        let resp = app
            .http
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 503, "{path}");
    }
    let resp = app
        .http
        .post(format!("{}/api/task_dashboard", app.base))
        .form(&[("task", "etl.extract")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 503);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    proxy.start().await;
}

#[sqlx::test(
    migrations = "../migrations",
    fixtures(path = "../../db/tests/fixtures", scripts("small"))
)]
async fn two_hundred_concurrent_dashboard_renders_all_get_a_status(pool: PgPool) {
    let app = spawn(pool).await;
    let url = format!("{}/tasks/etl.extract?range=all", app.base);
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..200 {
        let (http, url) = (reqwest::Client::new(), url.clone());
        tasks.spawn(async move { http.get(url).send().await.map(|r| r.status().as_u16()) });
    }
    let mut by_status = std::collections::BTreeMap::new();
    while let Some(r) = tasks.join_next().await {
        let status = r.unwrap().expect("every request is answered");
        *by_status.entry(status).or_insert(0) += 1;
    }
    // Rendered, or shed at once with 503; never a dropped connection or a 500.
    assert!(
        by_status.keys().all(|s| *s == 200 || *s == 503),
        "{by_status:?}"
    );
    assert!(
        by_status.get(&200).copied().unwrap_or(0) >= 1,
        "{by_status:?}"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn rejected_query_and_path_parameters_and_unknown_api_routes_are_problem_json(pool: PgPool) {
    let app = spawn(pool).await;
    for (path, want) in [
        ("/api/v1/task-analytics/tasks?limit=abc", 400),
        ("/api/v1/task-analytics/tasks?limit=1e9", 400),
        (
            "/api/v1/task-analytics/tasks/x/performance?time_range=7d&time_range=24h",
            400,
        ),
        ("/api/v1/task-analytics/tasks/%FF/performance", 400),
        ("/api/v1/no-such-route", 404),
        ("/api/v1/task-analytics/tasks/x/no-such-question", 404),
    ] {
        let resp = app
            .http
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), want, "{path}");
        assert_eq!(
            resp.headers()["content-type"],
            "application/problem+json",
            "{path}"
        );
        let p: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(p["status"], want, "{path}");
        assert!(
            p["detail"].as_str().is_some_and(|d| !d.is_empty()),
            "{path}"
        );
    }
}

#[sqlx::test(
    migrations = "../migrations",
    fixtures(path = "../../db/tests/fixtures", scripts("small"))
)]
async fn a_request_past_the_deadline_is_a_503_problem_with_retry_after(pool: PgPool) {
    let app = spawn_with(pool, |c| {
        c.request_timeout_secs = 0;
        c.cache_ttl_secs = 0;
    })
    .await;
    let resp = app
        .http
        .get(format!(
            "{}/api/v1/task-analytics/tasks/etl.extract/performance?time_range=all",
            app.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 503);
    assert_eq!(resp.headers()["content-type"], "application/problem+json");
    assert!(resp.headers().contains_key("retry-after"));
}

#[sqlx::test(migrations = "../migrations")]
async fn a_client_sending_headers_slowly_is_cut_off(pool: PgPool) {
    let app = spawn_with(pool, |c| c.header_read_timeout_secs = 1).await;
    let addr = app.base.trim_start_matches("http://").to_owned();
    let mut conn = tokio::net::TcpStream::connect(&addr).await.unwrap();
    conn.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let started = Instant::now();
    let mut buf = [0u8; 512];
    // One header line every 200 ms, for ever: the server must close within the deadline.
    let closed_after = loop {
        tokio::time::sleep(Duration::from_millis(200)).await;
        if conn.write_all(b"X-Slow: 1\r\n").await.is_err() {
            break started.elapsed();
        }
        match tokio::time::timeout(Duration::from_millis(1), conn.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break started.elapsed(),
            Ok(Ok(n)) => {
                // hyper may answer 408 before closing.
                assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 408"));
                break started.elapsed();
            }
            Err(_) => {}
        }
        assert!(started.elapsed() < Duration::from_secs(5), "still open");
    };
    assert!(closed_after < Duration::from_secs(3), "{closed_after:?}");
}

#[sqlx::test(migrations = "../migrations")]
async fn ingest_over_its_in_flight_bound_is_shed_at_once_with_retry_after(pool: PgPool) {
    let app = spawn_with(pool, |c| c.max_in_flight_ingest = 1).await;
    // One ingest request whose body never ends holds the only slot.
    let addr = app.base.trim_start_matches("http://").to_owned();
    let mut hold = tokio::net::TcpStream::connect(&addr).await.unwrap();
    hold.write_all(
        format!(
            "POST /api/v1/task-analytics/ingest HTTP/1.1\r\nHost: x\r\n\
             Authorization: Bearer {}\r\nContent-Type: application/json\r\n\
             Content-Length: 100000\r\n\r\n{{\"executions\": [",
            common::TOKEN
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;

    let started = Instant::now();
    let resp = app
        .ingest()
        .json(&json!({"executions": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 503);
    assert_eq!(resp.headers()["retry-after"], "1");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    // Reads have their own bound.
    let resp = app
        .http
        .get(format!("{}/api/v1/task-analytics/tasks", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    drop(hold);
}

#[sqlx::test(migrations = "../migrations")]
async fn media_types_are_case_insensitive(pool: PgPool) {
    let app = spawn(pool).await;
    for ct in ["Application/JSON", "APPLICATION/JSON; charset=UTF-8"] {
        let resp = app
            .ingest()
            .header("content-type", ct)
            .body(r#"{"executions": []}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{ct}");
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn a_key_holding_a_literal_percent_escape_is_found_by_its_page(pool: PgPool) {
    let app = spawn(pool).await;
    let keys = ["pct%41key", "a/b%2Fc", "100%"];
    let execs: Vec<_> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| exec(k, &format!("p{i}"), "completed"))
        .collect();
    let resp = app
        .ingest()
        .json(&json!({ "executions": execs }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    for key in keys {
        let resp = app
            .http
            .get(format!("{}/tasks/{}", app.base, encode(key)))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{key}");
        let html = resp.text().await.unwrap();
        assert!(
            html.contains(&format!("<title>{key} · Tasklens</title>")),
            "{key}"
        );
    }
}
