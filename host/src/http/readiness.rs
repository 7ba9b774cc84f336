//! `GET /readyz`, for load balancers: 200 when this host may take traffic,
//! 503 otherwise, with every check's outcome as JSON either way (the
//! checks: [`crate::app::readiness`]). `GET /healthz` only says the process
//! is alive. Neither needs a token, and neither is under `/api/v1` nor in
//! the OpenAPI document.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::AppState;

pub async fn readyz(State(state): State<AppState>) -> Response {
    let report = state.readiness.check().await;
    let status = if report.ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, [(header::CACHE_CONTROL, "no-store")], Json(report)).into_response()
}
