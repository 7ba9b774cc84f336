//! `/api/v1/tenants/{tenant}/procedures` and `/calendar`: the tenant's
//! catalog and working calendar, edited by its administrators.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use motcua_domain::calendar::{CalendarConfig, WorkingCalendar};
use motcua_domain::catalog::Procedure;
use motcua_domain::lifecycle::Role;
use motcua_domain::tenancy::User;

use super::AppState;
use super::error::ApiError;
use super::extract::{AppJson, Caller};
use crate::app::error::AppError;

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

/// Another tenant's catalog does not exist for the caller.
fn member(user: &User, tenant: &str) -> Result<(), ApiError> {
    if user.tenant.as_deref() == Some(tenant) {
        Ok(())
    } else {
        Err(ApiError::not_found(format!("tenant {tenant} not found")))
    }
}

fn admin(user: &User, tenant: &str) -> Result<(), ApiError> {
    member(user, tenant)?;
    if user.role == Role::TenantAdmin {
        Ok(())
    } else {
        Err(AppError::Forbidden(format!(
            "only a tenant admin may change the catalog; you are a {}",
            user.role
        ))
        .into())
    }
}

async fn list_procedures(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path(tenant): Path<String>,
) -> Result<Response, ApiError> {
    member(&user, &tenant)?;
    let procedures = state
        .catalog
        .procedures(&tenant)
        .await
        .map_err(AppError::from)?;
    Ok(Json(procedures).into_response())
}

async fn get_procedure(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path((tenant, code)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    member(&user, &tenant)?;
    let procedure = state
        .catalog
        .procedure(&tenant, &code)
        .await
        .map_err(AppError::from)?
        .ok_or_else(|| ApiError::not_found(format!("procedure {code} not found")))?;
    Ok(Json(procedure).into_response())
}

async fn put_procedure(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path((tenant, code)): Path<(String, String)>,
    AppJson(procedure): AppJson<Procedure>,
) -> Result<Response, ApiError> {
    admin(&user, &tenant)?;
    if procedure.code != code {
        return Err(AppError::invalid(
            "code",
            format!(
                "the body's code `{}` differs from the path's `{code}`",
                procedure.code
            ),
        )
        .into());
    }
    if procedure.channels.is_empty() {
        return Err(AppError::invalid(
            "channels",
            "a procedure is offered on at least one channel",
        )
        .into());
    }
    state
        .catalog
        .put_procedure(&tenant, &procedure)
        .await
        .map_err(AppError::from)?;
    Ok(Json(procedure).into_response())
}

async fn get_calendar(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path(tenant): Path<String>,
) -> Result<Response, ApiError> {
    member(&user, &tenant)?;
    let calendar = state
        .catalog
        .calendar(&tenant)
        .await
        .map_err(AppError::from)?
        .ok_or_else(|| ApiError::not_found(format!("tenant {tenant} has published no calendar")))?;
    Ok(Json(calendar).into_response())
}

async fn put_calendar(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path(tenant): Path<String>,
    AppJson(calendar): AppJson<CalendarConfig>,
) -> Result<Response, ApiError> {
    admin(&user, &tenant)?;
    // Refuse an inconsistent calendar before it can skew any deadline.
    WorkingCalendar::new(calendar.clone()).map_err(AppError::from)?;
    state
        .catalog
        .put_calendar(&tenant, &calendar)
        .await
        .map_err(AppError::from)?;
    Ok(Json(calendar).into_response())
}
