//! SIGTERM while the worker prewarms: the real binary exits within 5 s, cleanly, and every
//! stored result is whole.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use sqlx::PgPool;

fn url_of(pool: &PgPool) -> String {
    let o = pool.connect_options();
    let host = if o.get_host().starts_with('/') {
        "127.0.0.1"
    } else {
        o.get_host()
    };
    format!(
        "postgres://{}@{host}:{}/{}",
        o.get_username(),
        o.get_port(),
        o.get_database().unwrap()
    )
}

#[sqlx::test(migrations = "../migrations")]
async fn sigterm_during_prewarm_exits_within_5_seconds_leaving_nothing_half_written(pool: PgPool) {
    let url = url_of(&pool);
    let bin = env!("CARGO_BIN_EXE_tasklens");
    let truth = std::env::temp_dir().join(format!("tasklens-shutdown-{}.json", std::process::id()));
    let demo = Command::new(bin)
        .args([
            "demo",
            "--days",
            "14",
            "--workflows",
            "3",
            "--seed",
            "3",
            "--ground-truth",
        ])
        .arg(&truth)
        .env("DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(
        demo.status.success(),
        "{}",
        String::from_utf8_lossy(&demo.stderr)
    );
    let _ = std::fs::remove_file(&truth);

    let mut server = Command::new(bin)
        .arg("serve")
        .env("DATABASE_URL", &url)
        .env("TASKLENS_ADDR", "127.0.0.1:0")
        .env("TASKLENS_PREWARM", "24h,7d,30d,90d")
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let out = BufReader::new(server.stdout.take().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in out.lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    // Wait until prewarming has queued its work: the worker is busy from then on.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let line = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("server logs");
        if line.contains("prewarming performance results") {
            break;
        }
        assert!(Instant::now() < deadline, "no prewarm in 60 s");
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let stored_before: i64 = sqlx::query_scalar("SELECT count(*) FROM task_performance_metrics")
        .fetch_one(&pool)
        .await
        .unwrap();

    let t = Instant::now();
    let kill = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = loop {
        if let Some(status) = server.try_wait().unwrap() {
            break status;
        }
        if t.elapsed() > Duration::from_secs(5) {
            let _ = server.kill();
            panic!("still running 5 s after SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status:?}");
    let took = t.elapsed();

    // Every stored result is whole (one statement per result: a cancelled job writes none).
    let (rows, whole): (i64, i64) = sqlx::query_as(
        "SELECT count(*), count(*) FILTER (WHERE execution_stats ? 'totalExecutions'
                                             AND cost_analysis ? 'totalCost')
         FROM task_performance_metrics",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(rows, whole);
    assert!(rows >= stored_before);
    eprintln!("exited {took:?} after SIGTERM; {rows} results stored, all whole");
}
