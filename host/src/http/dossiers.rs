//! `/api/v1/tenants/{tenant}/dossiers`: submit, read, list, move, audit.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use motcua_domain::code::AgencyCode;
use motcua_domain::lifecycle::Stage;
use motcua_domain::media;
use motcua_domain::time::{LocalDateTime, now_local};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiError, ErrorBody};
use super::extract::{AppJson, AppQuery, Caller};
use crate::app::error::{AppError, FieldProblem};
use crate::app::ports::{
    AuditReport, DossierFilter, Page, PageRequest, StoredDocument, StoredDossier, StoredEvent,
    StoredNotification,
};
use crate::app::service::{DossierDetails, SubmitDossier, TransitionRequest};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(submit_dossier, list_dossiers))
        .routes(routes!(get_dossier))
        .routes(routes!(transition_dossier))
        .routes(routes!(list_events))
        .routes(routes!(list_documents))
        .routes(routes!(list_notifications))
        .routes(routes!(get_document))
        .routes(routes!(verify_audit))
}

/// Submit online (a citizen: status 1) or register at the counter or by
/// post (an officer: status 2, with its appointment). The procedure's form
/// plugin validates the form, its fee plugin prices the dossier (the
/// statutory fees, audited, if it fails).
#[utoipa::path(
    post,
    path = "/tenants/{tenant}/dossiers",
    tag = "dossiers",
    params(("tenant" = String, Path, description = "The tenant, e.g. `bac-ninh`")),
    request_body = SubmitDossier,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Submitted; `Location` names the dossier", body = DossierDetails,
         headers(("Location" = String, description = "`/api/v1/tenants/{tenant}/dossiers/{code}`"))),
        (status = 400, description = "The body is not JSON of this shape", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "The caller's role may not submit on this channel", body = ErrorBody),
        (status = 404, description = "Not the caller's tenant, or no such procedure", body = ErrorBody),
        (status = 422, description = "Invalid request or form; `fields` lists every failing field", body = ErrorBody),
        (status = 503, description = "The form plugin is unavailable (validation fails closed)", body = ErrorBody),
    )
)]
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

/// A dossier with its national status, allowed actions, on-time verdict,
/// fee lines (with the plugin and artifact digest behind them) and
/// documents.
#[utoipa::path(
    get,
    path = "/tenants/{tenant}/dossiers/{code}",
    tag = "dossiers",
    params(("tenant" = String, Path, description = "The tenant, e.g. `bac-ninh`"), ("code" = String, Path, description = "The dossier code, e.g. `000.00.01.H22-260214-0001`")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = DossierDetails),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such dossier visible to the caller", body = ErrorBody),
        (status = 422, description = "Not a dossier code; `fields` names `code`", body = ErrorBody),
    )
)]
async fn get_dossier(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path((tenant, code)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    Ok(Json(state.service.dossier(&user, &tenant, &code).await?).into_response())
}

/// Query string of a listing; every filter optional.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// National status code 1-10.
    #[param(minimum = 1, maximum = 10)]
    status: Option<u8>,
    stage: Option<Stage>,
    /// A national procedure code.
    procedure: Option<String>,
    /// The receiving agency's code.
    agency: Option<String>,
    /// `true`: only dossiers overdue now.
    overdue: Option<bool>,
    /// Received at or after (local time).
    received_from: Option<LocalDateTime>,
    /// Received before (local time).
    received_before: Option<LocalDateTime>,
    /// Page size, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<u32>,
    /// The `next` cursor of the previous page (anything else is a 400).
    after: Option<String>,
}

/// The tenant's dossiers, newest first, filtered, keyset-paginated.
#[utoipa::path(
    get,
    path = "/tenants/{tenant}/dossiers",
    tag = "dossiers",
    params(("tenant" = String, Path, description = "The tenant, e.g. `bac-ninh`"), ListQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Page<StoredDossier>),
        (status = 400, description = "An unknown or malformed query parameter", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "Not the caller's tenant", body = ErrorBody),
        (status = 422, description = "A filter out of range; `fields` names it", body = ErrorBody),
    )
)]
async fn list_dossiers(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path(tenant): Path<String>,
    AppQuery(query): AppQuery<ListQuery>,
) -> Result<Response, ApiError> {
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
        ..DossierFilter::default()
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
#[derive(Debug, Deserialize, utoipa::ToSchema)]
struct TransitionBody {
    #[serde(flatten)]
    request: TransitionRequest,
    #[serde(default)]
    note: Option<String>,
}

/// Move the dossier: `receive`, `assign`, `start_review`,
/// `request_supplementation`, `supplement`, `approve`, `return_result`, ...
#[utoipa::path(
    post,
    path = "/tenants/{tenant}/dossiers/{code}/transitions",
    tag = "dossiers",
    params(("tenant" = String, Path, description = "The tenant, e.g. `bac-ninh`"), ("code" = String, Path, description = "The dossier code, e.g. `000.00.01.H22-260214-0001`")),
    request_body = TransitionBody,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The dossier after the transition", body = DossierDetails),
        (status = 400, description = "The body is not JSON of this shape", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "The caller's role may not do this", body = ErrorBody),
        (status = 404, description = "No such dossier in the caller's tenant", body = ErrorBody),
        (status = 409, description = "Illegal in the dossier's state (the message names the state and the allowed actions), or concurrent changes", body = ErrorBody),
        (status = 422, description = "Invalid request or form", body = ErrorBody),
    )
)]
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

/// The dossier's hash-chained audit trail, in order.
#[utoipa::path(
    get,
    path = "/tenants/{tenant}/dossiers/{code}/events",
    tag = "dossiers",
    params(("tenant" = String, Path, description = "The tenant, e.g. `bac-ninh`"), ("code" = String, Path, description = "The dossier code, e.g. `000.00.01.H22-260214-0001`")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<StoredEvent>),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such dossier visible to the caller", body = ErrorBody),
        (status = 422, description = "Not a dossier code; `fields` names `code`", body = ErrorBody),
    )
)]
async fn list_events(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path((tenant, code)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    Ok(Json(state.service.events(&user, &tenant, &code).await?).into_response())
}

/// The dossier's documents: results, forms, initiative letters.
#[utoipa::path(
    get,
    path = "/tenants/{tenant}/dossiers/{code}/documents",
    tag = "dossiers",
    params(("tenant" = String, Path, description = "The tenant, e.g. `bac-ninh`"), ("code" = String, Path, description = "The dossier code, e.g. `000.00.01.H22-260214-0001`")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<StoredDocument>),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such dossier visible to the caller", body = ErrorBody),
        (status = 422, description = "Not a dossier code; `fields` names `code`", body = ErrorBody),
    )
)]
async fn list_documents(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path((tenant, code)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    Ok(Json(state.service.documents(&user, &tenant, &code).await?).into_response())
}

/// The messages the tenant's initiatives asked to send the dossier's
/// applicant (`notify-applicant`): channel, recipient, subject, body and
/// status (`queued` until a messages connector sends them), oldest first.
#[utoipa::path(
    get,
    path = "/tenants/{tenant}/dossiers/{code}/notifications",
    tag = "dossiers",
    params(("tenant" = String, Path, description = "The tenant, e.g. `bac-ninh`"), ("code" = String, Path, description = "The dossier code, e.g. `000.00.01.H22-260214-0001`")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<StoredNotification>),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such dossier visible to the caller", body = ErrorBody),
        (status = 422, description = "Not a dossier code; `fields` names `code`", body = ErrorBody),
    )
)]
async fn list_notifications(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path((tenant, code)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    Ok(Json(state.service.notifications(&user, &tenant, &code).await?).into_response())
}

/// A document's bytes as the schema of a response (the handler writes them
/// directly).
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
struct DocumentBytes(#[allow(dead_code)] Vec<u8>);

/// A document's bytes, with its media type and its sha256 as `ETag`.
#[utoipa::path(
    get,
    path = "/tenants/{tenant}/dossiers/{code}/documents/{id}",
    tag = "dossiers",
    params(("tenant" = String, Path, description = "The tenant, e.g. `bac-ninh`"), ("code" = String, Path, description = "The dossier code, e.g. `000.00.01.H22-260214-0001`"), ("id" = String, Path, description = "The document id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The bytes, in the document's own media type (an accepted document type; anything else is served as `application/octet-stream`), with `Content-Disposition` `inline` for PDF, images and plain text and `attachment` otherwise",
         content(
            (DocumentBytes = "application/pdf"),
            (DocumentBytes = "image/*"),
            (DocumentBytes = "text/plain"),
            (DocumentBytes = "application/xml"),
            (DocumentBytes = "text/xml"),
            (DocumentBytes = "application/*"),
         ),
         headers(("ETag" = String, description = "The content's sha256, quoted"))),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such dossier visible to the caller, or no such document of it", body = ErrorBody),
        (status = 422, description = "Not a dossier code; `fields` names `code`", body = ErrorBody),
    )
)]
async fn get_document(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path((tenant, code, id)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let (document, bytes) = state.service.document(&user, &tenant, &code, &id).await?;
    // A stored type the allowlist refuses (a row from before the check, an
    // initiative letter) is served as opaque bytes: never as a page of this
    // origin, never as a broken header.
    let media_type = media::check(&document.media_type)
        .unwrap_or_else(|_| "application/octet-stream".to_owned());
    let disposition = if media::shown_inline(&media_type) {
        "inline"
    } else {
        "attachment"
    };
    Ok((
        [
            (header::CONTENT_TYPE, media_type),
            (header::CONTENT_DISPOSITION, disposition.to_owned()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (header::ETAG, format!("\"{}\"", document.digest)),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct VerifyQuery {
    /// Only this dossier's chain; default every dossier of the tenant.
    dossier: Option<String>,
}

/// Recompute the audit hash chains from the stored rows; names the first
/// altered or deleted entry.
#[utoipa::path(
    get,
    path = "/tenants/{tenant}/audit/verify",
    tag = "dossiers",
    params(("tenant" = String, Path, description = "The tenant, e.g. `bac-ninh`"), VerifyQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = AuditReport),
        (status = 400, description = "An unknown or malformed query parameter", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Every chain was asked for by a caller who does not see every dossier", body = ErrorBody),
        (status = 404, description = "Not the caller's tenant, or no such dossier visible to the caller", body = ErrorBody),
        (status = 422, description = "`dossier` is not a dossier code; `fields` names `code`", body = ErrorBody),
    )
)]
async fn verify_audit(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path(tenant): Path<String>,
    AppQuery(query): AppQuery<VerifyQuery>,
) -> Result<Response, ApiError> {
    let report = state
        .service
        .verify_audit(&user, &tenant, query.dossier.as_deref())
        .await?;
    Ok(Json(report).into_response())
}
