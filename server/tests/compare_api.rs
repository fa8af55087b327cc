//! Task comparison and similar tasks over HTTP (issue #15), on the demo's ETL workflow whose
//! ground truth names the planted differences: the straggler transform shard (1.3 × the
//! next-slowest shard's median, `workload::templates::STRAGGLER_FACTOR`) against the fastest
//! shard, the least reliable task against the never-failing report, two shards with nearly
//! the same median, and the twelve shards as each other's most similar tasks. A hand-made
//! history gives an exact twin; every 4xx case names its field.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

mod common;

use chrono::{Duration, Utc};
use serde_json::{Value, json};
use sqlx::PgPool;

fn insights<'a>(c: &'a Value, kind: &str, task: &str) -> Vec<&'a Value> {
    c["insights"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["type"] == kind && i["affectedTasks"] == json!([task]))
        .collect()
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

#[sqlx::test(migrations = "../migrations")]
async fn the_planted_differences_are_significant_insights_and_shards_are_each_others_most_similar(
    pool: PgPool,
) {
    let generator = workload::Generator::new(workload::DemoParams {
        days: 14,
        workflows: 1, // etl_orders
        scale: 1.0,
        seed: 11,
        end: Utc::now() - Duration::hours(1),
    })
    .unwrap();
    for batch in generator.batches(2_000) {
        db::ingest::ingest_batch(&pool, &batch).await.unwrap();
    }
    let truth = serde_json::to_value(generator.ground_truth()).unwrap();
    let tasks = truth["tasks"].as_array().unwrap();
    let median = |t: &Value| f(&t["windowMedianSeconds"]);
    let id = |t: &Value| t["taskId"].as_str().unwrap().to_owned();
    let mut shards: Vec<&Value> = tasks
        .iter()
        .filter(|t| {
            t["taskName"]
                .as_str()
                .unwrap()
                .starts_with("transform_shard_")
        })
        .collect();
    assert_eq!(shards.len(), 12);
    shards.sort_by(|a, b| median(a).total_cmp(&median(b)));
    let (fastest, straggler) = (shards[0], shards[11]);
    assert!(median(straggler) >= 1.3 * median(fastest), "{truth}");
    let app = common::spawn(pool.clone()).await;

    // The straggler against the fastest shard: a performance gap, significant, the straggler
    // affected, medium severity or worse is not promised (1.3 × to ~1.6 ×) but the ratio is.
    let (status, c) = app
        .post_task(
            "compare",
            json!({"taskIds": [id(fastest), id(straggler)], "timeRange": "30d"}),
        )
        .await;
    assert_eq!(status, 200, "{c}");
    assert_eq!(c["baselineTask"]["taskId"], id(fastest).as_str());
    assert_eq!(c["comparisonTasks"][0]["taskId"], id(straggler).as_str());
    let perf = &c["metrics"]["performanceComparison"][id(straggler)];
    assert!(f(&perf["relativeToBaseline"]) >= 1.2, "{perf}");
    assert!(
        f(&perf["pValue"]) < 0.05 && f(&perf["adjustedPValue"]) < 0.05,
        "{perf}"
    );
    assert!(f(&perf["probabilitySlower"]) > 0.5, "{perf}");
    let gap = insights(&c, "performance_gap", &id(straggler));
    assert_eq!(gap.len(), 1, "{c}");
    let e = &gap[0]["evidence"];
    assert_eq!(e["test"], "mann_whitney_u");
    assert_eq!(e["referenceTask"], id(fastest).as_str());
    assert!(
        f(&e["pValue"]) < 0.05 && f(&e["adjustedPValue"]) < 0.05,
        "{e}"
    );
    assert!(f(&gap[0]["potentialSavings"]) > 0.0);
    assert!(
        c["recommendations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["taskId"] == id(straggler).as_str()),
        "{c}"
    );
    // Two weeks of hourly runs, all read (under the cap), and what the window holds.
    for b in c["basis"].as_array().unwrap() {
        assert_eq!(b["capped"], false, "{b}");
        assert_eq!(b["executionsRead"], b["executionsInWindow"], "{b}");
        assert!(b["completedInWindow"].as_u64().unwrap() > 250, "{b}");
    }
    // Shards are alike in everything but time.
    let sim = f(&c["analysis"]["similarity"][id(straggler)]);
    assert!(sim > 0.8, "{c}");
    assert_eq!(c["currency"], "USD");
    assert!(c["window"]["from"].is_string());

    // Two shards with nearly the same median: no performance gap either way.
    let twins = shards[..11]
        .windows(2)
        .min_by(|a, b| (median(a[1]) / median(a[0])).total_cmp(&(median(b[1]) / median(b[0]))))
        .unwrap();
    let (status, c) = app
        .post_task("compare", json!({"taskIds": [id(twins[0]), id(twins[1])]}))
        .await;
    assert_eq!(status, 200, "{c}");
    assert!(
        insights(&c, "performance_gap", &id(twins[0])).is_empty(),
        "{c}"
    );
    assert!(
        insights(&c, "performance_gap", &id(twins[1])).is_empty(),
        "{c}"
    );
    let r = f(&c["metrics"]["performanceComparison"][id(twins[1])]["relativeToBaseline"]);
    assert!((0.9..1.12).contains(&r), "{r}");

    // The least reliable task against one that never fails.
    let rate = |t: &Value| f(&t["failures"]) / f(&t["executions"]);
    let flaky = tasks
        .iter()
        .max_by(|a, b| rate(a).total_cmp(&rate(b)))
        .unwrap();
    let healthy = tasks
        .iter()
        .find(|t| t["failures"] == 0)
        .expect("a task that never fails");
    let (status, c) = app
        .post_task(
            "compare",
            json!({"taskIds": [id(healthy), id(flaky), id(twins[0])], "timeRange": "30d"}),
        )
        .await;
    assert_eq!(status, 200, "{c}");
    let rel = &c["metrics"]["reliabilityComparison"][id(flaky)];
    assert_eq!(rel["failures"], flaky["failures"], "{rel}");
    assert!(f(&rel["pValue"]) < 0.05, "{rel}");
    let issue = insights(&c, "reliability_issue", &id(flaky));
    assert_eq!(issue.len(), 1, "{c}");
    assert_eq!(issue[0]["evidence"]["test"], "fisher_exact");
    assert!(f(&issue[0]["evidence"]["adjustedPValue"]) < 0.05);
    assert_eq!(issue[0]["actionRequired"], true);
    assert_eq!(
        c["metrics"]["reliabilityComparison"][id(healthy)]["failureRate"],
        0.0
    );

    // Similar tasks: each shard's eleven most similar are the other shards.
    let all: Vec<String> = shards.iter().map(|t| id(t)).collect();
    for s in &all {
        let (status, a) = app
            .get_task(&format!("{s}/similar?threshold=0&limit=11"))
            .await;
        assert_eq!(status, 200, "{a}");
        assert_eq!(a["tasksScored"], tasks.len() as u64 - 1, "{a}");
        let found: Vec<&str> = a["similar"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["task"]["taskId"].as_str().unwrap())
            .collect();
        let mut want: Vec<&str> = all.iter().map(String::as_str).filter(|k| k != s).collect();
        let mut got = found.clone();
        want.sort();
        got.sort();
        assert_eq!(got, want, "{s}: {a}");
        for t in a["similar"].as_array().unwrap() {
            let score = f(&t["similarityScore"]);
            assert!((0.0..=1.0).contains(&score));
            let weights: f64 = t["aspects"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| f(&x["weight"]))
                .sum();
            assert!((weights - 1.0).abs() < 1e-9, "{t}");
            let explained: f64 = t["aspects"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| f(&x["weight"]) * f(&x["score"]))
                .sum();
            assert!((explained - score).abs() < 1e-9, "{t}");
        }
        assert_eq!(a["profile"]["depth"], 1);
        assert_eq!(a["profile"]["fanIn"], 1);
    }
    // At the default threshold (0.7) the other tasks (extract, load, report) do not appear.
    let (status, a) = app.get_task(&format!("{}/similar", all[0])).await;
    assert_eq!(status, 200, "{a}");
    let listed = a["similar"].as_array().unwrap();
    assert!(!listed.is_empty());
    for t in listed {
        assert!(
            t["task"]["taskName"]
                .as_str()
                .unwrap()
                .starts_with("transform_shard_"),
            "{t}"
        );
        let aspects = t["similarAspects"].as_array().unwrap();
        assert!(aspects.contains(&json!("dag_position")) && aspects.contains(&json!("task_type")));
    }

    // An optimisation validated on one shard transfers to another: more memory depends on the
    // resource profile, which the shards share.
    let other = listed[0]["task"]["taskId"].as_str().unwrap().to_owned();
    sqlx::query(
        "INSERT INTO task_optimizations (task_id, optimization_type, current_performance,
            proposed_changes, expected_improvement, status, kind, summary, validated_at)
         SELECT id, '\"resource\"', '{}', '[]', '{}', 'validated', 'more_memory',
                'Give it 6 GiB', now()
         FROM tasks WHERE task_key = $1",
    )
    .bind(&other)
    .execute(&pool)
    .await
    .unwrap();
    let (status, a) = app.get_task(&format!("{}/similar", all[0])).await;
    assert_eq!(status, 200, "{a}");
    let t = a["similar"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["task"]["taskId"] == other.as_str())
        .unwrap();
    let transfer = &t["optimizationTransfer"][0];
    assert_eq!(transfer["kind"], "more_memory", "{t}");
    assert_eq!(transfer["fromTask"], other.as_str());
    assert_eq!(transfer["toTask"], all[0].as_str());
    assert_eq!(transfer["transfers"], true, "{transfer}");
    assert!(transfer["reason"].as_str().unwrap().contains("resources"));
}

/// Workflow `w` with three tasks over 40 hourly runs: `a` and `b` take exactly the same
/// times, `c` fails 10 of its 40 runs.
async fn seed_twins(app: &common::TestApp) {
    let start = Utc::now() - Duration::days(3);
    let mut executions = Vec::new();
    for i in 0..40 {
        let s = start + Duration::hours(i);
        let d = 60 + (i * 7) % 30; // 60 … 89 s, the same for a and b
        for task in ["a", "b", "c"] {
            let status = if task == "c" && i % 4 == 0 {
                "failed"
            } else {
                "completed"
            };
            executions.push(json!({
                "executionId": format!("r{i}-{task}"), "workflowId": "w",
                "workflowExecutionId": format!("r{i}"), "taskId": format!("w.{task}"),
                "taskName": task, "status": status, "cpuAllocatedCores": 1.0,
                "cpuTimeMs": d * 800,
                "startTime": s.to_rfc3339(), "endTime": (s + Duration::seconds(d)).to_rfc3339()}));
        }
    }
    let resp = app
        .ingest()
        .json(&json!({"executions": executions}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
}

#[sqlx::test(migrations = "../migrations")]
async fn a_twin_shows_no_difference_and_every_bad_request_names_its_field(pool: PgPool) {
    let app = common::spawn(pool).await;
    seed_twins(&app).await;

    // Identical samples: U = n₁n₂/2, p = 1 on durations, CPU and cost; no insight at all.
    let (status, c) = app
        .post_task(
            "compare",
            json!({"taskIds": ["w.a", "w.b"], "timeRange": "7d"}),
        )
        .await;
    assert_eq!(status, 200, "{c}");
    let perf = &c["metrics"]["performanceComparison"]["w.b"];
    assert_eq!(perf["pValue"], 1.0, "{perf}");
    assert_eq!(perf["probabilitySlower"], 0.5);
    assert_eq!(perf["relativeToBaseline"], 1.0);
    assert_eq!(c["metrics"]["resourceComparison"]["w.b"]["pValue"], 1.0);
    assert_eq!(c["metrics"]["costComparison"]["w.b"]["pValue"], 1.0);
    assert_eq!(c["insights"], json!([]), "{c}");
    assert!(c["metrics"]["performanceComparison"]["w.a"]["pValue"].is_null());
    // 10 of 40 failed against none: Fisher P(X ≥ 10), N = 80, K = 10, n = 40:
    // C(40, 30)/C(80, 40)·C(10,10)… = 2.7054e-4 one-sided (scipy fisher_exact([[10, 30],
    // [0, 40]], alternative="greater") = C(70, 30)/C(80, 40) = 5.148281748755058e-4), doubled.
    let (status, c) = app
        .post_task(
            "compare",
            json!({"taskIds": ["w.a", "w.c"], "timeRange": "7d"}),
        )
        .await;
    assert_eq!(status, 200, "{c}");
    let rel = &c["metrics"]["reliabilityComparison"]["w.c"];
    assert_eq!(
        (rel["failures"].as_u64(), rel["executions"].as_u64()),
        (Some(10), Some(40))
    );
    assert!(
        (f(&rel["pValue"]) - 2.0 * 5.148281748755058e-4).abs() < 1e-12,
        "{rel}"
    );
    assert_eq!(insights(&c, "reliability_issue", "w.c").len(), 1, "{c}");

    let field = |p: &Value| {
        p["errors"][0]["field"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    let many: Vec<String> = (0..11).map(|i| format!("w.t{i}")).collect();
    for (body, want) in [
        (json!({"taskIds": ["w.a"]}), "taskIds"),
        (json!({"taskIds": []}), "taskIds"),
        (json!({"taskIds": many}), "taskIds"),
        (json!({"taskIds": ["w.a", "w.b", "w.a"]}), "taskIds[2]"),
        (json!({"taskIds": ["w.a", "w.b", "w.c", ""]}), "taskIds[3]"),
        (
            json!({"taskIds": ["w.a", "w.b"], "timeRange": "13d"}),
            "timeRange",
        ),
        (
            json!({"taskIds": ["w.a", "w.b"], "timeRange": "7d", "from": "2026-01-01T00:00:00Z"}),
            "timeRange",
        ),
        (
            json!({"taskIds": ["w.a", "w.b"], "from": "yesterday"}),
            "from",
        ),
    ] {
        let (status, p) = app.post_task("compare", body.clone()).await;
        assert_eq!(status, 422, "{body}: {p}");
        assert_eq!(field(&p), want, "{body}: {p}");
    }
    // Not JSON of the right shape: 422 naming the field too.
    let (status, p) = app
        .post_task("compare", json!({"taskIds": ["w.a", "w.b"], "range": "7d"}))
        .await;
    assert_eq!(status, 422, "{p}");
    assert!(p["detail"].as_str().unwrap().contains("range"), "{p}");
    let (status, p) = app
        .post_task("compare", json!({"taskIds": ["w.a", "w.nope"]}))
        .await;
    assert_eq!(status, 404, "{p}");
    assert!(p["detail"].as_str().unwrap().contains("w.nope"), "{p}");
    // A task without executions in the window.
    let (status, p) = app.post_task("compare", json!({"taskIds": ["w.a", "w.b"], "from": "2020-01-01T00:00:00Z", "to": "2020-02-01T00:00:00Z"}),
    )
    .await;
    assert_eq!(status, 422, "{p}");
    assert_eq!(field(&p), "timeRange");

    for (query, status_want, want) in [
        ("w.a/similar?threshold=1.5", 422, "threshold"),
        ("w.a/similar?threshold=-0.1", 422, "threshold"),
        ("w.a/similar?limit=0", 422, "limit"),
        ("w.a/similar?limit=201", 422, "limit"),
        ("w.a/similar?time_range=13d", 422, "time_range"),
    ] {
        let (status, p) = app.get_task(query).await;
        assert_eq!(status, status_want, "{query}: {p}");
        assert_eq!(field(&p), want, "{query}: {p}");
    }
    let (status, p) = app.get_task("w.nope/similar").await;
    assert_eq!(status, 404, "{p}");
    let (status, p) = app.get_task("w.a/similar?threshold=abc").await;
    assert_eq!(status, 400, "{p}");
    // The twin is the most similar task, scoring 1 on every aspect.
    let (status, a) = app.get_task("w.a/similar?time_range=7d").await;
    assert_eq!(status, 200, "{a}");
    assert_eq!(a["similar"][0]["task"]["taskId"], "w.b", "{a}");
    // 1 up to the rounding of Postgres' avg/stddev of the same logs summed in another order.
    assert!(f(&a["similar"][0]["similarityScore"]) > 1.0 - 1e-9, "{a}");
}
