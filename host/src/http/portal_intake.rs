//! Online dossiers from the National Public Service Portal: pull what waits
//! (the host also pulls on its own), the intake queue of what could not
//! become a dossier by itself, and an officer's decision on each.

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiError, ErrorBody};
use super::extract::{AppJson, Caller};
use crate::app::intake::{PullReport, QueueEntry};
use crate::app::service::DossierDetails;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(pull))
        .routes(routes!(queue))
        .routes(routes!(receive))
        .routes(routes!(refuse))
}

/// Take in now what waits for the tenant at the national portal: valid
/// submissions become dossiers in status 1 under their national code, the
/// others wait in the intake queue with the reason; each is acknowledged to
/// the portal once stored (tenant admin).
#[utoipa::path(
    post,
    path = "/tenants/{tenant}/intake/pull",
    tag = "intake",
    params(("tenant" = String, Path, description = "The tenant, e.g. `bac-ninh`")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "What the pull did; `stopped` says why it ended early", body = PullReport),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not the tenant's admin", body = ErrorBody),
        (status = 404, description = "No such tenant, or another tenant", body = ErrorBody),
    )
)]
async fn pull(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path(tenant): Path<String>,
) -> Result<Json<PullReport>, ApiError> {
    Ok(Json(state.intake.pull_as(&user, &tenant).await?))
}

/// The intake queue: online submissions that could not become dossiers by
/// themselves, waiting ones first, each with why and its intake deadline
/// (one working day from the submission). An officer sees their agencies'.
#[utoipa::path(
    get,
    path = "/tenants/{tenant}/intake/queue",
    tag = "intake",
    params(("tenant" = String, Path, description = "The tenant, e.g. `bac-ninh`")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<QueueEntry>),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "A citizen", body = ErrorBody),
        (status = 404, description = "No such tenant, or another tenant", body = ErrorBody),
    )
)]
async fn queue(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path(tenant): Path<String>,
) -> Result<Json<Vec<QueueEntry>>, ApiError> {
    Ok(Json(state.intake.queue(&user, &tenant).await?))
}

/// Take a queued submission in as it is (the officer vouches for its
/// form): its dossier is created in status 1 under its national code, to be
/// received like any online dossier.
#[utoipa::path(
    post,
    path = "/tenants/{tenant}/intake/queue/{code}/receive",
    tag = "intake",
    params(
        ("tenant" = String, Path, description = "The tenant, e.g. `bac-ninh`"),
        ("code" = String, Path, description = "The submission's national code"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The dossier created", body = DossierDetails),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not an officer", body = ErrorBody),
        (status = 404, description = "No waiting submission of that code for this officer", body = ErrorBody),
        (status = 422, description = "It cannot become a dossier (unknown procedure, agency): refuse it instead", body = ErrorBody),
    )
)]
async fn receive(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path((tenant, code)): Path<(String, String)>,
) -> Result<Json<DossierDetails>, ApiError> {
    Ok(Json(state.intake.receive(&user, &tenant, &code).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct Refusal {
    /// Why it is not received (form 03); the applicant and the portal see it.
    reason: String,
}

/// Refuse a queued submission at intake (status 3, form 03): its dossier
/// records the submission and the refusal with the reason, and is
/// synchronised to the portal like any other.
#[utoipa::path(
    post,
    path = "/tenants/{tenant}/intake/queue/{code}/refuse",
    tag = "intake",
    params(
        ("tenant" = String, Path, description = "The tenant, e.g. `bac-ninh`"),
        ("code" = String, Path, description = "The submission's national code"),
    ),
    request_body = Refusal,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The dossier, refused at intake", body = DossierDetails),
        (status = 400, description = "The body is not JSON of this shape", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not an officer", body = ErrorBody),
        (status = 404, description = "No waiting submission of that code for this officer", body = ErrorBody),
        (status = 422, description = "An empty `reason`, or it cannot become a dossier", body = ErrorBody),
    )
)]
async fn refuse(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path((tenant, code)): Path<(String, String)>,
    AppJson(refusal): AppJson<Refusal>,
) -> Result<Json<DossierDetails>, ApiError> {
    Ok(Json(
        state
            .intake
            .refuse(&user, &tenant, &code, &refusal.reason)
            .await?,
    ))
}
