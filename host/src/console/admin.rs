//! The tenant administrator's and operator's pages: plugins (versions,
//! what serves, call counts and durations, the timeline; deploy a package,
//! activate, roll back, schedule a version, cancel a schedule), the synchronisation outbox (resend), reconciliation with the
//! national portal (and its CSV), the working calendar.

use axum::body::Bytes;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::{Value, context};
use motcua_domain::lifecycle::Role;
use motcua_domain::time::LocalDateTime;
use serde::Deserialize;

use super::session::SignedIn;
use super::{ConsoleState, Posted, fields};
use crate::app::error::AppError;
use crate::app::ports::{OutboxFilter, OutboxState, PackageFormat, ResendScope};
use crate::app::sync::ReconcileWindow;

const ADMINS: &[Role] = &[Role::TenantAdmin];

pub async fn plugins(State(state): State<ConsoleState>, me: SignedIn) -> Response {
    if let Err(page) = me.require(ADMINS) {
        return page;
    }
    match state.plugin_admin.list(&me.user, &me.tenant).await {
        Ok(list) => me.visitor.render(
            "plugins.html",
            context! { list => Value::from_serialize(&list) },
        ),
        Err(error) => me.visitor.fail(error),
    }
}

pub async fn activate(
    State(state): State<ConsoleState>,
    me: SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let posted = Posted::parse(&body);
    if let Err(page) = me
        .require(ADMINS)
        .and_then(|_| me.check_csrf(posted.get("csrf")))
    {
        return page;
    }
    let Some(version) = posted.text("version") else {
        return me
            .visitor
            .fail(AppError::invalid("version", "choose a version"));
    };
    match state
        .plugin_admin
        .activate(&me.user, &me.tenant, &id, &version)
        .await
    {
        Ok(_) => Redirect::to("/console/admin/plugins").into_response(),
        Err(error) => me.visitor.fail(error),
    }
}

/// A package uploaded with the plugins page's form (multipart: `csrf`,
/// `package`, `activate`), deployed as the API deploys it.
pub async fn deploy(
    State(state): State<ConsoleState>,
    me: SignedIn,
    mut multipart: Multipart,
) -> Response {
    if let Err(page) = me.require(ADMINS) {
        return page;
    }
    let (mut csrf, mut package, mut activate) = (None, None, false);
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(error) => {
                return me.visitor.fail(AppError::invalid(
                    "package",
                    format!("the upload could not be read: {error}"),
                ));
            }
        };
        let name = field.name().unwrap_or_default().to_owned();
        let read = match name.as_str() {
            "csrf" => field.text().await.map(|t| csrf = Some(t)),
            "activate" => field.text().await.map(|t| activate = t == "true"),
            "package" => field.bytes().await.map(|b| package = Some(b)),
            _ => Ok(()),
        };
        if let Err(error) = read {
            return me.visitor.fail(AppError::invalid(
                "package",
                format!("the upload could not be read: {error}"),
            ));
        }
    }
    if let Err(page) = me.check_csrf(csrf.as_deref()) {
        return page;
    }
    let Some(package) = package.filter(|p| !p.is_empty()) else {
        return me
            .visitor
            .fail(AppError::invalid("package", "choose a package file"));
    };
    // gzip announces itself; anything else is read as a plain tar.
    let format = if package.starts_with(&[0x1f, 0x8b]) {
        PackageFormat::TarGz
    } else {
        PackageFormat::Tar
    };
    match state
        .plugin_admin
        .deploy(&me.user, &me.tenant, format, package.to_vec(), activate)
        .await
    {
        Ok(_) => Redirect::to("/console/admin/plugins").into_response(),
        Err(error) => me.visitor.fail(error),
    }
}

pub async fn rollback(
    State(state): State<ConsoleState>,
    me: SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let posted = Posted::parse(&body);
    if let Err(page) = me
        .require(ADMINS)
        .and_then(|_| me.check_csrf(posted.get("csrf")))
    {
        return page;
    }
    match state.plugin_admin.rollback(&me.user, &me.tenant, &id).await {
        Ok(_) => Redirect::to("/console/admin/plugins").into_response(),
        Err(error) => me.visitor.fail(error),
    }
}

/// A version scheduled from the plugins page: `effective_at` as a
/// `datetime-local` input sends it (seconds optional).
pub async fn schedule(
    State(state): State<ConsoleState>,
    me: SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let posted = Posted::parse(&body);
    if let Err(page) = me
        .require(ADMINS)
        .and_then(|_| me.check_csrf(posted.get("csrf")))
    {
        return page;
    }
    let Some(version) = posted.text("version") else {
        return me
            .visitor
            .fail(AppError::invalid("version", "choose a version"));
    };
    let text = posted.text("effective_at").unwrap_or_default();
    let with_seconds = match text.len() {
        16 => format!("{text}:00"),
        _ => text.clone(),
    };
    let Ok(effective_at) = LocalDateTime::parse(&with_seconds) else {
        return me.visitor.fail(AppError::invalid(
            "effective_at",
            format!("`{text}` is not a local date and time"),
        ));
    };
    let request = crate::app::service::ScheduleVersion {
        version,
        effective_at,
    };
    match state
        .plugin_admin
        .schedule(&me.user, &me.tenant, &id, request)
        .await
    {
        Ok(_) => Redirect::to("/console/admin/plugins").into_response(),
        Err(error) => me.visitor.fail(error),
    }
}

pub async fn cancel_schedule(
    State(state): State<ConsoleState>,
    me: SignedIn,
    Path((_, schedule)): Path<(String, i64)>,
    body: Bytes,
) -> Response {
    let posted = Posted::parse(&body);
    if let Err(page) = me
        .require(ADMINS)
        .and_then(|_| me.check_csrf(posted.get("csrf")))
    {
        return page;
    }
    match state
        .plugin_admin
        .cancel_schedule(&me.user, &me.tenant, schedule)
        .await
    {
        Ok(_) => Redirect::to("/console/admin/plugins").into_response(),
        Err(error) => me.visitor.fail(error),
    }
}

#[derive(Deserialize)]
pub struct OutboxQuery {
    state: Option<String>,
    after: Option<i64>,
}

pub async fn outbox(
    State(state): State<ConsoleState>,
    me: SignedIn,
    Query(query): Query<OutboxQuery>,
) -> Response {
    if let Err(page) = me.require(ADMINS) {
        return page;
    }
    let wanted = query.state.as_deref().filter(|s| !s.is_empty());
    let filter = OutboxFilter {
        state: wanted.and_then(|s| {
            serde_json::from_value::<OutboxState>(serde_json::Value::String(s.into())).ok()
        }),
        ..OutboxFilter::default()
    };
    match state
        .sync
        .outbox(&me.user, &me.tenant, &filter, query.after, 50)
        .await
    {
        Ok((entries, next)) => me.visitor.render(
            "outbox.html",
            context! {
                entries => Value::from_serialize(&entries),
                next => next,
                state => wanted,
            },
        ),
        Err(error) => me.visitor.fail(error),
    }
}

pub async fn resend(State(state): State<ConsoleState>, me: SignedIn, body: Bytes) -> Response {
    let posted = Posted::parse(&body);
    if let Err(page) = me
        .require(ADMINS)
        .and_then(|_| me.check_csrf(posted.get("csrf")))
    {
        return page;
    }
    let scope = match posted.text("id").and_then(|id| id.parse::<i64>().ok()) {
        Some(id) => ResendScope::Ids(vec![id]),
        None => ResendScope::AllDead { dossier_code: None },
    };
    match state.sync.resend(&me.user, &me.tenant, &scope).await {
        Ok(_) => Redirect::to("/console/admin/outbox").into_response(),
        Err(error) => me.visitor.fail(error),
    }
}

#[derive(Deserialize)]
pub struct WindowQuery {
    from: Option<String>,
    to: Option<String>,
}

impl WindowQuery {
    fn window(&self) -> ReconcileWindow {
        let day = |t: &Option<String>| {
            t.as_deref()
                .and_then(fields::parse_date)
                .map(|d| LocalDateTime::from(d.midnight()))
        };
        ReconcileWindow {
            from: day(&self.from),
            to: day(&self.to),
        }
    }
}

pub async fn reconciliation(
    State(state): State<ConsoleState>,
    me: SignedIn,
    Query(query): Query<WindowQuery>,
) -> Response {
    if let Err(page) = me.require(ADMINS) {
        return page;
    }
    let window = query.window();
    match state.sync.reconcile(&me.user, &me.tenant, &window).await {
        Ok(report) => me.visitor.render(
            "reconciliation.html",
            context! { report => Value::from_serialize(&report), from => query.from, to => query.to },
        ),
        Err(error) => me.visitor.fail(error),
    }
}

/// The mismatch list as CSV (UTF-8 with a byte-order mark): one line per
/// cause, for the people who chase them with the portal's operators.
pub async fn reconciliation_csv(
    State(state): State<ConsoleState>,
    me: SignedIn,
    Query(query): Query<WindowQuery>,
) -> Response {
    if let Err(page) = me.require(ADMINS) {
        return page;
    }
    match state
        .sync
        .reconcile(&me.user, &me.tenant, &query.window())
        .await
    {
        Ok(report) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{}-reconciliation.csv\"", me.tenant),
                ),
            ],
            report.to_csv(),
        )
            .into_response(),
        Err(error) => me.visitor.fail(error),
    }
}

pub async fn calendar(State(state): State<ConsoleState>, me: SignedIn) -> Response {
    match state.service.calendar_of(&me.user, &me.tenant).await {
        Ok(calendar) => me.visitor.render(
            "calendar.html",
            context! { calendar => Value::from_serialize(&calendar) },
        ),
        Err(error) => me.visitor.fail(error),
    }
}
