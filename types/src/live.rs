//! The WebSocket protocol of spec §4: client actions and server messages.

use serde::{Deserialize, Serialize};

/// Client → server: `{"action":"subscribe","topic":"task:etl.extract","taskId":"etl.extract"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientMessage {
    pub action: ClientAction,
    pub topic: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientAction {
    Subscribe,
    Unsubscribe,
}

/// Server → client: `{"type":"task_execution","taskId":"...","payload":{...}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerMessage {
    #[serde(rename = "type")]
    pub kind: ServerMessageKind,
    pub task_id: Option<String>,
    pub payload: serde_json::Value,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServerMessageKind {
    TaskExecution,
    TaskFailure,
    PatternDetected,
}
