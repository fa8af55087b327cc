//! The catalogue of injected errors: each kind has an `ErrorDetails.type`, a code, and a message
//! whose numbers and ids vary between occurrences (addresses, request ids, sizes, table names),
//! the way real logs do. Analytics must group them back into signatures; the ground truth names
//! each signature by its [`normalise`]d template and counts its failed attempts exactly.
//!
//! The messages are modelled on what the product's issue lists as typical: a dropped database
//! connection, an out-of-memory kill, a lock timeout, an upstream HTTP 503, a missing binary in a
//! container image, a failing test and a corrupt input file.

use serde::{Deserialize, Serialize};
use types::ExecutionStatus;

/// One kind of injected failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    ConnectionReset,
    OomKilled,
    LockTimeout,
    Http503,
    CommandNotFound,
    AssertionFailed,
    FfmpegInvalidData,
}

/// What a message is built from, besides the random bits of the occurrence.
pub(crate) struct MessageContext {
    /// Year and month of the attempt (for partitioned table names).
    pub year: i32,
    pub month: u32,
    /// Peak memory and limit of the attempt, in MB (for OOM kills).
    pub memory_mb: f64,
    pub limit_mb: f64,
    /// Lock wait limit in seconds.
    pub lock_timeout_s: u32,
}

impl ErrorKind {
    pub const ALL: [ErrorKind; 7] = [
        ErrorKind::ConnectionReset,
        ErrorKind::OomKilled,
        ErrorKind::LockTimeout,
        ErrorKind::Http503,
        ErrorKind::CommandNotFound,
        ErrorKind::AssertionFailed,
        ErrorKind::FfmpegInvalidData,
    ];

    /// `ErrorDetails.type`.
    pub fn error_type(self) -> &'static str {
        match self {
            Self::ConnectionReset => "ConnectionError",
            Self::OomKilled => "OOMKilled",
            Self::LockTimeout => "LockTimeout",
            Self::Http503 => "HTTPError",
            Self::CommandNotFound => "CommandNotFound",
            Self::AssertionFailed => "AssertionError",
            Self::FfmpegInvalidData => "FFmpegError",
        }
    }

    /// `ErrorDetails.code`.
    pub fn code(self) -> &'static str {
        match self {
            Self::ConnectionReset => "ECONNRESET",
            Self::OomKilled => "137",
            Self::LockTimeout => "LOCK_TIMEOUT",
            Self::Http503 => "503",
            Self::CommandNotFound => "127",
            Self::AssertionFailed => "TEST_FAILED",
            Self::FfmpegInvalidData => "1",
        }
    }

    /// The message with its variable parts replaced as [`normalise`] does.
    pub fn template(self) -> &'static str {
        match self {
            Self::ConnectionReset => {
                "Connection reset by peer while reading from <ip>:<n> (request <id>)"
            }
            Self::OomKilled => "OOMKilled: container used <n> MB of <n> MB limit",
            Self::LockTimeout => "Timeout after <n> s waiting for lock on table orders_<n>_<n>",
            Self::Http503 => "HTTP <n> from https://api.example.com/v2/items/<n>",
            Self::CommandNotFound => "command not found: bcftools",
            Self::AssertionFailed => {
                "test_checkout_flow: expected status <n> but got <n> for order <n>"
            }
            Self::FfmpegInvalidData => {
                "ffmpeg exited with code <n>: Invalid data found when processing input at frame <n>"
            }
        }
    }

    /// A lock timeout is reported as status `timeout`; everything else as `failed`.
    pub fn status(self) -> ExecutionStatus {
        match self {
            Self::LockTimeout => ExecutionStatus::Timeout,
            _ => ExecutionStatus::Failed,
        }
    }

    /// The concrete message of one occurrence; `bits` are that occurrence's random bits.
    pub(crate) fn message(self, bits: u64, cx: &MessageContext) -> String {
        match self {
            Self::ConnectionReset => {
                // Private 10.0.x.y database/cache endpoints; the request id is 12 hex digits whose
                // first is a letter so that it always reads as an id, never as a number.
                let port = [5432, 6379, 9000][(bits % 3) as usize];
                let octet3 = (bits >> 2) % 8;
                let octet4 = (bits >> 5) % 250 + 2;
                let first = b"abcdef"[((bits >> 13) % 6) as usize] as char;
                let rest = (bits >> 16) & 0x7FF_FFFF_FFFF;
                format!(
                    "Connection reset by peer while reading from 10.0.{octet3}.{octet4}:{port} (request {first}{rest:011x})"
                )
            }
            Self::OomKilled => format!(
                "OOMKilled: container used {} MB of {} MB limit",
                cx.memory_mb.round() as i64,
                cx.limit_mb.round() as i64
            ),
            Self::LockTimeout => {
                // The table named in the message: the orders partition of the attempt's month
                // (the issue's example), whatever the workflow's own domain.
                format!(
                    "Timeout after {} s waiting for lock on table orders_{}_{:02}",
                    cx.lock_timeout_s, cx.year, cx.month
                )
            }
            Self::Http503 => format!(
                "HTTP 503 from https://api.example.com/v2/items/{}",
                10_000 + bits % 90_000
            ),
            Self::CommandNotFound => "command not found: bcftools".to_owned(),
            Self::AssertionFailed => format!(
                "test_checkout_flow: expected status 200 but got {} for order {}",
                [500, 502, 404][(bits % 3) as usize],
                100_000 + (bits >> 4) % 900_000
            ),
            Self::FfmpegInvalidData => format!(
                "ffmpeg exited with code 1: Invalid data found when processing input at frame {}",
                (bits >> 3) % 200_000
            ),
        }
    }

    /// How a retry after this error explains itself (`retryReason`).
    pub(crate) fn retry_reason(self, failed_attempt: u8) -> String {
        format!(
            "automatic retry: attempt {failed_attempt} failed with {} ({})",
            self.error_type(),
            self.code()
        )
    }
}

/// Normalises a message into its signature template: IPv4 addresses become `<ip>`, hexadecimal
/// tokens of 8 or more characters containing a letter become `<id>`, and digit runs that start a
/// token (not glued to a letter, so `v2` stays) become `<n>`.
pub fn normalise(message: &str) -> String {
    let b = message.as_bytes();
    let mut out = String::with_capacity(message.len());
    let mut i = 0;
    while i < b.len() {
        let at_token_start = i == 0 || !b[i - 1].is_ascii_alphanumeric();
        if at_token_start && b[i].is_ascii_hexdigit() {
            if let Some(len) = ipv4_len(&b[i..]) {
                out.push_str("<ip>");
                i += len;
                continue;
            }
            let hex_len = b[i..].iter().take_while(|c| c.is_ascii_hexdigit()).count();
            let ends_token = b
                .get(i + hex_len)
                .is_none_or(|c| !c.is_ascii_alphanumeric());
            let has_letter = b[i..i + hex_len].iter().any(u8::is_ascii_alphabetic);
            if hex_len >= 8 && ends_token && has_letter {
                out.push_str("<id>");
                i += hex_len;
                continue;
            }
            if b[i].is_ascii_digit() {
                let n = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
                out.push_str("<n>");
                i += n;
                continue;
            }
        }
        // Copy one UTF-8 character.
        let ch_len = message[i..].chars().next().map_or(1, char::len_utf8);
        out.push_str(&message[i..i + ch_len]);
        i += ch_len;
    }
    out
}

/// Length of a dotted quad at the start of `b`, if there is one.
fn ipv4_len(b: &[u8]) -> Option<usize> {
    let mut i = 0;
    for part in 0..4 {
        let n = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 || n > 3 {
            return None;
        }
        i += n;
        if part < 3 {
            if b.get(i) != Some(&b'.') {
                return None;
            }
            i += 1;
        }
    }
    if b.get(i)
        .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'.')
    {
        return None;
    }
    Some(i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cx() -> MessageContext {
        MessageContext {
            year: 2026,
            month: 11,
            memory_mb: 4123.4,
            limit_mb: 4096.0,
            lock_timeout_s: 300,
        }
    }

    #[test]
    fn every_message_normalises_to_its_template_whatever_its_random_bits() {
        for kind in ErrorKind::ALL {
            for bits in [
                0,
                1,
                7,
                0xFFFF_FFFF_FFFF_FFFF,
                0x1234_5678_9ABC_DEF0,
                987_654_321,
            ] {
                let m = kind.message(bits, &cx());
                assert_eq!(normalise(&m), kind.template(), "{m}");
            }
        }
    }

    #[test]
    fn the_issue_examples_read_as_expected() {
        assert_eq!(
            ErrorKind::OomKilled.message(0, &cx()),
            "OOMKilled: container used 4123 MB of 4096 MB limit"
        );
        assert_eq!(
            ErrorKind::LockTimeout.message(0, &cx()),
            "Timeout after 300 s waiting for lock on table orders_2026_11"
        );
        assert_eq!(
            normalise(
                "Connection reset by peer while reading from 10.0.3.17:5432 (request 8f3a9c01d2e4)"
            ),
            ErrorKind::ConnectionReset.template()
        );
    }

    #[test]
    fn messages_vary_between_occurrences() {
        let a = ErrorKind::ConnectionReset.message(11, &cx());
        let b = ErrorKind::ConnectionReset.message(0xDEAD_BEEF_1234, &cx());
        assert_ne!(a, b);
    }
}
