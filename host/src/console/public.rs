//! Public tracking by dossier code: anyone holding the code sees where the
//! dossier is and its appointment, nothing about the applicant or the form.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::{Value, context};
use serde::Deserialize;

use super::ConsoleState;
use super::session::Visitor;
use crate::app::error::AppError;

#[derive(Deserialize)]
pub struct TrackQuery {
    tenant: Option<String>,
    code: Option<String>,
}

pub async fn track(
    State(state): State<ConsoleState>,
    visitor: Visitor,
    Query(query): Query<TrackQuery>,
) -> Response {
    let tenants = match state.tenants.tenants().await {
        Ok(t) => t,
        Err(error) => return visitor.fail(error.into()),
    };
    // A signed-in user's own tenant is the natural default.
    let tenant = query
        .tenant
        .filter(|t| !t.is_empty())
        .or_else(|| visitor.session.as_ref().and_then(|s| s.user.tenant.clone()));
    let code = query
        .code
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty());
    let (found, status) = match (&tenant, &code) {
        (Some(tenant), Some(code)) => match state.service.track(tenant, code).await {
            Ok(tracking) => (Some(tracking), StatusCode::OK),
            Err(AppError::NotFound(_) | AppError::Invalid(_)) => (None, StatusCode::NOT_FOUND),
            Err(error) => return visitor.fail(error),
        },
        _ => (None, StatusCode::OK),
    };
    let searched = tenant.is_some() && code.is_some();
    visitor.render_status(
        status,
        "track.html",
        context! {
            tenants => Value::from_serialize(&tenants),
            tenant => tenant,
            code => code,
            searched => searched,
            found => Value::from_serialize(&found),
        },
    )
}
