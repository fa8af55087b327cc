//! Reading the fields of one JSON record, collecting every problem with its index and field.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::FieldError;
use super::rules::{self, FloatBound, IntBound};

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

    /// A string read with `rule` (one of `rules::*_problem`).
    fn string(
        &mut self,
        field: &str,
        required: bool,
        rule: fn(&str) -> Option<String>,
    ) -> Option<String> {
        match self.get(field) {
            None if required => {
                self.err(field, "is required");
                None
            }
            None => None,
            Some(Value::String(s)) => match rule(s) {
                Some(problem) => {
                    self.err(field, problem);
                    None
                }
                None => Some(s.clone()),
            },
            Some(_) => {
                self.err(field, "must be a string");
                None
            }
        }
    }

    /// A name, host or error type: see [`rules::key_problem`].
    pub(super) fn key(&mut self, field: &str, required: bool) -> Option<String> {
        self.string(field, required, rules::key_problem)
    }

    /// A key that appears in page links: see [`rules::id_problem`].
    pub(super) fn id(&mut self, field: &str) -> Option<String> {
        self.string(field, true, rules::id_problem)
    }

    /// `error.code`: see [`rules::error_code_problem`].
    pub(super) fn error_code(&mut self, field: &str) -> Option<String> {
        self.string(field, false, rules::error_code_problem)
    }

    /// Free text: see [`rules::text_problem`].
    pub(super) fn text(&mut self, field: &str) -> Option<String> {
        self.string(field, false, rules::text_problem)
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
            Some(Value::String(s)) => match rules::parse_time(s) {
                Ok(t) => match rules::time_problem(t) {
                    Some(problem) => {
                        self.err(field, problem);
                        None
                    }
                    None => Some(t),
                },
                Err(problem) => {
                    self.err(field, problem);
                    None
                }
            },
            Some(_) => {
                self.err(field, "must be an RFC 3339 timestamp string");
                None
            }
        }
    }

    /// A real number within `bound`.
    pub(super) fn number(&mut self, field: &str, bound: FloatBound) -> Option<f64> {
        let v = self.get(field)?;
        let Some(n) = v.as_f64() else {
            self.err(field, "must be a number");
            return None;
        };
        match bound.problem(n) {
            Some(problem) => {
                self.err(field, problem);
                None
            }
            None => Some(n),
        }
    }

    /// A count within `bound`, stored as BIGINT (fractions round to the nearest integer).
    pub(super) fn count(&mut self, field: &str, bound: IntBound) -> Option<i64> {
        let v = self.get(field)?;
        let Some(n) = v.as_f64() else {
            self.err(field, "must be a number");
            return None;
        };
        if !bound.contains_f64(n) {
            self.err(field, bound.message());
            return None;
        }
        Some(n.round() as i64)
    }
}
