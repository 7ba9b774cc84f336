//! `/api/v1/plugins`: what is deployed, and how it behaves.

use axum::Json;
use axum::extract::{Path, State};
use serde::Serialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiError, ErrorBody};
use crate::app::ports::{PluginLoadFailure, PluginSummary};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_plugins))
        .routes(routes!(get_plugin))
}

#[derive(Serialize, utoipa::ToSchema)]
struct PluginList {
    plugins: Vec<PluginSummary>,
    /// Packages that were found but could not be deployed.
    failures: Vec<PluginLoadFailure>,
}

/// The deployed plugins with their call statistics, and the packages that
/// failed to deploy.
#[utoipa::path(
    get,
    path = "/plugins",
    tag = "plugins",
    responses((status = 200, body = PluginList))
)]
async fn list_plugins(State(state): State<AppState>) -> Json<PluginList> {
    Json(PluginList {
        plugins: state.plugins.plugins(),
        failures: state.plugins.failures(),
    })
}

/// One deployed plugin.
#[utoipa::path(
    get,
    path = "/plugins/{id}",
    tag = "plugins",
    params(("id" = String, Path, description = "The plugin id, e.g. `bac-ninh-fees`")),
    responses(
        (status = 200, body = PluginSummary),
        (status = 404, description = "No such plugin is deployed", body = ErrorBody),
    )
)]
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
