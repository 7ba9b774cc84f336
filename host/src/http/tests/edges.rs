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

#[tokio::test]
async fn readiness_answers_200_naming_every_check_once_plugins_are_loaded() {
    let world = world().await;
    let app = app(&world);

    let ready = Call::get("/readyz").send(&app).await;

    assert_eq!(ready.status, StatusCode::OK, "{}", ready.body);
    assert_eq!(ready.headers[header::CACHE_CONTROL], "no-store");
    assert_eq!(ready.body["ready"], true);
    assert_eq!(ready.body["not_ready"], serde_json::json!([]));
    let checks: Vec<&str> = ready.body["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["check"].as_str().unwrap())
        .collect();
    assert_eq!(checks, ["database", "migrations", "plugins"]);
}

#[tokio::test]
async fn readiness_answers_503_naming_the_plugins_while_they_load() {
    let world = world().await;
    let mut state = super::state(&world);
    state.readiness = crate::app::readiness::Readiness::new(
        world.store.clone(),
        crate::app::readiness::PluginsLoaded::default(),
    );
    let app = crate::http::router(state);

    let loading = Call::get("/readyz").send(&app).await;

    assert_eq!(loading.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(loading.body["ready"], false);
    assert_eq!(loading.body["not_ready"], serde_json::json!(["plugins"]));
    assert_eq!(
        loading.body["checks"][2]["detail"],
        "the plugins are still loading"
    );
}
