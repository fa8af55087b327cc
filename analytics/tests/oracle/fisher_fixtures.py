#!/usr/bin/env python3
"""Reference values for `analytics::failures::significance` (Fisher's exact test and the
Benjamini-Hochberg correction), computed with SciPy.

Writes analytics/tests/fixtures/fisher.json. Run from anywhere:

    pip install scipy
    python3 analytics/tests/oracle/fisher_fixtures.py

* `fisher`: one-sided (alternative="greater") p-values of
  `scipy.stats.fisher_exact([[a, b], [c, d]], alternative="greater")`, where a = failures with
  the factor value, b = successes with it, c = failures without it, d = successes without it.
  SciPy evaluates this as `hypergeom.sf(a - 1, a + b + c + d, a + b, a + c)` (Boost's
  hypergeometric survival function), accurate to a few ulps even for tiny tails.
* `bh`: `scipy.stats.false_discovery_control(p, method="bh")`, Benjamini-Hochberg adjusted
  p-values (the same as statsmodels `multipletests(method="fdr_bh")[1]`).
"""

import json
import pathlib

import numpy as np
import scipy
from scipy.stats import false_discovery_control, fisher_exact

TABLES = [
    # Small hand-checkable tables.
    (3, 1, 1, 3),
    (1, 3, 3, 1),
    (0, 5, 5, 0),
    (5, 0, 0, 5),
    (0, 0, 3, 7),
    (2, 8, 0, 10),
    (1, 9, 11, 3),
    # The demo's host hotspot: worker-7 fails 25 % of 60 attempts, others 2 % of 660.
    (15, 45, 13, 647),
    (12, 48, 14, 646),
    # Top-decile inputs failing 30 % against a 0.5 % baseline.
    (25, 55, 4, 716),
    (40, 40, 3, 797),
    # No difference, and a value with fewer failures than the rest.
    (2, 98, 20, 980),
    (0, 100, 50, 950),
    (1, 99, 10, 890),
    # Larger counts and extreme tails.
    (200, 300, 100, 1400),
    (500, 10, 10, 500),
    (60, 0, 0, 3000),
    (3, 2997, 27, 26973),
    (7, 13, 30, 950),
    (30, 1000, 30, 1000),
    (1, 0, 0, 1),
    (0, 1, 1, 0),
    (4, 16, 96, 884),
    (9, 11, 91, 889),
]

BH_CASES = [
    [0.01, 0.04, 0.03, 0.005],
    [0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, 0.212, 0.216],
    [0.5],
    [1.0, 1.0, 0.0, 1e-300],
    [0.02, 0.02, 0.02, 0.9],
    list(np.linspace(0.001, 0.05, 20)),
]


def main() -> None:
    fisher = []
    for a, b, c, d in TABLES:
        _, p = fisher_exact([[a, b], [c, d]], alternative="greater")
        fisher.append({"table": [a, b, c, d], "pGreater": float(p)})
    bh = []
    for ps in BH_CASES:
        adjusted = false_discovery_control(np.array(ps, dtype=float), method="bh")
        bh.append({"p": [float(p) for p in ps], "adjusted": [float(q) for q in adjusted]})
    out = {
        "source": f"scipy {scipy.__version__}: stats.fisher_exact(alternative='greater'), "
        "stats.false_discovery_control(method='bh')",
        "fisher": fisher,
        "bh": bh,
    }
    path = pathlib.Path(__file__).resolve().parent.parent / "fixtures" / "fisher.json"
    path.write_text(json.dumps(out, indent=2) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
