//! Requests that change something run to their end even when the client
//! goes away.
//!
//! hyper drops a request's future when its connection closes. A use case
//! dropped half-way (a package stored but its deployment not recorded, a
//! submission priced but not committed) leaves work the client never
//! learns about, and a storage call dropped at the wrong instant used to
//! leave a pooled connection inside a transaction (see "Cancellation" in
//! `crate::storage`). So every request other than a read runs in a task of
//! its own that the connection awaits: dropping the connection drops only
//! the wait.

use axum::extract::Request;
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Middleware: runs writes (any method but GET, HEAD, OPTIONS) detached
/// from the connection.
pub async fn run_writes_to_completion(request: Request, next: Next) -> Response {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) {
        return next.run(request).await;
    }
    match tokio::spawn(next.run(request)).await {
        Ok(response) => response,
        Err(join) if join.is_panic() => std::panic::resume_unwind(join.into_panic()),
        // Only a runtime shutting down cancels the task.
        Err(_) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}
