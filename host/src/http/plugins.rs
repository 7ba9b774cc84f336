//! `/api/v1/plugins`: what is deployed, and how it behaves; and
//! `/api/v1/tenants/{tenant}/plugins`: a tenant admin deploys, activates and
//! rolls back the tenant's own plugin versions.

use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::AppState;
use super::error::ApiError;
use super::extract::Caller;
use crate::app::ports::{PackageFormat, PluginLoadFailure, PluginSummary};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/plugins", get(list_plugins))
        .route("/plugins/{id}", get(get_plugin))
        .route(
            "/tenants/{tenant}/plugins",
            get(list_tenant_plugins).post(deploy_plugin),
        )
        .route(
            "/tenants/{tenant}/plugins/{id}/versions/{version}/activate",
            post(activate_version),
        )
        .route(
            "/tenants/{tenant}/plugins/{id}/rollback",
            post(rollback_plugin),
        )
}

#[derive(Serialize)]
struct PluginList {
    plugins: Vec<PluginSummary>,
    /// Packages that were found but could not be deployed.
    failures: Vec<PluginLoadFailure>,
}

async fn list_plugins(State(state): State<AppState>) -> Json<PluginList> {
    Json(PluginList {
        plugins: state.plugins.plugins(),
        failures: state.plugins.failures(),
    })
}

async fn get_plugin(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<PluginSummary>, ApiError> {
    state
        .plugins
        .plugins()
        .into_iter()
        .find(|plugin| plugin.id == id)
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("no plugin `{id}` is deployed")))
}

#[derive(Deserialize)]
struct DeployQuery {
    #[serde(default)]
    activate: bool,
}

/// The package format a `Content-Type` announces.
fn package_format(headers: &HeaderMap) -> Result<PackageFormat, ApiError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
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

/// `POST /tenants/{tenant}/plugins[?activate=true]`, the body a package.
/// The caller is checked before the body is read; the body may be as large
/// as the configured package limit, unlike every other route's 1 MiB.
async fn deploy_plugin(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path(tenant): Path<String>,
    query: Result<Query<DeployQuery>, QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let admin = &state.plugin_admin;
    admin.authorize(&user, &tenant)?;
    let Query(query) = query.map_err(|rejection| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            rejection.body_text(),
        )
    })?;
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

async fn list_tenant_plugins(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path(tenant): Path<String>,
) -> Result<Response, ApiError> {
    Ok(Json(state.plugin_admin.list(&user, &tenant).await?).into_response())
}

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

async fn rollback_plugin(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path((tenant, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    Ok(Json(state.plugin_admin.rollback(&user, &tenant, &id).await?).into_response())
}
