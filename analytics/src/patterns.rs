//! Recurring patterns in time and shape (spec `TimePattern`, `TaskPattern`).
//!
//! * **Period.** A cron-like schedule shows as inter-arrival times that cluster tightly around
//!   one value: with `m` the median gap, the share of gaps within ±[`PERIOD_TOLERANCE`] of `m`
//!   is the schedule's *regularity*; at ≥ [`MIN_REGULARITY`] the period is the mean of those
//!   gaps and the confidence is the regularity. Otherwise the hourly arrival counts are tested
//!   for daily (24 h) and weekly (168 h) cycles by their sample autocorrelation (Box & Jenkins
//!   1976, §2.1.5), significant above `1.96/√N` (Bartlett's white-noise bound); the
//!   autocorrelation is then the confidence.
//! * **Peak hours and weekdays.** Pearson's χ² goodness-of-fit test of the hour-of-day (UTC)
//!   counts against uniform (23 degrees of freedom; weekdays: 6). When it rejects at
//!   [`PEAK_ALPHA`], the peaks are the *modal* hours: among the hours with standardized
//!   residual `(O − E)/√E > 2`, taken busiest first, each joins the peaks while it is not
//!   significantly less busy than the peaks found so far — the conditional test of Poisson
//!   counts (Przyborowski & Wileński 1940): given its count `c` and their total `S` over `m`
//!   hours, `c ~ Binomial(c + S, 1/(m + 1))` under equal rates; the hour joins unless
//!   `P(X ≤ c) <` [`PEAK_EQUAL_ALPHA`] (strict, so that equally busy hours are not split by
//!   a month's sampling noise), and the first that does not join ends the peaks. Pooling the
//!   peaks found so far, rather than comparing with the busiest hour alone, gives a reference
//!   with `m` times the counts and without the upward bias of a maximum: against the
//!   maximum, one of three equally busy hours of a month of business-hours runs fell out in
//!   about 3 % of months.
//! * **Burstiness** (Goh & Barabási 2008, *EPL* 81, 48002): `B = (σ − μ)/(σ + μ)` of the
//!   inter-arrival times: −1 perfectly regular, 0 Poisson, → 1 bursty.
//! * **Predictability**: `max(0, 1 − CV)` of the inter-arrival times (1 for a clock, 0 for
//!   Poisson or burstier), the complement of the timing noise a forecaster faces.
//! * **Bimodal durations**: Sarle's bimodality coefficient on log durations,
//!   `BC = (g² + 1)/(κ + 3(n−1)²/((n−2)(n−3)))` with bias-corrected skewness `g` and excess
//!   kurtosis `κ` (SAS Institute 1990; Pfister et al. 2013, *Front. Psychol.* 4), above 5/9,
//!   confirmed by Ashman's `D = √2 |μ₁ − μ₂| / √(σ₁² + σ₂²) > 2` between the two 2-means
//!   clusters (Ashman et al. 1994).

use statrs::distribution::{Binomial, ChiSquared, ContinuousCDF, DiscreteCDF};
use types::{Periodicity, SeasonalityInfo, TimePattern};

/// A gap within ±10 % of the median gap counts as "on schedule".
pub const PERIOD_TOLERANCE: f64 = 0.10;
/// Share of on-schedule gaps that makes a schedule periodic.
pub const MIN_REGULARITY: f64 = 0.6;
/// Significance of the χ² uniformity tests.
pub const PEAK_ALPHA: f64 = 0.01;
/// An hour is less busy than the peaks found before it only below this p-value. The test runs
/// once per candidate hour (up to nine in a business day), so it is strict: at 0.005 one of
/// three equally busy hours of a month of business-hours runs still fell out in about 1 % of
/// months.
pub const PEAK_EQUAL_ALPHA: f64 = 0.001;
/// Fewest arrivals worth analysing.
pub const MIN_EVENTS: usize = 8;
/// Sarle's threshold: the coefficient of a uniform distribution.
pub const BIMODALITY_THRESHOLD: f64 = 5.0 / 9.0;

const HOUR_MS: i64 = 3_600_000;

/// Timing analysis of one series of arrivals.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeAnalysis {
    pub events: usize,
    pub periodicity: Periodicity,
    pub period_seconds: Option<f64>,
    pub confidence: f64,
    /// Hours of day (UTC), busiest first.
    pub peak_hours: Vec<u32>,
    pub hour_p_value: f64,
    /// Days of week, 0 = Monday, busiest first.
    pub peak_weekdays: Vec<u32>,
    pub weekday_p_value: f64,
    pub burstiness: f64,
    pub predictability: f64,
}

impl TimeAnalysis {
    pub fn to_wire(&self) -> TimePattern {
        TimePattern {
            periodicity: self.periodicity,
            peak_times: self
                .peak_hours
                .iter()
                .map(|h| format!("{h:02}:00"))
                .collect(),
            seasonality: SeasonalityInfo {
                period_seconds: self.period_seconds,
                confidence: self.confidence,
                hour_of_day_p_value: Some(self.hour_p_value),
                day_of_week_p_value: Some(self.weekday_p_value),
            },
            burstiness: self.burstiness,
            predictability: self.predictability,
        }
    }
}

/// Analyses arrival times (epoch ms, any order; equal times count once). `None` below
/// [`MIN_EVENTS`] distinct arrivals.
pub fn time_pattern(starts_ms: &[i64]) -> Option<TimeAnalysis> {
    // Arrivals already in strictly increasing order (as a per-task query returns them) are
    // read where they are; only others are copied, sorted and de-duplicated.
    let owned: Vec<i64>;
    let t: &[i64] = if starts_ms.windows(2).all(|w| w[0] < w[1]) {
        starts_ms
    } else {
        let mut v = starts_ms.to_vec();
        v.sort_unstable();
        v.dedup();
        owned = v;
        &owned
    };
    if t.len() < MIN_EVENTS {
        return None;
    }
    let mut gaps: Vec<f64> = gaps_seconds(t).collect();
    let (mean, sd) = mean_sd(&gaps);
    // The selection of the median gap reorders `gaps`; what follows reads `t`.
    let (period_seconds, confidence) = regular_period(t, &mut gaps)
        .or_else(|| cyclic_period(t))
        .unzip();
    drop(gaps);
    let (hours, days) = hour_and_weekday_counts(t);
    let (peak_hours, hour_p_value) = peaks(&hours);
    let (peak_weekdays, weekday_p_value) = peaks(&days);
    let cv = if mean > 0.0 { sd / mean } else { 0.0 };
    Some(TimeAnalysis {
        events: t.len(),
        periodicity: period_seconds.map_or(Periodicity::None, periodicity_of),
        period_seconds,
        confidence: confidence.unwrap_or(0.0),
        peak_hours,
        hour_p_value,
        peak_weekdays,
        weekday_p_value,
        burstiness: if sd + mean > 0.0 {
            (sd - mean) / (sd + mean)
        } else {
            0.0
        },
        predictability: (1.0 - cv).max(0.0),
    })
}

/// The named bucket of a period: under 2 h hourly, under 2 days daily, under 2 weeks weekly,
/// beyond monthly (the exact period is reported beside it).
pub fn periodicity_of(period_seconds: f64) -> Periodicity {
    match period_seconds {
        p if p < 2.0 * 3600.0 => Periodicity::Hourly,
        p if p < 2.0 * 86_400.0 => Periodicity::Daily,
        p if p < 14.0 * 86_400.0 => Periodicity::Weekly,
        _ => Periodicity::Monthly,
    }
}

/// Inter-arrival times in seconds of sorted, distinct arrivals (epoch ms).
fn gaps_seconds(t: &[i64]) -> impl Iterator<Item = f64> + '_ {
    t.windows(2).map(|w| (w[1] - w[0]) as f64 / 1000.0)
}

/// The schedule period of arrivals `t` from their gaps (`gaps_seconds(t)` in any order; the
/// median selection reorders them).
fn regular_period(t: &[i64], gaps: &mut [f64]) -> Option<(f64, f64)> {
    // The median gap by selection (the same type-7 value as sorting, in linear time).
    let m = crate::statistics::quantiles(gaps, &[0.5])?[0];
    if m <= 0.0 {
        return None;
    }
    // Count and sum the on-schedule gaps in time order, as summing a list of them would.
    let (on, sum) = gaps_seconds(t)
        .filter(|g| (*g - m).abs() <= PERIOD_TOLERANCE * m)
        .fold((0usize, -0.0), |(n, s), g| (n + 1, s + g));
    let regularity = on as f64 / gaps.len() as f64;
    (regularity >= MIN_REGULARITY).then(|| (sum / on as f64, regularity))
}

fn cyclic_period(t: &[i64]) -> Option<(f64, f64)> {
    let (first, last) = (*t.first()?, *t.last()?);
    let n = ((last - first) / HOUR_MS + 1) as usize;
    if n < 2 * 168 {
        return None; // fewer than two weeks of hourly bins cannot show a weekly cycle
    }
    let mut counts = vec![0.0; n];
    bin_runs(t, first, HOUR_MS, |bin, run| {
        counts[bin as usize] += run as f64
    });
    let bound = 1.96 / (n as f64).sqrt();
    [24usize, 168]
        .into_iter()
        .map(|lag| (lag, autocorrelation(&counts, lag)))
        .filter(|(_, r)| *r > bound)
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(lag, r)| (lag as f64 * 3600.0, r))
}

/// Sample autocorrelation at `lag` (Box & Jenkins: the biased estimator, divided by n).
pub fn autocorrelation(x: &[f64], lag: usize) -> f64 {
    let n = x.len();
    if lag >= n {
        return 0.0;
    }
    let mean = x.iter().sum::<f64>() / n as f64;
    let var: f64 = x.iter().map(|v| (v - mean).powi(2)).sum();
    if var == 0.0 {
        return 0.0;
    }
    let cov: f64 = (0..n - lag)
        .map(|i| (x[i] - mean) * (x[i + lag] - mean))
        .sum();
    cov / var
}

/// Arrivals per hour of day (UTC) and per day of week (0 = Monday) of sorted arrivals.
fn hour_and_weekday_counts(t: &[i64]) -> ([f64; 24], [f64; 7]) {
    let (mut hours, mut days) = ([0u64; 24], [0u64; 7]);
    bin_runs(t, 0, HOUR_MS, |hour, run| {
        hours[hour.rem_euclid(24) as usize] += run;
        // 1970-01-01 was a Thursday: Monday = 0 means an offset of 3 days.
        days[(hour.div_euclid(24) + 3).rem_euclid(7) as usize] += run;
    });
    (hours.map(|c| c as f64), days.map(|c| c as f64))
}

/// Calls `f(bin, arrivals)` for each run of sorted arrivals `t` in one bin
/// `(ms − origin).div_euclid(width)`: one comparison per arrival, a division per run.
fn bin_runs(t: &[i64], origin: i64, width: i64, mut f: impl FnMut(i64, u64)) {
    let Some(&first) = t.first() else {
        return;
    };
    let bin_of = |ms: i64| (ms - origin).div_euclid(width);
    let end_of = |bin: i64| (origin + bin * width).saturating_add(width);
    let mut bin = bin_of(first);
    let mut end = end_of(bin);
    let mut run = 0u64;
    for &ms in t {
        if ms >= end {
            f(bin, run);
            bin = bin_of(ms);
            end = end_of(bin);
            run = 0;
        }
        run += 1;
    }
    f(bin, run);
}

/// χ² test against uniform and the modal bins; (peaks busiest first, p-value).
pub fn peaks(counts: &[f64]) -> (Vec<u32>, f64) {
    let total: f64 = counts.iter().sum();
    let k = counts.len();
    if total == 0.0 || k < 2 {
        return (Vec::new(), 1.0);
    }
    let expected = total / k as f64;
    let chi2: f64 = counts
        .iter()
        .map(|o| (o - expected).powi(2) / expected)
        .sum();
    let p = ChiSquared::new((k - 1) as f64).map_or(1.0, |d| 1.0 - d.cdf(chi2));
    if p >= PEAK_ALPHA {
        return (Vec::new(), p);
    }
    // Candidates busiest first; each joins the peaks unless it is significantly less busy than
    // the peaks so far: given its count c and their total S over m bins, c ~ Binomial(c + S,
    // 1/(m + 1)) under equal rates.
    let mut candidates: Vec<usize> = (0..k)
        .filter(|&i| (counts[i] - expected) / expected.sqrt() > 2.0)
        .collect();
    candidates.sort_by(|a, b| counts[*b].total_cmp(&counts[*a]).then(a.cmp(b)));
    let mut peaks: Vec<u32> = Vec::new();
    let mut total = 0.0;
    for i in candidates {
        let c = counts[i];
        if !peaks.is_empty() {
            let share = 1.0 / (peaks.len() + 1) as f64;
            let n = (c + total).round() as u64;
            let less_busy =
                Binomial::new(share, n).is_ok_and(|b| b.cdf(c.round() as u64) < PEAK_EQUAL_ALPHA);
            if less_busy {
                break;
            }
        }
        peaks.push(i as u32);
        total += c;
    }
    (peaks, p)
}

fn mean_sd(x: &[f64]) -> (f64, f64) {
    if x.is_empty() {
        return (0.0, 0.0);
    }
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let var = if x.len() > 1 {
        x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)
    } else {
        0.0
    };
    (mean, var.sqrt())
}

/// Bias-corrected sample skewness `G1` and excess kurtosis `G2` (Joanes & Gill 1998; scipy
/// `skew(bias=False)`, `kurtosis(bias=False)`); `None` below 4 values or with no spread.
pub fn skew_kurtosis(x: &[f64]) -> Option<(f64, f64)> {
    let n = x.len() as f64;
    if x.len() < 4 {
        return None;
    }
    let mean = x.iter().sum::<f64>() / n;
    let m2 = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    if m2 == 0.0 {
        return None;
    }
    let m3 = x.iter().map(|v| (v - mean).powi(3)).sum::<f64>() / n;
    let m4 = x.iter().map(|v| (v - mean).powi(4)).sum::<f64>() / n;
    let g1 = m3 / m2.powf(1.5);
    let g2 = m4 / (m2 * m2) - 3.0;
    let skew = (n * (n - 1.0)).sqrt() / (n - 2.0) * g1;
    let kurt = (n - 1.0) / ((n - 2.0) * (n - 3.0)) * ((n + 1.0) * g2 + 6.0);
    Some((skew, kurt))
}

/// Sarle's bimodality coefficient; `None` when skewness and kurtosis are undefined.
pub fn bimodality_coefficient(x: &[f64]) -> Option<f64> {
    let (g, k) = skew_kurtosis(x)?;
    let n = x.len() as f64;
    Some((g * g + 1.0) / (k + 3.0 * (n - 1.0).powi(2) / ((n - 2.0) * (n - 3.0))))
}

/// Whether durations have two modes (on a log scale, where durations are closer to normal).
#[derive(Debug, Clone, PartialEq)]
pub struct Bimodality {
    pub coefficient: f64,
    pub ashman_d: f64,
    pub bimodal: bool,
    /// The two modes' geometric means (ms), faster first.
    pub modes_ms: (f64, f64),
}

pub fn bimodal_durations(durations_ms: &[f64]) -> Option<Bimodality> {
    let logs: Vec<f64> = durations_ms
        .iter()
        .filter(|d| **d > 0.0)
        .map(|d| d.ln())
        .collect();
    let coefficient = bimodality_coefficient(&logs)?;
    let points: Vec<Vec<f64>> = logs.iter().map(|v| vec![*v]).collect();
    let c = crate::cluster::kmeans(&points, 2, 0x5eed).ok()?;
    let group = |j: usize| -> Vec<f64> {
        logs.iter()
            .zip(&c.labels)
            .filter(|(_, l)| **l == j)
            .map(|(v, _)| *v)
            .collect()
    };
    let (a, b) = (group(0), group(1));
    if a.len() < 2 || b.len() < 2 {
        return None;
    }
    let ((ma, sa), (mb, sb)) = (mean_sd(&a), mean_sd(&b));
    let ashman_d = std::f64::consts::SQRT_2 * (ma - mb).abs()
        / (sa * sa + sb * sb).sqrt().max(f64::MIN_POSITIVE);
    let (lo, hi) = if ma <= mb { (ma, mb) } else { (mb, ma) };
    Some(Bimodality {
        coefficient,
        ashman_d,
        bimodal: coefficient > BIMODALITY_THRESHOLD && ashman_d > 2.0,
        modes_ms: (lo.exp(), hi.exp()),
    })
}

/// The task's recurring patterns in the spec's `TaskPattern` shape: its timing (periodic or
/// peaked), two duration modes, resource-usage clusters, and failures concentrated by hour or
/// host. Only patterns actually present are returned.
pub fn task_patterns(execs: &[crate::execution::Execution]) -> Vec<types::TaskPattern> {
    use types::{Level, PatternCharacteristics, PatternImpact, PatternType, TaskPattern};
    let Some(task) = execs.first().map(|e| e.task_id.clone()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let pattern =
        |kind: &str, name: String, pattern_type: PatternType, frequency: u64| TaskPattern {
            id: format!("{task}:{kind}"),
            pattern_name: name,
            pattern_type,
            frequency,
            tasks: vec![task.clone()],
            characteristics: PatternCharacteristics::default(),
            impact: PatternImpact::default(),
            recommendations: Vec::new(),
        };
    let starts: Vec<i64> = execs
        .iter()
        .filter(|e| e.attempt == 1)
        .map(|e| e.start_ms)
        .collect();
    if let Some(t) = time_pattern(&starts)
        && (t.periodicity != Periodicity::None || !t.peak_hours.is_empty())
    {
        let name = match (t.period_seconds, t.peak_hours.is_empty()) {
            (Some(p), _) => format!("Runs every {}", human_seconds(p)),
            (None, false) => format!(
                "Busiest at {}",
                t.peak_hours
                    .iter()
                    .map(|h| format!("{h:02}:00"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            (None, true) => "Recurring".to_owned(),
        };
        let mut p = pattern("timing", name, PatternType::Execution, t.events as u64);
        p.characteristics.time_distribution = t.to_wire();
        if !t.peak_hours.is_empty() && t.period_seconds.is_none() {
            p.recommendations.push(
                "Provision workers ahead of the peak hours, or move batch work out of them".into(),
            );
        }
        out.push(p);
    }
    let completed: Vec<f64> = execs
        .iter()
        .filter(|e| e.status == types::ExecutionStatus::Completed)
        .filter_map(|e| e.duration_ms)
        .collect();
    if let Some(b) = bimodal_durations(&completed).filter(|b| b.bimodal) {
        let mut p = pattern(
            "bimodal",
            format!(
                "Two duration modes: ~{} and ~{}",
                human_seconds(b.modes_ms.0 / 1000.0),
                human_seconds(b.modes_ms.1 / 1000.0)
            ),
            PatternType::Performance,
            completed.len() as u64,
        );
        p.characteristics.resource_profile.bimodal_durations = true;
        p.impact.severity = Level::Medium;
        p.recommendations.push(
            "Find what separates the slow mode (input size, host, cache misses) and treat it apart"
                .into(),
        );
        out.push(p);
    }
    let profile: Vec<Vec<f64>> = execs
        .iter()
        .filter_map(|e| {
            let d = e.duration_ms.filter(|d| *d > 0.0)?;
            Some(vec![d.ln(), e.cpu_time_ms? / d, e.memory_peak_mb?])
        })
        .collect();
    if profile.len() >= 20
        && let Ok(best) =
            crate::cluster::best_kmeans(&crate::cluster::standardize(&profile), 6, 0x7a5c)
        && best.clustering.centroids.len() >= 2
    {
        let k = best.clustering.centroids.len();
        // Centroids in original units: mean duration (s), cores, memory (MB) of each cluster.
        let mut sums = vec![[0.0f64; 4]; k];
        for (p, &l) in profile.iter().zip(&best.clustering.labels) {
            sums[l][0] += p[0].exp() / 1000.0;
            sums[l][1] += p[1];
            sums[l][2] += p[2];
            sums[l][3] += 1.0;
        }
        let mut p = pattern(
            "resource-clusters",
            format!("{k} distinct resource profiles"),
            PatternType::Resource,
            profile.len() as u64,
        );
        let rp = &mut p.characteristics.resource_profile;
        rp.cluster_count = k as u32;
        rp.silhouette = best.silhouette;
        rp.centroids = sums
            .iter()
            .filter(|s| s[3] > 0.0)
            .map(|s| vec![s[0] / s[3], s[1] / s[3], s[2] / s[3]])
            .collect();
        p.recommendations
            .push("Size each profile separately instead of for the largest one".into());
        out.push(p);
    }
    let factors = crate::failures::factor_tests(execs, &crate::failures::FailureOptions::default());
    let hot: Vec<&crate::failures::FactorTest> = factors
        .iter()
        .filter(|f| f.significant && (f.factor == "host" || f.factor == "hourOfDay"))
        .collect();
    if !hot.is_empty() {
        let mut p = pattern(
            "failure-concentration",
            format!(
                "Failures concentrate on {}",
                hot.iter()
                    .map(|f| format!("{}={}", f.factor, f.value))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            PatternType::Failure,
            hot.iter().map(|f| f.events).sum(),
        );
        let fs = &mut p.characteristics.failure_signature;
        fs.failing_hosts = hot
            .iter()
            .filter(|f| f.factor == "host")
            .map(|f| f.value.clone())
            .collect();
        fs.peak_failure_hours = hot
            .iter()
            .filter(|f| f.factor == "hourOfDay")
            .filter_map(|f| f.value.parse().ok())
            .collect();
        p.impact.severity = Level::High;
        p.recommendations.push(
            "Drain or rebuild the failing hosts; check jobs that run in the failing hours".into(),
        );
        out.push(p);
    }
    out
}

/// `90 s`, `5 min`, `4 h`, `1 d` (rounded).
pub fn human_seconds(s: f64) -> String {
    match s {
        s if s < 90.0 => format!("{s:.0} s"),
        s if s < 90.0 * 60.0 => format!("{:.0} min", s / 60.0),
        s if s < 36.0 * 3600.0 => format!("{:.0} h", s / 3600.0),
        s => format!("{:.0} d", s / 86_400.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MONDAY_2026_11_23: i64 = 1_795_392_000_000; // 2026-11-23T00:00:00Z
    const DAY_MS: i64 = 24 * HOUR_MS;

    #[test]
    fn an_hourly_cron_with_jitter_is_hourly_with_the_exact_period_and_no_peak_hour() {
        let starts: Vec<i64> = (0..24 * 14)
            .map(|i| MONDAY_2026_11_23 + i * HOUR_MS + 300_000 + (i * 7919 % 30) * 1000)
            .collect();
        let a = time_pattern(&starts).unwrap();
        assert_eq!(a.periodicity, Periodicity::Hourly);
        assert!(
            (a.period_seconds.unwrap() - 3600.0).abs() < 30.0,
            "{:?}",
            a.period_seconds
        );
        assert!(a.confidence > 0.99);
        assert!(
            a.peak_hours.is_empty(),
            "uniform over hours: {:?}",
            a.peak_hours
        );
        assert!(a.burstiness < -0.9 && a.predictability > 0.9);
    }

    #[test]
    fn a_daily_job_at_two_peaks_at_two_oclock() {
        let starts: Vec<i64> = (0..30)
            .map(|d| MONDAY_2026_11_23 + d * DAY_MS + 2 * HOUR_MS)
            .collect();
        let a = time_pattern(&starts).unwrap();
        assert_eq!(a.periodicity, Periodicity::Daily);
        assert_eq!(a.period_seconds, Some(86_400.0));
        assert_eq!(a.peak_hours, [2]);
        assert!(a.hour_p_value < 1e-10);
    }

    #[test]
    fn weekdays_are_counted_from_monday() {
        // Every Wednesday at noon for 12 weeks: weekday 2.
        let starts: Vec<i64> = (0..12)
            .map(|w| MONDAY_2026_11_23 + (7 * w + 2) * DAY_MS + 12 * HOUR_MS)
            .collect();
        let a = time_pattern(&starts).unwrap();
        assert_eq!(a.peak_weekdays, [2]);
        assert_eq!(a.periodicity, Periodicity::Weekly);
    }

    #[test]
    fn too_few_arrivals_give_no_pattern() {
        assert_eq!(time_pattern(&[1, 2, 3]), None);
    }

    #[test]
    fn burstiness_of_a_regular_series_is_minus_one() {
        let starts: Vec<i64> = (0..20).map(|i| i * 1000).collect();
        let a = time_pattern(&starts).unwrap();
        assert_eq!(a.burstiness, -1.0);
        assert_eq!(a.predictability, 1.0);
    }

    #[test]
    fn chi_square_peaks_hand_example() {
        // 24 bins, 100 events in bin 10, 90 in bin 11, 10 elsewhere: expected = 410/24 ≈ 17.08.
        let mut h = vec![10.0; 24];
        h[10] = 100.0;
        h[11] = 90.0;
        let (p, pv) = peaks(&h);
        assert_eq!(p, [10, 11]);
        assert!(pv < 1e-20);
        // Not significantly below the busiest: 70 of 170 (P(X ≤ 70) = 0.013, scipy
        // binom.cdf(70, 170, 0.5)) is a peak; 55 of 155 (0.00019) is not.
        h[11] = 70.0;
        assert_eq!(peaks(&h).0, [10, 11]);
        h[11] = 55.0;
        assert_eq!(peaks(&h).0, [10]);
    }

    #[test]
    fn a_peak_hour_is_weighed_against_the_peaks_before_it_not_the_busiest_alone() {
        // A month of business-hours starts (demo seed 2040, media): three peak hours at twice
        // the rate of the hours around them. 156 of 366 against the busiest alone is
        // P(X ≤ 156) = 0.0028 (scipy binom.cdf(156, 366, 0.5)); against both busier peaks,
        // 156 of 543 at 1/3 is 0.012: a peak. The next hour, 109 of 652 at 1/4, is 2.3e-7.
        let mut h = vec![0.0; 24];
        for (hour, c) in [87.0, 210.0, 156.0, 109.0, 62.0, 100.0, 177.0, 106.0, 89.0]
            .into_iter()
            .enumerate()
        {
            h[9 + hour] = c;
        }
        assert_eq!(peaks(&h).0, [10, 15, 11]);
    }

    #[test]
    fn autocorrelation_of_a_period_24_signal_peaks_at_lag_24() {
        let x: Vec<f64> = (0..24 * 20)
            .map(|i| if i % 24 < 8 { 5.0 } else { 0.0 })
            .collect();
        assert!(autocorrelation(&x, 24) > 0.9);
        assert!(autocorrelation(&x, 12) < 0.0);
    }

    #[test]
    fn two_well_separated_duration_modes_are_bimodal() {
        let mut d: Vec<f64> = (0..200)
            .map(|i| 1000.0 * (1.0 + 0.1 * ((i % 7) as f64 - 3.0) / 3.0))
            .collect();
        d.extend((0..200).map(|i| 60_000.0 * (1.0 + 0.1 * ((i % 5) as f64 - 2.0) / 2.0)));
        let b = bimodal_durations(&d).unwrap();
        assert!(b.bimodal, "{b:?}");
        assert!((b.modes_ms.0 - 1000.0).abs() < 50.0 && (b.modes_ms.1 - 60_000.0).abs() < 3000.0);
        let single: Vec<f64> = (0..300).map(|i| 1000.0 + (i % 17) as f64 * 10.0).collect();
        assert!(!bimodal_durations(&single).unwrap().bimodal);
    }
}
