//! The HTTP API (axum). Handlers call the app layer only; only this module
//! knows status codes.

mod catalog;
mod dossiers;
pub mod error;
mod extract;
mod intake;
mod payments;
mod plugins;
mod sync;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::Request;
use axum::routing::get;
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;

use crate::app::ports::{PluginDirectory, TenantStore};
use crate::app::service::{DossierService, PluginAdmin};
use crate::app::sync::SyncOperations;

/// Largest request body accepted.
pub const BODY_LIMIT_BYTES: usize = 1024 * 1024;

/// What handlers share.
#[derive(Clone)]
pub struct AppState {
    pub plugins: Arc<dyn PluginDirectory>,
    pub service: DossierService,
    pub tenants: Arc<dyn TenantStore>,
    pub sync: SyncOperations,
    pub plugin_admin: PluginAdmin,
}

/// Every route of the API.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .merge(plugins::router())
        .merge(catalog::router())
        .merge(dossiers::router())
        .merge(payments::router())
        .merge(intake::router())
        .merge(sync::router());
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .nest("/api/v1", api)
        .fallback(error::not_found)
        .layer(DefaultBodyLimit::max(BODY_LIMIT_BYTES))
        .layer(
            TraceLayer::new_for_http().make_span_with(|request: &Request<_>| {
                // Tenant and dossier come from the path, so every event logged
                // while serving carries them.
                let mut segments = request
                    .uri()
                    .path()
                    .split('/')
                    .skip_while(|s| *s != "tenants")
                    .skip(1);
                let tenant = segments.next().unwrap_or("").to_string();
                let dossier = match segments.next() {
                    Some("dossiers") => segments.next().unwrap_or("").to_string(),
                    _ => String::new(),
                };
                tracing::info_span!(
                    "motcua.http.request",
                    method = %request.method(),
                    path = %request.uri().path(),
                    tenant = %tenant,
                    dossier = %dossier,
                    user = tracing::field::Empty,
                )
            }),
        )
        .with_state(state)
}

/// Serve until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}
