//! The one-stop console: server-rendered HTML pages for citizens, officers
//! and tenant administrators, served by the host under `/console` (assets
//! under `/static`). Pages work without JavaScript (forms post and
//! redirect) and under a strict Content-Security-Policy: no inline script
//! or style, nothing from another origin.
//!
//! Like the HTTP API this adapter calls the app layer only (use cases decide
//! who may see and do what); `cli::wiring` merges its router with the API's.
//!
//! # Layout
//! - `i18n`: languages and the message catalog (Vietnamese first).
//! - `render`: the embedded templates and their helpers.
//! - `session`: cookies, the signed-in user, CSRF checks.
//! - `auth`: sign-in, sign-out, language switch, the home redirect.
//! - `citizen`: procedures, the form from the form plugin, receipt, "my
//!   dossiers"; `public`: tracking by dossier code.
//! - `officer`: the agency inbox, the dossier page and its actions, the
//!   printable one-stop forms 01 and 02.
//! - `admin`: plugins, outbox, reconciliation, calendar.
//! - `dashboard`: the Decision 766 figures as charts, every number linked
//!   to the dossiers behind it (a page and a CSV download).

// A refused request's `Err` is the page to show (an axum `Response`); it is
// rendered once per request, so boxing it would buy nothing.
#![allow(clippy::result_large_err)]

mod admin;
mod auth;
mod citizen;
mod dashboard;
mod fields;
mod i18n;
mod officer;
mod public;
mod render;
mod session;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{get, post};

use crate::app::ports::TenantStore;
use crate::app::service::{Accounts, DossierService, PluginAdmin};
use crate::app::statistics::StatisticsService;
use crate::app::sync::SyncOperations;

pub use i18n::Lang;

/// What the console's handlers share.
#[derive(Clone)]
pub struct ConsoleState {
    pub service: DossierService,
    pub accounts: Accounts,
    pub tenants: Arc<dyn TenantStore>,
    pub sync: SyncOperations,
    pub plugin_admin: PluginAdmin,
    pub statistics: StatisticsService,
}

const CSS: &str = include_str!("../../static/console.css");

async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        CSS,
    )
}

/// A posted `application/x-www-form-urlencoded` body, fields in order
/// (a multi-select sends its name once per value).
pub(crate) struct Posted(Vec<(String, String)>);

impl Posted {
    pub fn parse(body: &[u8]) -> Posted {
        Posted(
            form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The trimmed value, `None` when absent or blank.
    pub fn text(&self, name: &str) -> Option<String> {
        self.get(name)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    }

    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }
}

/// Every page of the console and its stylesheet.
pub fn router(state: ConsoleState) -> Router {
    Router::new()
        .route("/static/console.css", get(stylesheet))
        .route("/", get(auth::root))
        .route("/console", get(auth::home))
        .route("/console/login", get(auth::login_page).post(auth::login))
        .route("/console/logout", post(auth::logout))
        .route("/console/lang/{code}", get(auth::switch_language))
        .route("/console/track", get(public::track))
        .route("/console/procedures", get(citizen::procedures))
        .route(
            "/console/procedures/{code}/apply",
            get(citizen::apply_page).post(citizen::apply),
        )
        .route("/console/my", get(citizen::my_dossiers))
        .route("/console/dossiers/{code}/receipt", get(citizen::receipt))
        .route("/console/inbox", get(officer::inbox))
        .route("/console/dossiers/{code}", get(officer::dossier))
        .route("/console/dossiers/{code}/act", post(officer::act))
        .route(
            "/console/dossiers/{code}/documents/{id}",
            get(officer::document),
        )
        .route("/console/dossiers/{code}/print/{form}", get(officer::print))
        .route("/console/admin/plugins", get(admin::plugins))
        .route(
            "/console/admin/plugins/deploy",
            // A package is larger than a form: the plugin administration's
            // own limit, as the API's upload.
            post(admin::deploy).layer(DefaultBodyLimit::max(
                state.plugin_admin.max_package_bytes(),
            )),
        )
        .route(
            "/console/admin/plugins/{id}/activate",
            post(admin::activate),
        )
        .route(
            "/console/admin/plugins/{id}/rollback",
            post(admin::rollback),
        )
        .route(
            "/console/admin/plugins/{id}/schedule",
            post(admin::schedule),
        )
        .route(
            "/console/admin/plugins/{id}/schedule/{schedule}/cancel",
            post(admin::cancel_schedule),
        )
        .route("/console/admin/outbox", get(admin::outbox))
        .route("/console/admin/outbox/resend", post(admin::resend))
        .route("/console/admin/reconciliation", get(admin::reconciliation))
        .route(
            "/console/admin/reconciliation.csv",
            get(admin::reconciliation_csv),
        )
        .route("/console/admin/calendar", get(admin::calendar))
        .route("/console/dashboard", get(dashboard::dashboard))
        .route(
            "/console/statistics/{indicator}",
            get(dashboard::drill_down),
        )
        .route(
            "/console/statistics/{indicator}/dossiers.csv",
            get(dashboard::drill_down_csv),
        )
        .with_state(state)
}
