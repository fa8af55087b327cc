//! Keyset-paginated lists: stable under concurrent inserts, never skipping or repeating a row.
//! Cursors are opaque to callers (hex of the last row's sort key and, for executions, its order
//! and id).

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use crate::DbError;

/// Encodes a cursor; [`decode_cursor`] reverses it.
pub fn encode_cursor(raw: &str) -> String {
    raw.bytes().map(|b| format!("{b:02x}")).collect()
}

/// `None` for anything [`encode_cursor`] did not produce.
pub fn decode_cursor(cursor: &str) -> Option<String> {
    if !cursor.len().is_multiple_of(2) || cursor.len() > 1024 {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..cursor.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(cursor.get(i..i + 2)?, 16).ok())
        .collect();
    String::from_utf8(bytes?).ok()
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ExecutionListRow {
    pub id: Uuid,
    pub execution_key: String,
    pub run_key: String,
    #[sqlx(try_from = "String")]
    pub status: types::ExecutionStatus,
    pub attempt_number: Option<i32>,
    pub start_time: DateTime<Utc>,
    pub end_time: Option<DateTime<Utc>>,
    pub duration_ms: Option<i64>,
    pub cpu_time_ms: Option<i64>,
    pub memory_peak_mb: Option<f64>,
    pub host: Option<String>,
    pub error_details: Option<serde_json::Value>,
    pub retry_reason: Option<String>,
}

/// Which executions of a task a history page lists: a status and a half-open window
/// `[from, to)` on the start time, each optional.
#[derive(Debug, Clone, Copy, Default)]
pub struct ExecutionFilter<'a> {
    pub status: Option<&'a str>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// A keyset order of a task's executions (see `types::ExecutionSort`): a sort key and the row
/// id as the tie-break, both in the same direction, so `(key, id)` is unique and a page can start
/// strictly after the previous page's last row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExecutionOrder {
    NewestFirst,
    OldestFirst,
    LongestFirst,
    ShortestFirst,
}

/// Where the next page starts: the last row's sort key and id. The key is the start time in
/// microseconds for the time orders, the duration (with [`NO_DURATION_LONGEST`] /
/// [`NO_DURATION_SHORTEST`] for runs without one) for the duration orders.
pub type ExecutionAfter = (i64, Uuid);

/// Sort key of a run without a duration in the longest-first order: after every real one.
pub const NO_DURATION_LONGEST: i64 = -1;
/// Sort key of a run without a duration in the shortest-first order: after every real one.
pub const NO_DURATION_SHORTEST: i64 = i64::MAX;

/// The page query of one order: its sort key (SQL expression and type), the comparison that
/// means "after" in it, and the direction. Built at compile time, so every order is one
/// static, prepared statement.
macro_rules! page_sql {
    ($key:literal, $key_type:literal, $cmp:literal, $dir:literal) => {
        concat!(
            "SELECT e.id, e.execution_key, we.execution_key AS run_key, e.status, e.attempt_number,
                    e.start_time, e.end_time, e.duration_ms, e.cpu_time_ms, e.memory_peak_mb,
                    e.host, e.error_details, e.retry_reason
             FROM task_execution_history e
             JOIN workflow_executions we ON we.id = e.workflow_execution_id
             WHERE e.task_id = $1
               AND ($2::text IS NULL OR e.status = $2)
               AND ($3::timestamptz IS NULL OR e.start_time >= $3)
               AND ($4::timestamptz IS NULL OR e.start_time < $4)
               AND ($5::",
            $key_type,
            " IS NULL OR (",
            $key,
            ", e.id) ",
            $cmp,
            " ($5, $6))
             ORDER BY ",
            $key,
            " ",
            $dir,
            ", e.id ",
            $dir,
            "
             LIMIT $7"
        )
    };
}

impl ExecutionOrder {
    fn sql(self) -> &'static str {
        match self {
            // Start times compare as timestamptz, which walks the (task_id, start_time) index.
            Self::NewestFirst => page_sql!("e.start_time", "timestamptz", "<", "DESC"),
            Self::OldestFirst => page_sql!("e.start_time", "timestamptz", ">", "ASC"),
            // Literal sentinels (equal to the constants above) keep runs without a duration
            // last in both orders and comparable in the row comparison.
            Self::LongestFirst => page_sql!("COALESCE(e.duration_ms, -1)", "bigint", "<", "DESC"),
            Self::ShortestFirst => page_sql!(
                "COALESCE(e.duration_ms, 9223372036854775807)",
                "bigint",
                ">",
                "ASC"
            ),
        }
    }

    fn by_time(self) -> bool {
        matches!(self, Self::NewestFirst | Self::OldestFirst)
    }

    /// The sort key of a row, as a cursor carries it.
    pub fn key_of(self, row: &ExecutionListRow) -> i64 {
        match self {
            Self::NewestFirst | Self::OldestFirst => row.start_time.timestamp_micros(),
            Self::LongestFirst => row.duration_ms.unwrap_or(NO_DURATION_LONGEST),
            Self::ShortestFirst => row.duration_ms.unwrap_or(NO_DURATION_SHORTEST),
        }
    }
}

/// One page of a task's executions in `order`, strictly after `after` when given. The time
/// orders walk the `(task_id, start_time)` index; the duration orders sort the task's rows in
/// the filter (a top-N sort bounded by `limit`).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn executions_page(
    pool: &PgPool,
    task_id: Uuid,
    filter: &ExecutionFilter<'_>,
    order: ExecutionOrder,
    after: Option<ExecutionAfter>,
    limit: i64,
) -> Result<Vec<ExecutionListRow>, DbError> {
    let query = sqlx::query_as::<_, ExecutionListRow>(order.sql())
        .bind(task_id)
        .bind(filter.status)
        .bind(filter.from)
        .bind(filter.to);
    // The key binds as the type its order compares.
    let query = if order.by_time() {
        query.bind(after.and_then(|a| DateTime::<Utc>::from_timestamp_micros(a.0)))
    } else {
        query.bind(after.map(|a| a.0))
    };
    Ok(query
        .bind(after.map(|a| a.1))
        .bind(limit)
        .fetch_all(pool)
        .await?)
}

#[cfg(test)]
mod tests {
    #[test]
    fn cursors_round_trip_and_garbage_is_rejected() {
        let c = super::encode_cursor("etl.extract");
        assert_eq!(super::decode_cursor(&c).as_deref(), Some("etl.extract"));
        assert_eq!(super::decode_cursor("zz"), None);
        assert_eq!(super::decode_cursor("abc"), None);
        assert_eq!(super::decode_cursor("ff"), None, "not UTF-8");
    }

    #[test]
    fn rows_without_a_duration_sort_after_every_real_duration() {
        use super::{ExecutionOrder, NO_DURATION_LONGEST, NO_DURATION_SHORTEST};
        const { assert!(NO_DURATION_LONGEST < 0, "durations are never negative") };
        // The SQL literals must equal the constants the cursors carry.
        assert!(
            ExecutionOrder::LongestFirst
                .sql()
                .contains(&format!("COALESCE(e.duration_ms, {NO_DURATION_LONGEST})"))
        );
        assert!(
            ExecutionOrder::ShortestFirst
                .sql()
                .contains(&format!("COALESCE(e.duration_ms, {NO_DURATION_SHORTEST})"))
        );
    }
}
