//! Which PostgreSQL failures are "unavailable" (503, retry) and which are the caller's input
//! (422), as PostgreSQL itself reports them.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use db::DbError;
use sqlx::PgPool;

#[sqlx::test(migrations = false)]
async fn a_backend_terminated_mid_query_is_unavailable_not_a_query_error(pool: PgPool) {
    // What `pg_ctl stop -m fast` does to every backend: SQLSTATE 57P01 (admin_shutdown).
    let e = sqlx::query("SELECT pg_terminate_backend(pg_backend_pid())")
        .execute(&pool)
        .await
        .unwrap_err();
    let e = DbError::from(e);
    assert!(e.is_unavailable(), "{e:?}");
}

#[sqlx::test(migrations = false)]
async fn a_statement_cancelled_by_its_timeout_is_unavailable(pool: PgPool) {
    // SQLSTATE 57014 (query_canceled): the server is too busy to answer in time; retry.
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("SET LOCAL statement_timeout = '10ms'")
        .execute(&mut *tx)
        .await
        .unwrap();
    let e = sqlx::query("SELECT pg_sleep(1)")
        .execute(&mut *tx)
        .await
        .unwrap_err();
    assert!(DbError::from(e).is_unavailable());
}

#[sqlx::test(migrations = false)]
async fn nul_in_a_text_parameter_is_the_callers_input_not_an_internal_error(pool: PgPool) {
    // SQLSTATE 22021 (character_not_in_repertoire).
    let e = sqlx::query("SELECT $1::text")
        .bind("a\0b")
        .execute(&pool)
        .await
        .unwrap_err();
    let e = DbError::from(e);
    assert!(matches!(e, DbError::Unstorable(_)), "{e:?}");
    assert!(!e.is_unavailable());
}
