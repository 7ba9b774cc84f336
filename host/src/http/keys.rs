//! The trust roots of plugin signatures: `/api/v1/keys` (platform-wide, the
//! operator's) and `/api/v1/tenants/{tenant}/keys` (the province's own and
//! its vendors'). Rotating is adding the new key, then revoking the old.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiError, ErrorBody};
use super::extract::{AppJson, Caller};
use crate::app::ports::TrustKey;
use crate::app::service::{AddKey, Authority};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_platform_keys, add_platform_key))
        .routes(routes!(revoke_platform_key))
        .routes(routes!(list_tenant_keys, add_tenant_key))
        .routes(routes!(revoke_tenant_key))
}

/// The platform's signing keys: they vouch for shared plugins and for any
/// tenant's (platform operator).
#[utoipa::path(
    get,
    path = "/keys",
    tag = "keys",
    security(("bearer" = [])),
    responses(
        (status = 200, body = [TrustKey]),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not a platform operator", body = ErrorBody),
    )
)]
async fn list_platform_keys(
    State(state): State<AppState>,
    Caller(user): Caller,
) -> Result<Json<Vec<TrustKey>>, ApiError> {
    Ok(Json(state.keys.list(Authority::User(&user), None).await?))
}

/// Trust a publisher's key platform-wide (platform operator).
#[utoipa::path(
    post,
    path = "/keys",
    tag = "keys",
    request_body = AddKey,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The key, with its id", body = TrustKey),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not a platform operator", body = ErrorBody),
        (status = 409, description = "The key is registered already (revoked or not)", body = ErrorBody),
        (status = 422, description = "`public_key` is not an Ed25519 key in base64, or `label` is empty", body = ErrorBody),
    )
)]
async fn add_platform_key(
    State(state): State<AppState>,
    Caller(user): Caller,
    AppJson(key): AppJson<AddKey>,
) -> Result<Response, ApiError> {
    let added = state.keys.add(Authority::User(&user), None, key).await?;
    Ok((StatusCode::CREATED, Json(added)).into_response())
}

/// Revoke a platform key: the packages it signed stop loading at their
/// next activation or start, and the plugins list flags them (platform
/// operator).
#[utoipa::path(
    post,
    path = "/keys/{key_id}/revoke",
    tag = "keys",
    params(("key_id" = String, Path, description = "The key's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The key, revoked", body = TrustKey),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not a platform operator", body = ErrorBody),
        (status = 404, description = "No such platform key", body = ErrorBody),
    )
)]
async fn revoke_platform_key(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path(key_id): Path<String>,
) -> Result<Json<TrustKey>, ApiError> {
    Ok(Json(
        state
            .keys
            .revoke(Authority::User(&user), None, &key_id)
            .await?,
    ))
}

/// The tenant's signing keys: the province's own and its vendors' (tenant
/// admin, platform operator). The platform's keys vouch for the tenant's
/// packages too; `GET /keys` lists them.
#[utoipa::path(
    get,
    path = "/tenants/{tenant}/keys",
    tag = "keys",
    params(("tenant" = String, Path, description = "The tenant, e.g. `bac-ninh`")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = [TrustKey]),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Neither the tenant's admin nor a platform operator", body = ErrorBody),
        (status = 404, description = "No such tenant, or another tenant's", body = ErrorBody),
    )
)]
async fn list_tenant_keys(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path(tenant): Path<String>,
) -> Result<Json<Vec<TrustKey>>, ApiError> {
    Ok(Json(
        state
            .keys
            .list(Authority::User(&user), Some(&tenant))
            .await?,
    ))
}

/// Trust a publisher's key for the tenant's packages (tenant admin,
/// platform operator).
#[utoipa::path(
    post,
    path = "/tenants/{tenant}/keys",
    tag = "keys",
    params(("tenant" = String, Path, description = "The tenant, e.g. `bac-ninh`")),
    request_body = AddKey,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The key, with its id", body = TrustKey),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Neither the tenant's admin nor a platform operator", body = ErrorBody),
        (status = 404, description = "No such tenant, or another tenant's", body = ErrorBody),
        (status = 409, description = "The key is registered already (revoked or not)", body = ErrorBody),
        (status = 422, description = "`public_key` is not an Ed25519 key in base64, or `label` is empty", body = ErrorBody),
    )
)]
async fn add_tenant_key(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path(tenant): Path<String>,
    AppJson(key): AppJson<AddKey>,
) -> Result<Response, ApiError> {
    let added = state
        .keys
        .add(Authority::User(&user), Some(&tenant), key)
        .await?;
    Ok((StatusCode::CREATED, Json(added)).into_response())
}

/// Revoke a tenant key: the tenant's packages it signed stop loading at
/// their next activation or start, and the plugins list flags them
/// (tenant admin, platform operator).
#[utoipa::path(
    post,
    path = "/tenants/{tenant}/keys/{key_id}/revoke",
    tag = "keys",
    params(
        ("tenant" = String, Path, description = "The tenant, e.g. `bac-ninh`"),
        ("key_id" = String, Path, description = "The key's id"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The key, revoked", body = TrustKey),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Neither the tenant's admin nor a platform operator", body = ErrorBody),
        (status = 404, description = "No such tenant or key", body = ErrorBody),
    )
)]
async fn revoke_tenant_key(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path((tenant, key_id)): Path<(String, String)>,
) -> Result<Json<TrustKey>, ApiError> {
    Ok(Json(
        state
            .keys
            .revoke(Authority::User(&user), Some(&tenant), &key_id)
            .await?,
    ))
}
