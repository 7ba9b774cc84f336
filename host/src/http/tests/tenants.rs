//! `/api/v1/tenants`: onboarding over the API, the tenant list, and what a
//! suspended tenant's users are answered.

use axum::http::{Method, StatusCode, header};
use serde_json::{Value, json};

use super::{Call, app, world};
use crate::app::testing::TENANT;

const HA_NOI: &str = include_str!("../../../../examples/onboarding/ha-noi.toml");

fn ha_noi() -> Value {
    toml::from_str(HA_NOI).expect("the example onboarding file is TOML")
}

#[tokio::test]
async fn an_operator_onboards_a_province_over_the_api_and_its_admin_token_works() {
    let world = world().await;
    let app = app(&world);

    let created = Call::post("/api/v1/tenants")
        .by(&world.users.operator)
        .json(ha_noi())
        .send(&app)
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.body["tenant"]["id"], "ha-noi");
    assert_eq!(created.body["tenant"]["status"], "active");
    let token = created.body["admin"]["token"].as_str().expect("a token");
    assert_eq!(
        created.body["admin"]["password"].as_str().map(str::len),
        Some(20),
        "a console password too"
    );

    let procedures = Call::get("/api/v1/tenants/ha-noi/procedures")
        .header(header::AUTHORIZATION, &format!("Bearer {token}"))
        .send(&app)
        .await;
    assert_eq!(procedures.status, StatusCode::OK, "{}", procedures.body);
    assert_eq!(procedures.body[0]["code"], "1.009994");

    let listed = Call::get("/api/v1/tenants")
        .by(&world.users.operator)
        .send(&app)
        .await;
    assert_eq!(listed.status, StatusCode::OK);
    let ids: Vec<&str> = listed
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["bac-ninh", "da-nang", "ha-noi"]);

    let again = Call::post("/api/v1/tenants")
        .by(&world.users.operator)
        .json(ha_noi())
        .send(&app)
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
}

#[tokio::test]
async fn an_onboarding_document_is_also_read_as_toml_and_a_bad_one_names_each_field() {
    let world = world().await;
    let app = app(&world);
    let created = Call::post("/api/v1/tenants")
        .by(&world.users.operator)
        .raw("application/toml", HA_NOI)
        .send(&app)
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);

    let mut bad = ha_noi();
    bad["tenant"]["id"] = json!("hai-phong");
    bad["agencies"][0]["name"] = json!("");
    bad["catalog"]["procedures"][0]["fee_plugin"] = json!("hai-phong-fees");
    let refused = Call::post("/api/v1/tenants")
        .by(&world.users.operator)
        .json(bad)
        .send(&app)
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        refused.fields(),
        ["agencies[0].name", "catalog.procedures[0].fee_plugin"]
    );
}

#[tokio::test]
async fn only_a_platform_operator_manages_tenants() {
    let world = world().await;
    let app = app(&world);
    for call in [
        Call::post("/api/v1/tenants").json(ha_noi()),
        Call::get("/api/v1/tenants"),
        Call::post("/api/v1/tenants/da-nang/suspend"),
        Call::post("/api/v1/tenants/da-nang/resume"),
    ] {
        let answer = call.by(&world.users.admin).send(&app).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{}", answer.body);
    }
}

#[tokio::test]
async fn a_suspended_tenant_answers_423_to_its_users_until_resumed() {
    let world = world().await;
    let app = app(&world);
    let procedures = format!("/api/v1/tenants/{TENANT}/procedures");

    let suspended = Call::post(&format!("/api/v1/tenants/{TENANT}/suspend"))
        .by(&world.users.operator)
        .send(&app)
        .await;
    assert_eq!(suspended.status, StatusCode::OK);
    assert_eq!(suspended.body["status"], "suspended");

    let refused = Call::get(&procedures)
        .by(&world.users.citizen)
        .send(&app)
        .await;
    assert_eq!(refused.status, StatusCode::LOCKED);
    assert_eq!(refused.body["code"], "tenant_suspended");
    assert!(
        refused.body["message"]
            .as_str()
            .unwrap()
            .contains("tenant da-nang is suspended")
    );
    let submit = Call::new(Method::POST, &format!("/api/v1/tenants/{TENANT}/dossiers"))
        .by(&world.users.citizen)
        .json(json!({}))
        .send(&app)
        .await;
    assert_eq!(submit.status, StatusCode::LOCKED, "no plugin is reached");
    assert!(
        world.plugins.calls().is_empty(),
        "{:?}",
        world.plugins.calls()
    );

    let resumed = Call::post(&format!("/api/v1/tenants/{TENANT}/resume"))
        .by(&world.users.operator)
        .send(&app)
        .await;
    assert_eq!(resumed.body["status"], "active");
    let served = Call::get(&procedures)
        .by(&world.users.citizen)
        .send(&app)
        .await;
    assert_eq!(served.status, StatusCode::OK);
}
