//! `GET /api/v1/openapi.json`: the API's OpenAPI document, generated from
//! the handlers' annotations (see the module doc of `http`).

use std::sync::OnceLock;

use axum::http::header;
use axum::response::IntoResponse;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ErrorBody, FieldMessage};

/// What the document says beyond its paths: title, the bearer scheme and
/// the one error shape.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "motcua",
        description = "The one-stop administrative-procedure dossier core. Every tenant \
            route takes `Authorization: Bearer <token>`; a token of one tenant finds \
            nothing of another (404). Times are civil times in Viet Nam \
            (Asia/Ho_Chi_Minh) without an offset. Every error has the shape \
            `ApiError`: `code`, `message`, and the `fields` it concerns."
    ),
    components(schemas(ErrorBody, FieldMessage)),
    modifiers(&BearerToken),
    tags(
        (name = "meta", description = "The API itself"),
        (name = "tenants", description = "Platform operators onboard, list, suspend and resume tenants (docs/onboarding.md)"),
        (name = "plugins", description = "Deployed plugins"),
        (name = "keys", description = "The signing keys trusted to vouch for plugin packages, platform-wide and per tenant (docs/signing.md)"),
        (name = "catalog", description = "A tenant's procedures and working calendar"),
        (name = "dossiers", description = "Submission, processing and audit of dossiers"),
        (name = "payments", description = "A dossier's fees ledger"),
        (name = "access", description = "Who sees and processes which dossiers: officers' agencies"),
        (name = "sync", description = "The outbox to the national systems, and reconciliation with the portal"),
        (name = "intake", description = "Online dossiers from the National Public Service Portal and the intake queue (docs/intake.md)"),
        (name = "statistics", description = "Decision 766 figures and the dossiers behind each (rules: docs/statistics.md)"),
        (name = "operations", description = "Named operations of specialised systems (land registry, tax, business registry) through the connector the operator assigned to each (docs/connectors.md)"),
        (name = "imports", description = "Dossiers and their histories brought over from the system a province leaves (format: docs/import.md)"),
    )
)]
pub struct ApiDoc;

/// The `bearer` security scheme that authenticated operations name.
struct BearerToken;

impl Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An API token of a tenant's user or a platform operator",
                    ))
                    .build(),
            ),
        );
    }
}

/// Adds the answers the shared extractors give to every operation that
/// uses them, so no handler can forget one: 401 where a token is required
/// and 423 beside it (the token's tenant is suspended or being onboarded);
/// 400 (malformed), 413 (too large) and 415 (wrong `Content-Type`) where a
/// body is read. A handler's own description of one of these is kept.
pub fn document_shared_answers(document: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    let error = |description: &str| {
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ApiError")))
                    .build(),
            )
            .build()
    };
    for item in document.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for operation in operations.into_iter().flatten() {
            let mut shared = Vec::new();
            if operation.security.as_ref().is_some_and(|s| !s.is_empty()) {
                shared.push(("401", "No valid token"));
                shared.push((
                    "423",
                    "The caller's tenant is suspended (`tenant_suspended`) or still being onboarded (`tenant_onboarding`)",
                ));
            }
            if operation.request_body.is_some() {
                shared.push(("400", "The body is not of the expected shape"));
                shared.push(("413", "The body is larger than the limit"));
                shared.push((
                    "415",
                    "The body's `Content-Type` is not one this operation reads",
                ));
            }
            for (status, description) in shared {
                operation
                    .responses
                    .responses
                    .entry(status.to_owned())
                    .or_insert_with(|| error(description).into());
            }
        }
    }
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(openapi_json))
}

/// The OpenAPI 3.1 document of this API.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "meta",
    responses((status = 200, description = "The OpenAPI document", content_type = "application/json", body = Object))
)]
async fn openapi_json() -> impl IntoResponse {
    // Built once: the document depends on the code only.
    static DOCUMENT: OnceLock<String> = OnceLock::new();
    let json = DOCUMENT.get_or_init(|| {
        super::openapi_document()
            .to_pretty_json()
            .expect("the OpenAPI document serialises")
    });
    ([(header::CONTENT_TYPE, "application/json")], json.as_str())
}
