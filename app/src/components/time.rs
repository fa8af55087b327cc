//! UTC timestamps as text, with plain `format!` on chrono's calendar fields: chrono's
//! `format("%Y-…")` carries a strftime parser and formatter into the browser bundle (the
//! budget is 400 KB gzipped).

use chrono::{DateTime, Datelike, Timelike, Utc};

/// `2026-11-26 14:05`
pub fn utc_minutes(t: DateTime<Utc>) -> String {
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute()
    )
}

/// `2026-11-26 14:05:09`
pub fn utc_seconds(t: DateTime<Utc>) -> String {
    format!("{}:{:02}", utc_minutes(t), t.second())
}

/// `2026-11-26`
pub fn year_month_day(t: DateTime<Utc>) -> String {
    format!("{:04}-{}", t.year(), month_day(t))
}

/// `11-26`
pub fn month_day(t: DateTime<Utc>) -> String {
    format!("{:02}-{:02}", t.month(), t.day())
}

/// `14:05`
pub fn hour_minute(t: DateTime<Utc>) -> String {
    format!("{:02}:{:02}", t.hour(), t.minute())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_read_as_chrono_strftime_would_write_them() {
        let t: DateTime<Utc> = "2026-01-02T03:04:05.678Z".parse().unwrap_or_default();
        assert_eq!(utc_seconds(t), t.format("%Y-%m-%d %H:%M:%S").to_string());
        assert_eq!(utc_minutes(t), "2026-01-02 03:04");
        assert_eq!(month_day(t), "01-02");
        assert_eq!(year_month_day(t), t.format("%Y-%m-%d").to_string());
        assert_eq!(hour_minute(t), "03:04");
    }
}
