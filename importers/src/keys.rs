//! Workflow and run keys derived from what a file records, never from its name: Nextflow writes
//! `trace.txt`, `execution_trace.txt` or `pipeline_info/execution_trace.txt` on every run and
//! WfInstances share generic names such as `genome-dax-0`, so a key taken from the file name
//! or the instance name alone files different runs, or different DAGs, under one key (and a
//! replay then overwrites the first run in place).
//!
//! Fingerprints are FNV-1a 64-bit hashes (Fowler, Noll and Vo; the IETF draft
//! draft-eastlake-fnv) of a canonical text, written as the first 12 of their 16 hex digits.
//! FNV is not a cryptographic hash: it tells apart what a user imports, it does not resist
//! someone crafting a collision (whose only effect would be to file two runs under one key,
//! which the replay guard then refuses). The canonical texts are versioned (`...-v1`), so a
//! change of rule changes every key rather than reusing one for something else.

use chrono::{DateTime, Utc};

/// Hex digits kept of a fingerprint (48 bits: a collision among a million runs of one workflow
/// has odds of about 2 in a million).
const FINGERPRINT_HEX: usize = 12;

/// FNV-1a, 64-bit: offset basis 0xcbf29ce484222325, prime 0x100000001b3.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The short fingerprint of `text`: the first 12 hex digits of its FNV-1a 64 hash.
pub fn fingerprint(text: &str) -> String {
    let mut hex = format!("{:016x}", fnv1a64(text.as_bytes()));
    hex.truncate(FINGERPRINT_HEX);
    hex
}

/// A time as written in canonical texts: `2021-03-04T21:06:07.625Z`.
pub fn canonical_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// A run key: its start to the second (`20210304T210607Z`, sortable and readable) and the
/// fingerprint of its content.
pub fn run_key(started: DateTime<Utc>, canonical: &str) -> String {
    format!(
        "{}-{}",
        started.format("%Y%m%dT%H%M%SZ"),
        fingerprint(canonical)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a64_matches_the_reference_vectors() {
        // From the FNV reference test suite (draft-eastlake-fnv, "FNV-1a 64" column).
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn a_fingerprint_is_twelve_hex_digits() {
        assert_eq!(fingerprint("foobar"), "85944171f739");
    }
}
