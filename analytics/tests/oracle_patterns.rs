//! k-means, silhouette, moments and χ² against scikit-learn/scipy reference values
//! (`analytics/tests/fixtures/patterns.json`, written by `tests/oracle/patterns_fixtures.py`;
//! library versions are recorded in the file).
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

mod common;

use analytics::{cluster, patterns};
use approx::assert_relative_eq;
use common::tolerances::MOMENTS_REL;

use serde::Deserialize;

#[derive(Deserialize)]
struct Fixtures {
    kmeans: Vec<KmeansCase>,
    moments: Vec<MomentsCase>,
    chisquare: Vec<ChiCase>,
}

#[derive(Deserialize)]
struct KmeansCase {
    name: String,
    points: Vec<Vec<f64>>,
    init: Vec<Vec<f64>>,
    labels: Vec<usize>,
    centroids: Vec<Vec<f64>>,
    inertia: f64,
    silhouette: f64,
}

#[derive(Deserialize)]
struct MomentsCase {
    name: String,
    x: Vec<f64>,
    skew: f64,
    kurtosis: f64,
}

#[derive(Deserialize)]
struct ChiCase {
    counts: Vec<f64>,
    p_value: f64,
}

fn fixtures() -> Fixtures {
    let text = include_str!("fixtures/patterns.json");
    serde_json::from_str(text).unwrap()
}

#[test]
fn lloyd_from_given_centroids_matches_scikit_learn_labels_centroids_and_inertia() {
    for case in fixtures().kmeans {
        let c = cluster::kmeans_from(&case.points, &case.init).unwrap();
        assert_eq!(c.labels, case.labels, "{}", case.name);
        for (got, want) in c.centroids.iter().zip(&case.centroids) {
            for (g, w) in got.iter().zip(want) {
                assert_relative_eq!(*g, *w, max_relative = MOMENTS_REL);
            }
        }
        assert_relative_eq!(c.inertia, case.inertia, max_relative = MOMENTS_REL);
    }
}

#[test]
fn silhouette_matches_scikit_learn() {
    for case in fixtures().kmeans {
        let s = cluster::silhouette(&case.points, &case.labels);
        assert_relative_eq!(s, case.silhouette, max_relative = MOMENTS_REL);
    }
}

#[test]
fn best_kmeans_finds_the_three_blobs() {
    let case = &fixtures().kmeans[0];
    let best = cluster::best_kmeans(&cluster::standardize(&case.points), 6, 7).unwrap();
    assert_eq!(best.clustering.centroids.len(), 3);
    assert!(best.silhouette > 0.7, "{}", best.silhouette);
}

#[test]
fn bias_corrected_skewness_and_kurtosis_match_scipy() {
    for case in fixtures().moments {
        let (g, k) = patterns::skew_kurtosis(&case.x).unwrap();
        assert_relative_eq!(g, case.skew, max_relative = MOMENTS_REL);
        assert_relative_eq!(k, case.kurtosis, max_relative = MOMENTS_REL);
        assert!(!case.name.is_empty());
    }
}

#[test]
fn chi_square_uniformity_p_values_match_scipy() {
    for case in fixtures().chisquare {
        let (_, p) = patterns::peaks(&case.counts);
        assert!(
            (p - case.p_value).abs() <= 1e-9 * case.p_value.max(1e-300)
                || (p - case.p_value).abs() < 1e-15,
            "{p} vs {}",
            case.p_value
        );
    }
}
