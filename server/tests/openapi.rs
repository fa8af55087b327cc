//! The OpenAPI document is a contract: a snapshot keeps it from drifting silently.
//! After an intended change: `cargo insta review` (or `INSTA_UPDATE=always cargo test`).
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

mod common;

use utoipa::OpenApi;

#[test]
fn openapi_document_matches_the_reviewed_snapshot() {
    let doc = server::openapi::ApiDoc::openapi();
    insta::assert_json_snapshot!("openapi", doc);
}

#[test]
fn openapi_document_is_version_3_1_and_documents_every_ingest_status() {
    let doc = serde_json::to_value(server::openapi::ApiDoc::openapi()).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let responses = doc["paths"]["/api/v1/task-analytics/ingest"]["post"]["responses"]
        .as_object()
        .unwrap();
    let codes: Vec<&str> = responses.keys().map(String::as_str).collect();
    assert_eq!(
        codes,
        [
            "200", "400", "401", "403", "409", "413", "415", "422", "503"
        ]
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn the_docs_page_lists_every_endpoint_of_the_document(pool: sqlx::PgPool) {
    let app = common::spawn(pool).await;
    let resp = app
        .http
        .get(format!("{}/api/v1/docs", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = resp.text().await.unwrap();
    let doc = serde_json::to_value(server::openapi::ApiDoc::openapi()).unwrap();
    for path in doc["paths"].as_object().unwrap().keys() {
        assert!(
            html.contains(&format!("<code>{path}</code>")),
            "{path} missing"
        );
    }
    assert!(html.contains("<h3 id=\"ExecutionRecord\">"));
}

#[test]
fn path_parameters_are_in_the_path_and_the_rest_are_optional_query_parameters() {
    let doc = serde_json::to_value(server::openapi::ApiDoc::openapi()).unwrap();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for op in item.as_object().unwrap().values() {
            for p in op["parameters"].as_array().into_iter().flatten() {
                let name = p["name"].as_str().unwrap();
                if path.contains(&format!("{{{name}}}")) {
                    assert_eq!(
                        (p["in"].as_str(), p["required"].as_bool()),
                        (Some("path"), Some(true)),
                        "{path} {name}"
                    );
                } else {
                    assert_eq!(p["in"], "query", "{path} {name}");
                    assert_ne!(p["required"], true, "{path} {name}");
                }
            }
        }
    }
}
