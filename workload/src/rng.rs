//! Seeding and sampling. Every random choice comes from a ChaCha8 stream whose seed is derived
//! from the user's seed and *what* is being drawn (a workflow's spec, its arrivals, one run), so
//! a run's content does not depend on which other runs were generated before it. That is what
//! lets [`crate::Generator::ground_truth`] re-simulate the history without materialising records
//! and still count exactly what [`crate::Generator::batches`] yields.
//!
//! Distributions used (all documented where they are applied):
//! - standard normal `z` (rand_distr's ziggurat, libm maths, portable): log-normal values are
//!   `median · exp(σ·z)`, so the configured median is the distribution's median;
//! - unit exponential (queue waits, Poisson inter-arrival "budgets");
//! - uniform.

use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use rand_distr::{Exp1, StandardNormal};

/// Domain tags so that two derived seeds never collide by construction.
pub(crate) const TAG_SPEC: u64 = 0x5350_4543; // "SPEC"
pub(crate) const TAG_SCHEDULE: u64 = 0x5343_4844; // "SCHD"
pub(crate) const TAG_RUN: u64 = 0x5255_4e00; // "RUN"
pub(crate) const TAG_HASH: u64 = 0x4841_5348; // "HASH"
/// Cache hits of a counterfactual history ([`crate::Counterfactual::Cache`]).
pub(crate) const TAG_CACHE: u64 = 0x4341_4348; // "CACH"

/// SplitMix64 finaliser (Steele et al., "Fast splittable pseudorandom number generators", 2014).
fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// Folds several words into one well-mixed 64-bit value.
pub(crate) fn mix(parts: &[u64]) -> u64 {
    parts
        .iter()
        .fold(0x243F_6A88_85A3_08D3, |acc, p| splitmix(acc ^ splitmix(*p)))
}

/// A ChaCha8 stream for the given derivation path.
pub(crate) fn rng_for(parts: &[u64]) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(mix(parts))
}

pub(crate) type Rng = ChaCha8Rng;

/// Standard normal deviate.
pub(crate) fn normal(rng: &mut Rng) -> f64 {
    rng.sample(StandardNormal)
}

/// Log-normal with the given median and log-scale σ: `median · exp(σ·z)`.
pub(crate) fn lognormal(rng: &mut Rng, median: f64, sigma: f64) -> f64 {
    median * (sigma * normal(rng)).exp()
}

/// Unit-mean exponential deviate.
pub(crate) fn exp1(rng: &mut Rng) -> f64 {
    rng.sample(Exp1)
}

/// Uniform on `[lo, hi)`.
pub(crate) fn uniform(rng: &mut Rng, lo: f64, hi: f64) -> f64 {
    lo + (hi - lo) * rng.random::<f64>()
}

/// Bernoulli trial.
pub(crate) fn chance(rng: &mut Rng, p: f64) -> bool {
    rng.random::<f64>() < p
}

/// Uniform integer in `lo..=hi`.
pub(crate) fn int(rng: &mut Rng, lo: u64, hi: u64) -> u64 {
    rng.random_range(lo..=hi)
}

/// Raw 64 random bits.
pub(crate) fn bits(rng: &mut Rng) -> u64 {
    rng.random::<u64>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_path_gives_the_same_stream_and_others_differ() {
        let a: Vec<u64> = (0..4).map(|_| bits(&mut rng_for(&[1, 2]))).collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        assert_ne!(mix(&[1, 2]), mix(&[2, 1]));
        assert_ne!(mix(&[1, 2]), mix(&[1, 2, 0]));
    }

    #[test]
    fn the_lognormal_median_is_the_configured_median() {
        let mut rng = rng_for(&[42]);
        let mut v: Vec<f64> = (0..20_001)
            .map(|_| lognormal(&mut rng, 10.0, 0.5))
            .collect();
        v.sort_by(f64::total_cmp);
        let median = v[10_000];
        assert!((median - 10.0).abs() < 0.2, "{median}");
    }
}
