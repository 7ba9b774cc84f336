//! `/api/v1/tenants/{tenant}/dossiers/{code}/payments`: list, record, refund.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};

use super::AppState;
use super::error::ApiError;
use super::extract::{AppJson, Caller};
use crate::app::service::{RecordPayment, RefundPayment};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/tenants/{tenant}/dossiers/{code}/payments",
            get(list_payments).post(record_payment),
        )
        .route(
            "/tenants/{tenant}/dossiers/{code}/payments/{id}/refund",
            post(refund_payment),
        )
}

async fn list_payments(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path((tenant, code)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    Ok(Json(state.service.payments(&user, &tenant, &code).await?).into_response())
}

async fn record_payment(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path((tenant, code)): Path<(String, String)>,
    AppJson(request): AppJson<RecordPayment>,
) -> Result<Response, ApiError> {
    let payments = state
        .service
        .record_payment(&user, &tenant, &code, request)
        .await?;
    Ok((StatusCode::CREATED, Json(payments)).into_response())
}

async fn refund_payment(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path((tenant, code, id)): Path<(String, String, String)>,
    AppJson(request): AppJson<RefundPayment>,
) -> Result<Response, ApiError> {
    let payments = state
        .service
        .refund_payment(&user, &tenant, &code, &id, request)
        .await?;
    Ok(Json(payments).into_response())
}
