//! National synchronisation for operators: the outbox (list, filter,
//! resend) and reconciliation with the portal.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use motcua_domain::time::{PrimitiveDateTime, local_datetime};
use serde::{Deserialize, Serialize};

use super::AppState;
use super::error::ApiError;
use super::extract::{AppJson, Caller};
use crate::app::error::{AppError, FieldProblem};
use crate::app::ports::{OutboxEntry, OutboxFilter, OutboxState, ResendScope};
use crate::app::sync::{MAX_OUTBOX_PAGE, ReconcileReport, ReconcileWindow};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/tenants/{tenant}/outbox", get(list_outbox))
        .route("/tenants/{tenant}/outbox/resend", post(resend))
        .route("/tenants/{tenant}/reconciliation", get(reconciliation))
}

fn bad_query(rejection: QueryRejection) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "bad_request",
        rejection.body_text(),
    )
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OutboxQuery {
    state: Option<OutboxState>,
    dossier: Option<String>,
    kind: Option<String>,
    /// The `next` of the previous page.
    after: Option<i64>,
    limit: Option<u32>,
}

#[derive(Serialize)]
struct OutboxPage {
    items: Vec<OutboxEntry>,
    next: Option<i64>,
}

async fn list_outbox(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path(tenant): Path<String>,
    query: Result<Query<OutboxQuery>, QueryRejection>,
) -> Result<Json<OutboxPage>, ApiError> {
    let Query(query) = query.map_err(bad_query)?;
    if query
        .limit
        .is_some_and(|l| !(1..=MAX_OUTBOX_PAGE).contains(&l))
    {
        return Err(AppError::invalid("limit", format!("must be 1 to {MAX_OUTBOX_PAGE}")).into());
    }
    let filter = OutboxFilter {
        state: query.state,
        dossier_code: query.dossier,
        kind: query.kind,
    };
    let (items, next) = state
        .sync
        .outbox(
            &user,
            &tenant,
            &filter,
            query.after,
            query.limit.unwrap_or(0),
        )
        .await?;
    Ok(Json(OutboxPage { items, next }))
}

/// Either `ids`, or `all_dead: true` (optionally for one `dossier`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ResendBody {
    #[serde(default)]
    ids: Option<Vec<i64>>,
    #[serde(default)]
    all_dead: bool,
    #[serde(default)]
    dossier: Option<String>,
}

#[derive(Serialize)]
struct Requeued {
    requeued: u64,
}

async fn resend(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path(tenant): Path<String>,
    AppJson(body): AppJson<ResendBody>,
) -> Result<Json<Requeued>, ApiError> {
    let scope = match (body.ids, body.all_dead, body.dossier) {
        (Some(ids), false, None) => ResendScope::Ids(ids),
        (None, true, dossier) => ResendScope::AllDead {
            dossier_code: dossier,
        },
        _ => {
            return Err(AppError::Invalid(vec![FieldProblem::new(
                "ids",
                "give either `ids`, or `all_dead: true` with an optional `dossier`",
            )])
            .into());
        }
    };
    let requeued = state.sync.resend(&user, &tenant, &scope).await?;
    Ok(Json(Requeued { requeued }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReconcileQuery {
    /// Received at or after.
    #[serde(default, with = "local_datetime::option")]
    from: Option<PrimitiveDateTime>,
    /// Received before.
    #[serde(default, with = "local_datetime::option")]
    to: Option<PrimitiveDateTime>,
}

async fn reconciliation(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path(tenant): Path<String>,
    query: Result<Query<ReconcileQuery>, QueryRejection>,
) -> Result<Json<ReconcileReport>, ApiError> {
    let Query(query) = query.map_err(bad_query)?;
    let window = ReconcileWindow {
        from: query.from,
        to: query.to,
    };
    Ok(Json(state.sync.reconcile(&user, &tenant, &window).await?))
}
