//! `GET /metrics`: the host's figures in the Prometheus text format, for the
//! operator's scraper (outside `/api/v1` and without a token, like
//! `/healthz`: it carries counts and ages, never a dossier's content).
//!
//! # Adding a series
//! Record it where it happens with the `metrics` crate's macros, e.g.
//! `metrics::counter!("motcua_<area>_<what>_total", "tenant" => id).increment(1)`
//! or `metrics::gauge!` / `metrics::histogram!` (seconds for durations,
//! `_total` for counters, labels of bounded cardinality: tenant, route,
//! status, never a dossier code). The process-wide recorder installed here
//! renders everything recorded anywhere; nothing else is needed. A figure
//! read from the database rather than counted (like the outbox backlog)
//! is set as a gauge in [`render`], just before rendering. Give a new
//! histogram its buckets in [`recorder`], or it renders as a summary.
//!
//! Series today: `motcua_http_requests_total{method,route,status}`,
//! `motcua_http_request_duration_seconds{method,route}` (histogram),
//! `motcua_outbox_pending{tenant}`, `motcua_outbox_dead{tenant}`,
//! `motcua_outbox_oldest_pending_age_seconds{tenant}`,
//! `motcua_outbox_delivered_total{tenant}`, `motcua_outbox_failed_total{tenant}`,
//! `motcua_storage_write_seconds{unit}` (histogram: each write unit of
//! work, e.g. `dossier.commit`, `outbox.claim`, `outbox.settle`),
//! `motcua_plugin_calls_total{tenant,plugin,version,call,outcome}`,
//! `motcua_plugin_call_duration_seconds{tenant,plugin,version,call}` and
//! `motcua_plugin_call_fuel{tenant,plugin,version,call}` (histograms),
//! `motcua_quota_refusals_total{tenant,quota}` (`storage`,
//! `component-size`, `sandbox-share`, `sandbox-pool`).

use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use super::AppState;
use super::error::ApiError;

/// Durations, in seconds: from a catalog read to a slow plugin call.
const LATENCY_BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// A plugin call, in seconds: from a fee policy's tens of microseconds to
/// a connector waiting out its deadline.
const PLUGIN_CALL_BUCKETS: [f64; 12] = [
    0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.25, 1.0, 10.0,
];

/// Fuel per plugin call: from a trivial answer (a few thousand units) to
/// the largest budget a manifest may set.
const FUEL_BUCKETS: [f64; 8] = [1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10];

/// The process-wide recorder, installed on first use. Several hosts in one
/// process (tests) share it; each scrape sets the backlog gauges of the
/// tenants it serves before rendering.
fn recorder() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Full("motcua_http_request_duration_seconds".to_owned()),
                &LATENCY_BUCKETS,
            )
            .expect("the latency buckets are not empty")
            .set_buckets_for_metric(
                Matcher::Full("motcua_storage_write_seconds".to_owned()),
                &LATENCY_BUCKETS,
            )
            .expect("the latency buckets are not empty")
            .set_buckets_for_metric(
                Matcher::Full("motcua_plugin_call_duration_seconds".to_owned()),
                &PLUGIN_CALL_BUCKETS,
            )
            .expect("the plugin call buckets are not empty")
            .set_buckets_for_metric(
                Matcher::Full("motcua_plugin_call_fuel".to_owned()),
                &FUEL_BUCKETS,
            )
            .expect("the fuel buckets are not empty");
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        if let Err(error) = metrics::set_global_recorder(recorder) {
            // Someone else's recorder (an embedding program) gets the
            // figures; this endpoint then shows only what it sets itself.
            tracing::warn!(%error, "a metrics recorder was already installed");
        }
        handle
    })
}

/// Installs the recorder, so that figures recorded before the first scrape
/// are kept.
pub fn install() {
    recorder();
}

/// Refreshes the figures read from the database, then renders them all.
pub async fn render(State(state): State<AppState>) -> Result<Response, ApiError> {
    let handle = recorder();
    for summary in state.sync.summaries().await? {
        let tenant = summary.tenant;
        metrics::gauge!("motcua_outbox_pending", "tenant" => tenant.clone())
            .set(summary.pending as f64);
        metrics::gauge!("motcua_outbox_dead", "tenant" => tenant.clone()).set(summary.dead as f64);
        metrics::gauge!("motcua_outbox_oldest_pending_age_seconds", "tenant" => tenant)
            .set(summary.oldest_pending_age_seconds as f64);
    }
    handle.run_upkeep();
    Ok((
        [(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        handle.render(),
    )
        .into_response())
}

/// Middleware: counts every request and times it, by the route it matched
/// (the template, e.g. `/api/v1/tenants/{tenant}/dossiers`, so the labels
/// stay few) and its status.
pub async fn track(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("motcua_http_requests_total",
        "method" => method.clone(), "route" => route.clone(), "status" => status)
    .increment(1);
    metrics::histogram!("motcua_http_request_duration_seconds",
        "method" => method, "route" => route)
    .record(started.elapsed().as_secs_f64());
    response
}
