//! Timestamps as trace files write them, which is rarely RFC 3339.
//!
//! Seen in real files: `2020-12-25T20:10:08+00:00` (RFC 3339), `20200408T154143+0000` (ISO 8601
//! basic), `03-23-21T05:57:15Z` (US month-day-year, from the Pegasus parser of WfCommons),
//! `2020-12-30T02:24:13.540715` and `2021-02-17 17:03:21.800` (no zone: UTC), and, in Nextflow
//! raw traces (`trace.raw = true`), milliseconds since the Unix epoch.

use chrono::{DateTime, NaiveDateTime, Utc};

/// Formats with an explicit offset (`%z` accepts `+0000` and `+00:00`).
const WITH_OFFSET: &[&str] = &[
    "%Y-%m-%dT%H:%M:%S%.f%z",
    "%Y-%m-%d %H:%M:%S%.f%z",
    "%Y%m%dT%H%M%S%.f%z",
    "%m-%d-%yT%H:%M:%S%.f%z",
];

/// Formats without a zone, read as UTC. A trailing `Z` is removed before these are tried.
const NAIVE: &[&str] = &[
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y%m%dT%H%M%S%.f",
    "%m-%d-%yT%H:%M:%S%.f",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M",
];

/// Parses a timestamp in any of the formats above; `None` if it is none of them.
///
/// Zone-less times are taken as UTC. `MM-DD-YY` is the only two-digit-year form accepted and is
/// read month first (as the WfCommons Pegasus parser writes it).
pub fn parse_timestamp(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if s.bytes().all(|b| b.is_ascii_digit()) && s.len() >= 10 {
        // Epoch milliseconds (13 digits today); 8-digit dates are not accepted here.
        let ms: i64 = s.parse().ok()?;
        return DateTime::from_timestamp_millis(ms);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    for f in WITH_OFFSET {
        if let Ok(t) = DateTime::parse_from_str(s, f) {
            return Some(t.with_timezone(&Utc));
        }
    }
    let naive = s
        .strip_suffix('Z')
        .or_else(|| s.strip_suffix('z'))
        .unwrap_or(s);
    NAIVE
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(naive, f).ok())
        .map(|t| t.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn every_timestamp_form_seen_in_real_traces_parses() {
        for (input, expected) in [
            ("2020-12-25T20:10:08+00:00", "2020-12-25T20:10:08Z"),
            ("20200408T154143+0000", "2020-04-08T15:41:43Z"),
            ("03-23-21T05:57:15Z", "2021-03-23T05:57:15Z"),
            ("2023-03-21T11:10:20-10:00", "2023-03-21T21:10:20Z"),
            ("2020-12-30T02:24:13.540715", "2020-12-30T02:24:13.540715Z"),
            ("2021-02-17 17:03:21.800", "2021-02-17T17:03:21.800Z"),
            ("2020-04-08T12:58:46.286994Z", "2020-04-08T12:58:46.286994Z"),
            ("1613581401800", "2021-02-17T17:03:21.800Z"),
        ] {
            assert_eq!(parse_timestamp(input), Some(utc(expected)), "{input}");
        }
    }

    #[test]
    fn garbage_and_impossible_dates_are_rejected() {
        for input in ["", "-", "yesterday", "2021-13-01 00:00:00", "20210101"] {
            assert_eq!(parse_timestamp(input), None, "{input}");
        }
    }
}
