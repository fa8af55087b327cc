//! Paginated lists: tasks, and a task's executions.

use db::pagination::{ExecutionAfter, ExecutionFilter, ExecutionOrder};
use types::{ExecutionSort, ExecutionStatus, ExecutionSummary, Page, TaskSummary, TimeWindow};

use crate::{ServiceError, Services};

/// Default and largest page sizes.
pub const TASKS_DEFAULT_LIMIT: i64 = 50;
pub const TASKS_MAX_LIMIT: i64 = 200;
pub const EXECUTIONS_DEFAULT_LIMIT: i64 = 100;
pub const EXECUTIONS_MAX_LIMIT: i64 = 500;

fn limit(raw: Option<i64>, default: i64, max: i64) -> Result<i64, ServiceError> {
    match raw {
        None => Ok(default),
        Some(n) if (1..=max).contains(&n) => Ok(n),
        Some(n) => Err(ServiceError::invalid(
            "limit",
            format!("must be 1..={max}, got {n}"),
        )),
    }
}

/// Longest search text, in characters (a key is at most 255).
pub const MAX_SEARCH_LEN: usize = 255;

/// A search text is free text, but bounded and without NUL (which PostgreSQL cannot hold).
pub fn check_search(search: Option<&str>) -> Result<(), ServiceError> {
    match search {
        Some(s) if s.chars().count() > MAX_SEARCH_LEN => Err(ServiceError::invalid(
            "search",
            format!("must be at most {MAX_SEARCH_LEN} characters"),
        )),
        Some(s) if s.contains('\0') => Err(ServiceError::invalid(
            "search",
            "must not contain NUL characters",
        )),
        _ => Ok(()),
    }
}

fn bad_cursor() -> ServiceError {
    ServiceError::invalid("cursor", "is not a cursor this API returned")
}

/// A task list's parameters, as the REST API and the overview's server function pass them.
#[derive(Debug, Clone, Default)]
pub struct TaskListQuery {
    /// Case-insensitive substring of the key or name.
    pub search: Option<String>,
    /// Only this workflow's tasks.
    pub workflow_id: Option<String>,
    /// `key` (default) or `busiest` (most executions first).
    pub sort: Option<String>,
    pub limit: Option<i64>,
    /// `nextCursor` of the previous page, with the same `sort`.
    pub cursor: Option<String>,
}

/// Tasks with their execution counts, one page: the REST list and the overview alike.
pub async fn list_tasks(
    s: &Services,
    q: &TaskListQuery,
) -> Result<Page<TaskSummary>, ServiceError> {
    use db::tasks::{TaskFilter, TaskOrder};
    let n = limit(q.limit, TASKS_DEFAULT_LIMIT, TASKS_MAX_LIMIT)?;
    check_search(q.search.as_deref())?;
    if let Some(w) = &q.workflow_id {
        types::WorkflowKey::parse(w.as_str())
            .map_err(|e| ServiceError::invalid("workflow_id", e.to_string()))?;
    }
    let (order, order_name) = match q.sort.as_deref() {
        None | Some("key") => (TaskOrder::Key, "key"),
        Some("busiest") => (TaskOrder::Busiest, "busiest"),
        Some(_) => return Err(ServiceError::invalid("sort", "must be key or busiest")),
    };
    // A cursor is (order, executions, key) of the previous page's last row; keys hold no
    // control characters, so U+001F separates the parts.
    let after = match q.cursor.as_deref() {
        None => None,
        Some(c) => {
            let raw = db::pagination::decode_cursor(c).ok_or_else(bad_cursor)?;
            let mut parts = raw.splitn(3, '\u{1f}');
            let (o, total, key) = (parts.next(), parts.next(), parts.next());
            match (o, total.and_then(|t| t.parse::<i64>().ok()), key) {
                (Some(o), Some(total), Some(key)) if o == order_name => {
                    Some((key.to_owned(), total))
                }
                _ => return Err(bad_cursor()),
            }
        }
    };
    let filter = TaskFilter {
        search: q.search.as_deref(),
        workflow: q.workflow_id.as_deref(),
    };
    let mut rows = db::tasks::list_tasks(
        &s.pool,
        filter,
        order,
        after.as_ref().map(|(k, t)| (k.as_str(), *t)),
        n + 1,
    )
    .await?;
    let next_cursor = (rows.len() as i64 > n).then(|| {
        rows.truncate(n as usize);
        rows.last().map(|r| {
            db::pagination::encode_cursor(&format!(
                "{order_name}\u{1f}{}\u{1f}{}",
                r.total_executions, r.task_key
            ))
        })
    });
    Ok(Page {
        next_cursor: next_cursor.flatten(),
        items: rows.into_iter().map(Into::into).collect(),
    })
}

fn parse_status(raw: &str) -> Result<ExecutionStatus, ServiceError> {
    raw.parse().map_err(|_| {
        ServiceError::invalid(
            "status",
            "must be one of completed, failed, timeout, cancelled, skipped, running",
        )
    })
}

/// A history request: which executions (status, window), in which order, which page.
#[derive(Debug, Clone, Default)]
pub struct ExecutionsQuery {
    /// `completed`, `failed`, ... (all when `None`).
    pub status: Option<String>,
    /// `newest` (default), `oldest`, `longest` or `shortest`.
    pub sort: Option<String>,
    pub limit: Option<i64>,
    /// `nextCursor` of the previous page (of the same sort).
    pub cursor: Option<String>,
    /// Only executions that started in this window; `None` for all of them.
    pub window: Option<TimeWindow>,
}

fn parse_sort(raw: Option<&str>) -> Result<ExecutionSort, ServiceError> {
    raw.map_or(Ok(ExecutionSort::default()), |r| {
        ExecutionSort::parse(r).ok_or_else(|| {
            ServiceError::invalid("sort", "must be one of newest, oldest, longest, shortest")
        })
    })
}

fn order_of(sort: ExecutionSort) -> ExecutionOrder {
    match sort {
        ExecutionSort::Newest => ExecutionOrder::NewestFirst,
        ExecutionSort::Oldest => ExecutionOrder::OldestFirst,
        ExecutionSort::Longest => ExecutionOrder::LongestFirst,
        ExecutionSort::Shortest => ExecutionOrder::ShortestFirst,
    }
}

/// `sort|key|id`, hex-encoded: the sort is inside, so a cursor cannot silently continue a
/// different order (where its key would mean something else and rows would be skipped).
fn execution_cursor(sort: ExecutionSort, key: i64, id: uuid::Uuid) -> String {
    db::pagination::encode_cursor(&format!("{}|{key}|{id}", sort.as_str()))
}

fn parse_execution_cursor(c: &str, sort: ExecutionSort) -> Result<ExecutionAfter, ServiceError> {
    let raw = db::pagination::decode_cursor(c).ok_or_else(bad_cursor)?;
    let mut parts = raw.splitn(3, '|');
    let (Some(cursor_sort), Some(key), Some(id)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(bad_cursor());
    };
    if cursor_sort != sort.as_str() {
        return Err(ServiceError::invalid(
            "cursor",
            format!(
                "belongs to sort={cursor_sort}, not sort={}; start again without a cursor",
                sort.as_str()
            ),
        ));
    }
    let key: i64 = key.parse().map_err(|_| bad_cursor())?;
    // A start-time key must be a representable time, or the page would silently restart.
    let by_time = matches!(sort, ExecutionSort::Newest | ExecutionSort::Oldest);
    if by_time && chrono::DateTime::<chrono::Utc>::from_timestamp_micros(key).is_none() {
        return Err(bad_cursor());
    }
    Ok((key, id.parse().map_err(|_| bad_cursor())?))
}

/// One page of a task's execution history, filtered, ordered and paged by keyset.
pub async fn task_executions(
    s: &Services,
    key: &str,
    q: &ExecutionsQuery,
) -> Result<Page<ExecutionSummary>, ServiceError> {
    let n = limit(q.limit, EXECUTIONS_DEFAULT_LIMIT, EXECUTIONS_MAX_LIMIT)?;
    let status = q.status.as_deref().map(parse_status).transpose()?;
    let sort = parse_sort(q.sort.as_deref())?;
    let after = q
        .cursor
        .as_deref()
        .map(|c| parse_execution_cursor(c, sort))
        .transpose()?;
    let task = crate::tasks::find(s, key).await?;
    let filter = ExecutionFilter {
        status: status.map(|s| s.as_str()),
        from: q.window.and_then(|w| w.from),
        to: q.window.map(|w| w.to),
    };
    let order = order_of(sort);
    let mut rows =
        db::pagination::executions_page(&s.pool, task.id, &filter, order, after, n + 1).await?;
    let next_cursor = if rows.len() as i64 > n {
        rows.truncate(n as usize);
        rows.last()
            .map(|r| execution_cursor(sort, order.key_of(r), r.id))
    } else {
        None
    };
    let items = rows
        .into_iter()
        .map(|r| ExecutionSummary {
            execution_id: r.execution_key,
            workflow_execution_id: r.run_key,
            status: r.status,
            attempt_number: r.attempt_number.unwrap_or(1),
            start_time: r.start_time,
            end_time: r.end_time,
            duration_ms: r.duration_ms,
            cpu_time_ms: r.cpu_time_ms,
            memory_peak_mb: r.memory_peak_mb,
            host: r.host,
            error: r.error_details.and_then(serde_deserialize),
            retry_reason: r.retry_reason,
        })
        .collect();
    Ok(Page { items, next_cursor })
}

fn serde_deserialize<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> Option<T> {
    T::deserialize(v).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn execution_cursors_round_trip_and_refuse_another_sort() {
        let id = uuid::Uuid::nil();
        let c = execution_cursor(ExecutionSort::Longest, 4_000, id);
        assert_eq!(
            parse_execution_cursor(&c, ExecutionSort::Longest).ok(),
            Some((4_000, id))
        );
        for other in [ExecutionSort::Newest, ExecutionSort::Shortest] {
            assert!(
                matches!(parse_execution_cursor(&c, other), Err(ServiceError::Invalid { param, .. }) if param == "cursor")
            );
        }
        let garbage = db::pagination::encode_cursor("newest|x|y");
        assert!(parse_execution_cursor(&garbage, ExecutionSort::Newest).is_err());
        let beyond_time = execution_cursor(ExecutionSort::Newest, i64::MAX, id);
        assert!(parse_execution_cursor(&beyond_time, ExecutionSort::Newest).is_err());
    }

    #[test]
    fn unknown_sorts_are_refused_naming_the_parameter() {
        assert_eq!(parse_sort(None).ok(), Some(ExecutionSort::Newest));
        assert_eq!(parse_sort(Some("oldest")).ok(), Some(ExecutionSort::Oldest));
        assert!(
            matches!(parse_sort(Some("slowest")), Err(ServiceError::Invalid { param, .. }) if param == "sort")
        );
    }
}
