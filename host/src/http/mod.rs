//! The HTTP API (axum). Handlers call the app layer only; only this module
//! knows status codes.
//!
//! # The OpenAPI document
//!
//! `GET /api/v1/openapi.json` serves a document generated from the handlers
//! themselves (utoipa): a route and its documentation are registered
//! together, so they cannot drift apart. To add a route:
//!
//! 1. annotate the handler with `#[utoipa::path(method, path = "/...",
//!    params(...), request_body = T, responses(...), security(("bearer" =
//!    [])), tag = "...")]`, the path relative to `/api/v1` and written as
//!    axum writes it (`{param}`); list the error answers with
//!    `body = ErrorBody` (the `ApiError` schema);
//! 2. derive `utoipa::ToSchema` on its request and response types
//!    (domain types: `#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]`,
//!    and `schema(value_type = ...)` for fields with custom serde, see
//!    `motcua_domain::openapi`); a civil time is a
//!    `motcua_domain::time::LocalDateTime` or `LocalDate`, which carry
//!    their text and schema, so their fields need no attribute;
//! 3. register it in the module's `router()` with
//!    `.routes(routes!(handler_a, handler_b))` (handlers of one path), never
//!    with a plain `.route(...)`; a new module's `router()` is merged in
//!    [`api`].
//!
//! The end-to-end test `http::openapi` probes every path written in this
//! module's sources against the running host and fails on a served route
//! the document does not list.

mod catalog;
mod complete;
mod decisions;
mod dossiers;
pub mod error;
mod extract;
pub mod headers;
mod imports;
mod intake;
mod keys;
mod memberships;
mod metrics;
mod openapi;
mod operations;
mod payments;
mod plugins;
mod portal_intake;
mod readiness;
mod schedules;
mod statistics;
mod sync;
mod tenants;
#[cfg(test)]
mod tests;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::Request;
use axum::routing::get;
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::app::ports::{PluginDirectory, TenantStore};
use crate::app::service::{DossierService, PluginAdmin, Tenants};
use crate::app::statistics::StatisticsService;
use crate::app::sync::SyncOperations;

/// Largest request body accepted.
pub const BODY_LIMIT_BYTES: usize = 1024 * 1024;

/// What handlers share.
#[derive(Clone)]
pub struct AppState {
    pub plugins: Arc<dyn PluginDirectory>,
    pub service: DossierService,
    /// Online dossiers from the national portal and the intake queue.
    pub intake: crate::app::intake::IntakeService,
    pub tenants: Arc<dyn TenantStore>,
    pub sync: SyncOperations,
    pub plugin_admin: PluginAdmin,
    pub statistics: StatisticsService,
    /// Onboarding, suspension and resumption of tenants.
    pub onboarding: Tenants,
    /// The signing keys trusted to vouch for plugin packages.
    pub keys: crate::app::service::TrustKeys,
    /// Whether this host may take traffic (`/readyz`).
    pub readiness: crate::app::readiness::Readiness,
}

/// Every route under `/api/v1`, with its documentation.
fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(openapi::router())
        .merge(plugins::router())
        .merge(schedules::router())
        .merge(decisions::router())
        .merge(catalog::router())
        .merge(dossiers::router())
        .merge(payments::router())
        .merge(intake::router())
        .merge(portal_intake::router())
        .merge(sync::router())
        .merge(statistics::router())
        .merge(memberships::router())
        .merge(imports::router())
        .merge(tenants::router())
        .merge(operations::router())
        .merge(keys::router())
}

/// Install the Prometheus recorder `GET /metrics` renders (serving does;
/// so does a benchmark measuring what serving costs).
pub use metrics::install as install_metrics;

/// The API's OpenAPI document, as `GET /api/v1/openapi.json` serves it.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    let mut document = OpenApiRouter::<AppState>::with_openapi(openapi::ApiDoc::openapi())
        .nest("/api/v1", api())
        .split_for_parts()
        .1;
    openapi::document_shared_answers(&mut document);
    document
}

/// Every route of the API.
pub fn router(state: AppState) -> Router {
    router_with(state, Router::new())
}

/// Every route of the API, and `pages` (another adapter's routes, such as
/// the console's, wired in `cli::wiring`) beside it under the same layers
/// (body limit, tracing), so every response goes through them.
pub fn router_with(state: AppState, pages: Router) -> Router {
    let (api, _) = OpenApiRouter::new()
        .nest("/api/v1", api())
        .split_for_parts();
    let routes = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readiness::readyz))
        .route("/metrics", get(metrics::render))
        .merge(api)
        .with_state(state)
        .merge(pages)
        .route_layer(axum::middleware::from_fn(metrics::track))
        .route_layer(axum::middleware::from_fn(
            complete::run_writes_to_completion,
        ))
        .fallback(error::not_found)
        .layer(DefaultBodyLimit::max(BODY_LIMIT_BYTES));
    headers::secured(routes).layer(TraceLayer::new_for_http().make_span_with(
        |request: &Request<_>| {
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
        },
    ))
}

/// Serve until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(listener, state, Router::new(), shutdown).await
}

/// Serve the API and `pages` beside it (see [`router_with`]) until
/// `shutdown` resolves.
pub async fn serve_with(
    listener: TcpListener,
    state: AppState,
    pages: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    metrics::install();
    axum::serve(listener, router_with(state, pages))
        .with_graceful_shutdown(shutdown)
        .await
}
