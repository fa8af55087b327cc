//! Key and time-window parsing on arbitrary strings: `TaskKey::parse`, `WorkflowKey::parse`,
//! `TimeRangePreset::from_str`, and the window a request resolves (`time_range` or `from`/`to`
//! in RFC 3339, mirroring `service::resolve_window`, which this crate must not depend on).
//!
//! The input (lossy UTF-8) is used whole as a key / preset / timestamp, and split at its first
//! two newlines into `time_range`, `from` and `to` (an empty part is "not given").
//!
//! Invariants: an accepted key round-trips through `as_str`, `Display` and serde, has
//! 1..=255 characters, no NUL or other control character, and is not `.`/`..` (asserted only
//! once `TaskKey::parse(".")` is an error: the rule is being added); a rejected key is rejected
//! by serde too. A preset round-trips through `as_str` and serde. A window has `from < to`,
//! the preset's length, and survives a serde round trip.
//!
//! The types crate has no percent-decoding of path segments (axum's `Path` decodes them), so
//! there is nothing of that kind to fuzz here.
#![no_main]

use chrono::{DateTime, Utc};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use types::{TaskKey, TimeRangeError, TimeRangePreset, TimeWindow, WorkflowKey};

macro_rules! check_key {
    ($ty:ty, $s:expr) => {{
        let s: &str = $s;
        match <$ty>::parse(s) {
            Ok(k) => {
                assert_eq!(k.as_str(), s, "as_str");
                assert_eq!(k.to_string(), s, "Display");
                tasklens_fuzz::assert_key_shape(stringify!($ty), k.as_str());
                let json = serde_json::to_string(&k).expect("serialise key");
                match serde_json::from_str::<$ty>(&json) {
                    Ok(back) => assert_eq!(back, k, "serde round trip"),
                    Err(e) => panic!("{} {s:?} does not deserialise: {e}", stringify!($ty)),
                }
                assert_eq!(String::from(k.clone()), s);
            }
            Err(_) => assert!(
                serde_json::from_value::<$ty>(Value::String(s.to_owned())).is_err(),
                "serde accepts {} {s:?} that parse rejects",
                stringify!($ty)
            ),
        }
    }};
}

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_795_000_000, 123_000_000).expect("a valid instant")
}

/// `service::window::parse_time`.
fn parse_time(raw: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(raw)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

fn check_preset(s: &str) -> Option<TimeRangePreset> {
    let parsed = s.parse::<TimeRangePreset>();
    let via_serde = serde_json::from_value::<TimeRangePreset>(Value::String(s.to_owned()));
    assert_eq!(
        parsed.as_ref().ok(),
        via_serde.as_ref().ok(),
        "FromStr vs serde: {s:?}"
    );
    match parsed {
        Ok(p) => {
            assert_eq!(p.as_str(), s);
            Some(p)
        }
        Err(TimeRangeError::UnknownPreset(echo)) => {
            assert_eq!(echo, s);
            None
        }
        Err(e) => panic!("preset {s:?}: unexpected error {e:?}"),
    }
}

fn check_window(w: &TimeWindow) {
    if let Some(from) = w.from {
        assert!(from < w.to, "window {w:?} is empty or inverted");
    }
    let json = serde_json::to_string(w).expect("serialise window");
    match serde_json::from_str::<TimeWindow>(&json) {
        Ok(back) => assert_eq!(&back, w, "window serde round trip via {json}"),
        Err(e) => panic!("window {w:?} serialised as {json} does not deserialise: {e}"),
    }
}

fn check_time(s: &str) -> Option<DateTime<Utc>> {
    let t = parse_time(s)?;
    // What the API writes back (serde) must read again as the same instant.
    let json = serde_json::to_string(&t).expect("serialise time");
    match serde_json::from_str::<DateTime<Utc>>(&json) {
        Ok(back) => assert_eq!(back, t, "time serde round trip via {json}"),
        Err(e) => panic!("time {s:?} serialised as {json} does not deserialise: {e}"),
    }
    Some(t)
}

/// `service::resolve_window` at a fixed `now`.
fn resolve(time_range: Option<&str>, from: Option<&str>, to: Option<&str>) {
    match (time_range, from, to) {
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) | (None, None, Some(_)) => {}
        (Some(r), None, None) => {
            if let Some(p) = check_preset(r) {
                let w = TimeWindow::from_preset(p, now());
                assert_eq!(w.to, now());
                assert_eq!(w.from.map(|f| w.to - f), p.duration());
                check_window(&w);
            }
        }
        (None, Some(from), to) => {
            let Some(from) = check_time(from) else { return };
            let to = match to {
                Some(t) => match check_time(t) {
                    Some(t) => t,
                    None => return,
                },
                None => now(),
            };
            match TimeWindow::explicit(from, to) {
                Ok(w) => {
                    assert_eq!((w.from, w.to), (Some(from), to));
                    check_window(&w);
                }
                Err(e) => {
                    assert_eq!(e, TimeRangeError::Inverted);
                    assert!(from >= to, "explicit({from}, {to}) rejected");
                }
            }
        }
        (None, None, None) => check_window(&TimeWindow::from_preset(TimeRangePreset::Week, now())),
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let s: &str = &text;

    check_key!(TaskKey, s);
    check_key!(WorkflowKey, s);
    check_preset(s);
    check_time(s);

    let mut parts = s.splitn(3, '\n').map(|p| (!p.is_empty()).then_some(p));
    let (range, from, to) = (
        parts.next().flatten(),
        parts.next().flatten(),
        parts.next().flatten(),
    );
    resolve(range, from, to);
    // The same strings as keys: a query value pasted into a path.
    for part in [range, from, to].into_iter().flatten() {
        check_key!(TaskKey, part);
    }
});
