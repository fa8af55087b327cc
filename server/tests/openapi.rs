//! The OpenAPI document is a contract: a snapshot keeps it from drifting silently.
//! After an intended change: `cargo insta review` (or `INSTA_UPDATE=always cargo test`).
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

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
        ["200", "400", "401", "403", "413", "415", "422", "503"]
    );
}
