//! `/api/v1/tenants/{tenant}/plugins/{id}/schedule` and
//! `/api/v1/tenants/{tenant}/plugin-schedules/{id}`: a tenant admin
//! schedules a deployed version to take over at a local time, moves or
//! cancels the schedule until then. `GET /tenants/{tenant}/plugins` shows
//! each plugin's timeline.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiError, ErrorBody};
use super::extract::{AppJson, Caller};
use crate::app::error::AppError;
use crate::app::ports::Switch;
use crate::app::service::{Reschedule, ScheduleVersion};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(schedule_version))
        .routes(routes!(reschedule, cancel_schedule))
}

/// Schedule a deployed version to serve from a local time (tenant admin):
/// dossiers received from then on are priced by it, whenever they are
/// priced, on every host. The version is loaded now, so one that would not
/// load is refused at once.
#[utoipa::path(
    post,
    path = "/tenants/{tenant}/plugins/{id}/schedule",
    tag = "plugins",
    params(
        ("tenant" = String, Path, description = "The tenant, e.g. `bac-ninh`"),
        ("id" = String, Path, description = "The plugin id"),
    ),
    request_body = ScheduleVersion,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The schedule, in the plugin's timeline", body = Switch),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not a tenant admin", body = ErrorBody),
        (status = 404, description = "No such deployed version of the tenant", body = ErrorBody),
        (status = 422, description = "`effective_at` not later than now, or the stored package no longer verifies", body = ErrorBody),
    )
)]
async fn schedule_version(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path((tenant, id)): Path<(String, String)>,
    AppJson(request): AppJson<ScheduleVersion>,
) -> Result<Response, ApiError> {
    let scheduled = state
        .plugin_admin
        .schedule(&user, &tenant, &id, request)
        .await?;
    Ok((StatusCode::CREATED, Json(scheduled)).into_response())
}

/// Move a schedule that has not taken effect (tenant admin).
#[utoipa::path(
    patch,
    path = "/tenants/{tenant}/plugin-schedules/{schedule}",
    tag = "plugins",
    params(
        ("tenant" = String, Path, description = "The tenant, e.g. `bac-ninh`"),
        ("schedule" = i64, Path, description = "The schedule's timeline id"),
    ),
    request_body = Reschedule,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The schedule as moved", body = Switch),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not a tenant admin", body = ErrorBody),
        (status = 404, description = "No schedule of the tenant still to take effect", body = ErrorBody),
        (status = 422, description = "`effective_at` not later than now, or not a schedule id", body = ErrorBody),
    )
)]
async fn reschedule(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path((tenant, schedule)): Path<(String, String)>,
    AppJson(request): AppJson<Reschedule>,
) -> Result<Response, ApiError> {
    let moved = state
        .plugin_admin
        .reschedule(&user, &tenant, schedule_id(&schedule)?, request)
        .await?;
    Ok(Json(moved).into_response())
}

/// Cancel a schedule that has not taken effect (tenant admin).
#[utoipa::path(
    delete,
    path = "/tenants/{tenant}/plugin-schedules/{schedule}",
    tag = "plugins",
    params(
        ("tenant" = String, Path, description = "The tenant, e.g. `bac-ninh`"),
        ("schedule" = i64, Path, description = "The schedule's timeline id"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The schedule cancelled", body = Switch),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not a tenant admin", body = ErrorBody),
        (status = 404, description = "No schedule of the tenant still to take effect", body = ErrorBody),
        (status = 422, description = "Not a schedule id", body = ErrorBody),
    )
)]
async fn cancel_schedule(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path((tenant, schedule)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let cancelled = state
        .plugin_admin
        .cancel_schedule(&user, &tenant, schedule_id(&schedule)?)
        .await?;
    Ok(Json(cancelled).into_response())
}

/// A schedule's id from the path, refused as JSON like any bad input.
fn schedule_id(text: &str) -> Result<i64, AppError> {
    text.parse().map_err(|_| {
        AppError::invalid(
            "schedule",
            format!("`{text}` is not a schedule id (a number from the plugin's timeline)"),
        )
    })
}
