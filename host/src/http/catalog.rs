//! `/api/v1/tenants/{tenant}/procedures`, `/catalog` and `/calendar`: the
//! tenant's catalog and working calendar, edited by its administrators.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use motcua_domain::calendar::CalendarConfig;
use motcua_domain::catalog::Procedure;
use motcua_domain::form::FormDefinition;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiError, ErrorBody};
use super::extract::{AppJson, AppQuery, Caller, media_type};
use crate::app::service::{CatalogReport, ImportMode};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_procedures))
        .routes(routes!(get_procedure, put_procedure))
        .routes(routes!(get_form))
        .routes(routes!(load_catalog))
        .routes(routes!(get_calendar, put_calendar))
}

/// The tenant's procedures, ordered by code.
#[utoipa::path(
    get,
    path = "/tenants/{tenant}/procedures",
    tag = "catalog",
    params(("tenant" = String, Path, description = "The tenant, e.g. `bac-ninh`")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<Procedure>),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "Not the caller's tenant", body = ErrorBody),
    )
)]
async fn list_procedures(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path(tenant): Path<String>,
) -> Result<Response, ApiError> {
    Ok(Json(state.service.procedures(&user, &tenant).await?).into_response())
}

/// One procedure of the catalog.
#[utoipa::path(
    get,
    path = "/tenants/{tenant}/procedures/{code}",
    tag = "catalog",
    params(
        ("tenant" = String, Path, description = "The tenant, e.g. `bac-ninh`"),
        ("code" = String, Path, description = "The national procedure code, e.g. `1.001193`"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Procedure),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such procedure in the caller's tenant", body = ErrorBody),
    )
)]
async fn get_procedure(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path((tenant, code)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    Ok(Json(state.service.procedure_of(&user, &tenant, &code).await?).into_response())
}

/// The procedure's form as its form plugin defines it: groups, and each
/// field's id (the path a submission's `form` entries use), kind, labels,
/// whether it is required, its options and constraints, and where it may be
/// prefilled from.
#[utoipa::path(
    get,
    path = "/tenants/{tenant}/procedures/{code}/form",
    tag = "catalog",
    params(
        ("tenant" = String, Path, description = "The tenant, e.g. `vinh-phuc`"),
        ("code" = String, Path, description = "The national procedure code, e.g. `1.001193`"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, body = FormDefinition),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such procedure in the caller's tenant, or it has no form plugin (any fields are accepted)", body = ErrorBody),
        (status = 503, description = "The form plugin failed", body = ErrorBody),
    )
)]
async fn get_form(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path((tenant, code)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    Ok(Json(state.service.form_of(&user, &tenant, &code).await?).into_response())
}

/// Create or replace one procedure (tenant admin).
#[utoipa::path(
    put,
    path = "/tenants/{tenant}/procedures/{code}",
    tag = "catalog",
    params(
        ("tenant" = String, Path, description = "The tenant, e.g. `bac-ninh`"),
        ("code" = String, Path, description = "The national procedure code; must equal the body's"),
    ),
    request_body = Procedure,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The stored procedure", body = Procedure),
        (status = 400, description = "The body is not JSON of this shape", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not a tenant admin", body = ErrorBody),
        (status = 404, description = "Not the caller's tenant", body = ErrorBody),
        (status = 422, description = "The procedure breaks a catalog rule, or names a form or fee plugin that is not deployed for the tenant or does not serve it; `fields` names it", body = ErrorBody),
    )
)]
async fn put_procedure(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path((tenant, code)): Path<(String, String)>,
    AppJson(procedure): AppJson<Procedure>,
) -> Result<Response, ApiError> {
    Ok(Json(
        state
            .service
            .put_procedure(
                &user,
                &tenant,
                &code,
                procedure,
                &state.plugin_admin.served(&tenant),
            )
            .await?,
    )
    .into_response())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct LoadQuery {
    /// `merge` (default): add and update, keep the procedures the file does
    /// not list; `replace`: delete those too.
    #[param(inline)]
    mode: Option<ImportMode>,
}

/// The body of a catalog load: the catalog file's content.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // a schema only: the body is read as JSON or TOML text
struct CatalogDocument {
    procedures: Vec<Procedure>,
}

/// Load a whole catalog file (tenant admin): the format of
/// `host/demo/catalog/*.toml`, sent as TOML (`Content-Type:
/// application/toml`) or JSON (`application/json`). Every procedure is
/// checked first; a failure names the procedure and the field
/// (`procedures[i].<path>`) and changes nothing. Then all procedures are
/// written in one transaction.
#[utoipa::path(
    put,
    path = "/tenants/{tenant}/catalog",
    tag = "catalog",
    params(("tenant" = String, Path, description = "The tenant, e.g. `bac-ninh`"), LoadQuery),
    request_body(
        description = "`{\"procedures\": [...]}`, or the same as TOML (`[[procedures]]` tables)",
        content(
            (CatalogDocument = "application/json"),
            (CatalogDocument = "application/toml"),
        )
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "What changed, by procedure code", body = CatalogReport),
        (status = 400, description = "The body is not valid JSON or TOML", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not a tenant admin", body = ErrorBody),
        (status = 404, description = "Not the caller's tenant", body = ErrorBody),
        (status = 415, description = "Neither JSON nor TOML", body = ErrorBody),
        (status = 422, description = "Procedures that fail (a catalog rule, or a form or fee plugin that is not deployed for the tenant or does not serve the procedure), each named in `fields`; nothing changed", body = ErrorBody),
    )
)]
async fn load_catalog(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path(tenant): Path<String>,
    query: Result<AppQuery<LoadQuery>, ApiError>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let AppQuery(query) = query?;
    let document = catalog_document(&headers, &body)?;
    let report = state
        .service
        .load_catalog(
            &user,
            &tenant,
            document,
            query.mode.unwrap_or_default(),
            &state.plugin_admin.served(&tenant),
        )
        .await?;
    Ok(Json(report).into_response())
}

/// The body as a JSON value, read as JSON or TOML by its content type.
pub(super) fn catalog_document(
    headers: &HeaderMap,
    body: &[u8],
) -> Result<serde_json::Value, ApiError> {
    let bad = |message: String| ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message);
    let media_type = media_type(headers);
    match media_type.as_str() {
        "application/json" => serde_json::from_slice(body)
            .map_err(|error| bad(format!("the body is not valid JSON: {error}"))),
        "application/toml" | "text/toml" => {
            let text = std::str::from_utf8(body)
                .map_err(|_| bad("the TOML body is not UTF-8".to_owned()))?;
            toml::from_str(text)
                .map_err(|error| bad(format!("the body is not valid TOML: {error}")))
        }
        _ => Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the catalog as `Content-Type: application/toml` or `application/json`",
        )),
    }
}

/// The tenant's working calendar.
#[utoipa::path(
    get,
    path = "/tenants/{tenant}/calendar",
    tag = "catalog",
    params(("tenant" = String, Path, description = "The tenant, e.g. `bac-ninh`")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = CalendarConfig),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "Not the caller's tenant, or no calendar published", body = ErrorBody),
    )
)]
async fn get_calendar(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path(tenant): Path<String>,
) -> Result<Response, ApiError> {
    Ok(Json(state.service.calendar_of(&user, &tenant).await?).into_response())
}

/// Publish the working calendar (tenant admin): weekends, holidays, make-up
/// days, office hours, cut-off.
#[utoipa::path(
    put,
    path = "/tenants/{tenant}/calendar",
    tag = "catalog",
    params(("tenant" = String, Path, description = "The tenant, e.g. `bac-ninh`")),
    request_body = CalendarConfig,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The published calendar", body = CalendarConfig),
        (status = 400, description = "The body is not JSON of this shape", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not a tenant admin", body = ErrorBody),
        (status = 404, description = "Not the caller's tenant", body = ErrorBody),
        (status = 422, description = "An inconsistent calendar", body = ErrorBody),
    )
)]
async fn put_calendar(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path(tenant): Path<String>,
    AppJson(calendar): AppJson<CalendarConfig>,
) -> Result<Response, ApiError> {
    Ok(Json(state.service.put_calendar(&user, &tenant, calendar).await?).into_response())
}
