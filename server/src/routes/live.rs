//! `GET /ws`: the live-updates WebSocket (protocol in `types::live`, documented in
//! `docs/live.md`). This file moves frames between the socket and a [`Session`] (which holds
//! the protocol) and enforces the connection's clocks: pings, the idle timeout and the send
//! timeout. Memory per connection is bounded by the session's outbox and a one-message channel
//! to the writer.

use std::time::{Duration, Instant};

use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use futures_util::{SinkExt, StreamExt};
use service::live::{CloseReason, Live, LiveEvent, LiveLimits, Session};
use tokio::sync::{broadcast, mpsc};
use tokio_util::sync::CancellationToken;
use types::{MAX_CLIENT_FRAME_BYTES, ServerMessage, ServerMessageKind};

use crate::startup::ServerState;

/// Frames up to this size are read and, over [`MAX_CLIENT_FRAME_BYTES`], answered with an
/// error frame; a larger one makes the WebSocket layer close the connection (1009).
const HARD_MAX_MESSAGE: usize = 64 * 1024;

/// Close codes (RFC 6455 §7.4.1).
const NORMAL: u16 = 1000;
const GOING_AWAY: u16 = 1001;
const POLICY: u16 = 1008;

pub async fn ws(State(state): State<ServerState>, upgrade: WebSocketUpgrade) -> Response {
    let live = state.services.live.clone();
    let stop = state.services.worker.stopping();
    upgrade
        .max_message_size(HARD_MAX_MESSAGE)
        .max_frame_size(HARD_MAX_MESSAGE)
        .on_upgrade(move |socket| connection(socket, live, stop))
}

/// Why the loop ended.
enum End {
    /// The client closed or the socket failed: nothing more to say.
    Gone,
    Close(CloseReason),
    ShuttingDown,
}

async fn connection(socket: WebSocket, live: Live, stop: CancellationToken) {
    metrics::gauge!("tasklens_ws_connections").increment(1.0);
    let limits = live.limits;
    let (sink, mut stream) = socket.split();
    // One message in hand for the writer: everything else waits, coalesced, in the session.
    let (tx, rx) = mpsc::channel::<Message>(1);
    let mut writer = tokio::spawn(write(sink, rx, limits));
    let mut events = live.subscribe();
    let mut session = Session::default();
    if live.is_degraded() {
        session.offer(&LiveEvent::Everyone(ServerMessage::notice(
            ServerMessageKind::Degraded,
            None,
            "live updates paused: the server is reconnecting to the database",
            false,
        )));
    }
    let mut ping = tokio::time::interval(limits.ping_every);
    ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ping.tick().await;
    let mut heard = Instant::now();
    let end = loop {
        tokio::select! {
            () = stop.cancelled() => break End::ShuttingDown,
            frame = stream.next() => match frame {
                Some(Ok(Message::Text(t))) => {
                    heard = Instant::now();
                    session.on_text(t.as_str());
                }
                Some(Ok(Message::Binary(b))) => {
                    heard = Instant::now();
                    if b.len() > MAX_CLIENT_FRAME_BYTES {
                        session.on_oversized(b.len());
                    } else {
                        session.on_binary();
                    }
                }
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => heard = Instant::now(),
                Some(Ok(Message::Close(_)) | Err(_)) | None => break End::Gone,
            },
            event = events.recv() => match event {
                Ok(e) => session.offer(&e),
                Err(broadcast::error::RecvError::Lagged(n)) => session.on_lagged(n),
                Err(broadcast::error::RecvError::Closed) => break End::ShuttingDown,
            },
            permit = tx.reserve(), if session.pending() > 0 => match permit {
                Ok(permit) => {
                    if let Some(m) = session.next_message() {
                        permit.send(Message::Text(
                            serde_json::to_string(&m).unwrap_or_default().into(),
                        ));
                    }
                }
                Err(_) => break End::Gone, // the writer ended: see below
            },
            _ = ping.tick() => {
                if heard.elapsed() >= limits.idle_timeout {
                    break End::Close(CloseReason::Idle);
                }
                // The writer busy with a message: the socket is moving, no ping needed.
                let _ = tx.try_send(Message::Ping(Default::default()));
            }
            slow = &mut writer => {
                break match slow {
                    Ok(Some(reason)) => End::Close(reason),
                    _ => End::Gone,
                };
            }
        }
    };
    let (reason, closing) = match end {
        End::Gone => ("client gone", None),
        End::ShuttingDown => ("shutdown", Some((GOING_AWAY, "server shutting down"))),
        End::Close(CloseReason::Idle) => ("idle", Some((NORMAL, CloseReason::Idle.as_str()))),
        // The writer already tried to say so.
        End::Close(CloseReason::TooSlow) => ("too_slow", None),
    };
    if let Some((code, why)) = closing {
        close(&tx, code, why).await;
        // The closing handshake: read (and drop) what the client still sends until its
        // close, so it reads ours instead of a reset.
        let _ = tokio::time::timeout(Duration::from_secs(1), async {
            while let Some(Ok(m)) = stream.next().await {
                if matches!(m, Message::Close(_)) {
                    break;
                }
            }
        })
        .await;
    }
    drop(tx);
    if !writer.is_finished() {
        let _ = tokio::time::timeout(Duration::from_secs(2), &mut writer).await;
        writer.abort();
    }
    metrics::counter!("tasklens_ws_disconnects_total", "reason" => reason).increment(1);
    metrics::gauge!("tasklens_ws_connections").decrement(1.0);
}

async fn close(tx: &mpsc::Sender<Message>, code: u16, reason: &'static str) {
    let frame = Message::Close(Some(CloseFrame {
        code,
        reason: reason.into(),
    }));
    let _ = tokio::time::timeout(Duration::from_secs(1), tx.send(frame)).await;
}

/// Writes what the loop hands over; gives up on a socket that accepts nothing for the send
/// timeout, after trying to say why.
async fn write(
    mut sink: futures_util::stream::SplitSink<WebSocket, Message>,
    mut rx: mpsc::Receiver<Message>,
    limits: LiveLimits,
) -> Option<CloseReason> {
    while let Some(m) = rx.recv().await {
        let closing = matches!(m, Message::Close(_));
        match tokio::time::timeout(limits.send_timeout, sink.send(m)).await {
            Ok(Ok(())) if closing => return None,
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                tracing::debug!(error = %e, "WebSocket write failed; client gone");
                return None;
            }
            Err(_) => {
                tracing::info!("disconnecting a WebSocket client that reads too slowly");
                let frame = Message::Close(Some(CloseFrame {
                    code: POLICY,
                    reason: CloseReason::TooSlow.as_str().into(),
                }));
                let _ = tokio::time::timeout(Duration::from_secs(1), sink.send(frame)).await;
                return Some(CloseReason::TooSlow);
            }
        }
    }
    let _ = tokio::time::timeout(Duration::from_secs(1), sink.close()).await;
    None
}
