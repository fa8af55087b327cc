//! Significance of a factor's excess failures: Fisher's exact test and the Benjamini-Hochberg
//! false-discovery-rate correction.
//!
//! * **Fisher's exact test, one-sided** (Fisher 1922, "On the interpretation of χ² from
//!   contingency tables", *J. R. Stat. Soc.* 85; Agresti 2002, *Categorical Data Analysis*,
//!   2nd ed., §3.5). For the 2×2 table `[[a, b], [c, d]]` (a = failures with the factor value,
//!   b = successes with it, c and d the same without it) and fixed margins, the number of
//!   failures `X` among the `a + b` attempts with the value is hypergeometric: population
//!   `N = a + b + c + d`, `K = a + c` failures, `n = a + b` draws. The p-value of
//!   "failures are more likely with the value" is the upper tail `P(X ≥ a)`, which is what
//!   `scipy.stats.fisher_exact(table, alternative="greater")` returns.
//!
//!   The tail is summed term by term. The term at the tail's inner end comes from
//!   log-factorials (`ln C(K, x) + ln C(N − K, n − x) − ln C(N, n)`); the others follow by the
//!   ratio `p(x+1)/p(x) = (K − x)(n − x) / ((x + 1)(N − K − n + x + 1))`, walking away from the
//!   mode so that the terms only shrink. When `a` is at or below the mode the upper tail is
//!   large and is computed as `1 − P(X ≤ a − 1)` instead, so both small and large p-values keep
//!   full relative precision where it matters. Reference values: `tests/oracle/fisher_fixtures.py`
//!   (SciPy, which evaluates Boost's hypergeometric survival function).
//! * **Benjamini-Hochberg** (Benjamini & Hochberg 1995, "Controlling the false discovery rate",
//!   *J. R. Stat. Soc. B* 57). With the `m` p-values sorted ascending, the adjusted value of the
//!   `i`-th is `min_{j ≥ i} min(1, m·p_(j)/j)`; rejecting every hypothesis whose adjusted value
//!   is at most `q` controls the expected share of false discoveries at `q` (for independent or
//!   positively dependent tests). Same as `scipy.stats.false_discovery_control(method="bh")`
//!   and statsmodels `multipletests(method="fdr_bh")`.

use statrs::function::factorial::ln_binomial;

/// One-sided (greater) Fisher exact p-value of the table `[[a, b], [c, d]]`: the probability,
/// with all margins fixed, of at least `a` failures among the `a + b` attempts with the factor.
/// Always in `[0, 1]`; an empty row or column gives 1.
pub fn fisher_exact_greater(a: u64, b: u64, c: u64, d: u64) -> f64 {
    let n_total = a + b + c + d;
    let k = a + c; // failures
    let n = a + b; // draws (attempts with the value)
    let lo = (n + k).saturating_sub(n_total); // smallest possible X
    let hi = n.min(k); // largest possible X
    if a <= lo {
        return 1.0;
    }
    // Mode of the hypergeometric: floor((n + 1)(K + 1)/(N + 2)).
    let mode = ((n as u128 + 1) * (k as u128 + 1) / (n_total as u128 + 2)) as u64;
    if a > mode {
        upper_tail(a, hi, n_total, k, n).clamp(0.0, 1.0)
    } else {
        (1.0 - lower_tail(a - 1, lo, n_total, k, n)).clamp(0.0, 1.0)
    }
}

/// `ln P(X = x)` for X ~ Hypergeometric(N, K, n).
fn ln_pmf(x: u64, n_total: u64, k: u64, n: u64) -> f64 {
    ln_binomial(k, x) + ln_binomial(n_total - k, n - x) - ln_binomial(n_total, n)
}

/// `P(X ≥ from)` for `from` above the mode (terms decrease as x grows).
fn upper_tail(from: u64, hi: u64, n_total: u64, k: u64, n: u64) -> f64 {
    let first = ln_pmf(from, n_total, k, n).exp();
    let mut term = 1.0;
    let mut sum = 1.0;
    let mut x = from;
    while x < hi {
        let ratio = ((k - x) as f64 * (n - x) as f64)
            / ((x + 1) as f64 * ((n_total - k) - (n - x) + 1) as f64);
        term *= ratio;
        sum += term;
        if term < sum * f64::EPSILON * 1e-3 {
            break;
        }
        x += 1;
    }
    first * sum
}

/// `P(X ≤ to)` for `to` below the mode (terms decrease as x falls).
fn lower_tail(to: u64, lo: u64, n_total: u64, k: u64, n: u64) -> f64 {
    let first = ln_pmf(to, n_total, k, n).exp();
    let mut term = 1.0;
    let mut sum = 1.0;
    let mut x = to;
    while x > lo {
        // p(x−1)/p(x) = x(N − K − n + x) / ((K − x + 1)(n − x + 1)); N − K ≥ n − x on the support.
        let ratio = (x as f64 * ((n_total - k) - (n - x)) as f64)
            / ((k - x + 1) as f64 * (n - x + 1) as f64);
        term *= ratio;
        sum += term;
        if term < sum * f64::EPSILON * 1e-3 {
            break;
        }
        x -= 1;
    }
    first * sum
}

/// Benjamini-Hochberg adjusted p-values, in input order (see the module documentation).
/// Non-finite inputs are treated as 1.
pub fn benjamini_hochberg(p_values: &[f64]) -> Vec<f64> {
    let m = p_values.len();
    let clean: Vec<f64> = p_values
        .iter()
        .map(|&p| {
            if p.is_finite() {
                p.clamp(0.0, 1.0)
            } else {
                1.0
            }
        })
        .collect();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&i, &j| clean[i].total_cmp(&clean[j]).then(i.cmp(&j)));
    let mut adjusted = vec![1.0; m];
    let mut running = 1.0_f64;
    for rank in (0..m).rev() {
        let i = order[rank];
        running = running.min(clean[i] * m as f64 / (rank + 1) as f64);
        // Never below the raw value (rounding of m·p/m could otherwise cost an ulp).
        adjusted[i] = running.min(1.0).max(clean[i]);
    }
    adjusted
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tolerances::{P_VALUE_ABS, P_VALUE_REL, REL};
    use approx::assert_relative_eq;
    use proptest::prelude::*;

    #[test]
    fn a_perfectly_separated_table_has_the_hand_computed_p_value() {
        // [[5, 0], [0, 5]]: only the observed table is as extreme, P = 1/C(10, 5) = 1/252.
        assert_relative_eq!(
            fisher_exact_greater(5, 0, 0, 5),
            1.0 / 252.0,
            max_relative = REL
        );
        // [[3, 1], [1, 3]]: P(X ≥ 3) = (C(4,3)C(4,1) + C(4,4)C(4,0)) / C(8,4) = 17/70.
        assert_relative_eq!(
            fisher_exact_greater(3, 1, 1, 3),
            17.0 / 70.0,
            max_relative = REL
        );
    }

    #[test]
    fn no_failures_with_the_value_or_an_empty_margin_gives_one() {
        assert_eq!(fisher_exact_greater(0, 5, 5, 0), 1.0);
        assert_eq!(fisher_exact_greater(0, 0, 3, 7), 1.0);
        assert_eq!(fisher_exact_greater(0, 0, 0, 0), 1.0);
        assert_eq!(fisher_exact_greater(4, 0, 0, 0), 1.0);
    }

    #[test]
    fn benjamini_hochberg_matches_a_hand_worked_example() {
        // p = [0.01, 0.04, 0.03, 0.005], m = 4. Sorted: 0.005 (1), 0.01 (2), 0.03 (3), 0.04 (4).
        // m·p/rank: 0.02, 0.02, 0.04, 0.04; running minimum from the top: 0.02, 0.02, 0.04, 0.04.
        // At q = 0.05 all four are discoveries; at q = 0.03 only 0.005 and 0.01.
        let adj = benjamini_hochberg(&[0.01, 0.04, 0.03, 0.005]);
        let want = [0.02, 0.04, 0.04, 0.02];
        for (g, w) in adj.iter().zip(want) {
            assert_relative_eq!(*g, w, max_relative = REL);
        }
        // A large p-value after small ones is capped at 1 and cannot lower the others.
        let adj = benjamini_hochberg(&[0.9, 0.001, 0.02]);
        // Sorted 0.001, 0.02, 0.9 → 0.003, 0.03, 0.9.
        let want = [0.9, 0.003, 0.03];
        for (g, w) in adj.iter().zip(want) {
            assert_relative_eq!(*g, w, max_relative = REL);
        }
        assert!(benjamini_hochberg(&[]).is_empty());
    }

    #[test]
    fn both_tail_directions_agree_with_brute_force_summation() {
        // Direct summation of the pmf over the whole support, for small tables.
        let brute = |a: u64, b: u64, c: u64, d: u64| {
            let (nt, k, n) = (a + b + c + d, a + c, a + b);
            let lo = (n + k).saturating_sub(nt);
            (a.max(lo)..=n.min(k))
                .map(|x| ln_pmf(x, nt, k, n).exp())
                .sum::<f64>()
                .min(1.0)
        };
        for a in 0..6 {
            for b in 0..6 {
                for c in 0..6 {
                    for d in 0..6 {
                        let got = fisher_exact_greater(a, b, c, d);
                        let want = brute(a, b, c, d);
                        assert!(
                            (got - want).abs() <= P_VALUE_ABS.max(P_VALUE_REL * want),
                            "{a} {b} {c} {d}: {got} vs {want}"
                        );
                    }
                }
            }
        }
    }

    proptest! {
        #[test]
        fn p_values_are_probabilities_and_a_more_extreme_table_never_raises_them(
            a in 0u64..60, b in 0u64..60, c in 0u64..300, d in 0u64..300,
        ) {
            let p = fisher_exact_greater(a, b, c, d);
            prop_assert!((0.0..=1.0).contains(&p));
            // With the margins fixed, one more failure with the value is more extreme.
            if b > 0 && c > 0 {
                let q = fisher_exact_greater(a + 1, b - 1, c - 1, d + 1);
                prop_assert!(q <= p * (1.0 + 1e-9) + 1e-300);
            }
        }

        #[test]
        fn adjusted_p_values_are_probabilities_no_smaller_than_the_raw_ones(
            ps in prop::collection::vec(0.0f64..=1.0, 0..40),
        ) {
            let adj = benjamini_hochberg(&ps);
            for (p, q) in ps.iter().zip(&adj) {
                prop_assert!(*q >= *p && *q <= 1.0);
            }
        }
    }
}
