//! Validated identifiers and time windows ("parse, don't validate").

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Longest key a caller may use for a task, workflow or execution (the spec's `VARCHAR(255)`).
pub const MAX_KEY_LEN: usize = 255;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("must not be empty")]
    Empty,
    #[error("must be at most {MAX_KEY_LEN} characters, got {0}")]
    TooLong(usize),
    #[error("must not contain control characters")]
    ControlCharacter,
    /// `.` or `..`: a browser resolves such a path segment of a page link to another page.
    #[error("must not be \".\" or \"..\" (a key is a path segment in page links)")]
    DotSegment,
}

macro_rules! key_newtype {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Accepts 1..=255 characters without control characters, other than `.` and `..`.
            pub fn parse(raw: impl Into<String>) -> Result<Self, KeyError> {
                let raw = raw.into();
                if raw.is_empty() {
                    return Err(KeyError::Empty);
                }
                let len = raw.chars().count();
                if len > MAX_KEY_LEN {
                    return Err(KeyError::TooLong(len));
                }
                if raw.chars().any(char::is_control) {
                    return Err(KeyError::ControlCharacter);
                }
                if raw == "." || raw == ".." {
                    return Err(KeyError::DotSegment);
                }
                Ok(Self(raw))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = KeyError;
            fn try_from(raw: String) -> Result<Self, Self::Error> {
                Self::parse(raw)
            }
        }

        impl From<$name> for String {
            fn from(key: $name) -> String {
                key.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

key_newtype!(
    /// The caller's stable key for a task, such as `etl_orders.extract`.
    TaskKey
);
key_newtype!(
    /// The caller's stable key for a workflow.
    WorkflowKey
);

/// A named look-back window, as the spec's `time_range` query parameter.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum TimeRangePreset {
    #[serde(rename = "1h")]
    Hour,
    #[serde(rename = "24h")]
    Day,
    #[default]
    #[serde(rename = "7d")]
    Week,
    #[serde(rename = "30d")]
    Month,
    #[serde(rename = "90d")]
    Quarter,
    #[serde(rename = "all")]
    All,
}

impl TimeRangePreset {
    pub const ALL: [TimeRangePreset; 6] = [
        Self::Hour,
        Self::Day,
        Self::Week,
        Self::Month,
        Self::Quarter,
        Self::All,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hour => "1h",
            Self::Day => "24h",
            Self::Week => "7d",
            Self::Month => "30d",
            Self::Quarter => "90d",
            Self::All => "all",
        }
    }

    /// The window's length; `None` for `all`.
    pub fn duration(self) -> Option<Duration> {
        match self {
            Self::Hour => Some(Duration::hours(1)),
            Self::Day => Some(Duration::hours(24)),
            Self::Week => Some(Duration::days(7)),
            Self::Month => Some(Duration::days(30)),
            Self::Quarter => Some(Duration::days(90)),
            Self::All => None,
        }
    }
}

impl std::str::FromStr for TimeRangePreset {
    type Err = TimeRangeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| TimeRangeError::UnknownPreset(s.to_owned()))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeRangeError {
    #[error("unknown time range {0:?}; expected one of 1h, 24h, 7d, 30d, 90d, all")]
    UnknownPreset(String),
    #[error("`from` must be before `to`")]
    Inverted,
}

/// A resolved, half-open window `[from, to)`; `from = None` means "since the beginning".
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TimeWindow {
    pub from: Option<DateTime<Utc>>,
    pub to: DateTime<Utc>,
}

impl TimeWindow {
    pub fn from_preset(preset: TimeRangePreset, now: DateTime<Utc>) -> Self {
        Self {
            from: preset.duration().map(|d| now - d),
            to: now,
        }
    }

    pub fn explicit(from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Self, TimeRangeError> {
        if from >= to {
            return Err(TimeRangeError::Inverted);
        }
        Ok(Self {
            from: Some(from),
            to,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_key_rejects_empty_long_and_control_characters() {
        assert_eq!(TaskKey::parse(""), Err(KeyError::Empty));
        assert_eq!(TaskKey::parse("a".repeat(256)), Err(KeyError::TooLong(256)));
        assert_eq!(TaskKey::parse("a\nb"), Err(KeyError::ControlCharacter));
        assert_eq!(
            TaskKey::parse("etl_orders.extract").map(|k| k.to_string()),
            Ok("etl_orders.extract".to_owned())
        );
    }

    #[test]
    fn task_and_workflow_keys_that_are_dot_segments_are_rejected() {
        for dots in [".", ".."] {
            assert_eq!(TaskKey::parse(dots), Err(KeyError::DotSegment));
            assert_eq!(WorkflowKey::parse(dots), Err(KeyError::DotSegment));
        }
        let err = serde_json::from_str::<WorkflowKey>("\"..\"").unwrap_err();
        assert!(err.to_string().contains("path segment"), "{err}");
        for fine in ["...", ".a", "a.", "etl.extract", "./x"] {
            assert!(TaskKey::parse(fine).is_ok(), "{fine}");
        }
    }

    #[test]
    fn task_key_deserialisation_cannot_bypass_validation() {
        let err = serde_json::from_str::<TaskKey>("\"\"").unwrap_err();
        assert!(err.to_string().contains("must not be empty"), "{err}");
    }

    #[test]
    fn presets_round_trip_through_their_query_spelling() {
        for p in TimeRangePreset::ALL {
            assert_eq!(p.as_str().parse::<TimeRangePreset>(), Ok(p));
        }
        assert!("2w".parse::<TimeRangePreset>().is_err());
    }

    #[test]
    fn explicit_window_must_not_be_inverted() {
        let t = DateTime::<Utc>::from_timestamp(1_700_000_000, 0).unwrap();
        assert_eq!(TimeWindow::explicit(t, t), Err(TimeRangeError::Inverted));
        let w = TimeWindow::from_preset(TimeRangePreset::Day, t);
        assert_eq!(w.to - w.from.unwrap(), Duration::hours(24));
    }
}
