"""Reference values for analytics/src/{cluster,patterns}.rs from scikit-learn and scipy.

Run from the workspace root:  python3 analytics/tests/oracle/patterns_fixtures.py
Writes analytics/tests/fixtures/patterns.json (checked in; the Rust tests read it, so CI
needs no Python). Versions are recorded in the file.
"""
import json
import pathlib

import numpy as np
import scipy
import sklearn
from scipy import stats
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score

rng = np.random.default_rng(20261126)

cases = []
# Three blobs in 3-D (duration s, cores, memory GB) and two initial centroid sets.
blobs = np.vstack([
    rng.normal([10, 1, 2], [1, 0.1, 0.2], size=(40, 3)),
    rng.normal([60, 4, 8], [5, 0.3, 0.5], size=(30, 3)),
    rng.normal([30, 8, 1], [2, 0.5, 0.1], size=(25, 3)),
])
for name, init_idx in [("three_blobs_k3", [0, 45, 80]), ("three_blobs_k2", [5, 90])]:
    init = blobs[init_idx]
    km = KMeans(n_clusters=len(init_idx), init=init, n_init=1, algorithm="lloyd", tol=0.0,
                max_iter=300).fit(blobs)
    cases.append({
        "name": name,
        "points": blobs.tolist(),
        "init": init.tolist(),
        "labels": km.labels_.tolist(),
        "centroids": km.cluster_centers_.tolist(),
        "inertia": float(km.inertia_),
        "silhouette": float(silhouette_score(blobs, km.labels_)),
    })

moments = []
for name, x in [
    ("lognormal_200", rng.lognormal(3.0, 0.7, 200)),
    ("mixture_300", np.concatenate([rng.normal(0, 1, 150), rng.normal(6, 1, 150)])),
    ("small_7", np.array([1.0, 2.0, 2.0, 3.0, 7.0, 11.0, 12.5])),
]:
    moments.append({
        "name": name,
        "x": x.tolist(),
        "skew": float(stats.skew(x, bias=False)),
        "kurtosis": float(stats.kurtosis(x, bias=False)),
    })

chi2 = []
for counts in [[10] * 22 + [100, 90], list(range(1, 25)), [5] * 24]:
    res = stats.chisquare(counts)
    chi2.append({"counts": counts, "statistic": float(res.statistic), "p_value": float(res.pvalue)})

out = {
    "generator": "analytics/tests/oracle/patterns_fixtures.py",
    "versions": {"numpy": np.__version__, "scipy": scipy.__version__, "scikit-learn": sklearn.__version__},
    "kmeans": cases,
    "moments": moments,
    "chisquare": chi2,
}
path = pathlib.Path(__file__).resolve().parent.parent / "fixtures" / "patterns.json"
path.write_text(json.dumps(out, indent=1) + "\n")
print(f"wrote {path}")
