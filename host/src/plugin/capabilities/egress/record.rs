//! One log line per outgoing request, written when the request is over
//! (refused, failed, or its response read, cut off or abandoned): method,
//! host, port, status or error, duration and response bytes. Never a body or
//! a header value.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use std::sync::Arc;

use hyper::body::{Body, Bytes, Frame, Incoming, SizeHint};
use tracing::{Dispatch, Span};
use wasmtime_wasi_http::Error;

use super::transport::Connection;
use crate::plugin::secrets::{Redactor, TenantSecrets};

/// The log target of egress lines, for filtering (`RUST_LOG=motcua.egress=info`).
pub(crate) const TARGET: &str = "motcua.egress";

/// An outgoing request being followed to its end.
pub(super) struct CallRecord {
    /// The subscriber and span of the plugin call: the request's I/O runs on
    /// other threads, where neither would otherwise be current.
    dispatch: Dispatch,
    span: Span,
    method: String,
    host: String,
    port: u16,
    started: Instant,
    status: Option<u16>,
    bytes: u64,
    /// Whether the line is written; a record dropped without one (the plugin
    /// gave up waiting and the request was aborted) still writes it.
    written: bool,
}

impl CallRecord {
    pub(super) fn start(method: &http::Method, host: &str, port: u16) -> Self {
        Self {
            dispatch: tracing::dispatcher::get_default(Dispatch::clone),
            span: Span::current(),
            method: method.to_string(),
            host: host.to_string(),
            port,
            started: Instant::now(),
            status: None,
            bytes: 0,
            written: false,
        }
    }

    /// Run `f` with the call's subscriber current (for events outside `finish`).
    pub(super) fn in_call<R>(&self, f: impl FnOnce() -> R) -> R {
        tracing::dispatcher::with_default(&self.dispatch, || self.span.in_scope(f))
    }

    pub(super) fn responded(&mut self, status: u16) {
        self.status = Some(status);
    }

    /// Write the line. `error` is redacted first: it may quote what a server
    /// or the network said.
    pub(super) fn finish(mut self, error: Option<&str>, redactor: &Redactor) {
        let error = error.map(|error| redactor.redact(error).into_owned());
        self.write(error.as_deref());
    }

    fn write(&mut self, error: Option<&str>) {
        if std::mem::replace(&mut self.written, true) {
            return;
        }
        let duration_ms = self.started.elapsed().as_millis() as u64;
        let (method, host, port, bytes) = (&self.method, &self.host, self.port, self.bytes);
        let status = self.status.map(tracing::field::display);
        self.in_call(|| match error {
            None => tracing::info!(
                target: TARGET,
                %method, %host, port, status, duration_ms, bytes,
                "egress request completed"
            ),
            Some(error) => tracing::warn!(
                target: TARGET,
                %method, %host, port, status, duration_ms, bytes, %error,
                "egress request failed"
            ),
        });
    }
}

impl Drop for CallRecord {
    fn drop(&mut self) {
        self.write(Some(
            "abandoned: the plugin stopped waiting for the response",
        ));
    }
}

/// A response body that counts its bytes, stops at the size cap and at the
/// request's deadline, and writes the request's log line when it ends.
pub(super) struct Metered {
    inner: Incoming,
    /// `None` once the line is written: the body is over.
    record: Option<CallRecord>,
    secrets: Arc<TenantSecrets>,
    max_bytes: u64,
    deadline: Pin<Box<tokio::time::Sleep>>,
    /// The connection's I/O, which feeds the body: driven while it is read.
    connection: Option<Connection>,
}

impl Metered {
    pub(super) fn new(
        inner: Incoming,
        record: CallRecord,
        secrets: Arc<TenantSecrets>,
        max_bytes: u64,
        deadline: tokio::time::Instant,
        connection: Connection,
    ) -> Self {
        Self {
            inner,
            record: Some(record),
            secrets,
            max_bytes,
            deadline: Box::pin(tokio::time::sleep_until(deadline)),
            connection: Some(connection),
        }
    }

    fn end(&mut self, error: Option<&str>) {
        if let Some(record) = self.record.take() {
            record.finish(error, self.secrets.redactor());
        }
        self.connection = None;
    }
}

impl Body for Metered {
    type Data = Bytes;
    type Error = Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Error>>> {
        let this = &mut *self;
        if this.record.is_none() {
            return Poll::Ready(None);
        }
        if let Some(connection) = this.connection.as_mut()
            && let Poll::Ready(result) = connection.as_mut().poll(cx)
        {
            this.connection = None;
            if let Err(error) = result {
                let message = format!("connection failed: {error}");
                this.end(Some(&message));
                return Poll::Ready(Some(Err(error)));
            }
        }
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref()
                    && let Some(record) = this.record.as_mut()
                {
                    record.bytes += data.len() as u64;
                    if record.bytes > this.max_bytes {
                        let message = over_cap(this.max_bytes);
                        this.end(Some(&message));
                        return Poll::Ready(Some(Err(Error::InternalError(Some(message)))));
                    }
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(None) => {
                this.end(None);
                Poll::Ready(None)
            }
            Poll::Ready(Some(Err(error))) => {
                let message = format!("reading the response failed: {error}");
                this.end(Some(&message));
                let error = if error.is_timeout() {
                    Error::HttpResponseTimeout
                } else {
                    Error::Hyper(error)
                };
                Poll::Ready(Some(Err(error)))
            }
            Poll::Pending => match this.deadline.as_mut().poll(cx) {
                Poll::Ready(()) => {
                    this.end(Some("timed out reading the response"));
                    Poll::Ready(Some(Err(Error::HttpResponseTimeout)))
                }
                Poll::Pending => Poll::Pending,
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        self.record.is_none() || self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl Drop for Metered {
    fn drop(&mut self) {
        if self.inner.is_end_stream() {
            self.end(None);
        } else {
            self.end(Some("the plugin did not read the whole response"));
        }
    }
}

/// The message of a response over the cap, for the log and the plugin.
pub(super) fn over_cap(max_bytes: u64) -> String {
    format!(
        "egress: the response is larger than this connector may read ({} KiB, [egress] max_response_kib)",
        max_bytes / 1024
    )
}
