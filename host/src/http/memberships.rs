//! `/api/v1/tenants/{tenant}/users/{user}/agencies`: the agencies an
//! officer belongs to, which decide the dossiers they see and process
//! (docs/access.md). A tenant admin assigns them.

use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiError, ErrorBody};
use super::extract::{AppJson, Caller};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_memberships, put_memberships))
}

/// An officer's agencies.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct Memberships {
    /// Agency codes of the tenant, e.g. `000.21.31.H06`; each at most once.
    agencies: Vec<String>,
}

/// The agencies an officer belongs to (tenant admin, or the officer).
#[utoipa::path(
    get,
    path = "/tenants/{tenant}/users/{user}/agencies",
    tag = "access",
    params(
        ("tenant" = String, Path, description = "The tenant, e.g. `bac-ninh`"),
        ("user" = String, Path, description = "The officer's user id"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Memberships),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Neither a tenant admin nor the officer", body = ErrorBody),
        (status = 404, description = "Not the caller's tenant, or no such user in it", body = ErrorBody),
        (status = 422, description = "The user is not an officer; `fields` names `user`", body = ErrorBody),
    )
)]
async fn get_memberships(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path((tenant, user)): Path<(String, String)>,
) -> Result<Json<Memberships>, ApiError> {
    let agencies = state
        .service
        .access()
        .memberships_of(state.tenants.as_ref(), &caller, &tenant, &user)
        .await?;
    Ok(Json(Memberships {
        agencies: agencies.iter().map(ToString::to_string).collect(),
    }))
}

/// Assign an officer to exactly these agencies (tenant admin): they then
/// see and process the dossiers those agencies receive, and no other.
#[utoipa::path(
    put,
    path = "/tenants/{tenant}/users/{user}/agencies",
    tag = "access",
    params(
        ("tenant" = String, Path, description = "The tenant, e.g. `bac-ninh`"),
        ("user" = String, Path, description = "The officer's user id"),
    ),
    request_body = Memberships,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The officer's agencies now", body = Memberships),
        (status = 400, description = "The body is not JSON of this shape", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not a tenant admin", body = ErrorBody),
        (status = 404, description = "Not the caller's tenant, or no such user in it", body = ErrorBody),
        (status = 422, description = "An agency the tenant does not have, or a user who is not an officer; `fields` names `agencies[i]` or `user`", body = ErrorBody),
    )
)]
async fn put_memberships(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path((tenant, user)): Path<(String, String)>,
    AppJson(body): AppJson<Memberships>,
) -> Result<Json<Memberships>, ApiError> {
    let agencies = state
        .service
        .access()
        .assign(
            state.tenants.as_ref(),
            &caller,
            &tenant,
            &user,
            &body.agencies,
        )
        .await?;
    Ok(Json(Memberships {
        agencies: agencies.iter().map(ToString::to_string).collect(),
    }))
}
