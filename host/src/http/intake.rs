//! `POST /api/v1/tenants/{tenant}/procedures/{code}/prefill`: what the
//! registry (National Population Database) offers for a procedure's form
//! and a citizen's personal ID, before the dossier is submitted.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};

use super::AppState;
use super::error::ApiError;
use super::extract::{AppJson, Caller};
use crate::app::service::PrefillRequest;

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/tenants/{tenant}/procedures/{code}/prefill",
        post(prefill_form),
    )
}

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
