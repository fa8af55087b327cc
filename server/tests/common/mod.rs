//! Starts the real application on port 0 for integration tests.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report
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
    /// `POST /api/v1/task-analytics/tasks/{path}` with a JSON body: status and JSON answer.
    pub async fn post_task(&self, path: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
        let resp = self
            .http
            .post(format!("{}/api/v1/task-analytics/tasks/{path}", self.base))
            .json(&body)
            .send()
            .await
            .unwrap();
        (resp.status().as_u16(), resp.json().await.unwrap())
    }

    /// `GET /api/v1/task-analytics/tasks/{path}`: status and JSON answer.
    pub async fn get_task(&self, path: &str) -> (u16, serde_json::Value) {
        let resp = self
            .http
            .get(format!("{}/api/v1/task-analytics/tasks/{path}", self.base))
            .send()
            .await
            .unwrap();
        (resp.status().as_u16(), resp.json().await.unwrap())
    }

    pub fn ingest(&self) -> reqwest::RequestBuilder {
        self.http
            .post(format!("{}/api/v1/task-analytics/ingest", self.base))
            .bearer_auth(TOKEN)
    }
}

/// A TCP proxy in front of Postgres whose outage the tests control: `stop` closes the listener
/// and cuts every open connection, `start` serves again on the same port.
pub struct PgProxy {
    pub port: u16,
    target: std::net::SocketAddr,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    conns: std::sync::Arc<std::sync::Mutex<Vec<tokio::task::AbortHandle>>>,
}

impl PgProxy {
    pub async fn new(target: std::net::SocketAddr) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut p = PgProxy {
            port,
            target,
            tasks: Vec::new(),
            conns: Default::default(),
        };
        p.start().await;
        p
    }

    pub async fn start(&mut self) {
        let sock = tokio::net::TcpSocket::new_v4().unwrap();
        sock.set_reuseaddr(true).unwrap();
        sock.bind(([127, 0, 0, 1], self.port).into()).unwrap();
        let listener = sock.listen(64).unwrap();
        let (target, conns) = (self.target, self.conns.clone());
        self.tasks.push(tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let conn = tokio::spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                conns.lock().unwrap().push(conn.abort_handle());
            }
        }));
    }

    pub async fn stop(&mut self) {
        for t in self.tasks.drain(..) {
            t.abort();
            let _ = t.await;
        }
        for c in self.conns.lock().unwrap().drain(..) {
            c.abort();
        }
    }

    /// The test database's connect options, pointed at the proxy.
    pub fn options_for(&self, pool: &PgPool) -> sqlx::postgres::PgConnectOptions {
        (*pool.connect_options())
            .clone()
            .host("127.0.0.1")
            .port(self.port)
    }
}

/// Where the test pool's Postgres listens.
pub fn pg_addr(pool: &PgPool) -> std::net::SocketAddr {
    let o = pool.connect_options();
    let host = if o.get_host().starts_with('/') {
        "127.0.0.1"
    } else {
        o.get_host()
    };
    format!("{host}:{}", o.get_port()).parse().unwrap()
}
