//! `GET /tenants/{tenant}/procedures/{code}/form`: the form a procedure's
//! form plugin defines, for whoever fills it in.

use axum::http::StatusCode;
use motcua_domain::form::{Constraints, Field, FieldKind, FormDefinition};
use motcua_domain::localized::Localized;

use super::{Call, app, world};
use crate::app::hooks::HookOutcome;
use crate::app::testing::{FORM_PLUGIN, PROCEDURE, TENANT, hook_failure};

fn form_path() -> String {
    format!("/api/v1/tenants/{TENANT}/procedures/{PROCEDURE}/form")
}

fn birth_form() -> FormDefinition {
    FormDefinition {
        procedure_code: PROCEDURE.into(),
        title: Localized::new("Tờ khai đăng ký khai sinh", "Birth registration form"),
        groups: Vec::new(),
        fields: vec![Field {
            id: "child.gender".into(),
            kind: FieldKind::Select,
            label: Localized::new("Giới tính", "Gender"),
            required: true,
            group: None,
            help: None,
            constraints: Constraints {
                options: vec![motcua_domain::form::Choice {
                    value: "male".into(),
                    label: Localized::new("Nam", "Male"),
                }],
                ..Constraints::default()
            },
            prefill_from: None,
        }],
    }
}

#[tokio::test]
async fn anyone_of_the_tenant_reads_the_form_with_its_field_ids_and_options() {
    let world = world().await;
    world.plugins.defines_form(FORM_PLUGIN, Ok(birth_form()));
    let app = app(&world);
    for user in [
        &world.users.citizen,
        &world.users.officer,
        &world.users.admin,
    ] {
        let answer = Call::get(&form_path()).by(user).send(&app).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        assert_eq!(answer.body["fields"][0]["id"], "child.gender");
        assert_eq!(answer.body["fields"][0]["kind"], "select");
        assert_eq!(
            answer.body["fields"][0]["constraints"]["options"][0]["value"],
            "male"
        );
    }
    let stranger = Call::get(&form_path())
        .by(&world.users.stranger)
        .send(&app)
        .await;
    assert_eq!(stranger.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_failing_form_plugin_answers_503_and_an_unknown_procedure_404() {
    let world = world().await;
    world.plugins.defines_form(
        FORM_PLUGIN,
        Err(hook_failure(
            FORM_PLUGIN,
            "form.definition",
            HookOutcome::Trapped,
        )),
    );
    let app = app(&world);
    let failing = Call::get(&form_path())
        .by(&world.users.citizen)
        .send(&app)
        .await;
    assert_eq!(failing.status, StatusCode::SERVICE_UNAVAILABLE);
    let unknown = Call::get(&format!(
        "/api/v1/tenants/{TENANT}/procedures/9.999999/form"
    ))
    .by(&world.users.citizen)
    .send(&app)
    .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}
