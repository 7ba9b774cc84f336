//! `GET /api/v1/tenants/{tenant}/operations` and
//! `POST /api/v1/tenants/{tenant}/operations/{name}`: named operations of
//! specialised systems (a land parcel lookup), each served by the connector
//! the operator assigned to it (docs/connectors.md).

use axum::Json;
use axum::extract::{Path, State};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiError, ErrorBody};
use super::extract::{AppJson, Caller};
use crate::app::hooks::OfferedOperation;
use crate::app::service::OperationAnswer;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_operations))
        .routes(routes!(run_operation))
}

/// The named operations the tenant's connectors offer: each with its title,
/// the JSON Schemas of its input and output, and the connector serving it.
#[utoipa::path(
    get,
    path = "/tenants/{tenant}/operations",
    tag = "operations",
    params(("tenant" = String, Path, description = "The tenant, e.g. `vinh-phuc`")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = [OfferedOperation]),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "A citizen", body = ErrorBody),
        (status = 404, description = "Another tenant", body = ErrorBody),
    )
)]
async fn list_operations(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path(tenant): Path<String>,
) -> Result<Json<Vec<OfferedOperation>>, ApiError> {
    Ok(Json(state.service.operations(&user, &tenant).await?))
}

/// Run a named operation for an officer. The body is the operation's input
/// document; the host checks it against the input schema before the
/// connector sees it, and the answer against the output schema.
#[utoipa::path(
    post,
    path = "/tenants/{tenant}/operations/{name}",
    tag = "operations",
    params(
        ("tenant" = String, Path, description = "The tenant, e.g. `vinh-phuc`"),
        ("name" = String, Path, description = "The operation, e.g. `land.parcel-lookup`"),
    ),
    request_body(content = Object, description = "The operation's input document"),
    security(("bearer" = [])),
    responses(
        (status = 200, body = OperationAnswer),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not an officer", body = ErrorBody),
        (status = 404, description = "No such operation for the tenant, or the system found nothing (`not_found`)", body = ErrorBody),
        (status = 422, description = "The input breaks the operation's schema (`fields` names each place) or the system refused it", body = ErrorBody),
        (status = 502, description = "The system failed", body = ErrorBody),
        (status = 503, description = "The connector or the system is unavailable; try again later", body = ErrorBody),
    )
)]
async fn run_operation(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path((tenant, name)): Path<(String, String)>,
    AppJson(input): AppJson<serde_json::Value>,
) -> Result<Json<OperationAnswer>, ApiError> {
    Ok(Json(
        state
            .service
            .run_operation(&user, &tenant, &name, input)
            .await?,
    ))
}
