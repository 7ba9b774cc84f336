//! `POST /api/v1/tenants/{tenant}/imports`: import dossiers from the system
//! a province is leaving (tenant admin), the API twin of `motcua import`
//! (`docs/import.md`).

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiError, ErrorBody};
use super::extract::{AppQuery, Caller, media_type};
use crate::app::import::{ImportOptions, ImportReport, import_lines};

/// Largest import accepted over the API; larger files go through
/// `motcua import`, which streams them.
pub const IMPORT_LIMIT_BYTES: usize = 64 * 1024 * 1024;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(import_dossiers))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct ImportQuery {
    /// The system the dossiers come from, written in each dossier's audit
    /// trail (default `api`).
    source: Option<String>,
    /// `true`: check every line first and write nothing if one is refused.
    all_or_nothing: Option<bool>,
}

/// A JSON Lines body: one `ImportRecord` per line.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // a schema only: the body is read line by line
struct ImportLines(crate::app::import::ImportRecord);

/// Import dossiers with their histories (tenant admin). The body is JSON
/// Lines in the format `motcua-import/1` (`docs/import.md`), up to 64 MiB;
/// documents are given inline (`content_base64`). Each line is checked on
/// its own: a refused line is reported with its number and field and the
/// others are imported, unless `all_or_nothing`. A dossier whose code is
/// already stored is left as it is, so sending the same body again changes
/// nothing.
#[utoipa::path(
    post,
    path = "/tenants/{tenant}/imports",
    tag = "imports",
    params(("tenant" = String, Path, description = "The tenant, e.g. `bac-ninh`"), ImportQuery),
    request_body(
        description = "One dossier per line (`motcua-import/1`)",
        content((ImportLines = "application/x-ndjson")),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "What was imported, and each refused line with its problems", body = ImportReport),
        (status = 400, description = "A malformed query string, or a body that is not UTF-8", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not a tenant admin", body = ErrorBody),
        (status = 404, description = "Another tenant", body = ErrorBody),
        (status = 413, description = "Larger than 64 MiB", body = ErrorBody),
        (status = 415, description = "Not `application/x-ndjson`", body = ErrorBody),
        (status = 422, description = "The tenant has no working calendar", body = ErrorBody),
    )
)]
async fn import_dossiers(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path(tenant): Path<String>,
    query: Result<AppQuery<ImportQuery>, ApiError>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let AppQuery(query) = query?;
    let source = query.source.unwrap_or_else(|| "api".to_owned());
    let mut run = state
        .service
        .importer()
        .start(&user, &tenant, &source)
        .await?;
    let media_type = media_type(&headers);
    if !matches!(
        media_type.as_str(),
        "application/x-ndjson" | "application/jsonl"
    ) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the dossiers as JSON Lines, `Content-Type: application/x-ndjson`",
        ));
    }
    let bytes = axum::body::to_bytes(body, IMPORT_LIMIT_BYTES)
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!(
                    "the body is larger than {IMPORT_LIMIT_BYTES} bytes: import large files \
                     with `motcua import`"
                ),
            )
        })?;
    let text = std::str::from_utf8(&bytes).map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "the body is not UTF-8",
        )
    })?;
    let no_paths = |_: &str| {
        Err(
            "over the API a document is given inline (`content_base64`); \
             `path` is read by `motcua import`"
                .to_owned(),
        )
    };
    let report = import_lines(
        &mut run,
        || text.lines().map(|line| Ok(line.to_owned())),
        &no_paths,
        ImportOptions {
            all_or_nothing: query.all_or_nothing.unwrap_or(false),
        },
        &mut |_| {},
    )
    .await?;
    Ok(Json(report).into_response())
}
