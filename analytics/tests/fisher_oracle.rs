//! Fisher's exact test and the Benjamini-Hochberg correction against SciPy reference values
//! (`tests/oracle/fisher_fixtures.py` writes `tests/fixtures/fisher.json`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use analytics::failures::significance::{benjamini_hochberg, fisher_exact_greater};
use common::tolerances::{P_VALUE_ABS, P_VALUE_REL};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FisherCase {
    table: [u64; 4],
    p_greater: f64,
}

#[derive(Deserialize)]
struct BhCase {
    p: Vec<f64>,
    adjusted: Vec<f64>,
}

#[derive(Deserialize)]
struct Fixture {
    source: String,
    fisher: Vec<FisherCase>,
    bh: Vec<BhCase>,
}

fn fixture() -> Fixture {
    serde_json::from_str(include_str!("fixtures/fisher.json")).unwrap()
}

fn close(got: f64, want: f64) -> bool {
    (got - want).abs() <= P_VALUE_ABS.max(P_VALUE_REL * want.abs())
}

#[test]
fn one_sided_fisher_p_values_match_scipy_fisher_exact_greater() {
    let f = fixture();
    assert!(f.source.starts_with("scipy"));
    assert!(f.fisher.len() >= 20);
    for case in &f.fisher {
        let [a, b, c, d] = case.table;
        let got = fisher_exact_greater(a, b, c, d);
        assert!(
            close(got, case.p_greater),
            "table {:?}: got {got:e}, scipy {:e}",
            case.table,
            case.p_greater
        );
    }
}

#[test]
fn benjamini_hochberg_matches_scipy_false_discovery_control() {
    for case in fixture().bh {
        let got = benjamini_hochberg(&case.p);
        assert_eq!(got.len(), case.adjusted.len());
        for (g, w) in got.iter().zip(&case.adjusted) {
            assert!(
                close(*g, *w),
                "p {:?}: got {got:?}, scipy {:?}",
                case.p,
                case.adjusted
            );
        }
    }
}
