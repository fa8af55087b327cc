//! The Mann-Whitney U test against SciPy reference values
//! (`tests/oracle/mann_whitney_fixtures.py` writes `tests/fixtures/mann_whitney.json`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use analytics::compare::mann_whitney_u;
use common::tolerances::{P_VALUE_ABS, P_VALUE_REL, REL};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Case {
    x: Vec<f64>,
    y: Vec<f64>,
    u: f64,
    p_value: f64,
}

#[derive(Deserialize)]
struct Fixture {
    source: String,
    cases: Vec<Case>,
}

#[test]
fn u_and_two_sided_p_values_match_scipy_mannwhitneyu_asymptotic() {
    let f: Fixture = serde_json::from_str(include_str!("fixtures/mann_whitney.json")).unwrap();
    assert!(f.source.starts_with("scipy"));
    assert!(f.cases.len() >= 12);
    for (i, c) in f.cases.iter().enumerate() {
        let got = mann_whitney_u(&c.x, &c.y).unwrap();
        assert!(
            (got.u - c.u).abs() <= REL * c.u.abs().max(1.0),
            "case {i}: U {} vs {}",
            got.u,
            c.u
        );
        assert!(
            (got.p_value - c.p_value).abs() <= P_VALUE_ABS.max(P_VALUE_REL * c.p_value),
            "case {i}: p {:e} vs scipy {:e}",
            got.p_value,
            c.p_value
        );
    }
}
