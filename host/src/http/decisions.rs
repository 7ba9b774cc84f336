//! `/api/v1/tenants/{tenant}/dossiers/{code}/decisions`,
//! `.../fees/replay` and `/tenants/{tenant}/plugins/{id}/what-if`: the
//! plugin decisions a dossier keeps, with their inputs, the replay of its
//! fee decision, and a candidate fee policy run over a past period's
//! decisions (tenant admin).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiError, ErrorBody};
use super::extract::{AppJson, Caller};
use crate::app::ports::{Shadow, StoredInvocation};
use crate::app::service::{FeeReplay, ShadowReport, ShadowVersion, WhatIf, WhatIfReport};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_decisions))
        .routes(routes!(replay_fees))
        .routes(routes!(what_if))
        .routes(routes!(shadow_report, start_shadow, stop_shadow))
}

/// The plugin calls whose answers the dossier keeps (its fee decision):
/// version, component digest, contract, canonical input, output hash, fuel
/// and duration (tenant admin; the input is personal data and each reading
/// is logged).
#[utoipa::path(
    get,
    path = "/tenants/{tenant}/dossiers/{code}/decisions",
    tag = "plugins",
    params(
        ("tenant" = String, Path, description = "The tenant, e.g. `bac-ninh`"),
        ("code" = String, Path, description = "The dossier code"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Oldest first", body = [StoredInvocation]),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not a tenant admin", body = ErrorBody),
        (status = 404, description = "No such dossier of the tenant", body = ErrorBody),
        (status = 422, description = "Not a dossier code", body = ErrorBody),
    )
)]
async fn list_decisions(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path((tenant, code)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    Ok(Json(state.service.decisions(&user, &tenant, &code).await?).into_response())
}

/// Re-run the dossier's fee decision on its recorded input with the
/// version that made it (the one in force at its receipt) and say whether
/// the answer is identical (tenant admin). Refused (409) when the artifact
/// that would run is not the one that decided (another component digest).
#[utoipa::path(
    post,
    path = "/tenants/{tenant}/dossiers/{code}/fees/replay",
    tag = "plugins",
    params(
        ("tenant" = String, Path, description = "The tenant, e.g. `bac-ninh`"),
        ("code" = String, Path, description = "The dossier code"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The replay, identical or not", body = FeeReplay),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not a tenant admin", body = ErrorBody),
        (status = 404, description = "No such dossier, or no recorded fee decision", body = ErrorBody),
        (status = 409, description = "The artifact that would run is not the one that decided", body = ErrorBody),
        (status = 422, description = "Not a dossier code", body = ErrorBody),
        (status = 503, description = "The plugin version cannot run now", body = ErrorBody),
    )
)]
async fn replay_fees(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path((tenant, code)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    Ok(Json(state.service.replay_fees(&user, &tenant, &code).await?).into_response())
}

/// Run a deployed, not yet active, version of a fee plugin over the fee
/// decisions recorded in a past period (their stored inputs) and list the
/// dossiers whose fee lines would change, with old and new totals (tenant
/// admin). Nothing is written.
#[utoipa::path(
    post,
    path = "/tenants/{tenant}/plugins/{id}/what-if",
    tag = "plugins",
    params(
        ("tenant" = String, Path, description = "The tenant, e.g. `bac-ninh`"),
        ("id" = String, Path, description = "The fee plugin's id"),
    ),
    request_body = WhatIf,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "What the candidate would decide", body = WhatIfReport),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not a tenant admin", body = ErrorBody),
        (status = 404, description = "No such deployed version of the tenant", body = ErrorBody),
        (status = 422, description = "`to` not after `from`, or the stored package no longer verifies", body = ErrorBody),
    )
)]
async fn what_if(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path((tenant, id)): Path<(String, String)>,
    AppJson(request): AppJson<WhatIf>,
) -> Result<Response, ApiError> {
    Ok(Json(state.service.what_if(&user, &tenant, &id, request).await?).into_response())
}

/// How the candidate in shadow compares with the serving version since it
/// started: the rate of differences and each differing dossier with both
/// answers (tenant admin).
#[utoipa::path(
    get,
    path = "/tenants/{tenant}/plugins/{id}/shadow",
    tag = "plugins",
    params(
        ("tenant" = String, Path, description = "The tenant, e.g. `bac-ninh`"),
        ("id" = String, Path, description = "The fee plugin's id"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The comparison (`shadow` empty: none runs)", body = ShadowReport),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not a tenant admin", body = ErrorBody),
        (status = 404, description = "Another tenant", body = ErrorBody),
    )
)]
async fn shadow_report(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path((tenant, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    Ok(Json(state.service.shadow_report(&user, &tenant, &id).await?).into_response())
}

/// Run a deployed version in shadow beside the serving one: every fee
/// decision is also made on it, recorded and compared, never used
/// (tenant admin). Replaces another candidate.
#[utoipa::path(
    put,
    path = "/tenants/{tenant}/plugins/{id}/shadow",
    tag = "plugins",
    params(
        ("tenant" = String, Path, description = "The tenant, e.g. `bac-ninh`"),
        ("id" = String, Path, description = "The fee plugin's id"),
    ),
    request_body = ShadowVersion,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "What runs in shadow now", body = Shadow),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not a tenant admin", body = ErrorBody),
        (status = 404, description = "No such deployed version of the tenant", body = ErrorBody),
        (status = 422, description = "The stored package no longer verifies", body = ErrorBody),
    )
)]
async fn start_shadow(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path((tenant, id)): Path<(String, String)>,
    AppJson(request): AppJson<ShadowVersion>,
) -> Result<Response, ApiError> {
    let shadow = state
        .plugin_admin
        .set_shadow(&user, &tenant, &id, Some(request.version))
        .await?;
    Ok(Json(shadow).into_response())
}

/// Stop the shadow (tenant admin); its recorded runs stay with their
/// dossiers.
#[utoipa::path(
    delete,
    path = "/tenants/{tenant}/plugins/{id}/shadow",
    tag = "plugins",
    params(
        ("tenant" = String, Path, description = "The tenant, e.g. `bac-ninh`"),
        ("id" = String, Path, description = "The fee plugin's id"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Nothing runs in shadow any more"),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not a tenant admin", body = ErrorBody),
        (status = 404, description = "Another tenant", body = ErrorBody),
    )
)]
async fn stop_shadow(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path((tenant, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    state
        .plugin_admin
        .set_shadow(&user, &tenant, &id, None)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
