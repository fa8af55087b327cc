//! Starts the real application on port 0 for integration tests.
#![allow(dead_code)]

use server::config::Config;
use server::startup::Application;
use sqlx::PgPool;

pub const TOKEN: &str = "test-token-0123456789";

pub struct TestApp {
    pub base: String,
    pub http: reqwest::Client,
}

pub async fn spawn(pool: PgPool) -> TestApp {
    spawn_with(pool, |_| {}).await
}

pub async fn spawn_with(pool: PgPool, tweak: impl FnOnce(&mut Config)) -> TestApp {
    let mut config = Config::for_tests("postgres://unused");
    config.ingest_tokens = secrecy::SecretString::from(format!("other-token, {TOKEN}"));
    tweak(&mut config);
    let app = Application::build_without_migrating(config, pool)
        .await
        .expect("app builds");
    let base = format!("http://{}", app.local_addr());
    tokio::spawn(app.run_until_stopped());
    TestApp {
        base,
        http: reqwest::Client::new(),
    }
}

impl TestApp {
    pub fn ingest(&self) -> reqwest::RequestBuilder {
        self.http
            .post(format!("{}/api/v1/task-analytics/ingest", self.base))
            .bearer_auth(TOKEN)
    }
}
