//! The background worker: one leader per job across replicas (PostgreSQL advisory locks),
//! separate queues, and shutdown within its grace period.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use service::worker::{Every, Worker};
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

const ONCE_AT_START: Every = Every {
    period: Duration::from_secs(3600),
    at_start: true,
    leader_only: true,
};

/// A second pool on the same database: another replica's sessions.
async fn replica_pool(pool: &PgPool) -> PgPool {
    PgPoolOptions::new()
        .max_connections(2)
        .connect_with((*pool.connect_options()).clone())
        .await
        .unwrap()
}

#[sqlx::test(migrations = false)]
async fn a_leader_only_job_runs_in_one_replica_at_a_time(pool: PgPool) {
    let runs = Arc::new(AtomicUsize::new(0));
    let (a, b) = (Worker::new(), Worker::new());
    for (worker, pool) in [(&a, pool.clone()), (&b, replica_pool(&pool).await)] {
        let runs = runs.clone();
        worker.every("test-leader", pool, ONCE_AT_START, move || {
            let runs = runs.clone();
            async move {
                runs.fetch_add(1, Ordering::SeqCst);
                // Long enough that both replicas tick while the first still runs.
                tokio::time::sleep(Duration::from_millis(500)).await;
                Ok(String::new())
            }
        });
    }
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    assert_eq!(
        runs.load(Ordering::SeqCst),
        1,
        "the other replica skipped its tick"
    );
    assert!(a.shutdown(Duration::from_secs(2)).await);
    assert!(b.shutdown(Duration::from_secs(2)).await);
    // Released: the next run (here, a third replica) takes the lock.
    let lock = db::leader::try_lock(&pool, "test-leader").await.unwrap();
    assert!(lock.is_some());
    lock.unwrap().release().await;
}

#[sqlx::test(migrations = false)]
async fn a_job_cancelled_at_shutdown_releases_its_lock(pool: PgPool) {
    let worker = Worker::new();
    let started = Arc::new(tokio::sync::Notify::new());
    let s = started.clone();
    worker.every("test-cancel", pool.clone(), ONCE_AT_START, move || {
        let s = s.clone();
        async move {
            s.notify_one();
            tokio::time::sleep(Duration::from_secs(60)).await;
            Ok(String::new())
        }
    });
    started.notified().await;
    let t = Instant::now();
    assert!(
        worker.shutdown(Duration::from_secs(2)).await,
        "stopped within its grace"
    );
    assert!(t.elapsed() < Duration::from_secs(1), "{:?}", t.elapsed());
    // The cancelled run's session was closed, so its lock is free again.
    let mut free = None;
    for _ in 0..20 {
        free = db::leader::try_lock(&pool, "test-cancel").await.unwrap();
        if free.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    free.expect("lock released").release().await;
}

#[sqlx::test(migrations = false)]
async fn a_long_job_in_one_queue_does_not_hold_up_another(pool: PgPool) {
    let worker = Worker::new();
    let slow = worker.queue(
        "slow",
        |d: Duration| async move { tokio::time::sleep(d).await },
    );
    let done = Arc::new(tokio::sync::Notify::new());
    let d = done.clone();
    let fast = worker.queue("fast", move |(): ()| {
        let d = d.clone();
        async move { d.notify_one() }
    });
    slow.send(Duration::from_secs(60)).unwrap();
    let t = Instant::now();
    fast.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(1), done.notified())
        .await
        .expect("the fast queue ran while the slow one was busy");
    assert!(t.elapsed() < Duration::from_millis(500));
    assert!(worker.shutdown(Duration::from_secs(2)).await);
    drop(pool);
}
