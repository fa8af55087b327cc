//! `GET /workflows/{id}/task-groups` on real WfCommons instances (issue #13, point 2: "group
//! tasks by type so 'slowest type' and 'most total runtime' can be answered"). Every expected
//! number is the output of `python3 importers/tests/oracle_task_groups.py` (Python stdlib json
//! and statistics only, reading the raw files; type-7 quantiles), pasted below.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

mod common;

use serde_json::Value;
use sqlx::PgPool;

async fn import(pool: &PgPool, file: &str) -> String {
    let path = format!(
        "{}/../testdata/real/wfcommons/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    let bytes = std::fs::read(path).unwrap();
    let batch = importers::import(&bytes, &importers::ImportOptions::from_source(file)).unwrap();
    let workflow = batch.executions[0].workflow_id.clone();
    server::commands::import::load_direct(pool, &batch, false)
        .await
        .unwrap();
    workflow
}

async fn groups(app: &common::TestApp, workflow: &str, query: &str) -> (u16, Value) {
    let resp = app
        .http
        .get(format!(
            "{}/api/v1/task-analytics/workflows/{}/task-groups{query}",
            app.base, workflow
        ))
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

/// (type, tasks, executions, runtime ms, mean, p50, p95, max) as the oracle prints them.
type Row = (&'static str, u64, u64, f64, f64, f64, f64, f64);

fn assert_groups(answer: &Value, want: &[Row]) {
    let got = answer["groups"].as_array().unwrap();
    assert_eq!(got.len(), want.len(), "{answer}");
    for (g, w) in got.iter().zip(want) {
        assert_eq!(g["group"], w.0, "{g}");
        assert_eq!(g["tasks"], w.1, "{g}");
        assert_eq!(g["executions"], w.2, "{g}");
        assert_eq!(g["completed"], w.2, "{g}"); // WfCommons records completed runs only
        assert_eq!(g["failures"], 0, "{g}");
        assert_eq!(g["totalRuntimeMs"].as_f64().unwrap(), w.3, "{g}");
        for (field, want) in [
            ("meanDurationMs", w.4),
            ("p50DurationMs", w.5),
            ("p95DurationMs", w.6),
            ("maxDurationMs", w.7),
        ] {
            let v = g[field].as_f64().unwrap();
            // The oracle prints three decimals.
            assert!(
                (v - want).abs() < 1e-3 + 1e-12 * want,
                "{field}: {v} vs {want} in {g}"
            );
        }
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn task_types_of_real_instances_equal_the_python_oracle(pool: PgPool) {
    let app = common::spawn(pool.clone()).await;

    // blast-chameleon-small-001.json: 4 groups, total runtime 382915 ms
    let blast = import(&pool, "blast-chameleon-small-001.json").await;
    let (status, a) = groups(&app, &blast, "").await;
    assert_eq!(status, 200, "{a}");
    assert_eq!(
        (a["totalGroups"].as_u64(), a["truncated"].as_bool()),
        (Some(4), Some(false))
    );
    assert_eq!(a["sort"], "runtime");
    assert!(a["window"]["from"].is_null(), "{a}"); // the default window is all
    assert_groups(
        &a,
        &[
            (
                "blastall", 40, 40, 382816.0, 9570.4, 9566.5, 10147.2, 10324.0,
            ),
            ("split_fasta", 1, 1, 54.0, 54.0, 54.0, 54.0, 54.0),
            ("cat_blast", 1, 1, 35.0, 35.0, 35.0, 35.0, 35.0),
            ("cat", 1, 1, 10.0, 10.0, 10.0, 10.0, 10.0),
        ],
    );
    let share = a["groups"][0]["runtimeShare"].as_f64().unwrap();
    assert!((share - 382816.0 / 382915.0).abs() < 1e-12, "{share}");

    // epigenomics-chameleon-hep-1seq-100k-001.json: 8 groups, total runtime 539307 ms
    let epi = import(&pool, "epigenomics-chameleon-hep-1seq-100k-001.json").await;
    let (_, a) = groups(&app, &epi, "").await;
    assert_groups(
        &a,
        &[
            ("map", 9, 9, 480630.0, 53403.333, 56157.0, 59118.8, 59718.0),
            ("pileup", 1, 1, 30520.0, 30520.0, 30520.0, 30520.0, 30520.0),
            ("mapMerge", 2, 2, 8839.0, 4419.5, 4419.5, 5515.25, 5637.0),
            ("filterContams", 9, 9, 6494.0, 721.556, 691.0, 962.4, 1136.0),
            ("fast2bfq", 9, 9, 5155.0, 572.778, 545.0, 779.4, 841.0),
            ("sol2sanger", 9, 9, 3550.0, 394.444, 392.0, 624.4, 642.0),
            ("chr21", 1, 1, 2774.0, 2774.0, 2774.0, 2774.0, 2774.0),
            ("fastqSplit", 1, 1, 1345.0, 1345.0, 1345.0, 1345.0, 1345.0),
        ],
    );

    // montage-chameleon-2mass-01d-001.json: 8 groups; the slowest type by p95 and a capped
    // answer that says so.
    let montage = import(&pool, "montage-chameleon-2mass-01d-001.json").await;
    let (_, a) = groups(&app, &montage, "?sort=p95&limit=3").await;
    assert_eq!(
        (a["totalGroups"].as_u64(), a["truncated"].as_bool()),
        (Some(8), Some(true))
    );
    assert_eq!(a["sort"], "p95");
    assert_groups(
        &a,
        &[
            (
                "mProject", 21, 21, 340479.0, 16213.286, 16210.0, 17146.0, 17319.0,
            ),
            ("mViewer", 4, 4, 3239.0, 809.75, 636.0, 1298.35, 1408.0),
            ("mBgModel", 3, 3, 1770.0, 590.0, 592.0, 746.8, 764.0),
        ],
    );
    let (_, a) = groups(&app, &montage, "?sort=executions&limit=1").await;
    assert_eq!(a["groups"][0]["group"], "mDiffFit"); // 45 executions

    // Workflows do not mix: blast's answer is unchanged by the other imports.
    let (_, a) = groups(&app, &blast, "").await;
    assert_eq!(a["totalGroups"], 4);

    // Bad input.
    let (status, p) = groups(&app, &blast, "?sort=slowest").await;
    assert_eq!(status, 422, "{p}");
    assert!(p["detail"].as_str().unwrap().contains("sort"), "{p}");
    let (status, _) = groups(&app, &blast, "?limit=0").await;
    assert_eq!(status, 422);
    let (status, _) = groups(&app, &blast, "?limit=1001").await;
    assert_eq!(status, 422);
    let (status, _) = groups(&app, "no-such-workflow", "").await;
    assert_eq!(status, 404);
    // A window before the runs: no groups, not an error.
    let (status, a) = groups(
        &app,
        &blast,
        "?from=1999-01-01T00:00:00Z&to=1999-01-02T00:00:00Z",
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        (
            a["totalGroups"].as_u64(),
            a["groups"].as_array().map(Vec::len)
        ),
        (Some(0), Some(0))
    );
}
