//! `/api/v1/tenants/{tenant}/dossiers/{code}/payments`: list, record, refund.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiError, ErrorBody};
use super::extract::{AppJson, Caller};
use crate::app::ports::StoredPayment;
use crate::app::service::{RecordPayment, RefundPayment};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_payments, record_payment))
        .routes(routes!(refund_payment))
}

/// The dossier's payments, oldest first, each with its refunds.
#[utoipa::path(
    get,
    path = "/tenants/{tenant}/dossiers/{code}/payments",
    tag = "payments",
    params(
        ("tenant" = String, Path, description = "The tenant, e.g. `bac-ninh`"),
        ("code" = String, Path, description = "The dossier code"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<StoredPayment>),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such dossier visible to the caller", body = ErrorBody),
        (status = 422, description = "Not a dossier code; `fields` names `code`", body = ErrorBody),
    )
)]
async fn list_payments(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path((tenant, code)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    Ok(Json(state.service.payments(&user, &tenant, &code).await?).into_response())
}

/// Record a payment of exactly what is due (officer): at the counter, or
/// one made through the national portal or the province's gateway.
#[utoipa::path(
    post,
    path = "/tenants/{tenant}/dossiers/{code}/payments",
    tag = "payments",
    params(
        ("tenant" = String, Path, description = "The tenant, e.g. `bac-ninh`"),
        ("code" = String, Path, description = "The dossier code"),
    ),
    request_body = RecordPayment,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Recorded; the dossier's payments", body = Vec<StoredPayment>),
        (status = 400, description = "The body is not JSON of this shape", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not an officer", body = ErrorBody),
        (status = 404, description = "No such dossier visible to the caller", body = ErrorBody),
        (status = 422, description = "Not what is due, or nothing is due; `fields` names `amount_vnd`", body = ErrorBody),
    )
)]
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

/// Refund part or all of a payment (officer), for a reason that is kept
/// with the refund.
#[utoipa::path(
    post,
    path = "/tenants/{tenant}/dossiers/{code}/payments/{id}/refund",
    tag = "payments",
    params(
        ("tenant" = String, Path, description = "The tenant, e.g. `bac-ninh`"),
        ("code" = String, Path, description = "The dossier code"),
        ("id" = String, Path, description = "The payment id"),
    ),
    request_body = RefundPayment,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Refunded; the dossier's payments", body = Vec<StoredPayment>),
        (status = 400, description = "The body is not JSON of this shape", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not an officer", body = ErrorBody),
        (status = 404, description = "No such dossier or payment in the caller's tenant", body = ErrorBody),
        (status = 422, description = "More than is left to refund, or no reason; `fields` names it", body = ErrorBody),
    )
)]
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
