//! `/tenants/{tenant}/dossiers...`: what each answer looks like.

use axum::http::{StatusCode, header};
use serde_json::{Value, json};

use super::{Call, app, world};
use crate::app::hooks::HookOutcome;
use crate::app::testing::{
    AGENCY, CITIZEN_ID, FORM_PLUGIN, OTHER_TENANT, PROCEDURE, TENANT, hook_failure,
};

const DOSSIERS: &str = "/api/v1/tenants/da-nang/dossiers";

fn submission(channel: &str) -> Value {
    json!({
        "procedure_code": PROCEDURE,
        "agency": AGENCY,
        "channel": channel,
        "applicant": {"kind": "citizen", "id": CITIZEN_ID, "full_name": "Nguyen Van An"},
        "form": [{"field": "child.full_name", "value": {"text": "Nguyen Van Binh"}}]
    })
}

/// Submits on `channel` as `user`; the new dossier's code.
async fn created(app: &axum::Router, user: &motcua_domain::tenancy::User, channel: &str) -> String {
    let answer = Call::post(DOSSIERS)
        .by(user)
        .json(submission(channel))
        .send(app)
        .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    answer.body["code"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_submission_answers_201_with_its_location_and_reads_back() {
    let world = world().await;
    let app = app(&world);

    let created = Call::post(DOSSIERS)
        .by(&world.users.citizen)
        .json(submission("online"))
        .send(&app)
        .await;

    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let code = created.body["code"].as_str().unwrap().to_owned();
    assert_eq!(code, format!("{AGENCY}-260309-0001"));
    let location = created.headers[header::LOCATION].to_str().unwrap();
    assert_eq!(location, format!("{DOSSIERS}/{code}"));
    assert_eq!(created.body["national_status"], 1);
    assert_eq!(created.body["created_at"], "2026-03-09T09:00:00");

    let read = Call::get(location)
        .by(&world.users.officer)
        .send(&app)
        .await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(read.body["code"], code.as_str());
    assert!(
        read.body["allowed_actions"]
            .as_array()
            .unwrap()
            .contains(&json!("receive"))
    );
}

#[tokio::test]
async fn an_invalid_submission_answers_422_naming_every_field() {
    let world = world().await;
    let mut body = submission("online");
    body["applicant"]["id"] = json!("123");
    body["procedure_code"] = json!("0.000000");

    let answer = Call::post(DOSSIERS)
        .by(&world.users.citizen)
        .json(body)
        .send(&app(&world))
        .await;

    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(answer.body["code"], "invalid_request");
    assert_eq!(answer.fields(), ["applicant.id", "procedure_code"]);
}

#[tokio::test]
async fn a_body_of_the_wrong_shape_answers_400_and_the_wrong_type_415() {
    let world = world().await;
    let app = app(&world);
    let mut body = submission("online");
    body["unexpected"] = json!(true);
    let answer = Call::post(DOSSIERS)
        .by(&world.users.citizen)
        .json(body)
        .send(&app)
        .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.body["code"], "bad_request");

    let answer = Call::post(DOSSIERS)
        .by(&world.users.citizen)
        .raw("text/plain", submission("online").to_string())
        .send(&app)
        .await;
    assert_eq!(answer.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

#[tokio::test]
async fn a_failing_form_plugin_answers_503_naming_the_plugin() {
    let world = world().await;
    world.plugins.validates(
        FORM_PLUGIN,
        Err(hook_failure(
            FORM_PLUGIN,
            "form.validate",
            HookOutcome::Trapped,
        )),
    );

    let answer = Call::post(DOSSIERS)
        .by(&world.users.citizen)
        .json(submission("online"))
        .send(&app(&world))
        .await;

    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(answer.body["code"], "plugin_unavailable");
    assert!(
        answer.body["message"]
            .as_str()
            .unwrap()
            .contains(FORM_PLUGIN)
    );
}

#[tokio::test]
async fn an_illegal_transition_answers_409_naming_the_allowed_actions() {
    let world = world().await;
    let app = app(&world);
    let code = &created(&app, &world.users.citizen, "online").await;

    let answer = Call::post(&format!("{DOSSIERS}/{code}/transitions"))
        .by(&world.users.officer)
        .json(json!({"action": "approve"}))
        .send(&app)
        .await;

    assert_eq!(answer.status, StatusCode::CONFLICT, "{}", answer.body);
    assert_eq!(answer.body["code"], "illegal_transition");
    assert!(answer.body["message"].as_str().unwrap().contains("receive"));
}

#[tokio::test]
async fn a_citizen_recording_a_payment_answers_403() {
    let world = world().await;
    let app = app(&world);
    let code = &created(&app, &world.users.officer, "counter").await;

    let answer = Call::post(&format!("{DOSSIERS}/{code}/payments"))
        .by(&world.users.citizen)
        .json(json!({"channel": "counter", "amount_vnd": 8000}))
        .send(&app)
        .await;

    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert_eq!(answer.body["code"], "forbidden");
}

#[tokio::test]
async fn a_token_of_another_tenant_finds_nothing() {
    let world = world().await;
    let app = app(&world);
    let code = &created(&app, &world.users.citizen, "online").await;

    for uri in [format!("{DOSSIERS}/{code}"), DOSSIERS.to_owned()] {
        let answer = Call::get(&uri).by(&world.users.stranger).send(&app).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{uri}");
    }
    let theirs = format!("/api/v1/tenants/{OTHER_TENANT}/dossiers/{code}");
    let answer = Call::get(&theirs)
        .by(&world.users.stranger)
        .send(&app)
        .await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert_eq!(TENANT, "da-nang");
}

#[tokio::test]
async fn the_listing_pages_with_its_cursor_and_a_bad_cursor_answers_400() {
    let world = world().await;
    let app = app(&world);
    for _ in 0..3 {
        created(&app, &world.users.citizen, "online").await;
        world.clock.advance(time::Duration::minutes(1));
    }
    let officer = &world.users.officer;

    let first = Call::get(&format!("{DOSSIERS}?limit=2"))
        .by(officer)
        .send(&app)
        .await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(first.body["items"].as_array().unwrap().len(), 2);
    assert_eq!(
        first.body["items"][0]["code"],
        format!("{AGENCY}-260309-0003")
    );
    let next = first.body["next"].as_str().unwrap();
    let second = Call::get(&format!("{DOSSIERS}?limit=2&after={next}"))
        .by(officer)
        .send(&app)
        .await;
    assert_eq!(second.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(second.body["next"], Value::Null);

    let bad = Call::get(&format!("{DOSSIERS}?after=zz"))
        .by(officer)
        .send(&app)
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
    assert_eq!(bad.fields(), ["after"]);
    let bad = Call::get(&format!("{DOSSIERS}?limit=0&status=11"))
        .by(officer)
        .send(&app)
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.fields(), ["status", "limit"]);
}
