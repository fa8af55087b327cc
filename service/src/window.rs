//! The time window of a request: `time_range` (`1h 24h 7d 30d 90d all`) or `from`/`to`
//! (RFC 3339), never both.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use types::{TimeRangePreset, TimeWindow};

use crate::ServiceError;

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct WindowParams {
    /// `1h`, `24h`, `7d`, `30d`, `90d` or `all`.
    pub time_range: Option<String>,
    /// Window start, RFC 3339 (with `to`, instead of `time_range`).
    pub from: Option<String>,
    /// Window end, RFC 3339 (default now).
    pub to: Option<String>,
}

impl WindowParams {
    /// The preset naming the window, under which results may be cached; `None` for explicit
    /// `from`/`to` windows, which are always computed.
    pub fn label(&self, default: TimeRangePreset) -> Option<&str> {
        match (&self.from, &self.to) {
            (None, None) => Some(self.time_range.as_deref().unwrap_or(default.as_str())),
            _ => None,
        }
    }
}

fn parse_time(param: &str, raw: &str) -> Result<DateTime<Utc>, ServiceError> {
    DateTime::parse_from_rfc3339(raw)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| ServiceError::invalid(param, format!("must be an RFC 3339 timestamp ({e})")))
}

/// Resolves the window at `now`, with `default` when nothing is given.
pub fn resolve_window(
    p: &WindowParams,
    default: TimeRangePreset,
    now: DateTime<Utc>,
) -> Result<TimeWindow, ServiceError> {
    match (&p.time_range, &p.from, &p.to) {
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) => Err(ServiceError::invalid(
            "time_range",
            "give either time_range or from/to, not both",
        )),
        (Some(r), None, None) => {
            let preset: TimeRangePreset = r.parse().map_err(|e: types::TimeRangeError| {
                ServiceError::invalid("time_range", e.to_string())
            })?;
            Ok(TimeWindow::from_preset(preset, now))
        }
        (None, Some(from), to) => {
            let from = parse_time("from", from)?;
            let to = to
                .as_deref()
                .map(|t| parse_time("to", t))
                .transpose()?
                .unwrap_or(now);
            TimeWindow::explicit(from, to).map_err(|e| ServiceError::invalid("from", e.to_string()))
        }
        (None, None, Some(_)) => Err(ServiceError::invalid("from", "is required with to")),
        (None, None, None) => Ok(TimeWindow::from_preset(default, now)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        "2026-11-26T12:00:00Z".parse().unwrap_or_default()
    }

    #[test]
    fn presets_explicit_windows_and_errors_name_their_parameter() {
        let w = resolve_window(&WindowParams::default(), TimeRangePreset::Week, now())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            w.from.map(|f| f.to_rfc3339()),
            Some("2026-11-19T12:00:00+00:00".into())
        );
        let p = WindowParams {
            time_range: Some("2w".into()),
            ..Default::default()
        };
        assert!(
            matches!(resolve_window(&p, TimeRangePreset::Week, now()), Err(ServiceError::Invalid { param, .. }) if param == "time_range")
        );
        let p = WindowParams {
            from: Some("2026-11-20T00:00:00Z".into()),
            to: Some("2026-11-21T00:00:00Z".into()),
            ..Default::default()
        };
        let w = resolve_window(&p, TimeRangePreset::Week, now()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((w.to - w.from.unwrap_or_default()).num_hours(), 24);
        let p = WindowParams {
            from: Some("yesterday".into()),
            ..Default::default()
        };
        assert!(
            matches!(resolve_window(&p, TimeRangePreset::Week, now()), Err(ServiceError::Invalid { param, .. }) if param == "from")
        );
        let p = WindowParams {
            time_range: Some("7d".into()),
            from: Some("2026-11-20T00:00:00Z".into()),
            ..Default::default()
        };
        assert!(resolve_window(&p, TimeRangePreset::Week, now()).is_err());
    }
}
