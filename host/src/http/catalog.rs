//! `/api/v1/tenants/{tenant}/procedures` and `/calendar`: the tenant's
//! catalog and working calendar, edited by its administrators.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use motcua_domain::calendar::CalendarConfig;
use motcua_domain::catalog::Procedure;

use super::AppState;
use super::error::ApiError;
use super::extract::{AppJson, Caller};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/tenants/{tenant}/procedures", get(list_procedures))
        .route(
            "/tenants/{tenant}/procedures/{code}",
            get(get_procedure).put(put_procedure),
        )
        .route(
            "/tenants/{tenant}/calendar",
            get(get_calendar).put(put_calendar),
        )
}

async fn list_procedures(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path(tenant): Path<String>,
) -> Result<Response, ApiError> {
    Ok(Json(state.service.procedures(&user, &tenant).await?).into_response())
}

async fn get_procedure(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path((tenant, code)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    Ok(Json(state.service.procedure_of(&user, &tenant, &code).await?).into_response())
}

async fn put_procedure(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path((tenant, code)): Path<(String, String)>,
    AppJson(procedure): AppJson<Procedure>,
) -> Result<Response, ApiError> {
    Ok(Json(
        state
            .service
            .put_procedure(&user, &tenant, &code, procedure)
            .await?,
    )
    .into_response())
}

async fn get_calendar(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path(tenant): Path<String>,
) -> Result<Response, ApiError> {
    Ok(Json(state.service.calendar_of(&user, &tenant).await?).into_response())
}

async fn put_calendar(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path(tenant): Path<String>,
    AppJson(calendar): AppJson<CalendarConfig>,
) -> Result<Response, ApiError> {
    Ok(Json(state.service.put_calendar(&user, &tenant, calendar).await?).into_response())
}
