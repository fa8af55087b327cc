//! Where a task's data lies in time, for answers whose window may miss it: a historical import
//! asked about "the last 24 hours" (the default window) would otherwise answer zeros with
//! nothing to say why (issue #13).
//!
//! `dataExtent` is the first and last execution *start* of the task (what windows filter on);
//! `hint` is set when the window holds no execution of the task while its history is elsewhere.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use types::{FailureMetrics, TimeWindow};

use crate::{ServiceError, Services, Windowed};

/// First and last execution start of a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DataExtent {
    pub first: DateTime<Utc>,
    pub last: DateTime<Utc>,
}

/// The failure analysis of a window, with the task's data extent and, when the window holds
/// none of its executions, a hint naming where they are.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FailuresAnswer {
    #[serde(flatten)]
    pub answer: Windowed<FailureMetrics>,
    /// First and last execution start of the task; `null` when it has none.
    pub data_extent: Option<DataExtent>,
    /// Set when the window holds no execution of the task but its history lies elsewhere.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

/// The hint for a window without executions of a task whose history is `extent`;
/// `default_window` names the window when the request gave none (e.g. "the last 24 hours").
pub fn empty_window_hint(extent: DataExtent, default_window: Option<&str>) -> String {
    let stamp = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Secs, true);
    let window = match default_window {
        Some(d) => format!("the default window ({d})"),
        None => "this window".to_owned(),
    };
    format!(
        "no execution of this task started in {window}; its executions started from {} to {}: \
         ask with time_range=all, or from/to",
        stamp(extent.first),
        stamp(extent.last)
    )
}

/// [`crate::task_failures_cached`] with the task's data extent and the empty-window hint.
pub async fn task_failures_answer(
    s: &Services,
    key: &str,
    label: Option<&str>,
    window: TimeWindow,
    error_type: Option<String>,
    default_window: Option<&str>,
) -> Result<FailuresAnswer, ServiceError> {
    let task = crate::tasks::find(s, key).await?;
    let (answer, extent) = tokio::try_join!(
        crate::task_failures_cached(s, key, label, window, error_type),
        async { Ok(db::tasks::task_extent(&s.pool, task.id, &window).await?) },
    )?;
    let data_extent = extent.map(|e| DataExtent {
        first: e.first,
        last: e.last,
    });
    let hint = match (data_extent, extent) {
        (Some(d), Some(e)) if !e.in_window => Some(empty_window_hint(d, default_window)),
        _ => None,
    };
    Ok(FailuresAnswer {
        answer,
        data_extent,
        hint,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hint_names_the_window_and_the_history() {
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap_or_default();
        let e = DataExtent {
            first: at("2022-05-13T03:02:26.406Z"),
            last: at("2022-05-13T22:10:00Z"),
        };
        assert_eq!(
            empty_window_hint(e, Some("the last 24 hours")),
            "no execution of this task started in the default window (the last 24 hours); its \
             executions started from 2022-05-13T03:02:26Z to 2022-05-13T22:10:00Z: ask with \
             time_range=all, or from/to"
        );
        assert!(
            empty_window_hint(e, None)
                .starts_with("no execution of this task started in this window;")
        );
    }
}
