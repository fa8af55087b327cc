//! When workflow runs start. Two kinds of trigger, as in the issue:
//!
//! - **periodic**, cron-like: a fixed period anchored at UTC midnight plus a fixed offset
//!   ("hourly at minute 5"), each run delayed by a small scheduler jitter drawn from an
//!   exponential with mean 3 s, capped at min(30 s, period/4) so runs never reorder;
//! - **business hours**, event-driven: an inhomogeneous Poisson process that is zero outside
//!   Monday–Friday 09:00–18:00 UTC and whose hourly intensity follows [`HOUR_WEIGHTS`] (a
//!   morning peak at 10–11 h, a lunch dip at 13 h, an afternoon peak at 15 h), the shape of
//!   human-triggered traffic such as CI pushes or uploads. Arrivals are drawn exactly by the
//!   time-change method: each gap consumes a unit-exponential budget of integrated intensity.
//!
//! Both kinds give their expected number of runs in closed form (periodic: counted; business
//! hours: integrated intensity), which is what [`crate::Generator::estimated_executions`] uses.

use serde::{Deserialize, Serialize};

use crate::rng::{self, Rng};

pub(crate) const HOUR_MS: i64 = 3_600_000;
pub(crate) const DAY_MS: i64 = 24 * HOUR_MS;

/// First business hour (UTC) and the hour business ends.
pub const BUSINESS_START_HOUR: u32 = 9;
pub const BUSINESS_END_HOUR: u32 = 18;
/// Relative arrival intensity of each business hour, 09 h … 17 h (mean 56/45). The peaks are
/// twice the shoulder hours around them: at 1.6 against 1.0, a CI workflow's month (~130
/// against ~80 runs per hour of day) let a shoulder hour's count come within Poisson noise
/// of the peaks' in about one month in five, so that no test on the counts could tell the
/// planted peak hours from it; at 2.0 against 1.0 (~140 against ~70) the gap is about five
/// standard deviations.
pub const HOUR_WEIGHTS: [f64; 9] = [0.8, 2.0, 2.0, 1.0, 0.6, 1.0, 2.0, 1.0, 0.8];

/// The time span of the history, in Unix milliseconds: `[start_ms, end_ms)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Window {
    pub start_ms: i64,
    pub end_ms: i64,
}

impl Window {
    pub fn len_ms(self) -> i64 {
        self.end_ms - self.start_ms
    }

    /// Position of `t` in the window, 0 at the start and 1 at the end.
    pub fn fraction(self, t_ms: i64) -> f64 {
        ((t_ms - self.start_ms) as f64 / self.len_ms() as f64).clamp(0.0, 1.0)
    }

    /// Days elapsed since the window start.
    pub fn days_since_start(self, t_ms: i64) -> f64 {
        (t_ms - self.start_ms) as f64 / DAY_MS as f64
    }
}

/// How a workflow is triggered (also its ground truth).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Schedule {
    /// Every `periodSeconds`, at `offsetSeconds` past each period boundary counted from UTC
    /// midnight, plus up to `maxJitterSeconds` of scheduler delay.
    #[serde(rename_all = "camelCase")]
    Periodic {
        period_seconds: i64,
        offset_seconds: i64,
        max_jitter_seconds: f64,
    },
    /// Poisson arrivals Monday–Friday from `startHourUtc` to `endHourUtc`, averaging
    /// `meanRunsPerHour` over those hours, busiest in `peakHoursUtc`.
    #[serde(rename_all = "camelCase")]
    BusinessHours {
        mean_runs_per_hour: f64,
        start_hour_utc: u32,
        end_hour_utc: u32,
        weekdays: String,
        peak_hours_utc: Vec<u32>,
    },
}

impl Schedule {
    pub(crate) fn periodic(period_seconds: i64, offset_seconds: i64) -> Self {
        let period_seconds = period_seconds.max(1);
        Schedule::Periodic {
            period_seconds,
            offset_seconds: offset_seconds.rem_euclid(period_seconds),
            max_jitter_seconds: (period_seconds as f64 / 4.0).min(30.0),
        }
    }

    pub(crate) fn business_hours(mean_runs_per_hour: f64) -> Self {
        let max = HOUR_WEIGHTS.iter().copied().fold(0.0, f64::max);
        Schedule::BusinessHours {
            mean_runs_per_hour,
            start_hour_utc: BUSINESS_START_HOUR,
            end_hour_utc: BUSINESS_END_HOUR,
            weekdays: "Mon-Fri".to_owned(),
            peak_hours_utc: HOUR_WEIGHTS
                .iter()
                .zip(BUSINESS_START_HOUR..)
                .filter(|(w, _)| **w == max)
                .map(|(_, h)| h)
                .collect(),
        }
    }

    /// Hours of the day (UTC) in which runs start more often than in others: the business-hours
    /// peaks, or for a periodic schedule whose period divides a day and exceeds an hour, the
    /// hours it fires in (hourly and faster schedules are flat).
    pub fn peak_hours_utc(&self) -> Vec<u32> {
        match self {
            Schedule::BusinessHours { peak_hours_utc, .. } => peak_hours_utc.clone(),
            Schedule::Periodic {
                period_seconds,
                offset_seconds,
                ..
            } => {
                if *period_seconds <= 3600 || 86_400 % period_seconds != 0 {
                    return Vec::new();
                }
                let mut hours: Vec<u32> = (0..86_400 / period_seconds)
                    .map(|k| ((offset_seconds + k * period_seconds) / 3600) as u32)
                    .collect();
                hours.sort_unstable();
                hours.dedup();
                hours
            }
        }
    }

    /// Expected number of runs starting in the window (exact count for periodic schedules,
    /// integrated intensity for Poisson ones).
    pub(crate) fn expected_runs(&self, w: Window) -> f64 {
        match self {
            Schedule::Periodic {
                period_seconds,
                offset_seconds,
                ..
            } => {
                let (period, offset) = (period_seconds * 1000, offset_seconds * 1000);
                let anchor = w.start_ms.div_euclid(DAY_MS) * DAY_MS + offset;
                let first = ceil_div(w.start_ms - anchor, period).max(0);
                let last_excl = ceil_div(w.end_ms - anchor, period).max(0);
                (last_excl - first).max(0) as f64
            }
            Schedule::BusinessHours {
                mean_runs_per_hour, ..
            } => {
                let mut total = 0.0;
                let mut t = w.start_ms;
                while t < w.end_ms {
                    let seg_end = ((t.div_euclid(HOUR_MS) + 1) * HOUR_MS).min(w.end_ms);
                    total +=
                        hourly_rate(*mean_runs_per_hour, t) * (seg_end - t) as f64 / HOUR_MS as f64;
                    t = seg_end;
                }
                total
            }
        }
    }
}

fn ceil_div(a: i64, b: i64) -> i64 {
    -((-a).div_euclid(b))
}

/// Runs per hour at time `t_ms` for a business-hours schedule averaging `mean` per business hour.
fn hourly_rate(mean: f64, t_ms: i64) -> f64 {
    let day = t_ms.div_euclid(DAY_MS);
    // 1970-01-01 was a Thursday: (day + 3) % 7 is 0 on Mondays.
    let weekday = (day + 3).rem_euclid(7);
    let hour = (t_ms.rem_euclid(DAY_MS) / HOUR_MS) as u32;
    if weekday >= 5 || !(BUSINESS_START_HOUR..BUSINESS_END_HOUR).contains(&hour) {
        return 0.0;
    }
    let mean_weight = HOUR_WEIGHTS.iter().sum::<f64>() / HOUR_WEIGHTS.len() as f64;
    mean * HOUR_WEIGHTS[(hour - BUSINESS_START_HOUR) as usize] / mean_weight
}

/// One workflow run to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Arrival {
    pub start_ms: i64,
    /// 0-based index of the run within its workflow.
    pub run_idx: u64,
    /// Source-revision counter: a new revision arrives with probability 0.6 per run, so 40 % of
    /// runs re-process the previous run's input (what a build cache would catch).
    pub revision: u64,
}

/// The lazily advanced arrival process of one workflow.
pub(crate) struct ScheduleState {
    schedule: Schedule,
    window: Window,
    rng: Rng,
    run_idx: u64,
    revision: u64,
    /// Periodic: index of the next period boundary since the anchor.
    next_k: i64,
    anchor_ms: i64,
    /// Poisson: current time in seconds since the epoch.
    t_s: f64,
}

impl ScheduleState {
    pub fn new(schedule: Schedule, window: Window, rng: Rng) -> Self {
        let (anchor_ms, next_k) = match &schedule {
            Schedule::Periodic {
                period_seconds,
                offset_seconds,
                ..
            } => {
                let anchor = window.start_ms.div_euclid(DAY_MS) * DAY_MS + offset_seconds * 1000;
                (
                    anchor,
                    ceil_div(window.start_ms - anchor, period_seconds * 1000).max(0),
                )
            }
            Schedule::BusinessHours { .. } => (0, 0),
        };
        ScheduleState {
            schedule,
            window,
            rng,
            run_idx: 0,
            revision: 0,
            next_k,
            anchor_ms,
            t_s: window.start_ms as f64 / 1000.0,
        }
    }

    /// The next run, or `None` once runs would start at or after the window end.
    pub fn next_arrival(&mut self) -> Option<Arrival> {
        let start_ms = match &self.schedule {
            Schedule::Periodic {
                period_seconds,
                max_jitter_seconds,
                ..
            } => {
                let nominal = self.anchor_ms + self.next_k * period_seconds * 1000;
                self.next_k += 1;
                let jitter_s = (3.0 * rng::exp1(&mut self.rng)).min(*max_jitter_seconds);
                nominal + (jitter_s * 1000.0) as i64
            }
            Schedule::BusinessHours {
                mean_runs_per_hour, ..
            } => {
                let mean = *mean_runs_per_hour;
                let end_s = self.window.end_ms as f64 / 1000.0;
                let mut budget = rng::exp1(&mut self.rng);
                loop {
                    if self.t_s >= end_s {
                        return None;
                    }
                    let t_ms = (self.t_s * 1000.0) as i64;
                    let seg_end_s =
                        (((t_ms.div_euclid(HOUR_MS) + 1) * HOUR_MS) as f64 / 1000.0).min(end_s);
                    let rate_per_s = hourly_rate(mean, t_ms) / 3600.0;
                    if rate_per_s > 0.0 {
                        let available = rate_per_s * (seg_end_s - self.t_s);
                        if budget <= available {
                            self.t_s += budget / rate_per_s;
                            break;
                        }
                        budget -= available;
                    }
                    // Move to the next hour boundary (never stays put: seg_end > t).
                    self.t_s = seg_end_s.max(self.t_s + 1e-3);
                }
                (self.t_s * 1000.0) as i64
            }
        };
        if start_ms >= self.window.end_ms {
            return None;
        }
        if rng::chance(&mut self.rng, 0.6) {
            self.revision += 1;
        }
        let a = Arrival {
            start_ms,
            run_idx: self.run_idx,
            revision: self.revision,
        };
        self.run_idx += 1;
        Some(a)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(days: i64) -> Window {
        // 2026-03-02 00:00 UTC is a Monday.
        let start = 1_772_409_600_000;
        Window {
            start_ms: start,
            end_ms: start + days * DAY_MS,
        }
    }

    fn all(s: Schedule, w: Window) -> Vec<Arrival> {
        let mut st = ScheduleState::new(s, w, rng::rng_for(&[9]));
        std::iter::from_fn(|| st.next_arrival()).collect()
    }

    #[test]
    fn an_hourly_schedule_fires_once_an_hour_at_its_minute() {
        let w = window(2);
        let runs = all(Schedule::periodic(3600, 300), w);
        assert_eq!(runs.len(), 48);
        assert_eq!(Schedule::periodic(3600, 300).expected_runs(w), 48.0);
        for (i, r) in runs.iter().enumerate() {
            let nominal = w.start_ms + i as i64 * HOUR_MS + 300_000;
            assert!(r.start_ms >= nominal && r.start_ms <= nominal + 30_000);
            assert_eq!(r.run_idx, i as u64);
        }
    }

    #[test]
    fn business_hour_arrivals_fall_on_weekdays_between_nine_and_six() {
        let w = window(14);
        let s = Schedule::business_hours(6.0);
        let runs = all(s.clone(), w);
        assert!(runs.windows(2).all(|p| p[0].start_ms <= p[1].start_ms));
        for r in &runs {
            assert!(hourly_rate(1.0, r.start_ms) > 0.0, "{r:?}");
        }
        let expected = s.expected_runs(w);
        assert!((expected - 10.0 * 9.0 * 6.0).abs() < 1e-6);
        let n = runs.len() as f64;
        assert!(
            (n - expected).abs() < 4.0 * expected.sqrt(),
            "{n} vs {expected}"
        );
        assert_eq!(s.peak_hours_utc(), vec![10, 11, 15]);
    }

    #[test]
    fn a_six_hourly_schedule_reports_the_hours_it_fires_in() {
        assert_eq!(
            Schedule::periodic(21_600, 9000).peak_hours_utc(),
            vec![2, 8, 14, 20]
        );
        assert!(Schedule::periodic(3600, 300).peak_hours_utc().is_empty());
    }
}
