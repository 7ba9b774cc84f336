//! `/api/v1/tenants`: platform operators onboard provinces from an
//! onboarding document, list tenants, and suspend and resume them
//! (`docs/onboarding.md`). A suspended tenant's users are answered 423
//! `tenant_suspended` on every route (the `Caller` extractor); nothing of
//! it is deleted.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use motcua_domain::tenancy::Tenant;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::catalog::catalog_document;
use super::error::{ApiError, ErrorBody};
use super::extract::Caller;
use crate::app::service::{Authority, Onboarded, OnboardingDocument};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(onboard_tenant, list_tenants))
        .routes(routes!(suspend_tenant))
        .routes(routes!(resume_tenant))
}

/// Onboard a tenant (platform operator) from an onboarding document: its
/// agencies, calendar, catalog, users and first tenant admin. The whole
/// document is checked first; every problem is named in `fields`
/// (`agencies[2].code`, `catalog.procedures[0].fee_plugin`) and nothing is
/// written. The answer carries the first admin's API token, shown once.
#[utoipa::path(
    post,
    path = "/tenants",
    tag = "tenants",
    request_body(
        description = "The onboarding document as JSON, or as TOML (`examples/onboarding/ha-noi.toml`)",
        content(
            (OnboardingDocument = "application/json"),
            (OnboardingDocument = "application/toml"),
        )
    ),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Onboarded: what was written, and the first admin's token (shown only here)", body = Onboarded),
        (status = 400, description = "The body is not valid JSON or TOML", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not a platform operator", body = ErrorBody),
        (status = 409, description = "The tenant is already onboarded, or a user id is taken by another tenant", body = ErrorBody),
        (status = 415, description = "Neither JSON nor TOML", body = ErrorBody),
        (status = 422, description = "The document breaks a rule; every problem named in `fields`; nothing written", body = ErrorBody),
    )
)]
async fn onboard_tenant(
    State(state): State<AppState>,
    Caller(user): Caller,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let document = catalog_document(&headers, &body)?;
    let tenant = document
        .pointer("/tenant/id")
        .and_then(|id| id.as_str())
        .unwrap_or_default()
        .to_owned();
    let served = state.plugin_admin.served(&tenant);
    let onboarded = state
        .onboarding
        .onboard(Authority::User(&user), document, &served)
        .await?;
    Ok((StatusCode::CREATED, Json(onboarded)).into_response())
}

/// Every tenant with its status (`active`, `suspended`, `onboarding`);
/// platform operator.
#[utoipa::path(
    get,
    path = "/tenants",
    tag = "tenants",
    security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<Tenant>),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not a platform operator", body = ErrorBody),
    )
)]
async fn list_tenants(
    State(state): State<AppState>,
    Caller(user): Caller,
) -> Result<Json<Vec<Tenant>>, ApiError> {
    Ok(Json(state.onboarding.list(Authority::User(&user)).await?))
}

/// Suspend a tenant (platform operator): its users are refused (423) and
/// its plugins no longer called; nothing is deleted.
#[utoipa::path(
    post,
    path = "/tenants/{tenant}/suspend",
    tag = "tenants",
    params(("tenant" = String, Path, description = "The tenant, e.g. `ha-noi`")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The tenant, now suspended", body = Tenant),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "A user of this tenant, not a platform operator", body = ErrorBody),
        (status = 404, description = "No such tenant, or a user of another tenant", body = ErrorBody),
        (status = 409, description = "The tenant is still being onboarded", body = ErrorBody),
    )
)]
async fn suspend_tenant(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path(tenant): Path<String>,
) -> Result<Json<Tenant>, ApiError> {
    Ok(Json(
        state
            .onboarding
            .suspend(Authority::User(&user), &tenant)
            .await?,
    ))
}

/// Resume a suspended tenant (platform operator), as it was.
#[utoipa::path(
    post,
    path = "/tenants/{tenant}/resume",
    tag = "tenants",
    params(("tenant" = String, Path, description = "The tenant, e.g. `ha-noi`")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The tenant, active again", body = Tenant),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "A user of this tenant, not a platform operator", body = ErrorBody),
        (status = 404, description = "No such tenant, or a user of another tenant", body = ErrorBody),
        (status = 409, description = "The tenant is still being onboarded", body = ErrorBody),
    )
)]
async fn resume_tenant(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path(tenant): Path<String>,
) -> Result<Json<Tenant>, ApiError> {
    Ok(Json(
        state
            .onboarding
            .resume(Authority::User(&user), &tenant)
            .await?,
    ))
}
