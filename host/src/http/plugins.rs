//! `/api/v1/plugins`: what is deployed, and how it behaves; and
//! `/api/v1/tenants/{tenant}/plugins`: a tenant admin deploys, activates and
//! rolls back the tenant's own plugin versions, and a platform operator
//! grants a deployed connector the destinations it declared.

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiError, ErrorBody};
use super::extract::{AppJson, AppQuery, Caller};
use crate::app::ports::{EgressGrant, PackageFormat, PluginLoadFailure, PluginSummary};
use crate::app::service::{Activation, Deployed, TenantPlugins};
use motcua_domain::lifecycle::Role;
use motcua_domain::tenancy::User;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_plugins))
        .routes(routes!(get_plugin))
        .routes(routes!(list_tenant_plugins, deploy_plugin))
        .routes(routes!(activate_version))
        .routes(routes!(rollback_plugin))
        .routes(routes!(grant_egress))
}

#[derive(Serialize, utoipa::ToSchema)]
struct PluginList {
    plugins: Vec<PluginSummary>,
    /// Packages that were found but could not be deployed.
    failures: Vec<PluginLoadFailure>,
}

/// The whole platform's plugins are the operator's to see: they span every
/// tenant and name the host's files. A tenant admin has
/// `/tenants/{tenant}/plugins`.
fn ensure_operator(user: &User) -> Result<(), ApiError> {
    if user.role == Role::PlatformOperator {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!(
                "only a platform operator sees every tenant's plugins; you are a {}: \
                 see /api/v1/tenants/{{tenant}}/plugins",
                user.role
            ),
        ))
    }
}

/// The deployed plugins of every tenant with their call statistics, and
/// the packages that failed to deploy (platform operator).
#[utoipa::path(
    get,
    path = "/plugins",
    tag = "plugins",
    security(("bearer" = [])),
    responses(
        (status = 200, body = PluginList),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not a platform operator", body = ErrorBody),
    )
)]
async fn list_plugins(
    State(state): State<AppState>,
    Caller(user): Caller,
) -> Result<Json<PluginList>, ApiError> {
    ensure_operator(&user)?;
    Ok(Json(PluginList {
        plugins: state.plugins.plugins(),
        failures: state.plugins.failures(),
    }))
}

/// One deployed plugin (platform operator).
#[utoipa::path(
    get,
    path = "/plugins/{id}",
    tag = "plugins",
    params(("id" = String, Path, description = "The plugin id, e.g. `bac-ninh-fees`")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = PluginSummary),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not a platform operator", body = ErrorBody),
        (status = 404, description = "No such plugin is deployed", body = ErrorBody),
    )
)]
async fn get_plugin(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path(id): Path<String>,
) -> Result<Json<PluginSummary>, ApiError> {
    ensure_operator(&user)?;
    state
        .plugins
        .plugins()
        .into_iter()
        .find(|plugin| plugin.id == id)
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("no plugin `{id}` is deployed")))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct DeployQuery {
    /// `true`: activate the version at once (default `false`).
    #[serde(default)]
    activate: bool,
}

/// The package format a `Content-Type` announces.
fn package_format(headers: &HeaderMap) -> Result<PackageFormat, ApiError> {
    let essence = super::extract::media_type(headers);
    match essence.as_str() {
        "application/gzip" | "application/x-gzip" | "application/tar+gzip" => {
            Ok(PackageFormat::TarGz)
        }
        "application/x-tar" | "application/tar" => Ok(PackageFormat::Tar),
        _ => Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the plugin package as `Content-Type: application/gzip` (.tar.gz) or \
             `application/x-tar` (.tar)",
        )),
    }
}

/// A plugin package's bytes as the schema of a request body (the handler
/// reads them directly).
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
struct PackageBytes(#[allow(dead_code)] Vec<u8>);

/// Deploy a plugin package (tenant admin): the body is the package,
/// `.tar.gz` (`application/gzip`) or `.tar` (`application/x-tar`). It is
/// verified as at start (manifest, contract, golden cases) and recorded;
/// with `activate=true` it also serves at once.
// The caller is checked before the body is read; the body may be as large
// as the configured package limit, unlike every other route's 1 MiB.
#[utoipa::path(
    post,
    path = "/tenants/{tenant}/plugins",
    tag = "plugins",
    params(("tenant" = String, Path, description = "The tenant, e.g. `bac-ninh`"), DeployQuery),
    request_body(
        description = "The plugin package, `.tar.gz` or `.tar` (`application/x-tar`), \
            up to the host's configured package limit",
        content(
            (PackageBytes = "application/gzip"),
            (PackageBytes = "application/x-tar"),
        )
    ),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Deployed (and activated when asked)", body = Deployed),
        (status = 400, description = "A malformed query string", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not a tenant admin", body = ErrorBody),
        (status = 404, description = "Another tenant", body = ErrorBody),
        (status = 413, description = "Larger than the package limit", body = ErrorBody),
        (status = 415, description = "Neither `application/gzip` nor `application/x-tar`", body = ErrorBody),
        (status = 422, description = "Not a valid package for this tenant; `fields` names what", body = ErrorBody),
    )
)]
async fn deploy_plugin(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path(tenant): Path<String>,
    query: Result<AppQuery<DeployQuery>, ApiError>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let admin = &state.plugin_admin;
    admin.authorize(&user, &tenant)?;
    let AppQuery(query) = query?;
    let format = package_format(&headers)?;
    let limit = admin.max_package_bytes();
    let bytes = axum::body::to_bytes(body, limit).await.map_err(|_| {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("the package is larger than the limit of {limit} bytes"),
        )
    })?;
    let deployed = admin
        .deploy(&user, &tenant, format, bytes.to_vec(), query.activate)
        .await?;
    Ok((StatusCode::CREATED, Json(deployed)).into_response())
}

/// The tenant's plugins with their deployed versions, and the
/// platform-wide plugins it uses (tenant admin).
#[utoipa::path(
    get,
    path = "/tenants/{tenant}/plugins",
    tag = "plugins",
    params(("tenant" = String, Path, description = "The tenant, e.g. `bac-ninh`")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = TenantPlugins),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not a tenant admin", body = ErrorBody),
        (status = 404, description = "Another tenant", body = ErrorBody),
    )
)]
async fn list_tenant_plugins(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path(tenant): Path<String>,
) -> Result<Response, ApiError> {
    Ok(Json(state.plugin_admin.list(&user, &tenant).await?).into_response())
}

/// Serve a deployed version of a plugin (tenant admin).
#[utoipa::path(
    post,
    path = "/tenants/{tenant}/plugins/{id}/versions/{version}/activate",
    tag = "plugins",
    params(
        ("tenant" = String, Path, description = "The tenant, e.g. `bac-ninh`"),
        ("id" = String, Path, description = "The plugin id"),
        ("version" = String, Path, description = "A deployed version"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "What serves now", body = Activation),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not a tenant admin", body = ErrorBody),
        (status = 404, description = "No such deployed version of the tenant", body = ErrorBody),
        (status = 422, description = "The stored package no longer verifies", body = ErrorBody),
    )
)]
async fn activate_version(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path((tenant, id, version)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    Ok(Json(
        state
            .plugin_admin
            .activate(&user, &tenant, &id, &version)
            .await?,
    )
    .into_response())
}

/// Serve the version the active one replaced again, or the operator's
/// directory version (tenant admin).
#[utoipa::path(
    post,
    path = "/tenants/{tenant}/plugins/{id}/rollback",
    tag = "plugins",
    params(
        ("tenant" = String, Path, description = "The tenant, e.g. `bac-ninh`"),
        ("id" = String, Path, description = "The plugin id"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "What serves now", body = Activation),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not a tenant admin", body = ErrorBody),
        (status = 404, description = "No deployed version of this plugin", body = ErrorBody),
        (status = 409, description = "Nothing to roll back to", body = ErrorBody),
    )
)]
async fn rollback_plugin(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path((tenant, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    Ok(Json(state.plugin_admin.rollback(&user, &tenant, &id).await?).into_response())
}

/// The destinations a tenant's deployed connector may reach.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EgressGrantRequest {
    /// `host:port` entries, each declared in the plugin's `[egress] allow`;
    /// what is not listed is revoked (an empty list revokes everything).
    pub granted: Vec<String>,
}

/// A platform operator grants a tenant's deployed plugin the network
/// destinations its manifest declared (the second key: a tenant admin's
/// deployment alone reaches nothing). Effective from the plugin's next
/// request; `GET /tenants/{tenant}/plugins` shows what each plugin declares
/// and is granted.
#[utoipa::path(
    put,
    path = "/tenants/{tenant}/plugins/{id}/egress",
    tag = "plugins",
    params(
        ("tenant" = String, Path, description = "The tenant, e.g. `vinh-phuc`"),
        ("id" = String, Path, description = "The deployed plugin's id"),
    ),
    request_body = EgressGrantRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The grants now in force", body = [EgressGrant]),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not a platform operator", body = ErrorBody),
        (status = 404, description = "No deployed plugin of this id serves the tenant", body = ErrorBody),
        (status = 422, description = "A destination the plugin does not declare; `fields` names `granted[i]`", body = ErrorBody),
    )
)]
async fn grant_egress(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path((tenant, id)): Path<(String, String)>,
    AppJson(request): AppJson<EgressGrantRequest>,
) -> Result<Response, ApiError> {
    Ok(Json(
        state
            .plugin_admin
            .grant_egress(&user, &tenant, &id, request.granted)
            .await?,
    )
    .into_response())
}
