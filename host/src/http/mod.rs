//! The HTTP API (axum). Handlers call the app layer only.

mod error;
mod plugins;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::routing::get;
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;

use crate::app::ports::PluginDirectory;

/// What handlers share.
#[derive(Clone)]
pub struct AppState {
    pub plugins: Arc<dyn PluginDirectory>,
}

/// Every route of the API.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .nest("/api/v1", plugins::router())
        .fallback(error::not_found)
        .layer(TraceLayer::new_for_http())
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
