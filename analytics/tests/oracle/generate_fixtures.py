#!/usr/bin/env python3
"""Oracle fixtures for the `analytics` crate's tests.

Writes analytics/tests/fixtures/*.json from reference implementations, so the Rust tests (and
CI) need no Python. Every fixture records the exact library versions that produced it.

    python3 -m venv /tmp/oracle && /tmp/oracle/bin/pip install numpy scipy networkx \
        pymannkendall ruptures
    /tmp/oracle/bin/python analytics/tests/oracle/generate_fixtures.py

References:
  * percentiles: numpy `quantile(..., method="linear")` (Hyndman & Fan type 7), `std(ddof=1)`
  * Mann-Kendall: `pymannkendall.original_test` (S, var S, z, p) where times are distinct;
    Kendall (1975) eq. 4.3 written out below where times repeat, checked against
    `scipy.stats.kendalltau(method="asymptotic")`, whose variance is the same formula;
    Sen's slope and intercept from `scipy.stats.theilslopes`; tau-b from `scipy.stats.kendalltau`
  * modified z-scores: numpy median and `scipy.stats.median_abs_deviation`
  * PELT: `ruptures.Pelt(model="l2", jump=1)`, cross-checked against exhaustive optimal
    partitioning written out below
  * critical paths: `networkx.dag_longest_path` / `dag_longest_path_length`, node weights
    moved onto edges (see `wfcommons_critical_paths`)
"""

import glob
import json
import math
import os
import platform
import sys
from fractions import Fraction

import networkx as nx
import numpy as np
import pymannkendall
import ruptures
import scipy
from scipy import stats

HERE = os.path.dirname(os.path.abspath(__file__))
CRATE = os.path.dirname(os.path.dirname(HERE))
FIXTURES = os.path.join(CRATE, "tests", "fixtures")
WFCOMMONS = os.path.join(os.path.dirname(CRATE), "testdata", "real", "wfcommons")

VERSIONS = {
    "script": "analytics/tests/oracle/generate_fixtures.py",
    "python": platform.python_version(),
    "numpy": np.__version__,
    "scipy": scipy.__version__,
    "networkx": nx.__version__,
    "pymannkendall": getattr(pymannkendall, "__version__", "unknown"),
    "ruptures": ruptures.__version__,
}


def write(name, origin, cases):
    path = os.path.join(FIXTURES, name)
    with open(path, "w") as f:
        json.dump({"generated_by": VERSIONS, "origin": origin, "cases": cases}, f, indent=1,
                  allow_nan=False)
        f.write("\n")
    print(f"wrote {path} ({len(cases)} cases)")


def floats(a):
    return [float(v) for v in a]


# --------------------------------------------------------------------------- percentiles

def percentiles():
    rng = np.random.default_rng(20240501)
    samples = {
        "hand_checked_with_outlier": [120, 80, 200, 95, 3000, 110, 105, 90, 130, 100],
        "lognormal_durations_ms": np.round(rng.lognormal(7.0, 0.6, 257), 3),
        "integer_ties": rng.integers(1, 6, 40),
        "two_values": [10.0, 20.0],
        "single_value": [42.0],
    }
    qs = [0.0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1.0]
    cases = []
    for name, x in samples.items():
        x = np.asarray(x, dtype=float)
        cases.append({
            "name": name,
            "values": floats(x),
            "quantiles": qs,
            "expected": floats(np.quantile(x, qs, method="linear")),
            "mean": float(np.mean(x)),
            "std_ddof1": float(np.std(x, ddof=1)) if len(x) > 1 else 0.0,
        })
    write("percentiles.json",
          f"numpy {np.__version__} quantile(method='linear'), mean, std(ddof=1)", cases)


# --------------------------------------------------------------------------- Mann-Kendall

def kendall_reference(t, v):
    """S and Kendall (1975) eq. 4.3 variance with tie groups in time and value, exactly."""
    n = len(t)
    s = 0
    for i in range(n):
        for j in range(i + 1, n):
            s += int(np.sign(t[j] - t[i]) * np.sign(v[j] - v[i]))
    _, tx = np.unique(t, return_counts=True)
    _, ty = np.unique(v, return_counts=True)
    tx = [int(c) for c in tx]
    ty = [int(c) for c in ty]
    a = lambda g: sum(c * (c - 1) * (2 * c + 5) for c in g)
    b = lambda g: sum(c * (c - 1) * (c - 2) for c in g)
    c2 = lambda g: sum(c * (c - 1) for c in g)
    var = (Fraction(n * (n - 1) * (2 * n + 5) - a(tx) - a(ty), 18)
           + Fraction(b(tx) * b(ty), 9 * n * (n - 1) * (n - 2))
           + Fraction(c2(tx) * c2(ty), 2 * n * (n - 1)))
    return s, float(var), len(tx) == n


def mann_kendall():
    rng = np.random.default_rng(7)
    series = {}
    t = np.arange(40.0)
    series["increasing_index_times"] = (t, 0.5 * t + rng.normal(0, 3, 40))
    t = np.arange(50.0)
    series["decreasing_with_value_ties"] = (t, np.round(100 - 0.8 * t + rng.normal(0, 5, 50)))
    t = np.arange(60.0)
    series["no_trend_noise"] = (t, rng.normal(10, 2, 60))
    series["short_n5"] = (np.arange(5.0), np.array([3.0, 1.0, 4.0, 1.0, 5.0]))
    # Runs of one task: several runs may start in the same second; input unsorted.
    base = 1_700_000_000.0
    times = base + np.sort(rng.integers(0, 30 * 86_400, 80)).astype(float)
    times[10:14] = times[10]
    times[40:43] = times[40]
    durations = np.round(rng.lognormal(8.0, 0.3, 80) + np.linspace(0, 900, 80))
    order = rng.permutation(80)
    series["epoch_times_with_repeats_unsorted"] = (times[order], durations[order])
    t = base + np.arange(2000) * 3600.0 + rng.integers(0, 600, 2000)
    series["hourly_jittered_n2000"] = (t, 500 + rng.normal(0, 40, 2000) - 0.0001 * (t - base))

    cases = []
    alpha = 0.05
    for name, (t, v) in series.items():
        t = np.asarray(t, dtype=float)
        v = np.asarray(v, dtype=float)
        s, var, distinct_times = kendall_reference(t, v)
        z = 0.0 if s == 0 or var == 0 else (s - np.sign(s)) / math.sqrt(var)
        p = float(2 * stats.norm.sf(abs(z)))
        # scipy's asymptotic p-value has no continuity correction; same variance.
        kt = stats.kendalltau(t, v, method="asymptotic")
        p_nocc = 2 * stats.norm.sf(abs(s) / math.sqrt(var))
        assert math.isclose(kt.pvalue, p_nocc, rel_tol=1e-9, abs_tol=1e-300), (name, kt, p_nocc)
        origin = ("Kendall (1975) eq. 4.3 (this script), checked against scipy "
                  f"{scipy.__version__} kendalltau(method='asymptotic')")
        if distinct_times:
            by_time = v[np.argsort(t, kind="stable")]
            mk = pymannkendall.original_test(by_time, alpha)
            assert mk.s == s, (name, mk.s, s)
            assert math.isclose(mk.var_s, var, rel_tol=1e-12), (name, mk.var_s, var)
            assert math.isclose(mk.z, z, rel_tol=1e-12, abs_tol=1e-15), (name, mk.z, z)
            assert math.isclose(mk.p, p, rel_tol=1e-6, abs_tol=1e-12), (name, mk.p, p)
            origin = (f"pymannkendall {VERSIONS['pymannkendall']} original_test (S, var_s, z, p)"
                      + "; " + origin)
        ts = stats.theilslopes(v, t, method="separate")
        trend = "no_trend"
        if p < alpha and z > 0:
            trend = "increasing"
        elif p < alpha and z < 0:
            trend = "decreasing"
        cases.append({
            "name": name,
            "origin": origin + f"; scipy {scipy.__version__} theilslopes (slope, intercept), "
                               "kendalltau (tau-b)",
            "times": floats(t),
            "values": floats(v),
            "alpha": alpha,
            "s": float(s),
            "var_s": var,
            "z": float(z),
            "p_value": p,
            "tau_b": float(kt.statistic),
            "sen_slope": float(ts.slope),
            "intercept": float(ts.intercept),
            "direction": trend,
        })
    write("mann_kendall.json", "see each case", cases)


# --------------------------------------------------------------------------- modified z

def modified_z():
    rng = np.random.default_rng(11)
    durations = np.round(rng.lognormal(6.0, 0.2, 30), 1)
    durations[[4, 17]] = [4000.0, 12.0]
    samples = {
        "hand_checked": [1.0, 2.0, 3.0, 4.0, 100.0],
        "durations_with_two_outliers": durations,
        "even_length": [10.0, 12.0, 11.0, 13.0, 50.0, 9.0],
        "zero_mad_falls_back_to_mean_ad": [5.0, 5.0, 5.0, 25.0, 5.0, 5.0, 7.0],
    }
    cases = []
    for name, x in samples.items():
        x = np.asarray(x, dtype=float)
        med = np.median(x)
        mad = stats.median_abs_deviation(x)
        if mad > 0:
            scores = 0.6745 * (x - med) / mad
        else:
            scores = 0.7979 * (x - med) / np.mean(np.abs(x - med))
        cases.append({
            "name": name,
            "values": floats(x),
            "scores": floats(scores),
            "outliers": [int(i) for i in np.nonzero(np.abs(scores) > 3.5)[0]],
        })
    write("modified_z.json",
          f"Iglewicz & Hoaglin (1993) with numpy {np.__version__} median and scipy "
          f"{scipy.__version__} median_abs_deviation; MeanAD fallback (0.7979) when MAD = 0",
          cases)


# --------------------------------------------------------------------------- PELT

def robust_sigma(x):
    if len(x) < 2:
        return 0.0
    d = np.diff(x)
    mad = stats.median_abs_deviation(d, scale="normal")
    if mad > 0:
        return float(mad / math.sqrt(2))
    sd = float(np.std(d, ddof=1)) if len(d) > 1 else 0.0
    if sd > 0:
        return sd / math.sqrt(2)
    return float(np.std(x, ddof=1))


def optimal_partitioning(x, m, beta):
    """Exhaustive O(n^2) optimal partitioning (Jackson et al. 2005) with min length m."""
    n = len(x)
    c1 = np.concatenate([[0.0], np.cumsum(x - x.mean())])
    c2 = np.concatenate([[0.0], np.cumsum((x - x.mean()) ** 2)])
    cost = lambda a, b: max(0.0, (c2[b] - c2[a]) - (c1[b] - c1[a]) ** 2 / (b - a))
    f = [math.inf] * (n + 1)
    last = [0] * (n + 1)
    f[0] = -beta
    for t in range(m, n + 1):
        for tau in [0] + list(range(m, t - m + 1)):
            v = f[tau] + cost(tau, t) + beta
            if v < f[t]:
                f[t], last[t] = v, tau
    cps, t = [], n
    while t > 0:
        t = last[t]
        if t > 0:
            cps.append(t)
    return sorted(cps)


def pelt():
    rng = np.random.default_rng(3)
    series = {
        "noisy_step": (np.concatenate([rng.normal(5, 1, 60), rng.normal(9, 1, 40)]), 2),
        "three_levels": (np.concatenate([rng.normal(0, 0.7, 50), rng.normal(4, 0.7, 30),
                                         rng.normal(1.5, 0.7, 40)]), 2),
        "noise_only": (rng.normal(0, 1, 300), 2),
        "clean_step": (np.array([0.0] * 12 + [10.0] * 12), 2),
        "spike_shorter_than_min_segment": (
            np.concatenate([rng.normal(3, 0.5, 40), [30.0, 31.0], rng.normal(3, 0.5, 40)]), 5),
        "durations_regression": (
            np.round(np.concatenate([rng.normal(1200, 60, 80), rng.normal(1650, 60, 45)])), 3),
    }
    cases = []
    for name, (x, m) in series.items():
        x = np.asarray(x, dtype=float)
        sigma = robust_sigma(x)
        penalty = 2 * sigma ** 2 * math.log(len(x))
        algo = ruptures.Pelt(model="l2", min_size=m, jump=1).fit(x.reshape(-1, 1))
        cps = [int(b) for b in algo.predict(pen=penalty)[:-1]]
        exhaustive = optimal_partitioning(x, m, penalty)
        assert cps == exhaustive, (name, cps, exhaustive)
        bounds = [0] + cps + [len(x)]
        cases.append({
            "name": name,
            "values": floats(x),
            "min_segment_length": m,
            "sigma": sigma,
            "penalty": penalty,
            "change_points": cps,
            "segment_means": [float(np.mean(x[a:b])) for a, b in zip(bounds, bounds[1:])],
        })
    write("pelt.json",
          f"ruptures {ruptures.__version__} Pelt(model='l2', jump=1) with penalty "
          f"2*sigma^2*ln(n), sigma = scipy {scipy.__version__} median_abs_deviation("
          "diff(x), scale='normal')/sqrt(2); equal to exhaustive optimal partitioning",
          cases)


# --------------------------------------------------------------------------- critical paths

def wfcommons_critical_paths():
    """networkx weights edges, not nodes: edge u -> v carries runtime(v), and a super-source
    feeds every root with an edge carrying runtime(root). A path's edge weight sum is then the
    sum of its nodes' runtimes."""
    cases = []
    for path in sorted(glob.glob(os.path.join(WFCOMMONS, "*.json"))):
        with open(path) as f:
            wf = json.load(f)["workflow"]
        runtime = {t["id"]: float(t["runtimeInSeconds"]) for t in wf["execution"]["tasks"]}
        spec = wf["specification"]["tasks"]
        edges = set()
        for t in spec:
            edges.update((p, t["id"]) for p in t.get("parents", []))
            edges.update((t["id"], c) for c in t.get("children", []))
        g = nx.DiGraph()
        source = "__source__"
        g.add_nodes_from(t["id"] for t in spec)
        for u, v in sorted(edges):
            g.add_edge(u, v, weight=runtime[v])
        for v in [t["id"] for t in spec if g.in_degree(t["id"]) == 0]:
            g.add_edge(source, v, weight=runtime[v])
        nx_path = nx.dag_longest_path(g, weight="weight")
        nx_length = nx.dag_longest_path_length(g, weight="weight")
        assert nx_path[0] == source
        nodes = nx_path[1:]
        length = sum(runtime[v] for v in nodes)
        assert math.isclose(length, nx_length, rel_tol=1e-12)

        # Number of maximum-length paths, in exact rational arithmetic.
        best, count = {}, {}
        for v in nx.topological_sort(g):
            if v == source:
                continue
            preds = [u for u in g.predecessors(v) if u != source]
            w = Fraction(runtime[v])
            if not preds:
                best[v], count[v] = w, 1
                continue
            top = max(best[u] for u in preds)
            best[v] = w + top
            count[v] = sum(count[u] for u in preds if best[u] == top)
        longest = max(best.values())
        optimal_paths = sum(count[v] for v in best if best[v] == longest)
        assert math.isclose(float(longest), nx_length, rel_tol=1e-12)
        cases.append({
            "file": os.path.basename(path),
            "tasks": len(spec),
            "edges": len(edges),
            "length": length,
            "path": nodes,
            "unique": optimal_paths == 1,
            "optimal_paths": optimal_paths,
        })
    write("wfcommons_critical_path.json",
          f"networkx {nx.__version__} dag_longest_path(G, weight='weight') with node runtimes "
          "(workflow.execution.tasks[].runtimeInSeconds) on edges u->v as runtime(v) and a "
          "super-source edge to each root carrying runtime(root); 'length' sums the path's "
          "runtimes; 'unique' from exact rational counting of maximum-length paths",
          cases)


if __name__ == "__main__":
    os.makedirs(FIXTURES, exist_ok=True)
    print("versions:", json.dumps(VERSIONS), file=sys.stderr)
    percentiles()
    mann_kendall()
    modified_z()
    pelt()
    wfcommons_critical_paths()
