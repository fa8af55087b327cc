//! The WebSocket protocol of spec §4 (`TaskMonitoringService`), served at `GET /ws`: what a
//! client sends ([`ClientMessage`], naming a [`Topic`]) and what the server pushes
//! ([`ServerMessage`]). Documented for clients in `docs/live.md`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{ExecutionStatus, KeyError, TaskKey, WorkflowKey};

/// Most topics one connection may subscribe to at once.
pub const MAX_SUBSCRIPTIONS: usize = 100;
/// Largest client frame the server reads, in bytes; a longer one is answered with an error
/// frame and otherwise ignored.
pub const MAX_CLIENT_FRAME_BYTES: usize = 4 * 1024;

/// Client → server: `{"action":"subscribe","topic":"task:etl.extract"}`. The spec's client also
/// sends `taskId`; it is accepted and ignored (the topic names the task).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientMessage {
    pub action: ClientAction,
    /// `task:<task key>`, `workflow:<workflow key>`, `pattern:<pattern>` or `alerts`.
    pub topic: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_id: Option<String>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientAction {
    Subscribe,
    Unsubscribe,
}

/// What a subscription follows.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Topic {
    /// `task:<key>`: executions and failures of one task.
    Task(TaskKey),
    /// `workflow:<key>`: executions and failures of every task of a workflow.
    Workflow(WorkflowKey),
    /// `pattern:<kind>`: patterns of one kind detected in newly ingested executions.
    Pattern(LivePattern),
    /// `alerts`: alerts as they fire.
    Alerts,
}

/// Kinds of pattern the incremental detector reports (`pattern:<kind>` topics).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LivePattern {
    Outlier,
    LevelShift,
    FailureBurst,
}

impl LivePattern {
    pub const ALL: [LivePattern; 3] = [Self::Outlier, Self::LevelShift, Self::FailureBurst];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Outlier => "outlier",
            Self::LevelShift => "level_shift",
            Self::FailureBurst => "failure_burst",
        }
    }
}

/// Why a topic string is refused; the error frame quotes it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TopicError {
    #[error("unknown topic {0:?}: expected task:<key>, workflow:<key>, pattern:<kind> or alerts")]
    Unknown(String),
    #[error("topic {topic:?}: the key {error}")]
    BadKey { topic: String, error: KeyError },
    #[error("unknown pattern {0:?}: expected outlier, level_shift or failure_burst")]
    UnknownPattern(String),
}

impl Topic {
    pub fn parse(raw: &str) -> Result<Self, TopicError> {
        let bad_key = |error| TopicError::BadKey {
            topic: raw.chars().take(300).collect(),
            error,
        };
        if raw == "alerts" {
            return Ok(Topic::Alerts);
        }
        if let Some(key) = raw.strip_prefix("task:") {
            return TaskKey::parse(key).map(Topic::Task).map_err(bad_key);
        }
        if let Some(key) = raw.strip_prefix("workflow:") {
            return WorkflowKey::parse(key)
                .map(Topic::Workflow)
                .map_err(bad_key);
        }
        if let Some(kind) = raw.strip_prefix("pattern:") {
            return LivePattern::ALL
                .into_iter()
                .find(|p| p.as_str() == kind)
                .map(Topic::Pattern)
                .ok_or_else(|| TopicError::UnknownPattern(kind.chars().take(300).collect()));
        }
        Err(TopicError::Unknown(raw.chars().take(300).collect()))
    }
}

impl std::fmt::Display for Topic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Topic::Task(k) => write!(f, "task:{k}"),
            Topic::Workflow(k) => write!(f, "workflow:{k}"),
            Topic::Pattern(p) => write!(f, "pattern:{}", p.as_str()),
            Topic::Alerts => f.write_str("alerts"),
        }
    }
}

/// Server → client: `{"type":"task_execution","taskId":"...","topic":"task:...","payload":{...}}`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerMessage {
    #[serde(rename = "type")]
    pub kind: ServerMessageKind,
    /// The task an execution or failure message is about.
    pub task_id: Option<String>,
    /// The subscription this message answers or is delivered for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    /// [`LiveExecution`] for `task_execution` and `task_failure`, [`LiveNotice`] otherwise.
    pub payload: serde_json::Value,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServerMessageKind {
    /// A task's newest execution in one committed ingest.
    TaskExecution,
    /// A task's newest failed execution in one committed ingest.
    TaskFailure,
    PatternDetected,
    /// The subscription is in place.
    Subscribed,
    Unsubscribed,
    /// A client frame was refused; the connection stays open.
    Error,
    /// The server lost its feed of new data: updates stop until `resumed`.
    Degraded,
    /// The feed is back; anything in between may be missed: refetch.
    Resumed,
    /// This connection fell behind and updates were dropped: refetch.
    Lagged,
}

/// The payload of `task_execution` and `task_failure`: the newest (failed) execution of the task
/// in one committed ingest, as stored.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveExecution {
    /// Absent in a workflow-wide update whose tasks the notification could not name.
    pub task_id: Option<String>,
    pub workflow_id: Option<String>,
    /// The caller's execution key.
    pub execution_id: Option<String>,
    pub workflow_execution_id: Option<String>,
    pub status: Option<ExecutionStatus>,
    pub start_time: Option<DateTime<Utc>>,
    pub end_time: Option<DateTime<Utc>>,
    pub duration_ms: Option<i64>,
    pub attempt_number: Option<i32>,
    pub error_type: Option<String>,
    /// The execution's details could not travel with the notification (a very large
    /// ingest): only the keys are known, refetch them.
    #[serde(default)]
    pub refetch: bool,
    /// Earlier updates of this topic dropped for this connection because it read too slowly
    /// (only the latest per topic is kept).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub coalesced: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// The payload of `subscribed`, `unsubscribed`, `error`, `degraded`, `resumed` and `lagged`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveNotice {
    pub message: String,
    /// Updates may have been missed: refetch what is shown.
    #[serde(default)]
    pub refetch: bool,
}

impl ServerMessage {
    pub fn notice(
        kind: ServerMessageKind,
        topic: Option<String>,
        message: impl Into<String>,
        refetch: bool,
    ) -> Self {
        ServerMessage {
            kind,
            task_id: None,
            topic,
            payload: serde_json::to_value(LiveNotice {
                message: message.into(),
                refetch,
            })
            .unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_parse_and_print_back() {
        for raw in [
            "task:etl.extract",
            "workflow:etl",
            "pattern:level_shift",
            "alerts",
        ] {
            assert_eq!(Topic::parse(raw).map(|t| t.to_string()), Ok(raw.to_owned()));
        }
        assert!(matches!(
            Topic::parse("queue:x"),
            Err(TopicError::Unknown(_))
        ));
        assert!(matches!(
            Topic::parse("task:"),
            Err(TopicError::BadKey { .. })
        ));
        assert!(matches!(
            Topic::parse("pattern:sunspots"),
            Err(TopicError::UnknownPattern(_))
        ));
    }

    #[test]
    fn a_server_message_is_camel_case_with_type() {
        let m = ServerMessage::notice(ServerMessageKind::Degraded, None, "x", false);
        let v = serde_json::to_value(&m).unwrap_or_default();
        assert_eq!(v["type"], "degraded");
        assert!(v.get("taskId").is_some());
    }
}
