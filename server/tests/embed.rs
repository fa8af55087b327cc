//! Framing policy: only `/embed/...` panels may sit in an iframe, and only on configured origins.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use server::routes::FramePolicy;
use sqlx::PgPool;

/// The `frame-ancestors` directive of the response's policy (the policy has others too).
fn csp(resp: &reqwest::Response) -> String {
    let policy = resp
        .headers()
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    policy
        .split(';')
        .map(str::trim)
        .find(|d| d.starts_with("frame-ancestors"))
        .unwrap_or_default()
        .to_owned()
}

#[sqlx::test(migrations = "../migrations")]
async fn pages_refuse_framing_and_embed_panels_allow_only_configured_origins(pool: PgPool) {
    let app = common::spawn_with(pool, |c| {
        c.embed_origins = "https://portal.example.com, http://localhost:8080".into();
    })
    .await;
    for path in ["/", "/tasks/nope", "/healthz", "/no-such-page"] {
        let resp = app
            .http
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(csp(&resp), "frame-ancestors 'none'", "{path}");
    }
    let resp = app
        .http
        .get(format!("{}/embed/tasks/nope/cards", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(
        csp(&resp),
        "frame-ancestors https://portal.example.com http://localhost:8080"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn embed_panels_refuse_framing_when_no_origin_is_configured(pool: PgPool) {
    let app = common::spawn(pool).await;
    let resp = app
        .http
        .get(format!("{}/embed/tasks/nope/cards", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(csp(&resp), "frame-ancestors 'none'");
}

#[test]
fn origins_that_could_inject_another_directive_are_refused() {
    assert!(FramePolicy::new(&["https://a.example; script-src *".into()]).is_err());
    assert!(FramePolicy::new(&["portal.example.com".into()]).is_err());
    assert!(FramePolicy::new(&["https://portal.example.com:8443".into()]).is_ok());
}
