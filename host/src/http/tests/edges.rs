//! What every route shares: authentication, the error shape, limits, the
//! OpenAPI document, the fallback.

use axum::http::{StatusCode, header};

use super::{Call, app, world};
use crate::http::BODY_LIMIT_BYTES;

const PROCEDURES: &str = "/api/v1/tenants/da-nang/procedures";

#[tokio::test]
async fn a_request_without_a_valid_token_answers_401_in_the_error_shape() {
    let world = world().await;
    let app = app(&world);

    let missing = Call::get(PROCEDURES).send(&app).await;
    assert_eq!(missing.status, StatusCode::UNAUTHORIZED);
    assert_eq!(missing.body["code"], "unauthorized");
    assert_eq!(missing.body["fields"], serde_json::json!([]));

    let unknown = Call::get(PROCEDURES)
        .header(header::AUTHORIZATION, "Bearer nobody-token")
        .send(&app)
        .await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert!(
        unknown.body["message"]
            .as_str()
            .unwrap()
            .contains("unknown")
    );

    let basic = Call::get(PROCEDURES)
        .header(header::AUTHORIZATION, "Basic YTpi")
        .send(&app)
        .await;
    assert_eq!(basic.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_member_reads_the_catalog_and_only_an_admin_changes_it() {
    let world = world().await;
    world.serve_seeded_plugins();
    let app = app(&world);
    let listed = Call::get(PROCEDURES)
        .by(&world.users.citizen)
        .send(&app)
        .await;
    assert_eq!(listed.status, StatusCode::OK);
    assert_eq!(listed.body[0]["code"], crate::app::testing::PROCEDURE);

    let body = listed.body[0].clone();
    let uri = format!("{PROCEDURES}/{}", crate::app::testing::PROCEDURE);
    let put = |user| {
        Call::new(axum::http::Method::PUT, &uri)
            .by(user)
            .json(body.clone())
    };
    let refused = put(&world.users.officer).send(&app).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let accepted = put(&world.users.admin).send(&app).await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
}

#[tokio::test]
async fn a_body_over_the_limit_answers_413() {
    let world = world().await;
    let answer = Call::post("/api/v1/tenants/da-nang/dossiers")
        .by(&world.users.citizen)
        .raw("application/json", vec![b' '; BODY_LIMIT_BYTES + 1])
        .send(&app(&world))
        .await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(answer.body["code"], "payload_too_large");
}

#[tokio::test]
async fn the_openapi_document_is_served_without_a_token_and_lists_the_dossier_routes() {
    let world = world().await;
    let answer = Call::get("/api/v1/openapi.json").send(&app(&world)).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.body["openapi"], "3.1.0");
    assert!(answer.body["paths"]["/api/v1/tenants/{tenant}/dossiers"].is_object());
}

#[tokio::test]
async fn an_unknown_route_answers_404_in_the_error_shape_and_health_answers_ok() {
    let world = world().await;
    let app = app(&world);
    let answer = Call::get("/api/v2/nothing").send(&app).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert_eq!(answer.body["code"], "not_found");

    let health = Call::get("/healthz").send(&app).await;
    assert_eq!(health.status, StatusCode::OK);
}
