//! `/api/v1/tenants/{tenant}/dossiers`: submit, read, list, move, audit.

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use motcua_domain::code::AgencyCode;
use motcua_domain::lifecycle::Stage;
use motcua_domain::time::{PrimitiveDateTime, local_datetime, now_local};
use serde::Deserialize;

use super::AppState;
use super::error::ApiError;
use super::extract::{AppJson, Caller};
use crate::app::error::{AppError, FieldProblem};
use crate::app::ports::{DossierFilter, PageRequest};
use crate::app::service::{SubmitDossier, TransitionRequest};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/tenants/{tenant}/dossiers",
            post(submit_dossier).get(list_dossiers),
        )
        .route("/tenants/{tenant}/dossiers/{code}", get(get_dossier))
        .route(
            "/tenants/{tenant}/dossiers/{code}/transitions",
            post(transition_dossier),
        )
        .route("/tenants/{tenant}/dossiers/{code}/events", get(list_events))
        .route(
            "/tenants/{tenant}/dossiers/{code}/documents",
            get(list_documents),
        )
        .route(
            "/tenants/{tenant}/dossiers/{code}/documents/{id}",
            get(get_document),
        )
        .route("/tenants/{tenant}/audit/verify", get(verify_audit))
}

async fn submit_dossier(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path(tenant): Path<String>,
    AppJson(request): AppJson<SubmitDossier>,
) -> Result<Response, ApiError> {
    let details = state.service.submit(&user, &tenant, request).await?;
    let location = format!("/api/v1/tenants/{tenant}/dossiers/{}", details.dossier.code);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(details),
    )
        .into_response())
}

async fn get_dossier(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path((tenant, code)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    Ok(Json(state.service.dossier(&user, &tenant, &code).await?).into_response())
}

/// Query string of a listing; every filter optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    /// National status code 1-10.
    status: Option<u8>,
    stage: Option<Stage>,
    procedure: Option<String>,
    agency: Option<String>,
    /// `true`: only dossiers overdue now.
    overdue: Option<bool>,
    #[serde(default, with = "local_datetime::option")]
    received_from: Option<PrimitiveDateTime>,
    #[serde(default, with = "local_datetime::option")]
    received_before: Option<PrimitiveDateTime>,
    limit: Option<u32>,
    after: Option<String>,
}

async fn list_dossiers(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path(tenant): Path<String>,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(|rejection| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            rejection.body_text(),
        )
    })?;
    let mut problems = Vec::new();
    if query.status.is_some_and(|s| !(1..=10).contains(&s)) {
        problems.push(FieldProblem::new(
            "status",
            "a national status code is 1 to 10",
        ));
    }
    if query.limit.is_some_and(|l| !(1..=500).contains(&l)) {
        problems.push(FieldProblem::new("limit", "must be 1 to 500"));
    }
    let agency = match query.agency.map(AgencyCode::new).transpose() {
        Ok(agency) => agency,
        Err(error) => {
            problems.push(FieldProblem::new("agency", error.to_string()));
            None
        }
    };
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems).into());
    }
    let filter = DossierFilter {
        national_status: query.status,
        stage: query.stage,
        procedure_code: query.procedure,
        agency,
        overdue_as_of: query.overdue.unwrap_or(false).then(now_local),
        received_from: query.received_from,
        received_before: query.received_before,
    };
    let page = PageRequest {
        after: query.after,
        limit: query.limit.unwrap_or(0),
    };
    Ok(Json(
        state
            .service
            .dossiers(&user, &tenant, &filter, &page)
            .await?,
    )
    .into_response())
}

/// A transition request and an optional note for the audit trail.
#[derive(Debug, Deserialize)]
struct TransitionBody {
    #[serde(flatten)]
    request: TransitionRequest,
    #[serde(default)]
    note: Option<String>,
}

async fn transition_dossier(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path((tenant, code)): Path<(String, String)>,
    AppJson(body): AppJson<TransitionBody>,
) -> Result<Response, ApiError> {
    let details = state
        .service
        .transition(&user, &tenant, &code, body.request, body.note)
        .await?;
    Ok(Json(details).into_response())
}

async fn list_events(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path((tenant, code)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    Ok(Json(state.service.events(&user, &tenant, &code).await?).into_response())
}

async fn list_documents(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path((tenant, code)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    Ok(Json(state.service.documents(&user, &tenant, &code).await?).into_response())
}

async fn get_document(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path((tenant, code, id)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let (document, bytes) = state.service.document(&user, &tenant, &code, &id).await?;
    Ok((
        [
            (header::CONTENT_TYPE, document.media_type),
            (header::ETAG, format!("\"{}\"", document.digest)),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VerifyQuery {
    dossier: Option<String>,
}

async fn verify_audit(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path(tenant): Path<String>,
    Query(query): Query<VerifyQuery>,
) -> Result<Response, ApiError> {
    let report = state
        .service
        .verify_audit(&user, &tenant, query.dossier.as_deref())
        .await?;
    Ok(Json(report).into_response())
}
