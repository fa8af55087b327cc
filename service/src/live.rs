//! Live updates: one `LISTEN tasklens_ingest` per process turns every replica's committed
//! ingests into messages for this process's WebSocket subscribers.
//!
//! * **Fan-out.** [`Services::start_live`] runs the listener under the worker. Each
//!   notification names the touched tasks and workflows and the ids of each task's newest (and
//!   newest failed) execution; the listener reads those executions in one query and publishes a
//!   `task_execution` (and `task_failure`) message per task to the task's and its workflow's
//!   topics, on one broadcast channel every connection listens to ([`Live::subscribe`]). Local
//!   ingests take the same path as other replicas' ones, so every replica sends the same.
//! * **Reconnect.** When the listener's connection drops, every connection is told
//!   `degraded`; the listener reconnects with exponential backoff (100 ms doubling to 10 s)
//!   and then says `resumed` with `refetch: true`, since notifications sent in between are lost.
//! * **Backpressure.** A [`Session`] keeps the latest message per (topic, type, task) until
//!   its socket takes it, so a slow client gets coalesced updates (each carrying how many it
//!   replaced) and memory stays bounded: at most [`MAX_PENDING`] pending messages per
//!   connection; beyond that they are dropped for one `lagged` notice. The server disconnects a
//!   client whose socket accepts nothing for [`LiveLimits::send_timeout`].

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::sync::broadcast;
use types::{
    ClientAction, ClientMessage, ExecutionStatus, LiveExecution, MAX_CLIENT_FRAME_BYTES,
    MAX_SUBSCRIPTIONS, ServerMessage, ServerMessageKind, Topic,
};

use crate::Services;

/// Messages kept for a connection that has not taken them yet; more are dropped for one
/// `lagged` notice.
pub const MAX_PENDING: usize = 1_024;
/// Published events kept for connections busy elsewhere (their loops only move events into
/// their outboxes, so only a burst of this size makes one lag).
pub const LIVE_BACKLOG: usize = 4_096;

/// Timing of WebSocket connections.
#[derive(Debug, Clone, Copy)]
pub struct LiveLimits {
    /// The server pings this often.
    pub ping_every: Duration,
    /// A connection from which nothing (not even a pong) arrives this long is closed.
    pub idle_timeout: Duration,
    /// A connection whose socket accepts nothing this long is closed as too slow.
    pub send_timeout: Duration,
}

impl Default for LiveLimits {
    fn default() -> Self {
        LiveLimits {
            ping_every: Duration::from_secs(20),
            idle_timeout: Duration::from_secs(60),
            send_timeout: Duration::from_secs(10),
        }
    }
}

/// One published event: a message for the subscribers of any of `topics`, or for everyone.
#[derive(Debug)]
pub enum LiveEvent {
    Update {
        topics: Vec<Topic>,
        message: ServerMessage,
    },
    /// `degraded`, `resumed`, `lagged`: to every connection.
    Everyone(ServerMessage),
}

/// This process's hub of live updates.
#[derive(Debug, Clone)]
pub struct Live {
    tx: broadcast::Sender<Arc<LiveEvent>>,
    degraded: Arc<AtomicBool>,
    pub limits: LiveLimits,
}

impl Default for Live {
    fn default() -> Self {
        Live {
            tx: broadcast::channel(LIVE_BACKLOG).0,
            degraded: Arc::default(),
            limits: LiveLimits::default(),
        }
    }
}

impl Live {
    /// Every event published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<LiveEvent>> {
        self.tx.subscribe()
    }

    /// Whether the listener is down now (a new connection is told at once).
    pub fn is_degraded(&self) -> bool {
        self.degraded.load(Ordering::Relaxed)
    }

    pub fn publish(&self, event: LiveEvent) {
        let _ = self.tx.send(Arc::new(event));
    }

    fn set_degraded(&self, down: bool, why: &str) {
        if self.degraded.swap(down, Ordering::Relaxed) == down {
            return;
        }
        metrics::gauge!("tasklens_live_degraded").set(if down { 1.0 } else { 0.0 });
        let message = if down {
            tracing::warn!(reason = why, "live updates degraded: listener lost");
            ServerMessage::notice(
                ServerMessageKind::Degraded,
                None,
                format!("live updates paused: {why}; reconnecting"),
                false,
            )
        } else {
            tracing::info!("live updates resumed");
            ServerMessage::notice(
                ServerMessageKind::Resumed,
                None,
                "live updates resumed; updates while degraded may be missed: refetch",
                true,
            )
        };
        self.publish(LiveEvent::Everyone(message));
    }
}

impl Services {
    /// Runs the process's listener under the worker until shutdown (see the module docs).
    pub fn start_live(&self) {
        let s = self.clone();
        self.worker.spawn(move |stop| async move {
            tokio::select! {
                () = stop.cancelled() => {}
                () = listen(s) => {}
            }
        });
    }
}

/// Backoff between reconnection attempts: 100 ms doubling to 10 s.
fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(100u64.saturating_mul(1 << attempt.min(7))).min(Duration::from_secs(10))
}

async fn listen(s: Services) {
    let mut attempt = 0;
    loop {
        let mut listener = match db::live::IngestListener::connect(&s.pool).await {
            Ok(l) => l,
            Err(e) => {
                s.live.set_degraded(true, "database unreachable");
                tracing::debug!(error = %e, attempt, "live listener could not connect");
                tokio::time::sleep(backoff(attempt)).await;
                attempt += 1;
                continue;
            }
        };
        attempt = 0;
        s.live.set_degraded(false, "");
        loop {
            match listener.recv().await {
                db::live::Heard::Notice(n) => fan_out(&s, n).await,
                db::live::Heard::Unreadable(p) => {
                    tracing::warn!(payload = %p, "unreadable ingest notification skipped");
                }
                db::live::Heard::Lost => {
                    s.live.set_degraded(true, "connection to the database lost");
                    break;
                }
            }
        }
    }
}

/// Turns one notification into messages: per task its newest execution and newest failure.
async fn fan_out(s: &Services, n: db::live::IngestNotice) {
    metrics::counter!("tasklens_live_notifications_total").increment(1);
    let rows = match db::live::executions_by_id(&s.pool, &n.executions).await {
        Ok(rows) => rows,
        Err(e) => {
            tracing::warn!(error = %e, "reading notified executions failed; sending keys only");
            Vec::new()
        }
    };
    let mut by_task: HashMap<&str, Vec<&db::live::LiveExecutionRow>> = HashMap::new();
    for r in &rows {
        by_task.entry(r.task_key.as_str()).or_default().push(r);
    }
    let mut covered: BTreeSet<&str> = BTreeSet::new();
    for task in &n.tasks {
        let Ok(key) = types::TaskKey::parse(task.as_str()) else {
            continue;
        };
        let rows = by_task.get(task.as_str()).map(Vec::as_slice).unwrap_or(&[]);
        let latest = rows.iter().max_by_key(|r| r.start_time);
        let failed = rows
            .iter()
            .filter(|r| status_of(r).is_some_and(ExecutionStatus::is_failure))
            .max_by_key(|r| r.start_time);
        let mut topics = vec![Topic::Task(key)];
        if let Some(r) = latest {
            covered.insert(r.workflow_key.as_str());
            if let Ok(w) = types::WorkflowKey::parse(r.workflow_key.as_str()) {
                topics.push(Topic::Workflow(w));
            }
        }
        let message = |kind, r: Option<&&db::live::LiveExecutionRow>| ServerMessage {
            kind,
            task_id: Some(task.clone()),
            topic: None,
            payload: serde_json::to_value(live_execution(task, r)).unwrap_or_default(),
        };
        s.live.publish(LiveEvent::Update {
            topics: topics.clone(),
            message: message(ServerMessageKind::TaskExecution, latest),
        });
        if failed.is_some() {
            s.live.publish(LiveEvent::Update {
                topics,
                message: message(ServerMessageKind::TaskFailure, failed),
            });
        }
    }
    // Workflows whose tasks the notification could not detail: a keys-only update.
    for w in n.workflows.iter().filter(|w| !covered.contains(w.as_str())) {
        let Ok(key) = types::WorkflowKey::parse(w.as_str()) else {
            continue;
        };
        let payload = LiveExecution {
            workflow_id: Some(w.clone()),
            refetch: true,
            ..LiveExecution::default()
        };
        s.live.publish(LiveEvent::Update {
            topics: vec![Topic::Workflow(key)],
            message: ServerMessage {
                kind: ServerMessageKind::TaskExecution,
                task_id: None,
                topic: None,
                payload: serde_json::to_value(payload).unwrap_or_default(),
            },
        });
    }
    if n.truncated {
        s.live.publish(LiveEvent::Everyone(ServerMessage::notice(
            ServerMessageKind::Lagged,
            None,
            "an ingest touched more tasks than its notification could name: refetch",
            true,
        )));
    }
}

fn status_of(r: &db::live::LiveExecutionRow) -> Option<ExecutionStatus> {
    ExecutionStatus::try_from(r.status.clone()).ok()
}

fn live_execution(task: &str, r: Option<&&db::live::LiveExecutionRow>) -> LiveExecution {
    match r {
        Some(r) => LiveExecution {
            task_id: Some(task.to_owned()),
            workflow_id: Some(r.workflow_key.clone()),
            execution_id: Some(r.execution_key.clone()),
            workflow_execution_id: Some(r.workflow_execution_key.clone()),
            status: status_of(r),
            start_time: Some(r.start_time),
            end_time: r.end_time,
            duration_ms: r.duration_ms,
            attempt_number: r.attempt_number,
            error_type: r.error_type.clone(),
            refetch: false,
            coalesced: 0,
        },
        None => LiveExecution {
            task_id: Some(task.to_owned()),
            refetch: true,
            ..LiveExecution::default()
        },
    }
}

/// Why a connection must close.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseReason {
    /// Nothing from the client for the idle timeout.
    Idle,
    /// The socket accepted nothing for the send timeout.
    TooSlow,
}

impl CloseReason {
    pub fn as_str(self) -> &'static str {
        match self {
            CloseReason::Idle => "idle timeout",
            CloseReason::TooSlow => "too slow: messages not read",
        }
    }
}

/// One connection's subscriptions and outbox, independent of the socket: what a client frame
/// answers, and which pending message goes out next.
#[derive(Debug, Default)]
pub struct Session {
    topics: BTreeSet<Topic>,
    /// Replies to the client's own frames and notices to everyone, in order.
    control: VecDeque<ServerMessage>,
    /// Updates: order of first arrival, the latest message per key and how many it replaced.
    order: VecDeque<UpdateKey>,
    latest: HashMap<UpdateKey, (ServerMessage, u64)>,
    lagged: bool,
}

type UpdateKey = (String, ServerMessageKind, Option<String>);

impl Session {
    pub fn subscriptions(&self) -> usize {
        self.topics.len()
    }

    /// Messages waiting for the socket.
    pub fn pending(&self) -> usize {
        self.control.len() + self.order.len()
    }

    /// Handles one text frame from the client, queueing its reply.
    pub fn on_text(&mut self, text: &str) {
        if text.len() > MAX_CLIENT_FRAME_BYTES {
            return self.on_oversized(text.len());
        }
        let msg: ClientMessage = match serde_json::from_str(text) {
            Ok(m) => m,
            Err(e) => {
                return self.error(
                    None,
                    format!(
                        "malformed frame: {e}; expected {{\"action\": \"subscribe\"|\"unsubscribe\", \"topic\": \"task:<key>\"|\"workflow:<key>\"|\"pattern:<kind>\"|\"alerts\"}}"
                    ),
                );
            }
        };
        let topic = match Topic::parse(&msg.topic) {
            Ok(t) => t,
            Err(e) => {
                return self.error(Some(msg.topic.chars().take(300).collect()), e.to_string());
            }
        };
        let name = topic.to_string();
        match msg.action {
            ClientAction::Subscribe => {
                if !self.topics.contains(&topic) && self.topics.len() >= MAX_SUBSCRIPTIONS {
                    return self.error(
                        Some(name),
                        format!(
                            "too many subscriptions: at most {MAX_SUBSCRIPTIONS} per connection; unsubscribe from one first"
                        ),
                    );
                }
                self.topics.insert(topic);
                self.push_control(ServerMessage::notice(
                    ServerMessageKind::Subscribed,
                    Some(name),
                    "subscribed",
                    false,
                ));
            }
            ClientAction::Unsubscribe => {
                let was = self.topics.remove(&topic);
                self.push_control(ServerMessage::notice(
                    ServerMessageKind::Unsubscribed,
                    Some(name),
                    if was {
                        "unsubscribed"
                    } else {
                        "was not subscribed"
                    },
                    false,
                ));
            }
        }
    }

    /// A frame over [`MAX_CLIENT_FRAME_BYTES`] (or one the socket refused as too long).
    pub fn on_oversized(&mut self, len: usize) {
        self.error(
            None,
            format!("frame too large: {len} bytes, at most {MAX_CLIENT_FRAME_BYTES}"),
        );
    }

    /// A binary frame: the protocol is JSON text.
    pub fn on_binary(&mut self) {
        self.error(
            None,
            "binary frames are not part of the protocol: send JSON text".to_owned(),
        );
    }

    fn error(&mut self, topic: Option<String>, message: String) {
        metrics::counter!("tasklens_ws_client_errors_total").increment(1);
        self.push_control(ServerMessage::notice(
            ServerMessageKind::Error,
            topic,
            message,
            false,
        ));
    }

    fn push_control(&mut self, m: ServerMessage) {
        // A client that floods frames without reading the replies: keep the newest.
        if self.control.len() >= MAX_PENDING {
            self.control.pop_front();
        }
        self.control.push_back(m);
    }

    /// Queues what an event holds for this connection.
    pub fn offer(&mut self, event: &LiveEvent) {
        match event {
            LiveEvent::Everyone(m) => self.push_control(m.clone()),
            LiveEvent::Update { topics, message } => {
                let mine: Vec<&Topic> = topics.iter().filter(|t| self.topics.contains(t)).collect();
                for t in mine {
                    let mut m = message.clone();
                    let name = t.to_string();
                    m.topic = Some(name.clone());
                    self.push_update((name, m.kind, m.task_id.clone()), m);
                }
            }
        }
    }

    /// The broadcast dropped events before this connection saw them.
    pub fn on_lagged(&mut self, missed: u64) {
        self.push_control(ServerMessage::notice(
            ServerMessageKind::Lagged,
            None,
            format!("{missed} updates dropped before this connection took them: refetch"),
            true,
        ));
    }

    fn push_update(&mut self, key: UpdateKey, m: ServerMessage) {
        if let Some(slot) = self.latest.get_mut(&key) {
            slot.0 = m;
            slot.1 += 1;
            metrics::counter!("tasklens_ws_coalesced_total").increment(1);
            return;
        }
        if self.order.len() >= MAX_PENDING {
            // Bounded: drop everything pending for one notice rather than grow.
            self.order.clear();
            self.latest.clear();
            if !self.lagged {
                self.lagged = true;
                self.on_lagged(MAX_PENDING as u64);
            }
        }
        self.order.push_back(key.clone());
        self.latest.insert(key, (m, 0));
    }

    /// The next message for the socket: control messages first, then updates in order.
    pub fn next_message(&mut self) -> Option<ServerMessage> {
        if let Some(m) = self.control.pop_front() {
            return Some(m);
        }
        self.lagged = false;
        let key = self.order.pop_front()?;
        let (mut m, replaced) = self.latest.remove(&key)?;
        if replaced > 0
            && let Some(obj) = m.payload.as_object_mut()
        {
            obj.insert("coalesced".into(), replaced.into());
        }
        Some(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn update(task: &str, n: i64) -> LiveEvent {
        LiveEvent::Update {
            topics: vec![Topic::parse(&format!("task:{task}")).unwrap_or(Topic::Alerts)],
            message: ServerMessage {
                kind: ServerMessageKind::TaskExecution,
                task_id: Some(task.into()),
                topic: None,
                payload: serde_json::json!({ "durationMs": n }),
            },
        }
    }

    #[test]
    fn a_slow_connection_gets_the_latest_update_per_topic_with_how_many_it_replaced() {
        let mut s = Session::default();
        s.on_text(r#"{"action":"subscribe","topic":"task:a"}"#);
        s.on_text(r#"{"action":"subscribe","topic":"task:b"}"#);
        assert_eq!(
            s.next_message().map(|m| m.kind),
            Some(ServerMessageKind::Subscribed)
        );
        assert_eq!(
            s.next_message().map(|m| m.kind),
            Some(ServerMessageKind::Subscribed)
        );
        for n in 0..5 {
            s.offer(&update("a", n));
        }
        s.offer(&update("b", 7));
        s.offer(&update("c", 9)); // not subscribed
        assert_eq!(s.pending(), 2);
        let a = s.next_message().map(|m| m.payload);
        assert_eq!(
            a,
            Some(serde_json::json!({"durationMs": 4, "coalesced": 4}))
        );
        let b = s.next_message().map(|m| (m.topic, m.payload));
        assert_eq!(
            b,
            Some((Some("task:b".into()), serde_json::json!({"durationMs": 7})))
        );
        assert!(s.next_message().is_none());
    }

    #[test]
    fn pending_updates_stay_bounded_and_overflow_becomes_one_lagged_notice() {
        let mut s = Session::default();
        s.on_text(r#"{"action":"subscribe","topic":"workflow:w"}"#);
        s.next_message();
        let topic = vec![Topic::parse("workflow:w").unwrap_or(Topic::Alerts)];
        for i in 0..(3 * MAX_PENDING) {
            s.offer(&LiveEvent::Update {
                topics: topic.clone(),
                message: ServerMessage {
                    kind: ServerMessageKind::TaskExecution,
                    task_id: Some(format!("t{i}")),
                    topic: None,
                    payload: serde_json::json!({}),
                },
            });
            assert!(s.pending() <= MAX_PENDING + 1, "{}", s.pending());
        }
        assert_eq!(
            s.next_message().map(|m| m.kind),
            Some(ServerMessageKind::Lagged)
        );
    }

    #[test]
    fn backoff_doubles_from_100_ms_to_10_s() {
        assert_eq!(backoff(0), Duration::from_millis(100));
        assert_eq!(backoff(3), Duration::from_millis(800));
        assert_eq!(backoff(20), Duration::from_secs(10));
    }
}
