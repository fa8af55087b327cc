//! Failure prediction (issue #15): `POST /tasks/{task_id}/predict-failure` and
//! `GET /tasks/{task_id}/failure-model`.
//!
//! * **Training** ([`train`]): the task's latest [`db::prediction::MAX_MODEL_EXECUTIONS`]
//!   executions before an instant, with the upstream failures of their runs, go through
//!   [`analytics::predict::assess`] (time-ordered split, the model measured on the later 20 %
//!   beside three baselines, then refitted on everything to serve). A task with too little
//!   history of its own (fewer than 50 finished attempts, or fewer than 5 of either outcome) is
//!   pooled with its workflow's tasks ([`analytics::predict::assess_pooled`], at most
//!   [`MAX_POOLED_TASKS`] tasks sharing [`db::prediction::MAX_POOLED_EXECUTIONS`]). When the
//!   pool is too thin as well, there is no model: the answer carries the observed failure rate,
//!   `riskLevel: unknown`, confidence 0 and the reason.
//! * **Serving.** The current model's metadata is stored (`failure_models`, one row a task);
//!   the fitted model lives in each process's memory, keyed by the row's `trained_at`. A
//!   replica that has not trained it refits on the same history (executions that started up to
//!   the row's `newest_start`), so every replica serves the same model. `asOf` trains on the
//!   history before that instant only (cached by instant, never stored).
//! * **Retraining** ([`retrain_models`], a leader-only background job): a stored model is
//!   refitted once [`RETRAIN_AFTER`] executions arrived after its newest one, or once it is
//!   older than [`RETRAIN_AGE`] and anything arrived.

use std::collections::HashMap;
use std::sync::Arc;

use analytics::execution::Execution;
use analytics::predict::{self, Assessment, Family, PredictError};
use chrono::{DateTime, Duration, Utc};
use db::executions::TaskRef;
use db::prediction::{MAX_MODEL_EXECUTIONS, MAX_POOLED_EXECUTIONS};
use types::{
    Baselines, CalibrationBin, FailureModel, FailureModelSummary, FailurePrediction, FeatureWeight,
    ModelBasis, ModelQuality, PredictFailureRequest, RiskFactor, RiskLevel, TaskKey, TimeWindow,
};

use crate::{ServiceError, Services};

/// Executions arriving after a model's newest one that make the retraining job refit it.
pub const RETRAIN_AFTER: i64 = 200;
/// Age after which a model is refitted when anything new arrived.
pub const RETRAIN_AGE: Duration = Duration::hours(24);
/// Models the retraining job looks at per run (the longest untrained first).
pub const RETRAIN_BATCH: i64 = 100;
/// Most tasks of a workflow a pooled model reads (by key).
pub const MAX_POOLED_TASKS: usize = 100;

/// A model as one process serves it.
#[derive(Debug)]
pub struct Trained {
    /// `None`: too little history (see [`Trained::reason`]).
    assessment: Option<Assessment>,
    reason: Option<String>,
    report: FailureModel,
    trained_at: DateTime<Utc>,
    newest_start: Option<DateTime<Utc>>,
    upstream: Vec<String>,
}

/// Process-wide cache of fitted models, keyed by task and instant (the stored `trained_at`,
/// or `asOf`).
pub type ModelCache = moka::future::Cache<(uuid::Uuid, i64, bool), Arc<Trained>>;

pub(crate) fn model_cache() -> ModelCache {
    moka::future::Cache::builder()
        .max_capacity(2_000)
        .time_to_live(std::time::Duration::from_secs(7 * 86_400))
        .build()
}

/// The task's failure model: features and weights, training window, and its measured quality
/// beside the baselines (see the module documentation).
pub async fn failure_model(s: &Services, key: &str) -> Result<FailureModel, ServiceError> {
    let task = crate::tasks::find(s, key).await?;
    Ok(current_model(s, &task).await?.report.clone())
}

/// P(the planned attempt fails) under `req.conditions` (absent ones typical), with its risk
/// factors, from the current model or one trained before `req.asOf`.
pub async fn predict_failure(
    s: &Services,
    key: &str,
    req: PredictFailureRequest,
) -> Result<FailurePrediction, ServiceError> {
    let c = &req.conditions;
    for (i, k) in c.unhealthy_dependencies.iter().flatten().enumerate() {
        TaskKey::parse(k).map_err(|e| {
            ServiceError::invalid(
                &format!("conditions.unhealthyDependencies[{i}]"),
                e.to_string(),
            )
        })?;
    }
    if let Some(h) = &c.host
        && (h.is_empty() || h.chars().count() > 255 || h.contains('\0'))
    {
        return Err(ServiceError::invalid(
            "conditions.host",
            "a host name is 1 to 255 characters without NUL",
        ));
    }
    for (field, t) in [("conditions.startTime", c.start_time), ("asOf", req.as_of)] {
        use chrono::Datelike;
        if t.is_some_and(|t| !(1970..=9999).contains(&t.year())) {
            return Err(ServiceError::invalid(
                field,
                "must lie between the years 1970 and 9999",
            ));
        }
    }
    let task = crate::tasks::find(s, key).await?;
    let now = Utc::now();
    let at = req.as_of.map_or(now, |t| t.min(now));
    let trained = match req.as_of {
        Some(t) => as_of_model(s, &task, t).await?,
        None => current_model(s, &task).await?,
    };
    let base_rate = trained.report.base_rate;
    let mut ignored = Vec::new();
    if c.cpu_usage.is_some() {
        ignored.push(
            "cpuUsage: not a model feature (CPU use is only measured after an attempt ends)"
                .to_owned(),
        );
    }
    let Some(a) = &trained.assessment else {
        return Ok(FailurePrediction {
            task_id: task.task_key,
            predicted_failure_rate: base_rate,
            risk_level: RiskLevel::Unknown,
            risk_factors: Vec::new(),
            recommended_action: "Too little history for a model: the observed failure rate is \
                                 given instead. Predictions start once the task (or its workflow) \
                                 has enough finished attempts of both outcomes."
                .to_owned(),
            confidence: 0.0,
            reason: trained.reason.clone(),
            ignored_conditions: ignored,
            model: None,
        });
    };
    // The task's failure rate over its previous finished attempts, as the model saw it.
    let recent = db::executions::latest_task_executions(
        &s.pool,
        &task,
        &TimeWindow { from: None, to: at },
        (predict::RECENT * 5) as i64,
    )
    .await?;
    let finished: Vec<bool> = recent
        .iter()
        .filter_map(|e| predict::outcome(e.status))
        .collect();
    let last = &finished[finished.len().saturating_sub(predict::RECENT)..];
    let recent_failure_rate = if last.is_empty() {
        0.0
    } else {
        last.iter().filter(|&&f| f).count() as f64 / last.len() as f64
    };

    let served = &a.served;
    let families = served.encoder.families();
    let mut typical: Vec<Family> = Vec::new();
    let start = c.start_time.unwrap_or(at);
    let mut planned = Execution::new(
        "planned",
        task.task_key.clone(),
        "planned",
        types::ExecutionStatus::Running,
        start.timestamp_millis(),
        None,
    );
    planned.attempt = c.attempt_number.map_or(1, |n| n.get());
    match &c.host {
        Some(h) => planned.host = Some(h.clone()),
        None => typical.push(Family::Host),
    }
    match c.input_size_bytes {
        Some(b) => planned.input_size_bytes = Some(b as f64),
        None => typical.push(Family::InputSize),
    }
    let given = c.attributes.clone().unwrap_or_default();
    for f in &families {
        if let Family::Attribute(name) = f
            && !given.contains_key(name)
            && !typical.contains(f)
        {
            typical.push(f.clone());
        }
    }
    for name in given.keys() {
        if !families.contains(&Family::Attribute(name.clone())) {
            ignored.push(format!(
                "attributes.{name}: not in the model (not seen in training, or no value of it \
                 carried a signal)"
            ));
        }
    }
    planned.attributes = given.into_iter().collect();
    let upstream_failures = match &c.unhealthy_dependencies {
        Some(keys) => {
            let mut n = 0;
            for k in keys {
                if trained.upstream.contains(k) {
                    n += 1;
                } else {
                    ignored.push(format!(
                        "unhealthyDependencies: {k:?} is not an upstream task of {:?}",
                        task.task_key
                    ));
                }
            }
            n
        }
        None => {
            typical.push(Family::UpstreamFailures);
            0
        }
    };
    let sample = predict::Sample {
        execution: &planned,
        recent_failure_rate,
        upstream_failures,
    };
    let (p, contributions) = served.predict_planned(&sample, &typical);
    let risk_factors: Vec<RiskFactor> = contributions
        .iter()
        .filter(|c| c.log_odds != 0.0)
        .map(|c| RiskFactor {
            factor: format!("{} ({})", c.family.label(), c.strongest),
            risk_increase: c.risk_increase,
            log_odds: c.log_odds,
            mitigation: if c.risk_increase > 0.0 {
                c.family.mitigation()
            } else {
                "Lowers the risk: keep it so.".to_owned()
            },
        })
        .collect();
    let level = predict::risk_level(p);
    let top = contributions
        .iter()
        .find(|c| c.risk_increase > 0.0)
        .map(|c| c.family.mitigation());
    let recommended_action = match (level, top) {
        (RiskLevel::Low, _) | (_, None) => format!(
            "Run as planned: the predicted failure probability is {:.1} % (the task's \
             observed rate is {:.1} %).",
            100.0 * p,
            100.0 * base_rate.unwrap_or(0.0)
        ),
        (RiskLevel::Medium, Some(m)) => format!("Run, and watch it. {m}"),
        (_, Some(m)) => format!("Act before running it. {m}"),
    };
    let report = &trained.report;
    Ok(FailurePrediction {
        task_id: task.task_key,
        predicted_failure_rate: Some(p),
        risk_level: level,
        risk_factors,
        recommended_action,
        confidence: predict::confidence(&a.quality, a.train_samples),
        reason: None,
        ignored_conditions: ignored,
        model: match (&report.basis, &report.quality) {
            (Some(basis), Some(quality)) => Some(FailureModelSummary {
                basis: basis.clone(),
                quality: quality.clone(),
            }),
            _ => None,
        },
    })
}

/// The stored model of the task, trained (and stored) now when there is none.
async fn current_model(s: &Services, task: &TaskRef) -> Result<Arc<Trained>, ServiceError> {
    match db::prediction::stored_model(&s.pool, task.id).await? {
        Some(row) => {
            let key = (task.id, row.trained_at.timestamp_micros(), false);
            // The same history the stored model saw: executions up to its newest one.
            let before = row
                .newest_start
                .map_or(row.trained_at, |t| t + Duration::microseconds(1));
            s.models
                .try_get_with(key, async {
                    train(s, task, before, None, row.trained_at)
                        .await
                        .map(Arc::new)
                })
                .await
                .map_err(|e| clone_error(&e))
        }
        None => {
            let key = (task.id, i64::MIN, false);
            let trained = s
                .models
                .try_get_with(key, async {
                    let t = Arc::new(train(s, task, Utc::now(), None, Utc::now()).await?);
                    store(s, task, &t).await?;
                    Ok::<_, ServiceError>(t)
                })
                .await
                .map_err(|e| clone_error(&e))?;
            s.models.invalidate(&key).await;
            s.models
                .insert(
                    (task.id, trained.trained_at.timestamp_micros(), false),
                    trained.clone(),
                )
                .await;
            Ok(trained)
        }
    }
}

async fn as_of_model(
    s: &Services,
    task: &TaskRef,
    as_of: DateTime<Utc>,
) -> Result<Arc<Trained>, ServiceError> {
    s.models
        .try_get_with((task.id, as_of.timestamp_micros(), true), async {
            train(s, task, as_of, Some(as_of), Utc::now())
                .await
                .map(Arc::new)
        })
        .await
        .map_err(|e| clone_error(&e))
}

fn clone_error(e: &ServiceError) -> ServiceError {
    match e {
        ServiceError::Invalid { param, message } => ServiceError::invalid(param, message.clone()),
        ServiceError::NotFound(what) => ServiceError::NotFound(what.clone()),
        ServiceError::Analysis => ServiceError::Analysis,
        // A training shared by concurrent callers failed: each gets the same class of error.
        ServiceError::Db(d) => ServiceError::Db(d.shared()),
    }
}

/// Refits stored models that new executions made stale (see the module documentation);
/// returns how many it refitted.
pub async fn retrain_models(s: &Services) -> Result<usize, ServiceError> {
    let now = Utc::now();
    let mut refitted = 0;
    for m in db::prediction::stored_models(&s.pool, RETRAIN_BATCH).await? {
        s.worker
            .foreground()
            .give_way(std::time::Duration::from_secs(2))
            .await;
        let new =
            db::prediction::executions_since(&s.pool, m.task.id, m.newest_start, RETRAIN_AFTER)
                .await?;
        let due = new >= RETRAIN_AFTER || (new > 0 && now - m.trained_at >= RETRAIN_AGE);
        if !due {
            continue;
        }
        let trained = Arc::new(train(s, &m.task, now, None, now).await?);
        store(s, &m.task, &trained).await?;
        s.models
            .insert(
                (m.task.id, trained.trained_at.timestamp_micros(), false),
                trained,
            )
            .await;
        refitted += 1;
    }
    Ok(refitted)
}

async fn store(s: &Services, task: &TaskRef, t: &Trained) -> Result<(), ServiceError> {
    let q = t.report.quality.as_ref();
    let basis = t.report.basis.as_ref();
    db::prediction::store_model(
        &s.pool,
        &db::prediction::FailureModelRow {
            task_id: task.id,
            trained_at: t.trained_at,
            scope: basis.map_or_else(|| "none".to_owned(), |b| b.scope.clone()),
            newest_start: t.newest_start,
            train_samples: basis.map_or(0, |b| i32::try_from(b.train_samples).unwrap_or(i32::MAX)),
            test_samples: basis.map_or(0, |b| i32::try_from(b.test_samples).unwrap_or(i32::MAX)),
            lambda: basis.map(|b| b.lambda),
            accuracy: q.map(|q| q.accuracy),
            roc_auc: q.and_then(|q| q.roc_auc),
            brier: q.map(|q| q.brier_score),
            expected_calibration_error: q.map(|q| q.expected_calibration_error),
            report: serde_json::to_value(&t.report).unwrap_or_default(),
        },
    )
    .await?;
    Ok(())
}

fn to_time(ms: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_millis(ms)
}

/// Finished attempts and failed ones among them.
fn failure_rate(execs: &[Execution]) -> (usize, usize) {
    let outcomes = execs.iter().filter_map(|e| predict::outcome(e.status));
    outcomes.fold((0, 0), |(n, f), failed| (n + 1, f + usize::from(failed)))
}

/// Fits the task's model on its executions that started before `before` (pooled with its
/// workflow's tasks when it has too little history of its own).
async fn train(
    s: &Services,
    task: &TaskRef,
    before: DateTime<Utc>,
    as_of: Option<DateTime<Utc>>,
    trained_at: DateTime<Utc>,
) -> Result<Trained, ServiceError> {
    let _slot = s
        .analysis_slots
        .acquire()
        .await
        .map_err(|_| ServiceError::Analysis)?;
    let (own, upstream_keys) = tokio::try_join!(
        async {
            Ok::<_, ServiceError>(
                db::prediction::task_history(&s.pool, task, before, MAX_MODEL_EXECUTIONS).await?,
            )
        },
        async { Ok(db::prediction::upstream_keys(&s.pool, task.id).await?) },
    )?;
    let (execs, upstream) = own;
    let newest_start = execs.iter().map(|e| e.start_ms).max().and_then(to_time);
    let (finished, failed) = failure_rate(&execs);
    let base_rate = (finished > 0).then(|| failed as f64 / finished as f64);
    let capped = execs.len() as i64 >= MAX_MODEL_EXECUTIONS;
    let key = task.task_key.clone();
    let (execs, upstream, own) = crate::tasks::compute(move || {
        let up: HashMap<&str, u32> = upstream.iter().map(|(k, n)| (k.as_str(), *n)).collect();
        let own = predict::assess(&predict::samples(&execs, &up));
        (execs, upstream, own)
    })
    .await?;
    let mut basis = ModelBasis {
        scope: "task".to_owned(),
        tasks: vec![key.clone()],
        execution_cap: u32::try_from(MAX_MODEL_EXECUTIONS).unwrap_or(u32::MAX),
        capped,
        as_of,
        train_share: predict::TRAIN_SHARE,
        trained_at: Some(trained_at),
        note: "Quality is measured on the later part of the history with the model fitted on \
               the earlier part; the served model is refitted on every finished attempt with \
               the same procedure."
            .to_owned(),
        ..ModelBasis::default()
    };
    let (assessment, reason, newest_start) = match own {
        Ok(a) => (Some(a), None, newest_start),
        Err(e @ (PredictError::TooFew(_) | PredictError::OneSided { .. })) => {
            let own_reason = format!("its own history: {e}");
            match pooled(s, task, before, execs, upstream).await? {
                Some((Ok(a), tasks, capped, newest)) => {
                    basis.scope = "workflow".to_owned();
                    basis.tasks = tasks;
                    basis.capped = capped;
                    basis.note = format!(
                        "Pooled with the workflow's tasks ({own_reason}); each task keeps its \
                         own indicator. {}",
                        basis.note
                    );
                    (Some(a), None, newest.max(newest_start))
                }
                Some((Err(p), ..)) => (
                    None,
                    Some(format!(
                        "{own_reason}; pooled with its workflow's tasks: {p}"
                    )),
                    newest_start,
                ),
                None => (None, Some(own_reason), newest_start),
            }
        }
        Err(e) => return Err(ServiceError::invalid("task_id", e.to_string())),
    };
    let report = match &assessment {
        Some(a) => report(&key, a, basis, base_rate),
        None => FailureModel {
            task_id: key,
            reason: reason.clone(),
            base_rate,
            ..FailureModel::default()
        },
    };
    Ok(Trained {
        assessment,
        reason,
        report,
        trained_at,
        newest_start,
        upstream: upstream_keys,
    })
}

type PooledOutcome = (
    Result<Assessment, PredictError>,
    Vec<String>,
    bool,
    Option<DateTime<Utc>>,
);

/// The workflow's pooled model for `task`, or `None` when the task is its workflow's only one.
async fn pooled(
    s: &Services,
    task: &TaskRef,
    before: DateTime<Utc>,
    own: Vec<Execution>,
    own_upstream: HashMap<String, u32>,
) -> Result<Option<PooledOutcome>, ServiceError> {
    let mut tasks = db::prediction::workflow_tasks(&s.pool, task.workflow_id).await?;
    if tasks.len() < 2 {
        return Ok(None);
    }
    // The task itself first, then the others by key, at most MAX_POOLED_TASKS in all.
    tasks.retain(|t| t.id != task.id);
    tasks.truncate(MAX_POOLED_TASKS - 1);
    let share = (MAX_POOLED_EXECUTIONS / (tasks.len() as i64 + 1)).min(MAX_MODEL_EXECUTIONS);
    let mut histories = vec![own];
    let mut upstream = own_upstream;
    let mut capped = false;
    for t in &tasks {
        let (e, u) = db::prediction::task_history(&s.pool, t, before, share).await?;
        capped |= e.len() as i64 >= share;
        histories.push(e);
        upstream.extend(u);
    }
    let names: Vec<String> = std::iter::once(task.task_key.clone())
        .chain(tasks.iter().map(|t| t.task_key.clone()))
        .collect();
    let newest = histories
        .iter()
        .flatten()
        .map(|e| e.start_ms)
        .max()
        .and_then(to_time);
    let key = task.task_key.clone();
    let outcome = crate::tasks::compute(move || {
        let up: HashMap<&str, u32> = upstream.iter().map(|(k, n)| (k.as_str(), *n)).collect();
        let slices: Vec<&[Execution]> = histories.iter().map(Vec::as_slice).collect();
        predict::assess_pooled(&predict::pooled_samples(&slices, &up), &key)
    })
    .await?;
    Ok(Some((outcome, names, capped, newest)))
}

fn quality(q: &predict::Quality) -> ModelQuality {
    ModelQuality {
        samples: q.samples as u64,
        failures: q.failures as u64,
        accuracy: q.accuracy,
        roc_auc: q.roc_auc,
        brier_score: q.brier,
        expected_calibration_error: q.expected_calibration_error,
        calibration: q
            .bins
            .iter()
            .map(|b| CalibrationBin {
                low: b.low,
                high: b.high,
                count: b.count as u64,
                mean_predicted: (b.count > 0).then_some(b.mean_predicted),
                observed_rate: (b.count > 0).then_some(b.observed_rate),
            })
            .collect(),
    }
}

fn report(key: &str, a: &Assessment, basis: ModelBasis, base_rate: Option<f64>) -> FailureModel {
    let served = &a.served;
    let mut features: Vec<FeatureWeight> = served
        .encoder
        .names()
        .into_iter()
        .zip(served.encoder.families())
        .zip(served.model.weights.iter().zip(served.encoder.scale()))
        .filter(|(_, (w, _))| **w != 0.0)
        .map(|((feature, family), (w, &(mean, sd)))| FeatureWeight {
            feature,
            family: family.label(),
            weight: *w,
            mean,
            sd,
        })
        .collect();
    features.sort_by(|a, b| b.weight.abs().total_cmp(&a.weight.abs()));
    FailureModel {
        task_id: key.to_owned(),
        basis: Some(ModelBasis {
            train_from: to_time(a.train_window.0),
            train_to: to_time(a.train_window.1),
            test_from: to_time(a.test_window.0),
            test_to: to_time(a.test_window.1),
            train_samples: a.train_samples as u64,
            test_samples: a.test_samples as u64,
            lambda: served.model.lambda,
            ..basis
        }),
        intercept: Some(served.model.intercept),
        features,
        quality: Some(quality(&a.quality)),
        baselines: Some(Baselines {
            majority_class: quality(&a.baselines.majority_class),
            historical_rate: quality(&a.baselines.historical_rate),
            same_as_last_attempt: quality(&a.baselines.same_as_last_attempt),
        }),
        reason: None,
        base_rate,
    }
}
