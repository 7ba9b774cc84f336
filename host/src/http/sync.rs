//! National synchronisation for operators: the outbox (list, filter,
//! resend) and reconciliation with the portal.

use axum::Json;
use axum::extract::{Path, State};
use motcua_domain::time::LocalDateTime;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiError, ErrorBody};
use super::extract::{AppJson, AppQuery, Caller};
use crate::app::error::{AppError, FieldProblem};
use crate::app::ports::{OutboxEntry, OutboxFilter, OutboxState, ResendScope};
use crate::app::sync::{MAX_OUTBOX_PAGE, OutboxSummary, ReconcileReport, ReconcileWindow};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_outbox))
        .routes(routes!(outbox_summary))
        .routes(routes!(resend))
        .routes(routes!(reconciliation))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct OutboxQuery {
    state: Option<OutboxState>,
    /// A dossier code.
    dossier: Option<String>,
    /// `national.progress`, `initiative.retry` or `notification.email`.
    kind: Option<String>,
    /// The `next` of the previous page.
    after: Option<i64>,
    /// Page size, 1 to the maximum page.
    limit: Option<u32>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct OutboxPage {
    items: Vec<OutboxEntry>,
    /// The `after` of the next page, if there is one.
    next: Option<i64>,
}

/// The tenant's outbox to the national systems, oldest first, filtered
/// and paginated (tenant admin or platform operator).
#[utoipa::path(
    get,
    path = "/tenants/{tenant}/outbox",
    tag = "sync",
    params(("tenant" = String, Path, description = "The tenant, e.g. `bac-ninh`"), OutboxQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = OutboxPage),
        (status = 400, description = "A malformed query string", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Neither the tenant's admin nor a platform operator", body = ErrorBody),
        (status = 404, description = "No such tenant, or another tenant", body = ErrorBody),
        (status = 422, description = "`limit` out of range", body = ErrorBody),
    )
)]

async fn list_outbox(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path(tenant): Path<String>,
    AppQuery(query): AppQuery<OutboxQuery>,
) -> Result<Json<OutboxPage>, ApiError> {
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

/// How far delivery lags: pending and dead entries, the oldest pending one
/// and its age (tenant admin or platform operator). `GET /metrics` exports
/// the same figures for every tenant.
#[utoipa::path(
    get,
    path = "/tenants/{tenant}/outbox/summary",
    tag = "sync",
    params(("tenant" = String, Path, description = "The tenant, e.g. `bac-ninh`")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = OutboxSummary),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Neither the tenant's admin nor a platform operator", body = ErrorBody),
        (status = 404, description = "No such tenant, or another tenant", body = ErrorBody),
    )
)]
async fn outbox_summary(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path(tenant): Path<String>,
) -> Result<Json<OutboxSummary>, ApiError> {
    Ok(Json(state.sync.summary(&user, &tenant).await?))
}

/// Either `ids`, or `all_dead: true` (optionally for one `dossier`).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct ResendBody {
    #[serde(default)]
    ids: Option<Vec<i64>>,
    #[serde(default)]
    all_dead: bool,
    #[serde(default)]
    dossier: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct Requeued {
    /// How many entries will be delivered again.
    requeued: u64,
}

/// Deliver outbox entries again: the given ids, or every dead one
/// (tenant admin or platform operator).
#[utoipa::path(
    post,
    path = "/tenants/{tenant}/outbox/resend",
    tag = "sync",
    params(("tenant" = String, Path, description = "The tenant, e.g. `bac-ninh`")),
    request_body = ResendBody,
    security(("bearer" = [])),
    responses(
        (status = 200, body = Requeued),
        (status = 400, description = "The body is not JSON of this shape", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Neither the tenant's admin nor a platform operator", body = ErrorBody),
        (status = 404, description = "No such tenant, or another tenant", body = ErrorBody),
        (status = 422, description = "Neither `ids` nor `all_dead`, or both; `fields` names `ids`", body = ErrorBody),
    )
)]

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

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct ReconcileQuery {
    /// Received at or after.
    from: Option<LocalDateTime>,
    /// Received before.
    to: Option<LocalDateTime>,
}

/// Compare the tenant's dossiers received in the window with the national
/// portal's copies, and say why each mismatch differs (tenant admin or
/// platform operator).
#[utoipa::path(
    get,
    path = "/tenants/{tenant}/reconciliation",
    tag = "sync",
    params(("tenant" = String, Path, description = "The tenant, e.g. `bac-ninh`"), ReconcileQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = ReconcileReport),
        (status = 400, description = "A malformed query string", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Neither the tenant's admin nor a platform operator", body = ErrorBody),
        (status = 404, description = "No such tenant, or another tenant", body = ErrorBody),
    )
)]

async fn reconciliation(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path(tenant): Path<String>,
    AppQuery(query): AppQuery<ReconcileQuery>,
) -> Result<Json<ReconcileReport>, ApiError> {
    let window = ReconcileWindow {
        from: query.from,
        to: query.to,
    };
    Ok(Json(state.sync.reconcile(&user, &tenant, &window).await?))
}
