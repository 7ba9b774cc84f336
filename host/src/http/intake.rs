//! `POST /api/v1/tenants/{tenant}/procedures/{code}/prefill`: what the
//! registry (National Population Database) offers for a procedure's form
//! and a citizen's personal ID, before the dossier is submitted.

use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiError, ErrorBody};
use super::extract::{AppJson, Caller};
use crate::app::service::{PrefillAnswer, PrefillRequest};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(prefill_form))
}

/// What the population registry offers for the procedure's form and a
/// citizen, before submitting. Reuse never blocks intake: when nothing can
/// be prefilled, `note` says why. Officers may ask about whoever they serve;
/// a citizen only about themself (the personal ID their account verified).
#[utoipa::path(
    post,
    path = "/tenants/{tenant}/procedures/{code}/prefill",
    tag = "dossiers",
    params(
        ("tenant" = String, Path, description = "The tenant, e.g. `bac-ninh`"),
        ("code" = String, Path, description = "The national procedure code"),
    ),
    request_body = PrefillRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, body = PrefillAnswer),
        (status = 400, description = "The body is not JSON of this shape", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not an officer, nor the citizen whose verified personal ID this is", body = ErrorBody),
        (status = 404, description = "No such procedure in the caller's tenant", body = ErrorBody),
        (status = 422, description = "Not a 12-digit personal ID; `fields` names `personal_id`", body = ErrorBody),
    )
)]
async fn prefill_form(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path((tenant, code)): Path<(String, String)>,
    AppJson(request): AppJson<PrefillRequest>,
) -> Result<Response, ApiError> {
    Ok(Json(
        state
            .service
            .prefill(&user, &tenant, &code, request)
            .await?,
    )
    .into_response())
}
