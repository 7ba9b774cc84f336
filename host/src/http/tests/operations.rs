//! `/api/v1/tenants/{t}/operations`: who may see and run named operations
//! of specialised systems, and how each way of failing is answered.

use axum::http::StatusCode;
use motcua_domain::refusal::{PluginRefusal, RefusalKind};
use serde_json::json;

use super::{Call, app, world};
use crate::app::error::FieldProblem;
use crate::app::hooks::OperationFailure;
use crate::app::testing::TENANT;

const LOOKUP: &str = "land.parcel-lookup";

fn path(operation: &str) -> String {
    format!("/api/v1/tenants/{TENANT}/operations/{operation}")
}

#[tokio::test]
async fn an_officer_runs_an_offered_operation_and_gets_the_connectors_answer() {
    let world = world().await;
    world
        .systems
        .offer(LOOKUP, Ok(json!({"area_m2": 120.5, "purpose": "ODT"})));
    let app = app(&world);

    let listed = Call::get(&format!("/api/v1/tenants/{TENANT}/operations"))
        .by(&world.users.officer)
        .send(&app)
        .await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    assert_eq!(listed.body[0]["name"], LOOKUP);
    assert_eq!(listed.body[0]["connector"], "land-registry-connector@1.0.0");

    let ran = Call::post(&path(LOOKUP))
        .by(&world.users.officer)
        .json(json!({"sheet": 12, "parcel": 345}))
        .send(&app)
        .await;
    assert_eq!(ran.status, StatusCode::OK, "{}", ran.body);
    assert_eq!(ran.body["output"]["area_m2"], 120.5);
    assert_eq!(ran.body["connector"], "land-registry-connector@1.0.0");
    assert_eq!(
        world.systems.runs(),
        [(
            TENANT.to_owned(),
            LOOKUP.to_owned(),
            json!({"sheet": 12, "parcel": 345})
        )]
    );
}

#[tokio::test]
async fn only_officers_run_operations_and_citizens_do_not_see_them() {
    let world = world().await;
    world.systems.offer(LOOKUP, Ok(json!({})));
    let app = app(&world);

    let admin_list = Call::get(&format!("/api/v1/tenants/{TENANT}/operations"))
        .by(&world.users.admin)
        .send(&app)
        .await;
    assert_eq!(
        admin_list.status,
        StatusCode::OK,
        "an admin sees what exists"
    );
    for user in [&world.users.admin, &world.users.citizen] {
        let ran = Call::post(&path(LOOKUP))
            .by(user)
            .json(json!({}))
            .send(&app)
            .await;
        assert_eq!(ran.status, StatusCode::FORBIDDEN, "{}", ran.body);
    }
    let citizen_list = Call::get(&format!("/api/v1/tenants/{TENANT}/operations"))
        .by(&world.users.citizen)
        .send(&app)
        .await;
    assert_eq!(citizen_list.status, StatusCode::FORBIDDEN);
    let stranger = Call::post(&path(LOOKUP))
        .by(&world.users.stranger)
        .json(json!({}))
        .send(&app)
        .await;
    assert_eq!(
        stranger.status,
        StatusCode::NOT_FOUND,
        "another tenant's officer"
    );
    assert!(
        world.systems.runs().is_empty(),
        "nobody but officers reached the connector"
    );
}

#[tokio::test]
async fn each_way_an_operation_fails_has_its_own_answer() {
    let world = world().await;
    let refusal = |kind| {
        Err(OperationFailure::Refused(PluginRefusal::of(
            kind,
            "said the registry",
        )))
    };
    world
        .systems
        .offer("land.missing", refusal(RefusalKind::NotFound));
    world
        .systems
        .offer("land.down", refusal(RefusalKind::Unavailable));
    world.systems.offer(
        "land.strict",
        Err(OperationFailure::InvalidInput {
            operation: "land.strict".into(),
            problems: vec![FieldProblem::new(
                "sheet",
                "0 is less than the minimum of 1",
            )],
        }),
    );
    let app = app(&world);
    let run = |operation: &'static str| {
        Call::post(&path(operation))
            .by(&world.users.officer)
            .json(json!({"sheet": 0}))
    };

    let missing = run("land.missing").send(&app).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.body["code"], "not_found");
    let down = run("land.down").send(&app).await;
    assert_eq!(down.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(down.body["code"], "remote_unavailable");
    let strict = run("land.strict").send(&app).await;
    assert_eq!(strict.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(strict.body["fields"][0]["field"], "sheet");
    let unknown = run("tax.obligations").send(&app).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(
        unknown.body["message"]
            .as_str()
            .unwrap()
            .contains("tax.obligations"),
        "{}",
        unknown.body
    );
}
