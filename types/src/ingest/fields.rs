//! Reading the fields of one JSON record, collecting every problem with its index and field.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::{FieldError, MAX_TEXT_LEN};
use crate::MAX_KEY_LEN;

/// Reads fields out of one JSON object, collecting every problem.
pub(super) struct Fields<'a> {
    pub(super) index: usize,
    pub(super) obj: &'a Map<String, Value>,
    pub(super) errors: Vec<FieldError>,
}

impl<'a> Fields<'a> {
    pub(super) fn err(&mut self, field: &str, message: impl Into<String>) {
        self.errors
            .push(FieldError::new(self.index, field, message));
    }

    pub(super) fn get(&self, field: &str) -> Option<&'a Value> {
        self.obj.get(field).filter(|v| !v.is_null())
    }

    pub(super) fn key(&mut self, field: &str, required: bool) -> Option<String> {
        match self.get(field) {
            None if required => {
                self.err(field, "is required");
                None
            }
            None => None,
            Some(Value::String(s)) => {
                if s.trim().is_empty() {
                    self.err(field, "must not be empty");
                } else if s.chars().count() > MAX_KEY_LEN {
                    self.err(field, format!("must be at most {MAX_KEY_LEN} characters"));
                } else if s.chars().any(char::is_control) {
                    self.err(field, "must not contain control characters");
                } else {
                    return Some(s.clone());
                }
                None
            }
            Some(_) => {
                self.err(field, "must be a string");
                None
            }
        }
    }

    pub(super) fn text(&mut self, field: &str) -> Option<String> {
        match self.get(field) {
            None => None,
            Some(Value::String(s)) if s.len() <= MAX_TEXT_LEN => Some(s.clone()),
            Some(Value::String(_)) => {
                self.err(field, format!("must be at most {MAX_TEXT_LEN} bytes"));
                None
            }
            Some(_) => {
                self.err(field, "must be a string");
                None
            }
        }
    }

    pub(super) fn enumeration<T: serde::de::DeserializeOwned>(
        &mut self,
        field: &str,
        allowed: &str,
    ) -> Option<T> {
        let v = self.get(field)?;
        match serde_json::from_value::<T>(v.clone()) {
            Ok(t) => Some(t),
            Err(_) => {
                self.err(field, format!("must be one of {allowed}"));
                None
            }
        }
    }

    pub(super) fn time(&mut self, field: &str, required: bool) -> Option<DateTime<Utc>> {
        match self.get(field) {
            None if required => {
                self.err(field, "is required");
                None
            }
            None => None,
            Some(Value::String(s)) => match DateTime::parse_from_rfc3339(s) {
                Ok(t) => Some(t.with_timezone(&Utc)),
                Err(e) => {
                    self.err(field, format!("must be an RFC 3339 timestamp ({e})"));
                    None
                }
            },
            Some(_) => {
                self.err(field, "must be an RFC 3339 timestamp string");
                None
            }
        }
    }

    pub(super) fn number(&mut self, field: &str, strictly_positive: bool) -> Option<f64> {
        let v = self.get(field)?;
        match v.as_f64() {
            Some(n) if n.is_finite() && (n > 0.0 || (!strictly_positive && n == 0.0)) => Some(n),
            Some(_) if strictly_positive => {
                self.err(field, "must be a number > 0");
                None
            }
            Some(_) => {
                self.err(field, "must be a number ≥ 0");
                None
            }
            None => {
                self.err(field, "must be a number");
                None
            }
        }
    }

    /// A non-negative count stored as BIGINT (fractions round to the nearest integer).
    pub(super) fn count(&mut self, field: &str) -> Option<i64> {
        let n = self.number(field, false)?;
        if n > i64::MAX as f64 {
            self.err(field, "is too large");
            return None;
        }
        Some(n.round() as i64)
    }
}
