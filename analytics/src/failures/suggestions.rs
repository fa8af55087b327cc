//! What to do about an error signature: its error class, resolution steps and prevention
//! measures, from a fixed table keyed by class.
//!
//! Classification looks at the error type, the code and the message, case-insensitively, and
//! takes the first class whose patterns match, in the order of [`ErrorClass::ALL`]: the most
//! specific evidence first (an OOM kill is also a non-zero exit; a 429 is also an HTTP error; a
//! "connection timed out" is a network problem before it is a timeout). A code alone decides
//! only where it is unambiguous (exit status 137 or 127, `ENOSPC`, `ECONNRESET`, ...); an HTTP
//! status code counts when the type or message says HTTP, so an assertion "expected status 200
//! but got 500" is not an HTTP 5xx.

use types::{ExecutionStatus, ResolutionStrategy};

/// The classes of the resolution table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ErrorClass {
    OutOfMemory,
    DiskFull,
    Dns,
    RateLimited,
    Http5xx,
    Connection,
    CommandNotFound,
    PermissionDenied,
    Timeout,
    Unknown,
}

impl ErrorClass {
    /// Classification order (first match wins).
    pub const ALL: [ErrorClass; 10] = [
        ErrorClass::OutOfMemory,
        ErrorClass::DiskFull,
        ErrorClass::Dns,
        ErrorClass::RateLimited,
        ErrorClass::Http5xx,
        ErrorClass::Connection,
        ErrorClass::CommandNotFound,
        ErrorClass::PermissionDenied,
        ErrorClass::Timeout,
        ErrorClass::Unknown,
    ];

    /// Stable name used in `ResolutionStrategy::error_class`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OutOfMemory => "out_of_memory",
            Self::DiskFull => "disk_full",
            Self::Dns => "dns",
            Self::RateLimited => "rate_limited",
            Self::Http5xx => "http_5xx",
            Self::Connection => "connection",
            Self::CommandNotFound => "command_not_found",
            Self::PermissionDenied => "permission_denied",
            Self::Timeout => "timeout",
            Self::Unknown => "unknown",
        }
    }

    /// A network problem (what `NetworkMetrics::errors` counts): connection, DNS, HTTP 5xx and
    /// rate limiting.
    pub fn is_network(self) -> bool {
        matches!(
            self,
            Self::Connection | Self::Dns | Self::Http5xx | Self::RateLimited
        )
    }
}

/// What classification looks at.
#[derive(Debug, Clone, Copy)]
pub struct ErrorEvidence<'a> {
    pub error_type: &'a str,
    pub code: &'a str,
    pub message: &'a str,
    pub status: ExecutionStatus,
}

fn any_in(haystack: &str, needles: &[&str]) -> bool {
    needles.iter().any(|n| haystack.contains(n))
}

/// An HTTP status `5xx` written as `HTTP 503`, `HTTP/1.1 502` or `status code 500`.
fn mentions_http_5xx(text: &str) -> bool {
    let bytes = text.as_bytes();
    let is_5xx_at = |i: usize| {
        bytes.get(i) == Some(&b'5')
            && bytes.get(i + 1).is_some_and(u8::is_ascii_digit)
            && bytes.get(i + 2).is_some_and(u8::is_ascii_digit)
            && bytes.get(i + 3).is_none_or(|b| !b.is_ascii_alphanumeric())
    };
    for prefix in ["http ", "status code ", "status: "] {
        for (i, _) in text.match_indices(prefix) {
            if is_5xx_at(i + prefix.len()) {
                return true;
            }
        }
    }
    // `HTTP/1.1 503`, `HTTP/2 502`.
    for (i, _) in text.match_indices("http/") {
        let rest = &text[i + 5..];
        if let Some(space) = rest.find(' ')
            && space <= 3
            && is_5xx_at(i + 5 + space + 1)
        {
            return true;
        }
    }
    false
}

/// The error class of a failure (see the module documentation for the order).
pub fn classify(ev: &ErrorEvidence<'_>) -> ErrorClass {
    let ty = ev.error_type.to_ascii_lowercase();
    let code = ev.code.trim().to_ascii_lowercase();
    let msg = ev.message.to_ascii_lowercase();
    let text = format!("{ty} {msg}");
    let code_is = |codes: &[&str]| codes.contains(&code.as_str());
    let http_context = ty.contains("http") || msg.contains("http");
    let code_5xx =
        code.len() == 3 && code.starts_with('5') && code.bytes().all(|b| b.is_ascii_digit());

    if code_is(&["137", "enomem"])
        || any_in(
            &text,
            &[
                "oomkilled",
                "oom-kill",
                "oom killer",
                "out of memory",
                "outofmemory",
                "memoryerror",
                "cannot allocate memory",
                "bad_alloc",
                "exit code 137",
                "exit status 137",
                "exited with code 137",
            ],
        )
    {
        return ErrorClass::OutOfMemory;
    }
    if code_is(&["enospc", "edquot"])
        || any_in(
            &text,
            &[
                "no space left",
                "disk full",
                "disk quota exceeded",
                "not enough space on the disk",
            ],
        )
    {
        return ErrorClass::DiskFull;
    }
    if code_is(&[
        "enotfound",
        "eai_again",
        "eai_noname",
        "nxdomain",
        "servfail",
    ]) || any_in(
        &text,
        &[
            "name or service not known",
            "nodename nor servname",
            "temporary failure in name resolution",
            "could not resolve host",
            "name resolution",
            "getaddrinfo",
            "nxdomain",
            "no such host",
            "dns",
        ],
    ) {
        return ErrorClass::Dns;
    }
    if code_is(&["429"])
        || any_in(
            &text,
            &[
                "too many requests",
                "rate limit",
                "ratelimit",
                "rate-limit",
                "throttl",
                "http 429",
            ],
        )
    {
        return ErrorClass::RateLimited;
    }
    if (code_5xx && http_context)
        || mentions_http_5xx(&text)
        || any_in(
            &text,
            &[
                "internal server error",
                "bad gateway",
                "service unavailable",
                "gateway timeout",
                "gateway time-out",
            ],
        )
    {
        return ErrorClass::Http5xx;
    }
    if code_is(&[
        "econnreset",
        "econnrefused",
        "econnaborted",
        "epipe",
        "ehostunreach",
        "enetunreach",
    ]) || any_in(
        &text,
        &[
            "connection reset",
            "connection refused",
            "connection aborted",
            "connection closed",
            "broken pipe",
            "connectionerror",
            "connection error",
            "host is unreachable",
            "network is unreachable",
            "connection timed out",
            "econnreset",
            "econnrefused",
        ],
    ) {
        return ErrorClass::Connection;
    }
    if code_is(&["127"])
        || any_in(
            &text,
            &[
                "command not found",
                "commandnotfound",
                "executable file not found",
                "not found in $path",
                "exit status 127",
                "exit code 127",
            ],
        )
    {
        return ErrorClass::CommandNotFound;
    }
    if code_is(&["eacces", "eperm", "403"])
        || any_in(
            &text,
            &[
                "permission denied",
                "operation not permitted",
                "access denied",
                "accessdenied",
                "eacces",
            ],
        )
    {
        return ErrorClass::PermissionDenied;
    }
    if ev.status == ExecutionStatus::Timeout
        || code_is(&["etimedout", "timeout", "lock_timeout"])
        || any_in(
            &text,
            &["timeout", "timed out", "deadline exceeded", "time limit"],
        )
    {
        return ErrorClass::Timeout;
    }
    ErrorClass::Unknown
}

/// Resolution steps for a class: ordered, concrete, and whether a scheduler can apply them
/// without a person (an automatic retry or resize).
pub fn resolution(class: ErrorClass) -> ResolutionStrategy {
    let (steps, automatable): (&[&str], bool) = match class {
        ErrorClass::OutOfMemory => (
            &[
                "Compare memoryPeakMb with memoryAllocatedMb for the failed attempts: peaks at or above the limit confirm the container was killed for memory (exit 137).",
                "Raise the memory limit to the p95 peak of successful runs plus 20 % headroom (see the provisioning findings), or retry OOM-killed attempts automatically with 1.5x the memory.",
                "If the peak grows with input size, process the input in chunks or stream it instead of loading it whole.",
                "If the peak grows over time at a steady input size, look for a memory leak (see the memory leak analysis).",
            ],
            true,
        ),
        ErrorClass::DiskFull => (
            &[
                "Find what filled the volume: scratch files, caches or logs left by earlier attempts on the same host.",
                "Delete temporary files at the end of each attempt, including failed ones (a cleanup step or a finally block).",
                "Increase the ephemeral or scratch volume size for this task, or write large intermediates to object storage.",
            ],
            false,
        ),
        ErrorClass::Dns => (
            &[
                "Retry with exponential backoff: most resolution failures (EAI_AGAIN) are transient.",
                "Check that the host name is spelled correctly and exists in the environment the task runs in.",
                "Check the resolver of the failing hosts (resolv.conf, DNS service health, search domains).",
            ],
            true,
        ),
        ErrorClass::RateLimited => (
            &[
                "Retry after the delay in the Retry-After header, with exponential backoff and jitter.",
                "Lower the task's concurrency or request rate against this API, or batch requests.",
                "Ask the API owner for a higher quota if the load is legitimate.",
            ],
            true,
        ),
        ErrorClass::Http5xx => (
            &[
                "Retry with exponential backoff and jitter; 502, 503 and 504 are usually transient.",
                "Check the upstream service's health and deploy history at the failure times.",
                "Add a circuit breaker so that runs wait for the service to recover instead of failing one by one.",
            ],
            true,
        ),
        ErrorClass::Connection => (
            &[
                "Retry with exponential backoff and jitter; resets are usually transient.",
                "If the failures concentrate on a few hosts (see the correlated factors), drain those hosts and check their network and connection limits.",
                "Check the peer's connection limits and idle timeouts (database max_connections, load balancer idle timeout) against the task's connection pool settings.",
            ],
            true,
        ),
        ErrorClass::CommandNotFound => (
            &[
                "Install the missing program in the task's container image, or fix the image tag the task runs with.",
                "Check the PATH the task runs with; call the program by its absolute path.",
                "Do not retry: the attempt fails the same way until the image is fixed.",
            ],
            false,
        ),
        ErrorClass::PermissionDenied => (
            &[
                "Check the user the task runs as and the owner and mode of the file, directory or resource named in the message.",
                "For cloud resources, check the role or service account of the task and the policy of the resource.",
                "Do not retry: the attempt fails the same way until the permission is granted.",
            ],
            false,
        ),
        ErrorClass::Timeout => (
            &[
                "Check whether the task is slow or blocked: compare the failed attempts' durations with the limit and look for lock waits or slow dependencies.",
                "For lock timeouts, find the competing writer (overlapping runs or long transactions) and serialise them or shorten the transactions.",
                "Retry with backoff; if successful runs come close to the limit, raise it to the p99 duration plus headroom.",
            ],
            true,
        ),
        ErrorClass::Unknown => (
            &[
                "Read the example message and stack trace, and group further occurrences by this signature.",
                "Check the correlated factors (host, hour, input size, attributes) for a common cause.",
                "Add an error type and code to the task's error reporting so that this signature can be classified.",
            ],
            false,
        ),
    };
    ResolutionStrategy {
        error_class: class.as_str().to_owned(),
        steps: steps.iter().map(|s| (*s).to_owned()).collect(),
        automatable,
    }
}

/// Changes that keep the class from recurring.
pub fn prevention_measures(class: ErrorClass) -> Vec<String> {
    let measures: &[&str] = match class {
        ErrorClass::OutOfMemory => &[
            "Set memory requests and limits from observed p95 peaks plus 20 % headroom and review them monthly.",
            "Alert when a task's p95 memory peak exceeds 90 % of its limit.",
            "Track memory peak per input size and reject or split inputs above a tested size.",
        ],
        ErrorClass::DiskFull => &[
            "Alert on disk usage above 80 % on worker hosts.",
            "Clean up scratch space in every attempt, failed ones included.",
            "Size scratch volumes from observed write bytes plus headroom.",
        ],
        ErrorClass::Dns => &[
            "Run a local caching resolver on worker hosts.",
            "Make DNS resolution failures retryable in the task's client library.",
        ],
        ErrorClass::RateLimited => &[
            "Use a client-side rate limiter shared by all concurrent attempts of the task.",
            "Cap the task's concurrency at the API's quota.",
        ],
        ErrorClass::Http5xx => &[
            "Make HTTP 5xx retryable with capped exponential backoff in the task's client.",
            "Alert on the upstream service's error rate so outages are seen before runs fail.",
            "Make the request idempotent so that retries are always safe.",
        ],
        ErrorClass::Connection => &[
            "Enable TCP keepalive and recycle pooled connections before the peer's idle timeout.",
            "Make connection resets retryable with capped exponential backoff.",
            "Monitor failure rate per host and drain hosts whose rate stands out.",
        ],
        ErrorClass::CommandNotFound => &[
            "Pin container image digests and smoke-test each image (run every required binary with --version) in CI before it is used.",
            "Fail fast on missing binaries in a pre-flight step instead of deep in the task.",
        ],
        ErrorClass::PermissionDenied => &[
            "Manage task identities and permissions as code and test them in a staging environment.",
            "Alert on permission errors separately from other failures: retries cannot fix them.",
        ],
        ErrorClass::Timeout => &[
            "Set timeouts from observed p99 durations plus headroom, and revisit them when durations trend upward.",
            "Avoid overlapping runs that write the same tables, or take locks in a consistent order.",
            "Alert when durations approach the timeout.",
        ],
        ErrorClass::Unknown => &[
            "Report errors with a type, a stable code and a message whose variable parts are separate from the text.",
            "Capture stack traces for failed attempts.",
        ],
    };
    measures.iter().map(|s| (*s).to_owned()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(ty: &str, code: &str, msg: &str) -> ErrorClass {
        classify(&ErrorEvidence {
            error_type: ty,
            code,
            message: msg,
            status: ExecutionStatus::Failed,
        })
    }

    #[test]
    fn each_class_is_recognised_from_type_code_or_message() {
        use ErrorClass::*;
        let cases = [
            (
                "OOMKilled",
                "137",
                "OOMKilled: container used <n> MB of <n> MB limit",
                OutOfMemory,
            ),
            ("RuntimeError", "", "exit status 137", OutOfMemory),
            (
                "OSError",
                "",
                "[Errno 12] Cannot allocate memory",
                OutOfMemory,
            ),
            ("MemoryError", "", "", OutOfMemory),
            (
                "java.lang.OutOfMemoryError",
                "",
                "Java heap space",
                OutOfMemory,
            ),
            (
                "IOError",
                "",
                "write failed: No space left on device",
                DiskFull,
            ),
            ("Error", "ENOSPC", "write", DiskFull),
            (
                "socket.gaierror",
                "",
                "[Errno -3] Temporary failure in name resolution",
                Dns,
            ),
            (
                "HTTPError",
                "429",
                "HTTP <n> Too Many Requests",
                RateLimited,
            ),
            (
                "HTTPError",
                "503",
                "HTTP <n> from https://api.example.com/v2/items/<n>",
                Http5xx,
            ),
            (
                "RequestError",
                "",
                "upstream returned HTTP/1.1 502 Bad Gateway",
                Http5xx,
            ),
            (
                "ConnectionError",
                "ECONNRESET",
                "Connection reset by peer while reading from <ip>:<n>",
                Connection,
            ),
            ("Error", "", "connect ECONNREFUSED <ip>:<n>", Connection),
            (
                "CommandNotFound",
                "127",
                "command not found: bcftools",
                CommandNotFound,
            ),
            (
                "PermissionError",
                "",
                "[Errno 13] Permission denied: <path>",
                PermissionDenied,
            ),
            (
                "LockTimeout",
                "LOCK_TIMEOUT",
                "Timeout after <n> s waiting for lock",
                Timeout,
            ),
            (
                "AssertionError",
                "TEST_FAILED",
                "expected status <n> but got <n>",
                Unknown,
            ),
            (
                "FFmpegError",
                "1",
                "Invalid data found when processing input",
                Unknown,
            ),
        ];
        for (ty, code, msg, want) in cases {
            assert_eq!(class(ty, code, msg), want, "{ty} {code} {msg}");
        }
        // A timed-out attempt without a recognisable message is a timeout.
        let ev = ErrorEvidence {
            error_type: "unknown",
            code: "",
            message: "",
            status: ExecutionStatus::Timeout,
        };
        assert_eq!(classify(&ev), Timeout);
    }

    #[test]
    fn an_assertion_about_a_500_status_is_not_an_http_error() {
        assert_eq!(
            class(
                "AssertionError",
                "TEST_FAILED",
                "expected status 200 but got 500 for order 7"
            ),
            ErrorClass::Unknown
        );
        assert!(mentions_http_5xx("http 503 from x"));
        assert!(!mentions_http_5xx("http 5030 from x"));
    }

    #[test]
    fn every_class_has_steps_and_prevention_measures() {
        for c in ErrorClass::ALL {
            let r = resolution(c);
            assert_eq!(r.error_class, c.as_str());
            assert!(r.steps.len() >= 2, "{c:?}");
            assert!(!prevention_measures(c).is_empty(), "{c:?}");
        }
        assert!(resolution(ErrorClass::OutOfMemory).automatable);
        assert!(!resolution(ErrorClass::CommandNotFound).automatable);
        assert!(ErrorClass::Http5xx.is_network() && !ErrorClass::Timeout.is_network());
    }
}
