//! `GET /ws` live updates over a real socket: every protocol error case, heartbeats and the
//! idle timeout, fan-out across two server replicas on one database, the listener's
//! reconnect after its connection is cut, a client that never reads, and the handover of a
//! leader-only job when its holder dies.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

mod common;

use std::time::{Duration, Instant};

use common::{PgProxy, TestApp, pg_addr, spawn, spawn_with};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use sqlx::PgPool;
use tokio_tungstenite::tungstenite::Message;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(app: &TestApp) -> Ws {
    let url = format!("{}/ws", app.base.replace("http://", "ws://"));
    tokio_tungstenite::connect_async(url).await.unwrap().0
}

async fn send(ws: &mut Ws, v: Value) {
    ws.send(Message::text(v.to_string())).await.unwrap();
}

async fn subscribe(ws: &mut Ws, topic: &str) {
    send(ws, json!({"action": "subscribe", "topic": topic})).await;
    let m = next(ws).await;
    assert_eq!(
        (m["type"].as_str(), m["topic"].as_str()),
        (Some("subscribed"), Some(topic)),
        "{m}"
    );
}

/// The next JSON frame (pings and pongs skipped), within 10 s.
async fn next(ws: &mut Ws) -> Value {
    next_within(ws, Duration::from_secs(10))
        .await
        .expect("a message within the time")
}

async fn next_within(ws: &mut Ws, limit: Duration) -> Option<Value> {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        let frame = tokio::time::timeout_at(deadline, ws.next()).await.ok()??;
        match frame.unwrap() {
            Message::Text(t) => return Some(serde_json::from_str(t.as_str()).unwrap()),
            Message::Ping(_) | Message::Pong(_) => {}
            other => panic!("unexpected frame {other:?}"),
        }
    }
}

/// The next message of `kind`, others skipped.
async fn next_of(ws: &mut Ws, kind: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let m = next_within(ws, left)
            .await
            .unwrap_or_else(|| panic!("no {kind} within 20 s"));
        if m["type"] == kind {
            return m;
        }
    }
}

fn exec(task: &str, id: &str, status: &str, duration_ms: i64) -> Value {
    let start: chrono::DateTime<chrono::Utc> = "2026-01-01T10:00:00Z".parse().unwrap();
    let end = start + chrono::Duration::milliseconds(duration_ms);
    json!({
        "executionId": id, "workflowId": "etl", "workflowExecutionId": "run-1",
        "taskId": task, "taskName": task, "status": status,
        "startTime": start, "durationMs": duration_ms, "endTime": end
    })
}

async fn ingest(app: &TestApp, executions: Vec<Value>) {
    let resp = app
        .ingest()
        .json(&json!({"executions": executions}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
}

/// Waits until the app's listener hears ingests (it connects in the background at start).
async fn warm_up(app: &TestApp, ws: &mut Ws) {
    subscribe(ws, "task:warmup.probe").await;
    for i in 0..40 {
        let mut e = exec("warmup.probe", &format!("p{i}"), "completed", 1);
        e["workflowId"] = json!("warmup");
        ingest(app, vec![e]).await;
        if let Some(m) = next_within(ws, Duration::from_millis(500)).await {
            assert_eq!(m["taskId"], "warmup.probe", "{m}");
            send(
                ws,
                json!({"action": "unsubscribe", "topic": "task:warmup.probe"}),
            )
            .await;
            // Late probes may still arrive before the reply: skip them.
            next_of(ws, "unsubscribed").await;
            return;
        }
    }
    panic!("the listener never heard an ingest");
}

/// Another replica's own pool on the same database.
async fn replica_pool(pool: &PgPool) -> PgPool {
    sqlx::postgres::PgPoolOptions::new()
        .connect_with((*pool.connect_options()).clone())
        .await
        .unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn every_bad_frame_gets_an_error_naming_the_problem_and_the_connection_stays_up(
    pool: PgPool,
) {
    let app = spawn(pool.clone()).await;
    let mut ws = connect(&app).await;
    let cases: Vec<(Message, &str)> = vec![
        (Message::text("not json"), "malformed frame"),
        (
            Message::text(r#"{"topic":"task:a"}"#),
            "missing field `action`",
        ),
        (
            Message::text(r#"{"action":"publish","topic":"task:a"}"#),
            "unknown variant `publish`",
        ),
        (
            Message::text(r#"{"action":"subscribe"}"#),
            "missing field `topic`",
        ),
        (
            Message::text(r#"{"action":"subscribe","topic":"queue:a"}"#),
            "unknown topic \"queue:a\"",
        ),
        (
            Message::text(r#"{"action":"subscribe","topic":"task:"}"#),
            "must not be empty",
        ),
        (
            Message::text(r#"{"action":"subscribe","topic":"workflow:a\u0001"}"#),
            "control characters",
        ),
        (
            Message::text(r#"{"action":"subscribe","topic":"pattern:sunspots"}"#),
            "unknown pattern \"sunspots\"",
        ),
        (
            Message::text(format!(
                r#"{{"action":"subscribe","topic":"task:{}"}}"#,
                "x".repeat(5_000)
            )),
            "frame too large: 5038 bytes, at most 4096",
        ),
        (
            Message::binary(b"{}".to_vec()),
            "binary frames are not part of the protocol",
        ),
    ];
    for (frame, expected) in cases {
        ws.send(frame).await.unwrap();
        let m = next(&mut ws).await;
        assert_eq!(m["type"], "error", "{m}");
        let msg = m["payload"]["message"].as_str().unwrap();
        assert!(msg.contains(expected), "{msg:?} should say {expected:?}");
    }
    // The bound on subscriptions: 100 accepted, the 101st refused, re-subscribing is fine.
    for i in 0..100 {
        subscribe(&mut ws, &format!("task:t{i}")).await;
    }
    send(
        &mut ws,
        json!({"action": "subscribe", "topic": "task:t100"}),
    )
    .await;
    let m = next(&mut ws).await;
    assert_eq!(m["type"], "error");
    assert_eq!(m["topic"], "task:t100");
    assert!(
        m["payload"]["message"]
            .as_str()
            .unwrap()
            .contains("too many subscriptions: at most 100"),
        "{m}"
    );
    subscribe(&mut ws, "task:t5").await;
    for i in 0..10 {
        send(
            &mut ws,
            json!({"action": "unsubscribe", "topic": format!("task:t{i}")}),
        )
        .await;
        assert_eq!(next(&mut ws).await["type"], "unsubscribed");
    }
    subscribe(&mut ws, "task:etl.extract").await;
    send(&mut ws, json!({"action": "unsubscribe", "topic": "alerts"})).await;
    let m = next(&mut ws).await;
    assert_eq!(
        (m["type"].as_str(), m["payload"]["message"].as_str()),
        (Some("unsubscribed"), Some("was not subscribed"))
    );
    // The spec's own frame, with taskId, and the other topic kinds are accepted.
    send(
        &mut ws,
        json!({"action": "unsubscribe", "topic": "task:t10", "taskId": "t10"}),
    )
    .await;
    assert_eq!(next(&mut ws).await["type"], "unsubscribed");
    for topic in ["workflow:etl", "pattern:level_shift", "alerts"] {
        subscribe(&mut ws, topic).await;
    }

    // After all that, the same connection still delivers updates, and the server answers.
    warm_up(&app, &mut ws).await;
    ingest(&app, vec![exec("etl.extract", "e1", "completed", 5_000)]).await;
    let m = next_of(&mut ws, "task_execution").await;
    assert_eq!(m["taskId"], "etl.extract");
    let health = app
        .http
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);

    // An unsubscribed topic gets nothing more.
    send(
        &mut ws,
        json!({"action": "unsubscribe", "topic": "task:etl.extract"}),
    )
    .await;
    send(
        &mut ws,
        json!({"action": "unsubscribe", "topic": "workflow:etl"}),
    )
    .await;
    // (the workflow topic's copy of the last update may come first)
    next_of(&mut ws, "unsubscribed").await;
    assert_eq!(next(&mut ws).await["type"], "unsubscribed");
    ingest(&app, vec![exec("etl.extract", "e2", "completed", 5_000)]).await;
    assert_eq!(next_within(&mut ws, Duration::from_millis(800)).await, None);
}

#[sqlx::test(migrations = "../migrations")]
async fn the_server_pings_and_closes_a_connection_silent_past_the_idle_timeout(pool: PgPool) {
    let app = spawn_with(pool, |c| {
        c.ws_ping_ms = 100;
        c.ws_idle_timeout_ms = 600;
    })
    .await;
    // A client that reads answers the pings (tungstenite pongs): it stays connected.
    let mut alive = connect(&app).await;
    let mut pings = 0;
    let until = Instant::now() + Duration::from_millis(1_500);
    while Instant::now() < until {
        if let Ok(Some(Ok(Message::Ping(_)))) =
            tokio::time::timeout(Duration::from_millis(200), alive.next()).await
        {
            pings += 1;
        }
    }
    assert!(pings >= 5, "{pings} pings in 1.5 s at one per 100 ms");
    subscribe(&mut alive, "alerts").await;

    // A client that says nothing, not even pong, is closed with the reason.
    let mut silent = connect(&app).await;
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let close = loop {
        match tokio::time::timeout(Duration::from_secs(5), silent.next()).await {
            Ok(Some(Ok(Message::Close(frame)))) => break frame,
            Ok(Some(Ok(_))) => {}
            other => panic!("expected a close frame, got {other:?}"),
        }
    };
    let frame = close.expect("a close frame with a reason");
    assert_eq!(u16::from(frame.code), 1000);
    assert_eq!(frame.reason.as_str(), "idle timeout");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_subscriber_on_replica_a_receives_an_execution_ingested_through_replica_b(pool: PgPool) {
    let a = spawn(pool.clone()).await;
    let b = spawn(replica_pool(&pool).await).await;
    let mut ws = connect(&a).await;
    warm_up(&b, &mut ws).await;
    subscribe(&mut ws, "task:etl.extract").await;
    subscribe(&mut ws, "workflow:etl").await;

    let mut latencies = Vec::new();
    for i in 0..20 {
        let t = Instant::now();
        ingest(
            &b,
            vec![exec(
                "etl.extract",
                &format!("e{i}"),
                "completed",
                4_000 + i,
            )],
        )
        .await;
        let m = next_of(&mut ws, "task_execution").await;
        latencies.push(t.elapsed());
        assert_eq!(m["taskId"], "etl.extract");
        assert_eq!(m["topic"], "task:etl.extract");
        let p = &m["payload"];
        assert_eq!(p["executionId"], format!("e{i}"));
        assert_eq!(p["workflowId"], "etl");
        assert_eq!(p["workflowExecutionId"], "run-1");
        assert_eq!(p["status"], "completed");
        assert_eq!(p["durationMs"], 4_000 + i);
        assert_eq!(p["refetch"], false);
        // The same update for the workflow's subscribers.
        let w = next_of(&mut ws, "task_execution").await;
        assert_eq!(
            (w["topic"].as_str(), w["taskId"].as_str()),
            (Some("workflow:etl"), Some("etl.extract"))
        );
    }
    latencies.sort();
    eprintln!(
        "ingest request through B -> message on A: p50 {:?}, max {:?} (20 ingests, includes the HTTP round trip)",
        latencies[10], latencies[19]
    );

    // A failure: task_execution and task_failure, with the error type.
    let mut failed = exec("etl.extract", "f1", "failed", 100);
    failed["error"] = json!({"type": "OOMKilled"});
    ingest(
        &b,
        vec![exec("etl.extract", "ok2", "completed", 90), failed],
    )
    .await;
    let f = next_of(&mut ws, "task_failure").await;
    assert_eq!(f["payload"]["executionId"], "f1");
    assert_eq!(f["payload"]["errorType"], "OOMKilled");
    assert_eq!(f["payload"]["status"], "failed");
}

#[sqlx::test(migrations = "../migrations")]
async fn when_the_listener_connection_is_cut_subscribers_hear_degraded_then_resumed_and_refetch(
    pool: PgPool,
) {
    let mut proxy = PgProxy::new(pg_addr(&pool)).await;
    let proxied = sqlx::postgres::PgPoolOptions::new()
        .acquire_timeout(Duration::from_secs(1))
        .connect_lazy_with(proxy.options_for(&pool));
    let a = spawn(proxied).await;
    let b = spawn(replica_pool(&pool).await).await;
    let mut ws = connect(&a).await;
    warm_up(&b, &mut ws).await;
    subscribe(&mut ws, "task:etl.extract").await;
    ingest(&b, vec![exec("etl.extract", "before", "completed", 1)]).await;
    assert_eq!(
        next_of(&mut ws, "task_execution").await["payload"]["executionId"],
        "before"
    );

    proxy.stop().await;
    let d = next_of(&mut ws, "degraded").await;
    assert_eq!(d["payload"]["refetch"], false);
    // Written while A is cut off: A cannot hear it.
    ingest(&b, vec![exec("etl.extract", "during", "completed", 2)]).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    // A connection opened while degraded is told at once.
    let mut late = connect(&a).await;
    assert_eq!(next(&mut late).await["type"], "degraded");

    let cut_for = Instant::now();
    proxy.start().await;
    let r = next_of(&mut ws, "resumed").await;
    eprintln!(
        "resumed {:?} after the database came back",
        cut_for.elapsed()
    );
    assert_eq!(r["payload"]["refetch"], true, "{r}");
    assert!(
        r["payload"]["message"]
            .as_str()
            .unwrap()
            .contains("may be missed")
    );
    assert_eq!(next_of(&mut late, "resumed").await["type"], "resumed");
    ingest(&b, vec![exec("etl.extract", "after", "completed", 3)]).await;
    assert_eq!(
        next_of(&mut ws, "task_execution").await["payload"]["executionId"],
        "after"
    );
}

#[sqlx::test(migrations = "../migrations")]
#[ignore = "flaky on CI: the never-reading client was dropped as `client gone` (its side ended the stream) instead of `too_slow` within 120 s; the bound holds, the test's signal does not (issue #16)"]
async fn a_client_that_never_reads_is_disconnected_and_healthy_clients_lose_nothing(pool: PgPool) {
    let app = spawn_with(pool, |c| {
        c.ws_send_timeout_ms = 500;
        c.ws_idle_timeout_ms = 600_000;
        c.ws_ping_ms = 600_000;
    })
    .await;
    // Keys as long as the notification carries with every execution id (30 characters).
    let tasks: Vec<String> = (0..99)
        .map(|i| format!("wide.t{i:03}.{}", "k".repeat(20)))
        .collect();
    // The slow client subscribes to 100 topics and never reads. Its receive buffer is fixed
    // at 64 KiB (which stops the kernel growing it to 32 MiB), so its socket fills soon.
    let sock = tokio::net::TcpSocket::new_v4().unwrap();
    sock.set_recv_buffer_size(64 * 1024).unwrap();
    let addr: std::net::SocketAddr = app.base.trim_start_matches("http://").parse().unwrap();
    let stream = sock.connect(addr).await.unwrap();
    let (mut slow, _) = tokio_tungstenite::client_async(format!("ws://{addr}/ws"), stream)
        .await
        .unwrap();
    for topic in tasks
        .iter()
        .map(|t| format!("task:{t}"))
        .chain(["workflow:wide".to_owned()])
    {
        let frame = json!({"action": "subscribe", "topic": topic});
        slow.send(Message::text(frame.to_string())).await.unwrap();
    }
    let mut healthy = connect(&app).await;
    warm_up(&app, &mut healthy).await;
    let watched = format!("task:{}", tasks[42]);
    subscribe(&mut healthy, &watched).await;

    let metrics = || async {
        app.http
            .get(format!("{}/metrics", app.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    let too_slow = |m: &str| {
        m.lines()
            .any(|l| l.starts_with("tasklens_ws_disconnects_total{reason=\"too_slow\"}"))
    };
    let started = Instant::now();
    let mut rounds = 0;
    let mut seen = 0u64;
    let mut last_duration = 0;
    while !too_slow(&metrics().await) {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "never disconnected"
        );
        rounds += 1;
        if rounds % 20 == 0 {
            let m = metrics().await;
            let ws: Vec<&str> = m.lines().filter(|l| l.starts_with("tasklens_ws")).collect();
            eprintln!("round {rounds} {:?}: {ws:?}", started.elapsed());
        }
        let batch = tasks
            .iter()
            .map(|t| {
                let mut e = exec(t, &format!("r{rounds}"), "completed", rounds);
                e["workflowId"] = json!("wide");
                e
            })
            .collect();
        ingest(&app, batch).await;
        // The healthy client reads as it goes: each update arrives (or is folded into a
        // later one it is told about).
        while let Some(m) = next_within(&mut healthy, Duration::from_millis(20)).await {
            seen += 1 + m["payload"]["coalesced"].as_u64().unwrap_or(0);
            last_duration = m["payload"]["durationMs"]
                .as_i64()
                .unwrap_or_else(|| panic!("{m}"));
        }
    }
    eprintln!(
        "slow client disconnected after {rounds} ingests of 198 updates each ({:?})",
        started.elapsed()
    );
    while let Some(m) = next_within(&mut healthy, Duration::from_millis(500)).await {
        seen += 1 + m["payload"]["coalesced"].as_u64().unwrap_or(0);
        last_duration = m["payload"]["durationMs"].as_i64().unwrap();
    }
    assert_eq!(seen, rounds as u64, "the healthy client lost updates");
    assert_eq!(last_duration, rounds);

    // The slow client's stream ends: what was buffered, then the end (a close frame when it
    // could still be written, else EOF or a reset).
    let ended = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(Ok(f)) = slow.next().await {
            if let Message::Close(frame) = f {
                return frame.map(|f| f.reason.to_string());
            }
        }
        None
    })
    .await
    .expect("the slow client's connection ends");
    if let Some(reason) = ended {
        assert_eq!(reason, "too slow: messages not read");
    }
    let health = app
        .http
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_leader_only_job_moves_to_another_replica_within_30_s_when_its_holder_dies(pool: PgPool) {
    use service::worker::{Every, Worker};
    use std::sync::{Arc, Mutex};
    let ran: Arc<Mutex<Vec<&'static str>>> = Arc::default();
    let every = Every {
        period: Duration::from_millis(200),
        at_start: true,
        leader_only: true,
    };
    // Each run notes its replica and then holds the job (and its lock) until stopped.
    let job = |name: &'static str, ran: Arc<Mutex<Vec<&'static str>>>| {
        move || {
            let ran = ran.clone();
            async move {
                ran.lock().unwrap().push(name);
                std::future::pending::<()>().await;
                Ok(String::new())
            }
        }
    };
    // Replica A reaches the database through a proxy: cutting it is A's host dying.
    let mut proxy = PgProxy::new(pg_addr(&pool)).await;
    let a_pool = sqlx::postgres::PgPoolOptions::new()
        .acquire_timeout(Duration::from_secs(1))
        .connect_lazy_with(proxy.options_for(&pool));
    let a = Worker::new();
    a.every("handover-test", a_pool, every, job("a", ran.clone()));
    let deadline = Instant::now() + Duration::from_secs(10);
    while ran.lock().unwrap().is_empty() {
        assert!(Instant::now() < deadline, "replica A never ran the job");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let b = Worker::new();
    b.every(
        "handover-test",
        replica_pool(&pool).await,
        every,
        job("b", ran.clone()),
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(*ran.lock().unwrap(), ["a"], "B ran while A held the job");

    let died = Instant::now();
    proxy.stop().await;
    let deadline = died + Duration::from_secs(30);
    while ran.lock().unwrap().len() < 2 {
        assert!(Instant::now() < deadline, "no takeover within 30 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    eprintln!(
        "replica B took the job over {:?} after A died",
        died.elapsed()
    );
    assert_eq!(*ran.lock().unwrap(), ["a", "b"]);
    a.shutdown(Duration::from_secs(1)).await;
    b.shutdown(Duration::from_secs(1)).await;
}
