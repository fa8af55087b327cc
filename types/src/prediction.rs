//! Failure prediction (spec `predict_failure_likelihood`): the request's conditions, the
//! prediction with its risk factors, and the failure model with its measured quality.

use std::collections::BTreeMap;
use std::num::NonZeroU32;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ingest::AttributeValue;

/// `POST /tasks/{task_id}/predict-failure`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PredictFailureRequest {
    #[serde(default)]
    pub conditions: FailureConditions,
    /// Train on executions that started before this instant only (a backtest); without it the
    /// current model answers.
    pub as_of: Option<DateTime<Utc>>,
}

/// The planned attempt; every condition is optional (absent: typical, i.e. the training mean).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FailureConditions {
    /// When it will start (hour of day and weekday); default now (or `asOf`).
    pub start_time: Option<DateTime<Utc>>,
    pub host: Option<String>,
    pub input_size_bytes: Option<u64>,
    /// 1 for a first attempt.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<u32>, minimum = 1))]
    pub attempt_number: Option<NonZeroU32>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub attributes: Option<BTreeMap<String, AttributeValue>>,
    /// Expected CPU utilisation; accepted and reported, but not a model feature (it is only
    /// measured after an attempt ends).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<f64>, minimum = 0, maximum = 1))]
    pub cpu_usage: Option<CpuShare>,
    /// Upstream task keys that are failing now: counted as upstream failures in the run.
    pub unhealthy_dependencies: Option<Vec<String>>,
}

/// A utilisation in [0, 1].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct CpuShare(f64);

impl CpuShare {
    pub fn get(self) -> f64 {
        self.0
    }
}

impl TryFrom<f64> for CpuShare {
    type Error = String;
    fn try_from(v: f64) -> Result<Self, Self::Error> {
        if (0.0..=1.0).contains(&v) {
            Ok(CpuShare(v))
        } else {
            Err(format!("cpuUsage must be between 0 and 1, got {v}"))
        }
    }
}

impl From<CpuShare> for f64 {
    fn from(c: CpuShare) -> f64 {
        c.0
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum RiskLevel {
    /// Too little history for a model.
    #[default]
    Unknown,
    Low,
    Medium,
    High,
    Critical,
}

/// One feature family's share of the prediction.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct RiskFactor {
    /// e.g. `input size (input size decile 10)`.
    pub factor: String,
    /// The predicted probability minus the probability with this factor at its training mean
    /// (positive: it raises the risk).
    pub risk_increase: f64,
    /// Its contribution to the log-odds: Σ weight × standardised value over its columns.
    pub log_odds: f64,
    pub mitigation: String,
}

/// The answer of `POST /tasks/{task_id}/predict-failure`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct FailurePrediction {
    pub task_id: String,
    /// P(the attempt fails); with too little history, the task's observed failure rate (null
    /// without any finished attempt).
    pub predicted_failure_rate: Option<f64>,
    pub risk_level: RiskLevel,
    /// Largest effects first.
    pub risk_factors: Vec<RiskFactor>,
    pub recommended_action: String,
    /// 0 to 1: the model's test-part ROC AUC rescaled ((AUC − 0.5) · 2, floored at 0) times
    /// min(1, training attempts / 500); 0 without a model.
    pub confidence: f64,
    /// Why there is no model, when there is none.
    pub reason: Option<String>,
    /// Conditions given but not used by the model, and why.
    pub ignored_conditions: Vec<String>,
    pub model: Option<FailureModelSummary>,
}

/// What a prediction stands on.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct FailureModelSummary {
    pub basis: ModelBasis,
    pub quality: ModelQuality,
}

/// The data a model was trained and tested on.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ModelBasis {
    /// `task` (its own history) or `workflow` (pooled with the workflow's other tasks, a task
    /// indicator among the features).
    pub scope: String,
    /// Tasks whose history was used.
    pub tasks: Vec<String>,
    /// Most recent executions read per task (the cap).
    pub execution_cap: u32,
    /// Whether the cap cut older history off.
    pub capped: bool,
    /// Executions that started before this instant only (`asOf`), if given.
    pub as_of: Option<DateTime<Utc>>,
    pub train_from: Option<DateTime<Utc>>,
    pub train_to: Option<DateTime<Utc>>,
    pub test_from: Option<DateTime<Utc>>,
    pub test_to: Option<DateTime<Utc>>,
    pub train_samples: u64,
    pub test_samples: u64,
    /// Share of the finished attempts (oldest first) in the training part.
    pub train_share: f64,
    pub lambda: f64,
    pub trained_at: Option<DateTime<Utc>>,
    /// How the served model relates to the measured one.
    pub note: String,
}

/// Quality of probabilities on the held-out later part of the history.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ModelQuality {
    pub samples: u64,
    pub failures: u64,
    /// At a 0.5 threshold.
    pub accuracy: f64,
    /// Null when the test part has one outcome only.
    pub roc_auc: Option<f64>,
    pub brier_score: f64,
    pub expected_calibration_error: f64,
    pub calibration: Vec<CalibrationBin>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct CalibrationBin {
    pub low: f64,
    pub high: f64,
    pub count: u64,
    pub mean_predicted: Option<f64>,
    pub observed_rate: Option<f64>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct FeatureWeight {
    pub feature: String,
    /// Feature family (the unit of a risk factor).
    pub family: String,
    /// Weight on the standardised column.
    pub weight: f64,
    /// Training mean and standard deviation the column is standardised with.
    pub mean: f64,
    pub sd: f64,
}

/// The model's test-part quality beside the baselines it must beat.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Baselines {
    /// Always the training part's more common outcome.
    pub majority_class: ModelQuality,
    /// Always the training part's failure rate.
    pub historical_rate: ModelQuality,
    /// The task's previous finished attempt's outcome (0 or 1).
    pub same_as_last_attempt: ModelQuality,
}

/// The answer of `GET /tasks/{task_id}/failure-model`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct FailureModel {
    pub task_id: String,
    /// Null with too little history (see `reason`).
    pub basis: Option<ModelBasis>,
    pub intercept: Option<f64>,
    pub features: Vec<FeatureWeight>,
    pub quality: Option<ModelQuality>,
    pub baselines: Option<Baselines>,
    pub reason: Option<String>,
    /// Failure rate of the finished attempts read (null without any).
    pub base_rate: Option<f64>,
}
