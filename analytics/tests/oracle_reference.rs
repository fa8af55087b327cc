//! Percentiles, Mann-Kendall/Sen, modified z-scores, PELT and critical paths against reference
//! implementations (numpy, scipy, pymannkendall, ruptures, networkx). The values live in
//! `tests/fixtures/*.json`, written by `tests/oracle/generate_fixtures.py`, which records the
//! exact library versions in each file's `generated_by`; each fixture's `origin` names the
//! reference function.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

mod common;

use std::path::{Path, PathBuf};

use analytics::anomaly::{self, PeltOptions};
use analytics::dag::Dag;
use analytics::statistics as stats;
use analytics::trend::{self, Direction};
use common::tolerances::{CRITICAL_PATH_REL, P_VALUE_ABS, P_VALUE_REL, REL};
use serde::Deserialize;
use serde::de::DeserializeOwned;

#[derive(Deserialize)]
struct Fixture<C> {
    origin: String,
    cases: Vec<C>,
}

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn load<C: DeserializeOwned>(name: &str) -> Fixture<C> {
    let path = crate_dir().join("tests/fixtures").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path:?}: {e}"))
}

/// `|got − want| ≤ rel·|want|`, with a message naming the case and the reference.
fn close(got: f64, want: f64, rel: f64, what: &str) {
    assert!(
        (got - want).abs() <= rel * want.abs() || got == want,
        "{what}: got {got}, reference {want} (relative tolerance {rel})"
    );
}

#[derive(Deserialize)]
struct PercentileCase {
    name: String,
    values: Vec<f64>,
    quantiles: Vec<f64>,
    expected: Vec<f64>,
    mean: f64,
    std_ddof1: f64,
}

#[test]
fn percentiles_and_spread_match_numpy() {
    let fx: Fixture<PercentileCase> = load("percentiles.json");
    for c in fx.cases {
        let mut sorted = c.values.clone();
        sorted.sort_by(f64::total_cmp);
        for (q, want) in c.quantiles.iter().zip(&c.expected) {
            let got = stats::quantile_sorted(&sorted, *q).unwrap().unwrap();
            close(
                got,
                *want,
                REL,
                &format!("{} q={q} ({})", c.name, fx.origin),
            );
        }
        let s = stats::summarize(&c.values).unwrap().unwrap();
        close(s.mean, c.mean, REL, &format!("{} mean", c.name));
        close(s.std_dev, c.std_ddof1, REL, &format!("{} std", c.name));
    }
}

#[derive(Deserialize)]
struct MannKendallCase {
    name: String,
    origin: String,
    times: Vec<f64>,
    values: Vec<f64>,
    alpha: f64,
    s: f64,
    var_s: f64,
    z: f64,
    p_value: f64,
    tau_b: f64,
    sen_slope: f64,
    intercept: f64,
    direction: String,
}

#[test]
fn mann_kendall_and_sen_slope_match_pymannkendall_and_scipy() {
    let fx: Fixture<MannKendallCase> = load("mann_kendall.json");
    for c in fx.cases {
        let what = |field: &str| format!("{} {field} ({})", c.name, c.origin);
        let pts: Vec<(f64, f64)> = c.times.iter().copied().zip(c.values.clone()).collect();
        let r = trend::mann_kendall(&pts, c.alpha).unwrap();
        assert_eq!(r.s, c.s, "{}", what("S"));
        close(r.var_s, c.var_s, REL, &what("var_s"));
        close(r.z, c.z, REL, &what("z"));
        assert!(
            (r.p_value - c.p_value).abs() <= P_VALUE_REL * c.p_value + P_VALUE_ABS,
            "{}: got {}, reference {}",
            what("p"),
            r.p_value,
            c.p_value
        );
        close(r.tau, c.tau_b, REL, &what("tau-b"));
        // Differences of these times and values are exact in f64, so Sen's slope is
        // bit-identical to the median of all slopes; the tolerance covers numpy's median.
        close(r.sen_slope, c.sen_slope, REL, &what("Sen's slope"));
        close(r.intercept, c.intercept, REL, &what("intercept"));
        let direction = match r.direction {
            Direction::Increasing => "increasing",
            Direction::Decreasing => "decreasing",
            Direction::NoTrend => "no_trend",
        };
        assert_eq!(direction, c.direction, "{}", what("direction"));
    }
}

#[derive(Deserialize)]
struct ModifiedZCase {
    name: String,
    values: Vec<f64>,
    scores: Vec<f64>,
    outliers: Vec<usize>,
}

#[test]
fn modified_z_scores_match_numpy_and_scipy() {
    let fx: Fixture<ModifiedZCase> = load("modified_z.json");
    for c in fx.cases {
        let got = anomaly::modified_z_scores(&c.values).unwrap();
        for (i, (g, w)) in got.iter().zip(&c.scores).enumerate() {
            close(*g, *w, REL, &format!("{}[{i}] ({})", c.name, fx.origin));
        }
        let flagged: Vec<usize> =
            anomaly::robust_outliers(&c.values, anomaly::MODIFIED_Z_THRESHOLD)
                .unwrap()
                .iter()
                .map(|o| o.index)
                .collect();
        assert_eq!(flagged, c.outliers, "{}", c.name);
    }
}

#[derive(Deserialize)]
struct PeltCase {
    name: String,
    values: Vec<f64>,
    min_segment_length: usize,
    sigma: f64,
    penalty: f64,
    change_points: Vec<usize>,
    segment_means: Vec<f64>,
}

#[test]
fn pelt_change_points_match_ruptures() {
    let fx: Fixture<PeltCase> = load("pelt.json");
    for c in fx.cases {
        let what = |field: &str| format!("{} {field} ({})", c.name, fx.origin);
        let options = PeltOptions {
            min_segment_length: c.min_segment_length,
            penalty: None,
        };
        let seg = anomaly::pelt_mean_shifts(&c.values, &options).unwrap();
        close(seg.sigma, c.sigma, REL, &what("sigma"));
        close(seg.penalty, c.penalty, REL, &what("penalty"));
        assert_eq!(
            seg.change_points,
            c.change_points,
            "{}",
            what("change points")
        );
        for (g, w) in seg.segment_means.iter().zip(&c.segment_means) {
            close(*g, *w, REL, &what("segment mean"));
        }
    }
}

#[derive(Deserialize)]
struct CriticalPathCase {
    file: String,
    tasks: usize,
    edges: usize,
    length: f64,
    path: Vec<String>,
    unique: bool,
}

type Nodes = Vec<(String, f64)>;
type Edges = Vec<(String, String)>;

/// Nodes (id, runtimeInSeconds) and parent/child edges of a WfCommons (schema 1.5) instance.
fn wfcommons_graph(path: &Path) -> (Nodes, Edges) {
    let text = std::fs::read_to_string(path).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let workflow = &doc["workflow"];
    let runtimes: std::collections::HashMap<&str, f64> = workflow["execution"]["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["id"].as_str().unwrap(),
                t["runtimeInSeconds"].as_f64().unwrap(),
            )
        })
        .collect();
    let spec = workflow["specification"]["tasks"].as_array().unwrap();
    let mut nodes = Vec::new();
    let mut edges = Vec::new();
    for t in spec {
        let id = t["id"].as_str().unwrap();
        nodes.push((id.to_owned(), runtimes[id]));
        for p in t["parents"].as_array().into_iter().flatten() {
            edges.push((p.as_str().unwrap().to_owned(), id.to_owned()));
        }
        for c in t["children"].as_array().into_iter().flatten() {
            edges.push((id.to_owned(), c.as_str().unwrap().to_owned()));
        }
    }
    (nodes, edges)
}

#[test]
fn critical_paths_of_real_wfcommons_workflows_match_networkx() {
    let fx: Fixture<CriticalPathCase> = load("wfcommons_critical_path.json");
    let dir = crate_dir().join("../testdata/real/wfcommons");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|f| f.ends_with(".json"))
        .collect();
    files.sort();
    let covered: Vec<&str> = fx.cases.iter().map(|c| c.file.as_str()).collect();
    assert_eq!(
        files, covered,
        "every WfCommons file needs a networkx fixture"
    );

    for c in &fx.cases {
        let (nodes, edges) = wfcommons_graph(&dir.join(&c.file));
        assert_eq!(nodes.len(), c.tasks, "{}", c.file);
        let dag = Dag::new(nodes, edges.iter().map(|(a, b)| (a, b))).unwrap();
        let distinct: std::collections::HashSet<&(String, String)> = edges.iter().collect();
        assert_eq!(distinct.len(), c.edges, "{}", c.file);

        let cp = dag.critical_path();
        let what = format!("{} ({})", c.file, fx.origin);
        close(cp.length, c.length, CRITICAL_PATH_REL, &what);
        if c.unique {
            assert_eq!(cp.nodes, c.path, "{what}");
        } else {
            // networkx breaks ties its own way: the path must be valid and as long.
            let sum: f64 = cp.nodes.iter().map(|id| dag.node(id).unwrap().weight).sum();
            close(sum, c.length, CRITICAL_PATH_REL, &what);
            for pair in cp.nodes.windows(2) {
                assert!(
                    distinct.contains(&(pair[0].clone(), pair[1].clone())),
                    "{what}"
                );
            }
        }
        for s in dag.schedule() {
            assert!(s.slack >= 0.0 && s.latest_finish <= cp.length * (1.0 + CRITICAL_PATH_REL));
        }
    }
}
