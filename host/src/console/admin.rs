//! The tenant administrator's and operator's pages: plugins (versions,
//! what serves, call counts; activate, roll back), the synchronisation
//! outbox (resend), reconciliation with the national portal, the working
//! calendar.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::{Value, context};
use motcua_domain::lifecycle::Role;
use serde::Deserialize;

use super::session::SignedIn;
use super::{ConsoleState, Posted, fields};
use crate::app::error::AppError;
use crate::app::ports::{OutboxFilter, OutboxState, ResendScope};
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

pub async fn reconciliation(
    State(state): State<ConsoleState>,
    me: SignedIn,
    Query(query): Query<WindowQuery>,
) -> Response {
    if let Err(page) = me.require(ADMINS) {
        return page;
    }
    let day = |t: &Option<String>| {
        t.as_deref()
            .and_then(fields::parse_date)
            .map(|d| d.midnight())
    };
    let window = ReconcileWindow {
        from: day(&query.from),
        to: day(&query.to),
    };
    match state.sync.reconcile(&me.user, &me.tenant, &window).await {
        Ok(report) => me.visitor.render(
            "reconciliation.html",
            context! { report => Value::from_serialize(&report), from => query.from, to => query.to },
        ),
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
