//! Error signatures: failures grouped by error type and a normalised message, so that
//! "OOMKilled: container used 4123 MB of 4096 MB limit" and "... 4188 MB of 4096 MB limit" are
//! one problem, not two.
//!
//! # Normalisation
//!
//! The message is first split from any stack trace it carries (see [`split_stack_trace`]); the
//! remaining text has every run of whitespace (newlines included) collapsed to one space and is
//! trimmed. It is then scanned left to right. At every *token start* — the first character, or a
//! character whose predecessor is not an ASCII letter or digit (so `_`, `-`, `/`, `.`, `:` all
//! start tokens, and `v2` or `f64` do not) — the rules below are tried **in this order** and the
//! first that matches replaces the text it covers; otherwise one character is copied. Because
//! the scan is left to right, a rule only competes with the others at the same start position;
//! the order decides those ties (a UUID also starts with eight hex digits, an IPv4 address with
//! a number, a URL's path looks like a file path).
//!
//! | # | rule | example | becomes |
//! |---|------|---------|---------|
//! | 1 | single- or double-quoted value; the closing quote must end a token (so `can't` is no quote) | `table 'orders'`, `"a b"` | `'<s>'`, `"<s>"` |
//! | 2 | URL `scheme://…` (trailing `.,;:!?)]}` trimmed): scheme, host, path and fragment kept with rules 4–11 applied inside; each query value masked | `https://h/v2/items/123?id=9&x` | `https://h/v2/items/<n>?id=<v>&x` |
//! | 3 | file path: `/…`, `./…`, `../…`, `~/…` or `C:\…`, up to whitespace, a quote, bracket, `:`, `,` or `;` (a trailing `.` trimmed) | `/data/run_7/in.csv` | `<path>` |
//! | 4 | ISO-8601 date or date-time, with optional fraction and zone | `2026-11-05T12:30:00.5Z` | `<ts>` |
//! | 5 | UUID (8-4-4-4-12 hex digits) | `123e4567-e89b-12d3-a456-426614174000` | `<uuid>` |
//! | 6 | IPv6 address: 7 colons, or a `::` with at most 7; at least one digit; not followed by a letter, digit or `:` | `fe80::1ff:fe23:4567:890a` | `<ip>` |
//! | 7 | IPv4 address (four dotted groups of 1–3 digits), not followed by a letter, digit or `.`; a `:port` after it falls to rule 11 | `10.0.3.17:5432` | `<ip>:<n>` |
//! | 8 | `0x`-prefixed hexadecimal | `0x7ffd4c1a` | `<hex>` |
//! | 9 | hexadecimal token of at least 8 digits with at least one letter `a-f`, ending the token | `8f3a9c01d2e4` | `<id>` |
//! | 10 | opaque id: a letter-and-digit token of at least 12 characters with at least 2 digits and 2 letters | `req7Hx2Kp9QmZa` | `<id>` |
//! | 11 | number (integer, decimal or with exponent); letters right after it — a unit — are kept, and in a compound duration such as `1h30m5s` every number is masked | `4123 MB`, `1.5GB`, `250ms`, `1h30m` | `<n> MB`, `<n>GB`, `<n>ms`, `<n>h<n>m` |
//!
//! Finally the result is cut to [`MAX_SIGNATURE_CHARS`] characters. A hexadecimal token made of
//! digits only is a number (rule 11), like the workload generator's `normalise`; for the error
//! catalogue of the demo workload both give identical templates.
//!
//! Host names keep their letters and lose their numbers (`worker-7` → `worker-<n>`), so one
//! signature covers every host; which host fails more is the correlated-factor analysis's job.

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;

use crate::execution::Execution;

/// Longest normalised signature kept, in characters.
pub const MAX_SIGNATURE_CHARS: usize = 500;

/// Failures that share an error type and a normalised message.
#[derive(Debug, Clone, PartialEq)]
pub struct Signature {
    /// `Execution::error_type`, or `"unknown"` when the failure carries none.
    pub error_type: String,
    /// The normalised message (see the module documentation).
    pub message: String,
    /// Most frequent error code in the group (ties: the one seen first); empty when none.
    pub error_code: String,
    /// Number of failed or timed-out executions with this signature.
    pub frequency: u64,
    /// The first message (by start time) of the group, stack trace removed.
    pub example_message: String,
    /// The first stack trace found in the group's messages, if any.
    pub stack_trace: Option<String>,
    /// Status of the first occurrence (`failed` or `timeout`).
    pub status: types::ExecutionStatus,
    /// `execution_id`s of the group's executions, in start order.
    pub execution_ids: Vec<String>,
}

/// The grouping key of one failed execution: `(error type, normalised message)`.
pub fn signature_key(e: &Execution) -> (String, String) {
    let error_type = e
        .error_type
        .clone()
        .filter(|t| !t.trim().is_empty())
        .unwrap_or_else(|| "unknown".to_owned());
    let message = e
        .error_message
        .as_deref()
        .map(|m| normalise(split_stack_trace(m).0))
        .unwrap_or_default();
    (error_type, message)
}

/// Groups the failed and timed-out executions into signatures, most frequent first (ties by
/// error type, then message). Executions are taken in start order (ties by execution id), so
/// the examples are the earliest occurrences whatever the input order.
pub fn error_signatures(execs: &[Execution]) -> Vec<Signature> {
    let mut failures: Vec<&Execution> = execs.iter().filter(|e| e.is_failure()).collect();
    failures.sort_by(|a, b| {
        a.start_ms
            .cmp(&b.start_ms)
            .then_with(|| a.execution_id.cmp(&b.execution_id))
    });
    let mut index: HashMap<(String, String), usize> = HashMap::new();
    let mut groups: Vec<(Signature, Vec<(String, u64)>)> = Vec::new();
    for e in failures {
        let key = signature_key(e);
        let slot = *index.entry(key.clone()).or_insert_with(|| {
            let (head, trace) = e
                .error_message
                .as_deref()
                .map(split_stack_trace)
                .unwrap_or(("", None));
            groups.push((
                Signature {
                    error_type: key.0,
                    message: key.1,
                    error_code: String::new(),
                    frequency: 0,
                    example_message: collapse_whitespace(head),
                    stack_trace: trace.map(str::to_owned),
                    status: e.status,
                    execution_ids: Vec::new(),
                },
                Vec::new(),
            ));
            groups.len() - 1
        });
        let (sig, codes) = &mut groups[slot];
        sig.frequency += 1;
        sig.execution_ids.push(e.execution_id.clone());
        if sig.stack_trace.is_none() {
            sig.stack_trace = e
                .error_message
                .as_deref()
                .and_then(|m| split_stack_trace(m).1)
                .map(str::to_owned);
        }
        if let Some(code) = e.error_code.as_deref().filter(|c| !c.is_empty()) {
            match codes.iter_mut().find(|(c, _)| c == code) {
                Some((_, n)) => *n += 1,
                None => codes.push((code.to_owned(), 1)),
            }
        }
    }
    let mut out: Vec<Signature> = groups
        .into_iter()
        .map(|(mut sig, codes)| {
            // First seen wins ties: `max_by_key` keeps the last maximum, so scan reversed.
            if let Some((code, _)) = codes.iter().rev().max_by_key(|(_, n)| *n) {
                sig.error_code = code.clone();
            }
            sig
        })
        .collect();
    out.sort_by(|a, b| {
        b.frequency
            .cmp(&a.frequency)
            .then_with(|| a.error_type.cmp(&b.error_type))
            .then_with(|| a.message.cmp(&b.message))
    });
    out
}

/// Splits a message into its head and a stack trace, if it carries one.
///
/// * A Python traceback (a line `Traceback (most recent call last):`): the head is the last
///   non-empty line (`ValueError: ...`), the trace is the whole text.
/// * Otherwise the trace starts at the first line that looks like a stack frame — Java/.NET
///   `at …`, Python `File "…", line N`, Go `goroutine N [`, a numbered frame `#3 …` or
///   `3: …` (Rust, gdb), or a line starting with `stack backtrace:` — and the head is
///   everything before it.
/// * Otherwise the whole message is the head and there is no trace.
pub fn split_stack_trace(message: &str) -> (&str, Option<&str>) {
    let message = message.trim_end();
    let lines: Vec<(usize, &str)> = message
        .split_inclusive('\n')
        .scan(0usize, |pos, line| {
            let start = *pos;
            *pos += line.len();
            Some((start, line))
        })
        .collect();
    if lines.len() < 2 {
        return (message, None);
    }
    if lines
        .iter()
        .any(|(_, l)| l.trim() == "Traceback (most recent call last):")
    {
        let head = lines
            .iter()
            .rev()
            .map(|(_, l)| l.trim())
            .find(|l| !l.is_empty())
            .unwrap_or("");
        return (head, Some(message));
    }
    for &(start, line) in lines.iter().skip(1) {
        if FRAME.is_match(line) {
            let head = message[..start].trim_end();
            return (head, Some(&message[start..]));
        }
    }
    (message, None)
}

static FRAME: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r#"^\s*(?:at\s+\S|File\s+".*",\s+line\s+\d|goroutine\s+\d+\s+\[|#\d+\s|\d+:\s+\S|stack backtrace:)"#,
    )
});

fn compile(pattern: &str) -> Regex {
    // The patterns are constants checked by the tests; an invalid one is a programming error.
    Regex::new(pattern).unwrap_or_else(|e| panic!("invalid built-in pattern {pattern:?}: {e}"))
}

/// Collapses every whitespace run to one space and trims.
pub fn collapse_whitespace(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The normalised signature of a message (see the module documentation for the rules).
pub fn normalise(message: &str) -> String {
    let text = collapse_whitespace(message);
    let mut out = mask(&text, Scope::Message);
    if let Some((cut, _)) = out.char_indices().nth(MAX_SIGNATURE_CHARS) {
        out.truncate(cut);
    }
    out
}

/// Which rules apply: all of them in a message, rules 4–11 inside a URL.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Scope {
    Message,
    Url,
}

fn is_alnum(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

fn mask(text: &str, scope: Scope) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        let token_start = i == 0 || !is_alnum(bytes[i - 1]);
        if token_start && let Some((len, replacement)) = rule_at(&text[i..], scope) {
            out.push_str(&replacement);
            i += len;
            continue;
        }
        let ch_len = text[i..].chars().next().map_or(1, char::len_utf8);
        out.push_str(&text[i..i + ch_len]);
        i += ch_len;
    }
    out
}

/// True when `rest` is empty or does not continue the token (no letter or digit next).
fn ends_token(rest: &str) -> bool {
    rest.as_bytes().first().is_none_or(|&b| !is_alnum(b))
}

static QUOTED: LazyLock<Regex> = LazyLock::new(|| compile(r#"^(?:'[^'\n]*'|"[^"\n]*")"#));
static URL: LazyLock<Regex> =
    LazyLock::new(|| compile(r#"^[A-Za-z][A-Za-z0-9+.\-]*://[^\s'"<>]+"#));
static PATH: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r#"^(?:(?:~|\.{1,2})?/[^\s'"<>:,;()\[\]{}|*?]*[^\s'"<>:,;()\[\]{}|*?/.]|[A-Za-z]:\\[^\s'"<>:,;|*?]+)"#,
    )
});
static TIMESTAMP: LazyLock<Regex> = LazyLock::new(|| {
    compile(r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?")
});
static UUID: LazyLock<Regex> = LazyLock::new(|| {
    compile(r"^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")
});
static IPV6: LazyLock<Regex> = LazyLock::new(|| {
    compile(r"^(?:[0-9A-Fa-f]{0,4}:){2,7}(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f]{1,4})?")
});
static IPV4: LazyLock<Regex> = LazyLock::new(|| compile(r"^\d{1,3}(?:\.\d{1,3}){3}"));
static HEX_PREFIXED: LazyLock<Regex> = LazyLock::new(|| compile(r"^0[xX][0-9A-Fa-f]+"));
static HEX: LazyLock<Regex> = LazyLock::new(|| compile(r"^[0-9A-Fa-f]{8,}"));
static OPAQUE: LazyLock<Regex> = LazyLock::new(|| compile(r"^[A-Za-z0-9]{12,}"));
static NUMBER: LazyLock<Regex> = LazyLock::new(|| compile(r"^\d+(?:\.\d+)?(?:[eE][+-]?\d+)?"));
static DURATION_PART: LazyLock<Regex> =
    LazyLock::new(|| compile(r"^(?:ns|us|µs|ms|h|m|s|d)\d+(?:\.\d+)?"));

/// The first rule matching at the start of `rest`: the length it covers and its replacement.
fn rule_at(rest: &str, scope: Scope) -> Option<(usize, String)> {
    let first = *rest.as_bytes().first()?;
    let found = |re: &Regex| re.find(rest).map(|m| m.end());
    if scope == Scope::Message {
        if (first == b'\'' || first == b'"')
            && let Some(len) = found(&QUOTED).filter(|&len| ends_token(&rest[len..]))
        {
            let q = first as char;
            return Some((len, format!("{q}<s>{q}")));
        }
        if first.is_ascii_alphabetic()
            && let Some(len) = found(&URL)
        {
            let url = rest[..len].trim_end_matches(['.', ',', ';', ':', '!', '?', ')', ']', '}']);
            return Some((url.len(), mask_url(url)));
        }
        if (matches!(first, b'/' | b'.' | b'~') || first.is_ascii_alphabetic())
            && let Some(len) = found(&PATH)
        {
            return Some((len, "<path>".to_owned()));
        }
    }
    if first.is_ascii_digit()
        && let Some(len) = found(&TIMESTAMP).filter(|&len| ends_token(&rest[len..]))
    {
        return Some((len, "<ts>".to_owned()));
    }
    if first.is_ascii_hexdigit()
        && let Some(len) = found(&UUID).filter(|&len| ends_token(&rest[len..]))
    {
        return Some((len, "<uuid>".to_owned()));
    }
    if (first.is_ascii_hexdigit() || first == b':')
        && let Some(len) = found(&IPV6)
    {
        let s = &rest[..len];
        let colons = s.matches(':').count();
        let shape = colons == 7 || (s.contains("::") && colons <= 7);
        let next_ok = rest
            .as_bytes()
            .get(len)
            .is_none_or(|&b| !is_alnum(b) && b != b':');
        if shape && next_ok && s.bytes().any(|b| b.is_ascii_digit()) {
            return Some((len, "<ip>".to_owned()));
        }
    }
    if first.is_ascii_digit()
        && let Some(len) = found(&IPV4)
    {
        let next = rest.as_bytes().get(len).copied();
        if next.is_none_or(|b| !is_alnum(b) && b != b'.')
            || (next == Some(b'.') && !rest[len + 1..].starts_with(|c: char| c.is_ascii_digit()))
        {
            return Some((len, "<ip>".to_owned()));
        }
    }
    if first == b'0'
        && let Some(len) = found(&HEX_PREFIXED).filter(|&len| ends_token(&rest[len..]))
    {
        return Some((len, "<hex>".to_owned()));
    }
    if first.is_ascii_hexdigit()
        && let Some(len) = found(&HEX).filter(|&len| ends_token(&rest[len..]))
        && rest[..len].bytes().any(|b| b.is_ascii_alphabetic())
    {
        return Some((len, "<id>".to_owned()));
    }
    if first.is_ascii_alphanumeric()
        && let Some(len) = found(&OPAQUE).filter(|&len| ends_token(&rest[len..]))
    {
        let s = &rest[..len];
        let digits = s.bytes().filter(u8::is_ascii_digit).count();
        if digits >= 2 && len - digits >= 2 {
            return Some((len, "<id>".to_owned()));
        }
    }
    if first.is_ascii_digit()
        && let Some(mut len) = found(&NUMBER)
    {
        let mut out = "<n>".to_owned();
        // A compound duration (`1h30m5s`): mask the numbers glued after each unit too.
        while let Some(m) = DURATION_PART.find(&rest[len..]) {
            let part = &rest[len..len + m.end()];
            let unit_len = part
                .find(|c: char| c.is_ascii_digit())
                .unwrap_or(part.len());
            out.push_str(&part[..unit_len]);
            out.push_str("<n>");
            len += m.end();
        }
        return Some((len, out));
    }
    None
}

/// Masks a URL: rules 4–11 on scheme, host, path and fragment; each query value becomes `<v>`.
fn mask_url(url: &str) -> String {
    let (before_fragment, fragment) = match url.split_once('#') {
        Some((a, f)) => (a, Some(f)),
        None => (url, None),
    };
    let (base, query) = match before_fragment.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (before_fragment, None),
    };
    let mut out = mask(base, Scope::Url);
    if let Some(query) = query {
        out.push('?');
        let pairs: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((key, _)) => format!("{key}=<v>"),
                None => mask(pair, Scope::Url),
            })
            .collect();
        out.push_str(&pairs.join("&"));
    }
    if let Some(fragment) = fragment {
        out.push('#');
        out.push_str(&mask(fragment, Scope::Url));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_brief_example_keeps_units_and_masks_sizes() {
        assert_eq!(
            normalise("OOMKilled: container used 4123 MB of 4096 MB limit"),
            "OOMKilled: container used <n> MB of <n> MB limit"
        );
    }

    #[test]
    fn every_rule_masks_its_own_kind_of_value() {
        let cases = [
            ("Table 'orders_2026' is locked", "Table '<s>' is locked"),
            (r#"key "user id" missing"#, r#"key "<s>" missing"#),
            ("can't open it", "can't open it"),
            (
                "GET https://api.example.com/v2/items/12345?token=abc&page=3 failed.",
                "GET https://api.example.com/v2/items/<n>?token=<v>&page=<v> failed.",
            ),
            (
                "POST http://10.1.2.3:8080/jobs/8f3a9c01d2e4/run#step-4",
                "POST http://<ip>:<n>/jobs/<id>/run#step-<n>",
            ),
            (
                "open /data/run_7/input.csv: no such file",
                "open <path>: no such file",
            ),
            (
                "cannot read ./out/part-0001.parquet.",
                "cannot read <path>.",
            ),
            (r"missing C:\jobs\run7\in.txt here", "missing <path> here"),
            ("read/write 3/4 and / or", "read/write <n>/<n> and / or"),
            ("at 2026-11-05T12:30:00.123Z retrying", "at <ts> retrying"),
            ("on 2026-11-05 12:30:00+01:00 ok", "on <ts> ok"),
            (
                "job 123e4567-e89b-12d3-a456-426614174000 lost",
                "job <uuid> lost",
            ),
            (
                "peer [fe80::1ff:fe23:4567:890a]:443 gone",
                "peer [<ip>]:<n> gone",
            ),
            ("bind ::1 port 80", "bind <ip> port <n>"),
            ("addr 2001:db8:85a3:0:0:8a2e:370:7334", "addr <ip>"),
            ("at 12:30:45 done", "at <n>:<n>:<n> done"),
            ("f64::NAN and Vec::new", "f64::NAN and Vec::new"),
            (
                "from 10.0.3.17:5432 (request a3f9c01d2e44)",
                "from <ip>:<n> (request <id>)",
            ),
            (
                "segfault at 0x7ffd4c1a in libc",
                "segfault at <hex> in libc",
            ),
            ("request req7Hx2Kp9QmZa rejected", "request <id> rejected"),
            ("version v2 and utf8 stay", "version v2 and utf8 stay"),
            (
                "took 1.5s, 250ms, 4.5GiB and 1h30m5s",
                "took <n>s, <n>ms, <n>GiB and <n>h<n>m<n>s",
            ),
            ("orders_2026_11 on worker-7", "orders_<n>_<n> on worker-<n>"),
            ("exit   status\n\t137  ", "exit status <n>"),
            ("value 1.5e-3 too small", "value <n> too small"),
        ];
        for (input, want) in cases {
            assert_eq!(normalise(input), want, "{input}");
        }
    }

    #[test]
    fn the_demo_catalogue_normalises_to_the_generator_templates() {
        let cases = [
            (
                "Connection reset by peer while reading from 10.0.3.17:5432 (request 8f3a9c01d2e4)",
                "Connection reset by peer while reading from <ip>:<n> (request <id>)",
            ),
            (
                "Timeout after 300 s waiting for lock on table orders_2026_11",
                "Timeout after <n> s waiting for lock on table orders_<n>_<n>",
            ),
            (
                "HTTP 503 from https://api.example.com/v2/items/54321",
                "HTTP <n> from https://api.example.com/v2/items/<n>",
            ),
            (
                "test_checkout_flow: expected status 200 but got 502 for order 123456",
                "test_checkout_flow: expected status <n> but got <n> for order <n>",
            ),
            (
                "ffmpeg exited with code 1: Invalid data found when processing input at frame 77",
                "ffmpeg exited with code <n>: Invalid data found when processing input at frame <n>",
            ),
            ("command not found: bcftools", "command not found: bcftools"),
        ];
        for (input, want) in cases {
            assert_eq!(normalise(input), want);
        }
    }

    #[test]
    fn long_signatures_are_cut() {
        let long = "x".repeat(2 * MAX_SIGNATURE_CHARS);
        assert_eq!(normalise(&long).chars().count(), MAX_SIGNATURE_CHARS);
    }

    #[test]
    fn stack_traces_are_split_from_the_message() {
        let java = "java.lang.IllegalStateException: bad state 42\n\tat com.x.Y.run(Y.java:10)\n\tat com.x.Main.main(Main.java:3)";
        let (head, trace) = split_stack_trace(java);
        assert_eq!(head, "java.lang.IllegalStateException: bad state 42");
        assert!(trace.is_some_and(|t| t.starts_with("\tat com.x.Y.run")));

        let python = "Traceback (most recent call last):\n  File \"job.py\", line 3, in <module>\n    main()\nValueError: bad row 17\n";
        let (head, trace) = split_stack_trace(python);
        assert_eq!(head, "ValueError: bad row 17");
        assert_eq!(trace, Some(python.trim_end()));

        assert_eq!(split_stack_trace("plain message"), ("plain message", None));
        assert_eq!(
            split_stack_trace("two\nlines of text"),
            ("two\nlines of text", None)
        );
    }

    fn exec(id: &str, start: i64, ty: &str, code: &str, msg: &str) -> Execution {
        let mut e = crate::failures::test_support::exec(id, "t", types::ExecutionStatus::Failed);
        e.start_ms = start;
        e.error_type = Some(ty.to_owned());
        e.error_code = Some(code.to_owned());
        e.error_message = Some(msg.to_owned());
        e
    }

    #[test]
    fn failures_group_by_type_and_normalised_message_with_the_first_example() {
        let execs = vec![
            exec(
                "b",
                20,
                "OOMKilled",
                "137",
                "OOMKilled: container used 4188 MB of 4096 MB limit",
            ),
            exec(
                "a",
                10,
                "OOMKilled",
                "137",
                "OOMKilled: container used 4123 MB of 4096 MB limit",
            ),
            exec(
                "c",
                30,
                "OOMKilled",
                "9",
                "OOMKilled: container used 4100 MB of 4096 MB limit",
            ),
            exec("d", 5, "HTTPError", "503", "HTTP 503 from https://x.io/a/1"),
            // Same message, other type: another signature.
            exec(
                "e",
                6,
                "OtherError",
                "503",
                "HTTP 503 from https://x.io/a/2",
            ),
        ];
        let mut ok =
            crate::failures::test_support::exec("f", "t", types::ExecutionStatus::Completed);
        ok.error_message = Some("warning 1".into());
        let mut all = execs.clone();
        all.push(ok);
        let sigs = error_signatures(&all);
        assert_eq!(sigs.len(), 3);
        let oom = &sigs[0];
        assert_eq!(oom.frequency, 3);
        assert_eq!(oom.error_code, "137");
        assert_eq!(
            oom.message,
            "OOMKilled: container used <n> MB of <n> MB limit"
        );
        assert_eq!(
            oom.example_message,
            "OOMKilled: container used 4123 MB of 4096 MB limit"
        );
        assert_eq!(oom.execution_ids, ["a", "b", "c"]);
        assert_eq!(oom.stack_trace, None);
        assert_eq!(
            (sigs[1].error_type.as_str(), sigs[2].error_type.as_str()),
            ("HTTPError", "OtherError")
        );
    }

    /// Two values of one kind (a number, an id, an address, ...), as two occurrences of the
    /// same message template would carry.
    fn slot_pair() -> impl Strategy<Value = (String, String)> {
        fn two<S: Strategy + Clone>(s: S) -> impl Strategy<Value = (S::Value, S::Value)> {
            (s.clone(), s)
        }
        prop_oneof![
            two(any::<u64>()).prop_map(|(a, b)| (a.to_string(), b.to_string())),
            two((0u32..100_000, 0u32..1000))
                .prop_map(|(a, b)| (format!("{}.{}", a.0, a.1), format!("{}.{}", b.0, b.1))),
            // Hex ids start with a letter, as request ids meant never to read as numbers do.
            two("[a-f][0-9a-f]{7,31}"),
            two("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"),
            two(any::<[u8; 4]>()).prop_map(|(a, b)| {
                let ip = |x: [u8; 4]| format!("{}.{}.{}.{}", x[0], x[1], x[2], x[3]);
                (ip(a), ip(b))
            }),
            two(any::<[u16; 3]>()).prop_map(|(a, b)| {
                let ip = |x: [u16; 3]| format!("fe80::{:x}:{:x}:{:x}", x[0], x[1], x[2]);
                (ip(a), ip(b))
            }),
            two("/[a-z]{1,8}(/[a-z0-9_]{1,8}){0,3}\\.[a-z]{2,4}"),
            two("[a-zA-Z0-9 _.-]{0,20}").prop_map(|(a, b)| (format!("'{a}'"), format!("'{b}'"))),
            (
                two(0u32..10_000),
                prop::sample::select(vec!["ms", "s", "MB", "GiB", " KB"])
            )
                .prop_map(|((a, b), u)| (format!("{a}{u}"), format!("{b}{u}"))),
            two(0u32..100_000).prop_map(|(a, b)| {
                let url = |n| format!("https://svc.example.com/v1/jobs/{n}?attempt={n}");
                (url(a), url(b))
            }),
        ]
    }

    proptest! {
        #[test]
        fn a_signature_is_stable_when_numbers_and_ids_change(
            words in prop::collection::vec("[A-Za-z]{1,10}", 1..6),
            slots in prop::collection::vec(slot_pair(), 1..6),
        ) {
            // Two messages from one template: the same words, each slot holding another value
            // of the same kind.
            let render = |second: bool| {
                let mut parts = Vec::new();
                for (i, (a, b)) in slots.iter().enumerate() {
                    parts.push(words[i % words.len()].clone());
                    parts.push(if second { b.clone() } else { a.clone() });
                }
                parts.join(" ")
            };
            prop_assert_eq!(normalise(&render(false)), normalise(&render(true)));
        }

        #[test]
        fn normalising_any_text_never_panics_and_stays_bounded(s in "\\PC{0,600}") {
            prop_assert!(normalise(&s).chars().count() <= MAX_SIGNATURE_CHARS);
        }
    }
}
