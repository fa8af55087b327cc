#!/usr/bin/env python3
"""Reference values for `analytics::compare::mann_whitney_u`, computed with SciPy.

Writes analytics/tests/fixtures/mann_whitney.json. Run from anywhere:

    pip install scipy
    python3 analytics/tests/oracle/mann_whitney_fixtures.py

Each case is `scipy.stats.mannwhitneyu(x, y, alternative="two-sided", method="asymptotic",
use_continuity=True)`: `statistic` is U of the first sample, `pvalue` the two-sided p-value of
the normal approximation with the tie correction of the variance and the continuity
correction. Samples are drawn with a fixed numpy seed, some rounded to force ties.
"""

import json
import pathlib

import numpy as np
import scipy
from scipy.stats import mannwhitneyu


def cases():
    rng = np.random.default_rng(20261204)
    out = [
        # Small hand-checkable samples.
        ([1.0, 2.0, 3.0], [4.0, 5.0, 6.0]),
        ([1.0, 2.0, 2.0, 3.0], [2.0, 3.0, 3.0, 4.0, 5.0]),
        ([5.0, 5.0, 5.0], [5.0, 5.0]),
        ([10.0], [1.0, 2.0, 3.0, 4.0]),
        ([3.0, 1.0, 4.0, 1.0, 5.0], [9.0, 2.0, 6.0, 5.0, 3.0, 5.0]),
    ]
    # Log-normal durations (ms) as the demo's tasks have them: a 30 % slower task, a twin,
    # a 3 % slower one, and integer-second rounding (ties).
    a = np.exp(rng.normal(np.log(240_000), 0.3, 300))
    b = np.exp(rng.normal(np.log(312_000), 0.3, 280))
    c = np.exp(rng.normal(np.log(240_000), 0.3, 310))
    d = np.exp(rng.normal(np.log(247_000), 0.3, 500))
    out += [
        (list(b), list(a)),
        (list(c), list(a)),
        (list(d), list(a)),
        (list(np.round(b / 1000)), list(np.round(a / 1000))),
        (list(np.round(a[:40] / 10000)), list(np.round(d[:60] / 10000))),
        # CPU efficiencies: 0.8 of 4 cores against 0.2 of 8.
        (list(np.clip(rng.normal(0.2, 0.05, 120), 0, 1)), list(np.clip(rng.normal(0.8, 0.05, 150), 0, 1))),
        # Costs with many zeros (skipped executions) on both sides.
        (list(np.where(rng.random(200) < 0.3, 0.0, rng.gamma(2.0, 0.01, 200))),
         list(np.where(rng.random(180) < 0.3, 0.0, rng.gamma(2.0, 0.012, 180)))),
    ]
    return out


def main() -> None:
    fixtures = []
    for x, y in cases():
        r = mannwhitneyu(x, y, alternative="two-sided", method="asymptotic", use_continuity=True)
        fixtures.append({"x": [float(v) for v in x], "y": [float(v) for v in y],
                         "u": float(r.statistic), "pValue": float(r.pvalue)})
    out = {
        "source": f"scipy {scipy.__version__}: stats.mannwhitneyu(x, y, alternative='two-sided', "
        "method='asymptotic', use_continuity=True)",
        "cases": fixtures,
    }
    path = pathlib.Path(__file__).resolve().parent.parent / "fixtures" / "mann_whitney.json"
    path.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
