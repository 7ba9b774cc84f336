//! Outages on demand: a stand-in can be told to fail, answer slowly or drop
//! connections, at start (flags) or while running (`POST /admin/faults`), so
//! tests and the demo can show what the host does when a national system is
//! down. Faults touch only the national API; `/admin` always answers, or a
//! stand-in told to drop connections could never be told to stop.

use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

use super::error::StandinError;

/// How the national API behaves.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultMode {
    /// Answer normally.
    #[default]
    Ok,
    /// Answer 503 Service Unavailable.
    Fail,
    /// Answer normally after `delay_ms`.
    Slow,
    /// Close the connection without answering.
    Drop,
}

impl std::str::FromStr for FaultMode {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "ok" => Ok(Self::Ok),
            "fail" => Ok(Self::Fail),
            "slow" => Ok(Self::Slow),
            "drop" => Ok(Self::Drop),
            other => Err(format!(
                "unknown fault mode `{other}` (ok, fail, slow or drop)"
            )),
        }
    }
}

/// A fault mode and its delay.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultSetting {
    pub mode: FaultMode,
    /// How long `slow` waits before answering.
    #[serde(default)]
    pub delay_ms: u64,
}

impl FaultSetting {
    pub fn new(mode: FaultMode, delay_ms: u64) -> Self {
        Self { mode, delay_ms }
    }
}

/// The longest `slow` delay accepted: enough to outlast any plugin deadline,
/// short enough that a forgotten setting does not hang a test for long.
pub const MAX_DELAY_MS: u64 = 120_000;

/// The switch shared by the server and whoever controls it.
#[derive(Debug, Default)]
pub struct Faults(RwLock<FaultSetting>);

impl Faults {
    pub fn new(setting: FaultSetting) -> Arc<Self> {
        Arc::new(Self(RwLock::new(setting)))
    }

    pub fn current(&self) -> FaultSetting {
        *self
            .0
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Switch to `setting`; a `slow` delay beyond [`MAX_DELAY_MS`] is refused.
    pub fn set(&self, setting: FaultSetting) -> Result<(), StandinError> {
        if setting.delay_ms > MAX_DELAY_MS {
            return Err(StandinError::invalid(
                "delay_ms",
                format!("at most {MAX_DELAY_MS} ms"),
            ));
        }
        *self
            .0
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = setting;
        tracing::info!(mode = ?setting.mode, delay_ms = setting.delay_ms, "stand-in fault mode");
        Ok(())
    }
}

/// `GET /admin/faults`.
pub async fn get_faults(State(faults): State<Arc<Faults>>) -> Json<FaultSetting> {
    Json(faults.current())
}

/// `POST /admin/faults` `{"mode": "ok"|"fail"|"slow"|"drop", "delay_ms": n}`.
pub async fn set_faults(
    State(faults): State<Arc<Faults>>,
    body: Result<Json<FaultSetting>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<FaultSetting>, StandinError> {
    let Json(setting) = body.map_err(|rejection| {
        StandinError::invalid("mode", format!("{rejection}; expected {{\"mode\": \"ok\"|\"fail\"|\"slow\"|\"drop\", \"delay_ms\": n}}"))
    })?;
    faults.set(setting)?;
    Ok(Json(setting))
}

/// Middleware of the national API: `fail` answers 503, `slow` waits first.
pub async fn apply(State(faults): State<Arc<Faults>>, request: Request, next: Next) -> Response {
    let setting = faults.current();
    match setting.mode {
        FaultMode::Fail => StandinError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "the system is temporarily unavailable (stand-in fault mode `fail`)",
        )
        .into_response(),
        FaultMode::Slow => {
            tokio::time::sleep(Duration::from_millis(setting.delay_ms)).await;
            next.run(request).await
        }
        FaultMode::Ok | FaultMode::Drop => next.run(request).await,
    }
}

/// Largest request body a stand-in reads.
const MAX_REQUEST_BODY: usize = 16 * 1024 * 1024;

/// Every answer closes its connection, so each request arrives on a fresh
/// one and `drop` (decided when a connection is accepted) reaches all of them.
///
/// The request is read whole before it is answered: a handler that ignores
/// the body (an acknowledgement) would otherwise answer and close while the
/// body's last bytes were still coming, and the kernel resets a connection
/// closed with unread data, which can discard the answer at the client.
pub async fn close_connections(request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let body = match axum::body::to_bytes(body, MAX_REQUEST_BODY).await {
        Ok(body) => body,
        Err(error) => {
            return StandinError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!("the request body could not be read whole (at most {MAX_REQUEST_BODY} bytes): {error}"),
            )
            .into_response();
        }
    };
    let request = Request::from_parts(parts, axum::body::Body::from(body));
    let mut response = next.run(request).await;
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// A listener that, in `drop` mode, closes connections to the national API
/// without answering. It reads the request line first (without consuming
/// it) so `/admin` stays reachable; each connection is looked at in its own
/// task so a silent client holds up nobody.
pub struct FaultyListener {
    accepted: mpsc::Receiver<(TcpStream, SocketAddr)>,
    local: SocketAddr,
    acceptor: tokio::task::JoinHandle<()>,
}

/// How long a client may take to send its request line before the
/// connection is passed on (and the server's own timeouts apply).
const REQUEST_LINE_WAIT: Duration = Duration::from_secs(2);

impl FaultyListener {
    pub fn new(listener: TcpListener, faults: Arc<Faults>) -> std::io::Result<Self> {
        let local = listener.local_addr()?;
        let (tx, accepted) = mpsc::channel(64);
        let acceptor = tokio::spawn(async move {
            loop {
                let (stream, peer) = match listener.accept().await {
                    Ok(accepted) => accepted,
                    Err(error) => {
                        tracing::warn!(%error, "stand-in accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let (tx, faults) = (tx.clone(), faults.clone());
                tokio::spawn(async move {
                    if faults.current().mode == FaultMode::Drop {
                        let path = request_path(&stream).await;
                        if !path.as_deref().is_some_and(|p| p.starts_with("/admin")) {
                            tracing::info!(
                                ?path,
                                "stand-in drops the connection (fault mode `drop`)"
                            );
                            return;
                        }
                    }
                    let _ = tx.send((stream, peer)).await;
                });
            }
        });
        Ok(Self {
            accepted,
            local,
            acceptor,
        })
    }
}

impl Drop for FaultyListener {
    fn drop(&mut self) {
        self.acceptor.abort();
    }
}

impl axum::serve::Listener for FaultyListener {
    type Io = TcpStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.accepted.recv().await {
            Some(accepted) => accepted,
            // The acceptor only ends when the listener is dropped.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local)
    }
}

/// The path of the request line waiting on `stream`, peeked, not read.
async fn request_path(stream: &TcpStream) -> Option<String> {
    let mut buf = [0u8; 1024];
    let peek = async {
        loop {
            let n = stream.peek(&mut buf).await.ok()?;
            if n == 0 {
                return None;
            }
            if let Some(end) = buf[..n].windows(2).position(|w| w == b"\r\n") {
                let line = String::from_utf8_lossy(&buf[..end]).into_owned();
                return line.split(' ').nth(1).map(str::to_owned);
            }
            if n == buf.len() {
                return None;
            }
            // Part of the line is here; wait for the rest.
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    };
    tokio::time::timeout(REQUEST_LINE_WAIT, peek)
        .await
        .ok()
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_setting_reads_as_the_admin_endpoint_writes_it() {
        let setting: FaultSetting =
            serde_json::from_str(r#"{"mode":"slow","delay_ms":250}"#).unwrap();
        assert_eq!(setting, FaultSetting::new(FaultMode::Slow, 250));
        let plain: FaultSetting = serde_json::from_str(r#"{"mode":"drop"}"#).unwrap();
        assert_eq!(plain, FaultSetting::new(FaultMode::Drop, 0));
        assert!(serde_json::from_str::<FaultSetting>(r#"{"mode":"explode"}"#).is_err());
    }

    #[test]
    fn an_excessive_delay_is_refused_and_the_mode_kept() {
        let faults = Faults::new(FaultSetting::new(FaultMode::Fail, 0));
        let error = faults
            .set(FaultSetting::new(FaultMode::Slow, MAX_DELAY_MS + 1))
            .unwrap_err();
        assert_eq!(error.fields[0].field, "delay_ms");
        assert_eq!(faults.current().mode, FaultMode::Fail);
    }
}
