//! `/api/v1/plugins`: what is deployed, and how it behaves.

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;

use super::AppState;
use super::error::ApiError;
use crate::app::ports::{PluginLoadFailure, PluginSummary};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/plugins", get(list_plugins))
        .route("/plugins/{id}", get(get_plugin))
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
