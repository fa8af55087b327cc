//! The value rules of ingest format v1, shared by both readers: the field-by-field JSON path
//! (`fields.rs`, [`ExecutionRecord::from_json`]) and the typed path
//! ([`ExecutionRecord::check`], [`super::ValidBatch::new`]). Each returns the message for a
//! value it refuses, so both paths accept exactly the same values and explain the rest alike.
//!
//! [`ExecutionRecord::from_json`]: super::ExecutionRecord::from_json
//! [`ExecutionRecord::check`]: super::ExecutionRecord::check

use chrono::{DateTime, Utc};

use super::{
    AttributeValue, MAX_ATTEMPT_NUMBER, MAX_ATTRIBUTE_NUMBER, MAX_BYTES, MAX_CORES, MAX_COUNT,
    MAX_CPU_TIME_MS, MAX_DURATION_MS, MAX_ERROR_CODE_LEN, MAX_MEMORY_MB, MAX_TEXT_LEN,
    MAX_TIMESTAMP_SECS, MIN_CORES, MIN_MEMORY_ALLOCATED_MB, MIN_TIMESTAMP_SECS,
};
use crate::MAX_KEY_LEN;

/// PostgreSQL stores no U+0000 in TEXT or JSONB: it must be refused before it gets there.
const NUL: char = '\0';

/// A string key (name, host, error type): 1..=255 characters, not blank, no control characters.
pub(super) fn key_problem(v: &str) -> Option<String> {
    if v.trim().is_empty() {
        Some("must not be empty".into())
    } else if v.chars().count() > MAX_KEY_LEN {
        Some(format!("must be at most {MAX_KEY_LEN} characters"))
    } else if v.chars().any(char::is_control) {
        Some("must not contain control characters".into())
    } else {
        None
    }
}

/// An identifier that appears as a path segment in page links (`executionId`, `workflowId`,
/// `workflowExecutionId`, `taskId`, dependency keys): a key, and not `.` or `..`, which a
/// browser resolves as a dot segment to another page.
pub(super) fn id_problem(v: &str) -> Option<String> {
    key_problem(v).or_else(|| {
        matches!(v, "." | "..")
            .then(|| "must not be \".\" or \"..\" (a key is a path segment in page links)".into())
    })
}

/// `error.code`: a key of at most [`MAX_ERROR_CODE_LEN`] characters.
pub(super) fn error_code_problem(v: &str) -> Option<String> {
    key_problem(v).or_else(|| {
        (v.chars().count() > MAX_ERROR_CODE_LEN)
            .then(|| format!("must be at most {MAX_ERROR_CODE_LEN} characters"))
    })
}

/// Free text (error message, stack trace, retry reason, input hash).
pub(super) fn text_problem(v: &str) -> Option<String> {
    if v.len() > MAX_TEXT_LEN {
        Some(format!("must be at most {MAX_TEXT_LEN} bytes"))
    } else if v.contains(NUL) {
        Some("must not contain NUL (U+0000)".into())
    } else {
        None
    }
}

/// An attribute key; a problem is reported on `attributes` (the key cannot name the field).
pub(super) fn attribute_key_problem(k: &str) -> Option<String> {
    if k.is_empty() || k.chars().count() > MAX_KEY_LEN {
        Some(format!("keys must have 1..={MAX_KEY_LEN} characters"))
    } else if k.contains(NUL) {
        Some("keys must not contain NUL (U+0000)".into())
    } else {
        None
    }
}

/// The message for an attribute value of the wrong type.
pub(super) fn attribute_type_message() -> String {
    format!(
        "must be a string (≤ {MAX_KEY_LEN} bytes), a number between -{MAX_ATTRIBUTE_NUMBER:e} \
         and {MAX_ATTRIBUTE_NUMBER:e}, or a boolean"
    )
}

/// An attribute value, reported on `attributes.<key>`.
pub(super) fn attribute_value_problem(v: &AttributeValue) -> Option<String> {
    match v {
        AttributeValue::Text(s) if s.len() > MAX_KEY_LEN => Some(attribute_type_message()),
        AttributeValue::Text(s) if s.contains(NUL) => Some("must not contain NUL (U+0000)".into()),
        AttributeValue::Number(x) if !(x.is_finite() && x.abs() <= MAX_ATTRIBUTE_NUMBER) => {
            Some(attribute_type_message())
        }
        _ => None,
    }
}

/// An RFC 3339 timestamp, strictly (4-digit year, `T` or space, an offset): both paths parse
/// with this, so the typed path cannot accept chrono's relaxed forms (`+10000-01-01T...`).
pub(super) fn parse_time(s: &str) -> Result<DateTime<Utc>, String> {
    match DateTime::parse_from_rfc3339(s) {
        Ok(t) => Ok(t.with_timezone(&Utc)),
        // Say "out of range" rather than "not RFC 3339" for an extended year such as +10000.
        Err(_)
            if s.parse::<DateTime<Utc>>()
                .is_ok_and(|t| time_problem(t).is_some()) =>
        {
            Err(time_range_message())
        }
        Err(e) => Err(format!("must be an RFC 3339 timestamp ({e})")),
    }
}

fn time_range_message() -> String {
    "must be between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59Z".into()
}

/// A time outside [1970-01-01T00:00:00Z, 9999-12-31T23:59:59Z].
pub(super) fn time_problem(t: DateTime<Utc>) -> Option<String> {
    let secs = t.timestamp();
    let inside = (MIN_TIMESTAMP_SECS..=MAX_TIMESTAMP_SECS).contains(&secs)
        && !(secs == MAX_TIMESTAMP_SECS && t.timestamp_subsec_nanos() > 0);
    (!inside).then(time_range_message)
}

/// `attemptNumber`: an integer from 1 to [`MAX_ATTEMPT_NUMBER`].
pub(super) fn attempt_problem(n: i64) -> Option<String> {
    (!(1..=i64::from(MAX_ATTEMPT_NUMBER)).contains(&n)).then(attempt_message)
}

pub(super) fn attempt_message() -> String {
    format!("must be an integer from 1 to {MAX_ATTEMPT_NUMBER}")
}

/// The range of an integer field (stored as BIGINT; JSON fractions round to the nearest).
#[derive(Debug, Clone, Copy)]
pub(super) struct IntBound {
    pub(super) max: i64,
    pub(super) unit: &'static str,
}

impl IntBound {
    pub(super) fn message(&self) -> String {
        format!("must be between 0 and {} {}", self.max, self.unit)
    }

    pub(super) fn problem(&self, v: i64) -> Option<String> {
        (!(0..=self.max).contains(&v)).then(|| self.message())
    }

    /// A JSON number before rounding (every bound is ≤ 2^53, so exact as f64).
    pub(super) fn contains_f64(&self, v: f64) -> bool {
        v >= 0.0 && v <= self.max as f64
    }
}

/// The range of a real-valued field, bounds included.
#[derive(Debug, Clone, Copy)]
pub(super) struct FloatBound {
    pub(super) min: f64,
    pub(super) max: f64,
    pub(super) unit: &'static str,
}

impl FloatBound {
    pub(super) fn message(&self) -> String {
        format!(
            "must be between {} and {} {}",
            self.min, self.max, self.unit
        )
    }

    pub(super) fn problem(&self, v: f64) -> Option<String> {
        (!(v >= self.min && v <= self.max)).then(|| self.message())
    }
}

pub(super) const DURATION_MS: IntBound = IntBound {
    max: MAX_DURATION_MS,
    unit: "ms (one year)",
};
pub(super) const CPU_TIME_MS: IntBound = IntBound {
    max: MAX_CPU_TIME_MS,
    unit: "ms (one year on 4096 cores)",
};
pub(super) const BYTES: IntBound = IntBound {
    max: MAX_BYTES,
    unit: "bytes (2^53, about 9 PB)",
};
pub(super) const COUNT: IntBound = IntBound {
    max: MAX_COUNT,
    unit: "(10^15)",
};
pub(super) const CORES: FloatBound = FloatBound {
    min: MIN_CORES,
    max: MAX_CORES,
    unit: "cores",
};
pub(super) const MEMORY_PEAK_MB: FloatBound = FloatBound {
    min: 0.0,
    max: MAX_MEMORY_MB,
    unit: "MiB (64 TiB)",
};
pub(super) const MEMORY_ALLOCATED_MB: FloatBound = FloatBound {
    min: MIN_MEMORY_ALLOCATED_MB,
    max: MAX_MEMORY_MB,
    unit: "MiB (1 KiB to 64 TiB)",
};
