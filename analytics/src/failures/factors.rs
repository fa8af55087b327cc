//! Correlated factors: under which host, hour, input size or attribute value does a task fail
//! significantly more often than otherwise?
//!
//! The population is the task's *finished* attempts (completed, failed, timed out): skipped,
//! cancelled and running records never had the chance to fail. Every attempt is described by
//! its factor values:
//!
//! * `host`: [`Execution::host`];
//! * `hourOfDay`: the UTC hour of its start, `"0"` … `"23"`;
//! * `inputSize`: the quartile of `inputSizeBytes` among the population's attempts that have one
//!   (`"q1"` ≤ p25 < `"q2"` ≤ p50 < `"q3"` ≤ p75 < `"q4"`, percentiles by linear interpolation as
//!   in [`crate::statistics::quantile_sorted`]), and in addition `"top decile"` when above p90;
//! * every attribute key, named by the key itself (a key equal to one of the names above is
//!   prefixed `attribute:`). A text or boolean value is its own category (`"eu-west"`,
//!   `"true"`); a number is binned like the input size, by the quartiles of that key's numbers
//!   among the population (`"q1"` … `"q4"`, `"top decile"`): an exact value such as a queue
//!   time of 10,000 ms is no category (each would be tested alone, and found by chance).
//!
//! For each `(factor, value)` with at least `min_support` attempts, and at least one attempt
//! where the factor is known with another value, the 2×2 table *value / other values of the same
//! factor* × *event / no event* is tested with the one-sided Fisher exact test
//! ([`super::significance`]). Attempts that lack the factor (no host, no input size, no such
//! attribute) are left out of that factor's tables. All tested pairs form one family for the
//! Benjamini-Hochberg correction at `fdr_q`; a pair is reported when its adjusted p-value is at
//! most `fdr_q`.
//!
//! The event is a failure (failed or timed out) for [`factor_tests`]; for an error signature it
//! is a failure with that signature, the other attempts — other failures included — being
//! non-events (the cause-specific failure rate).

use std::collections::BTreeMap;

use super::FailureOptions;
use super::significance::{benjamini_hochberg, fisher_exact_greater};
use crate::execution::Execution;
use crate::statistics::quantile_sorted;
use types::ingest::AttributeValue;
use types::{CorrelatedFactor, ExecutionStatus};

pub const HOST: &str = "host";
pub const HOUR_OF_DAY: &str = "hourOfDay";
pub const INPUT_SIZE: &str = "inputSize";
pub const TOP_DECILE: &str = "top decile";
/// Prefix of an attribute whose key collides with a built-in factor name.
pub const ATTRIBUTE_PREFIX: &str = "attribute:";

const MS_PER_HOUR: i64 = 3_600_000;

/// One tested `(factor, value)` pair.
#[derive(Debug, Clone, PartialEq)]
pub struct FactorTest {
    pub factor: String,
    pub value: String,
    /// Attempts with the value.
    pub support: u64,
    /// Events among them.
    pub events: u64,
    /// Attempts where the factor has another value.
    pub baseline_support: u64,
    pub baseline_events: u64,
    /// `events / support`.
    pub failure_rate: f64,
    /// `baseline_events / baseline_support`.
    pub baseline_failure_rate: f64,
    /// `failure_rate / baseline_failure_rate`; with a zero baseline the baseline is taken as
    /// half an event, `0.5 / baseline_support`, so that the lift stays finite.
    pub lift: f64,
    /// One-sided Fisher exact p-value.
    pub p_value: f64,
    /// Benjamini-Hochberg adjusted p-value over all tested pairs.
    pub adjusted_p_value: f64,
    /// `adjusted_p_value ≤ fdr_q`.
    pub significant: bool,
}

impl FactorTest {
    /// `factor=value`, the form `ErrorPattern::correlated_factors` lists.
    pub fn label(&self) -> String {
        format!("{}={}", self.factor, self.value)
    }

    pub fn to_wire(&self) -> CorrelatedFactor {
        CorrelatedFactor {
            factor: self.factor.clone(),
            value: self.value.clone(),
            failure_rate: self.failure_rate,
            baseline_failure_rate: self.baseline_failure_rate,
            lift: self.lift,
            p_value: self.adjusted_p_value,
            support: self.support,
        }
    }
}

/// The finished attempts of a task and each one's factor values.
#[derive(Debug, Clone)]
pub(crate) struct Population<'a> {
    rows: Vec<(&'a Execution, Vec<(String, String)>)>,
}

fn is_finished(e: &Execution) -> bool {
    e.is_failure() || e.status == ExecutionStatus::Completed
}

/// Quartile cut points (p25, p50, p75) and p90 of a factor's numbers, type 7.
#[derive(Debug, Clone, Copy)]
struct Bins {
    q1: f64,
    q2: f64,
    q3: f64,
    p90: f64,
}

impl Bins {
    fn of(mut values: Vec<f64>) -> Option<Self> {
        values.retain(|v| v.is_finite());
        values.sort_by(f64::total_cmp);
        let q = |p: f64| quantile_sorted(&values, p).ok().flatten();
        Some(Bins {
            q1: q(0.25)?,
            q2: q(0.5)?,
            q3: q(0.75)?,
            p90: q(0.9)?,
        })
    }

    /// The quartile of `x`, then `"top decile"` when above p90.
    fn push(&self, factor: &str, x: f64, values: &mut Vec<(String, String)>) {
        let quartile = if x <= self.q1 {
            "q1"
        } else if x <= self.q2 {
            "q2"
        } else if x <= self.q3 {
            "q3"
        } else {
            "q4"
        };
        values.push((factor.to_owned(), quartile.to_owned()));
        if x > self.p90 {
            values.push((factor.to_owned(), TOP_DECILE.to_owned()));
        }
    }
}

fn number(v: &AttributeValue) -> Option<f64> {
    match v {
        AttributeValue::Number(n) if n.is_finite() => Some(*n),
        _ => None,
    }
}

impl<'a> Population<'a> {
    pub(crate) fn new(execs: &'a [Execution]) -> Self {
        let finished: Vec<&Execution> = execs.iter().filter(|e| is_finished(e)).collect();
        let size_bins = Bins::of(finished.iter().filter_map(|e| e.input_size_bytes).collect());
        // Each numeric attribute key's own bins.
        let mut numbers: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
        for e in &finished {
            for (k, v) in &e.attributes {
                if let Some(x) = number(v) {
                    numbers.entry(k.as_str()).or_default().push(x);
                }
            }
        }
        let attribute_bins: BTreeMap<&str, Bins> = numbers
            .into_iter()
            .filter_map(|(k, v)| Some((k, Bins::of(v)?)))
            .collect();
        let rows = finished
            .into_iter()
            .map(|e| {
                let mut values = Vec::new();
                if let Some(h) = &e.host {
                    values.push((HOST.to_owned(), h.clone()));
                }
                let hour = e.start_ms.div_euclid(MS_PER_HOUR).rem_euclid(24);
                values.push((HOUR_OF_DAY.to_owned(), hour.to_string()));
                if let (Some(x), Some(bins)) =
                    (e.input_size_bytes.filter(|v| v.is_finite()), &size_bins)
                {
                    bins.push(INPUT_SIZE, x, &mut values);
                }
                let mut seen: Vec<&str> = Vec::new();
                for (k, v) in &e.attributes {
                    if seen.contains(&k.as_str()) {
                        continue;
                    }
                    seen.push(k);
                    let name = if [HOST, HOUR_OF_DAY, INPUT_SIZE].contains(&k.as_str()) {
                        format!("{ATTRIBUTE_PREFIX}{k}")
                    } else {
                        k.clone()
                    };
                    match (v, number(v).zip(attribute_bins.get(k.as_str()))) {
                        (_, Some((x, bins))) => bins.push(&name, x, &mut values),
                        (AttributeValue::Bool(b), None) => values.push((name, b.to_string())),
                        (AttributeValue::Text(s), None) => values.push((name, s.clone())),
                        (AttributeValue::Number(n), None) => values.push((name, n.to_string())),
                    }
                }
                (e, values)
            })
            .collect();
        Population { rows }
    }

    /// Tests every supported `(factor, value)` pair for an excess of `event`s.
    pub(crate) fn tests(
        &self,
        event: impl Fn(&Execution) -> bool,
        opts: &FailureOptions,
    ) -> Vec<FactorTest> {
        // (attempts, events) per factor (where known) and per (factor, value).
        let mut known: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
        let mut with: BTreeMap<(&str, &str), (u64, u64)> = BTreeMap::new();
        for (e, values) in &self.rows {
            let hit = u64::from(event(e));
            let mut last_factor: Option<&str> = None;
            for (f, v) in values {
                // A factor listed twice (inputSize: quartile and top decile) is known once.
                if last_factor != Some(f.as_str()) {
                    let k = known.entry(f).or_default();
                    k.0 += 1;
                    k.1 += hit;
                }
                last_factor = Some(f);
                let w = with.entry((f, v)).or_default();
                w.0 += 1;
                w.1 += hit;
            }
        }
        let mut tests: Vec<FactorTest> = with
            .into_iter()
            .filter_map(|((f, v), (n, k))| {
                let (all_n, all_k) = known.get(f).copied().unwrap_or((n, k));
                let (base_n, base_k) = (all_n - n, all_k - k);
                if n < opts.min_support() || base_n == 0 {
                    return None;
                }
                let rate = k as f64 / n as f64;
                let base_rate = base_k as f64 / base_n as f64;
                let lift_base = if base_k == 0 {
                    0.5 / base_n as f64
                } else {
                    base_rate
                };
                Some(FactorTest {
                    factor: f.to_owned(),
                    value: v.to_owned(),
                    support: n,
                    events: k,
                    baseline_support: base_n,
                    baseline_events: base_k,
                    failure_rate: rate,
                    baseline_failure_rate: base_rate,
                    lift: rate / lift_base,
                    p_value: fisher_exact_greater(k, n - k, base_k, base_n - base_k),
                    adjusted_p_value: 1.0,
                    significant: false,
                })
            })
            .collect();
        let raw: Vec<f64> = tests.iter().map(|t| t.p_value).collect();
        for (t, adj) in tests.iter_mut().zip(benjamini_hochberg(&raw)) {
            t.adjusted_p_value = adj;
            t.significant = adj <= opts.fdr_q();
        }
        tests.sort_by(|a, b| {
            a.adjusted_p_value
                .total_cmp(&b.adjusted_p_value)
                .then(a.p_value.total_cmp(&b.p_value))
                .then_with(|| a.factor.cmp(&b.factor))
                .then_with(|| a.value.cmp(&b.value))
        });
        tests
    }
}

/// Every tested `(factor, value)` pair of a task's failures, significant or not, by adjusted
/// p-value (see the module documentation).
pub fn factor_tests(task_execs: &[Execution], opts: &FailureOptions) -> Vec<FactorTest> {
    Population::new(task_execs).tests(Execution::is_failure, opts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::failures::test_support::exec;
    use crate::tolerances::REL;
    use approx::assert_relative_eq;
    use types::ExecutionStatus::{Completed, Failed, Skipped};

    /// 40 attempts on worker-1 (8 failures), 60 on worker-2 (3 failures).
    fn two_hosts() -> Vec<Execution> {
        let mut v = Vec::new();
        for i in 0..100 {
            let (host, failed) = if i < 40 {
                ("worker-1", i < 8)
            } else {
                ("worker-2", i < 43)
            };
            let mut e = exec(
                &format!("e{i}"),
                "t",
                if failed { Failed } else { Completed },
            );
            e.host = Some(host.into());
            e.start_ms = 0; // all at hour 0: one value, never tested
            v.push(e);
        }
        v
    }

    #[test]
    fn a_host_with_more_failures_is_tested_against_the_other_hosts() {
        let tests = factor_tests(&two_hosts(), &FailureOptions::default());
        // hourOfDay has a single value (no baseline) and is not tested.
        assert_eq!(tests.len(), 2);
        let w1 = &tests[0];
        assert_eq!(
            (w1.factor.as_str(), w1.value.as_str()),
            ("host", "worker-1")
        );
        assert_eq!(
            (
                w1.support,
                w1.events,
                w1.baseline_support,
                w1.baseline_events
            ),
            (40, 8, 60, 3)
        );
        assert_relative_eq!(w1.failure_rate, 0.2, max_relative = REL);
        assert_relative_eq!(w1.baseline_failure_rate, 0.05, max_relative = REL);
        assert_relative_eq!(w1.lift, 4.0, max_relative = REL);
        assert_relative_eq!(
            w1.p_value,
            fisher_exact_greater(8, 32, 3, 57),
            max_relative = REL
        );
        // Two tests: the smaller p is doubled, the larger kept (BH with m = 2).
        assert_relative_eq!(w1.adjusted_p_value, 2.0 * w1.p_value, max_relative = REL);
        assert!(w1.significant, "p = {}", w1.p_value);
        assert_eq!(w1.label(), "host=worker-1");
        assert!(!tests[1].significant);
    }

    #[test]
    fn values_below_the_minimum_support_are_not_tested() {
        let opts = FailureOptions::new(50, 0.05).unwrap();
        let tests = factor_tests(&two_hosts(), &opts);
        assert_eq!(tests.len(), 1);
        assert_eq!(tests[0].value, "worker-2");
    }

    #[test]
    fn input_sizes_fall_into_quartiles_and_the_top_decile() {
        // Sizes 1..=100: p25 = 25.75, p50 = 50.5, p75 = 75.25, p90 = 90.1.
        let v: Vec<Execution> = (1..=100)
            .map(|i| {
                let mut e = exec(
                    &format!("e{i}"),
                    "t",
                    if i > 90 { Failed } else { Completed },
                );
                e.input_size_bytes = Some(f64::from(i));
                e
            })
            .collect();
        let opts = FailureOptions::new(10, 0.05).unwrap();
        let tests = factor_tests(&v, &opts);
        let get = |value: &str| {
            tests
                .iter()
                .find(|t| t.factor == INPUT_SIZE && t.value == value)
                .unwrap()
        };
        assert_eq!(get("q1").support, 25);
        assert_eq!(get("q4").support, 25);
        let top = get(TOP_DECILE);
        assert_eq!(
            (
                top.support,
                top.events,
                top.baseline_support,
                top.baseline_events
            ),
            (10, 10, 90, 0)
        );
        // A zero baseline: lift against half a failure among 90 attempts.
        assert_relative_eq!(top.lift, 1.0 / (0.5 / 90.0), max_relative = REL);
        assert!(top.significant);
        assert_eq!(tests[0].value, TOP_DECILE);
    }

    #[test]
    fn a_numeric_attribute_is_tested_by_quartile_not_by_exact_value() {
        // 100 attempts with queue times 0, 100, …, 9,900 ms; the 10 longest-queued fail, each
        // with its own exact value. By exact value no pair has the support to be tested; by
        // quartile the top one holds every failure (hand count: q4 = the 25 values above
        // p75 = 7,425 ms, 10 of them failed, against 0 of the 75 others).
        let v: Vec<Execution> = (0..100)
            .map(|i| {
                let mut e = exec(
                    &format!("e{i}"),
                    "t",
                    if i >= 90 { Failed } else { Completed },
                );
                e.start_ms = 0;
                e.attributes = vec![
                    ("queueMs".into(), AttributeValue::Number(100.0 * i as f64)),
                    ("canary".into(), AttributeValue::Bool(i % 2 == 0)),
                ];
                e
            })
            .collect();
        let opts = FailureOptions::default();
        let tests = factor_tests(&v, &opts);
        let queue: Vec<(&str, u64, u64)> = tests
            .iter()
            .filter(|t| t.factor == "queueMs")
            .map(|t| (t.value.as_str(), t.support, t.events))
            .collect();
        assert!(queue.contains(&("q4", 25, 10)), "{queue:?}");
        let q4 = tests
            .iter()
            .find(|t| t.factor == "queueMs" && t.value == "q4")
            .unwrap();
        assert!(q4.significant, "{q4:?}");
        // With the minimum support of 20 (DEFAULT_MIN_SUPPORT), the top decile's 10 attempts
        // are not tested on their own.
        assert!(
            queue
                .iter()
                .all(|(value, _, _)| value.starts_with('q') || *value == TOP_DECILE),
            "never an exact value: {queue:?}"
        );
        // Booleans stay categories.
        assert!(
            tests
                .iter()
                .any(|t| t.factor == "canary" && t.value == "true")
        );
    }

    #[test]
    fn skipped_records_are_not_attempts_and_attributes_are_factors() {
        let mut v = two_hosts();
        for e in &mut v {
            e.attributes = vec![
                ("region".into(), AttributeValue::Text("eu".into())),
                ("host".into(), AttributeValue::Text("x".into())),
            ];
        }
        v.push(exec("skip", "t", Skipped));
        let pop = Population::new(&v);
        assert_eq!(pop.rows.len(), 100);
        let names: Vec<&str> = pop.rows[0].1.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(names, ["host", "hourOfDay", "region", "attribute:host"]);
    }
}
