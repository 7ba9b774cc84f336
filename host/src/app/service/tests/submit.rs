//! Submitting online and registering at the counter.

use motcua_domain::dossier::{Channel, FieldValue};
use motcua_domain::form::{FieldError, PrefillValue};
use motcua_domain::local_datetime;
use motcua_domain::localized::Localized;
use motcua_domain::reuse::ReuseTarget;

use super::{invalid_fields, submission, world_pricing};
use crate::app::error::AppError;
use crate::app::hooks::HookOutcome;
use crate::app::ports::{
    DossierFilter, DossierStore, FeeSource, OutboxFilter, OutboxStore, PageRequest,
};
use crate::app::sync::NATIONAL_PROGRESS;
use crate::app::testing::{
    AGENCY, CITIZEN_ID, FEE_PLUGIN, FORM_PLUGIN, PluginCall, SCRIPTED_DIGEST, TENANT, TestWorld,
    hook_failure,
};
use motcua_domain::access::Scope;

async fn stored_dossiers(world: &TestWorld) -> usize {
    world
        .store
        .dossiers(
            TENANT,
            &Scope::All,
            &DossierFilter::default(),
            &PageRequest::default(),
        )
        .await
        .unwrap()
        .items
        .len()
}

#[tokio::test]
async fn a_citizen_submits_online_and_gets_a_newly_registered_dossier_with_a_daily_code() {
    let world = world_pricing(4_000).await;
    let details = world.submit_as(&world.users.citizen, Channel::Online).await;

    assert_eq!(
        details.dossier.code.to_string(),
        format!("{AGENCY}-260309-0001")
    );
    assert_eq!(details.national_status, Some(1));
    assert_eq!(
        details.dossier.state.appointment, None,
        "online: no appointment before receipt"
    );
    assert_eq!(details.fee_lines.len(), 1);
    assert_eq!(details.fee_lines[0].line.amount_vnd, 4_000);
    assert_eq!(
        details.fee_lines[0].source,
        FeeSource::Plugin {
            plugin_id: FEE_PLUGIN.to_owned(),
            plugin_version: "1.0.0".to_owned(),
            artifact_digest: SCRIPTED_DIGEST.to_owned(),
        }
    );
    let second = world.submit_as(&world.users.citizen, Channel::Online).await;
    assert_eq!(
        second.dossier.code.to_string(),
        format!("{AGENCY}-260309-0002")
    );
}

#[tokio::test]
async fn counter_intake_is_received_at_once_with_an_appointment_in_working_days() {
    let world = world_pricing(8_000).await;
    let details = world
        .submit_as(&world.users.officer, Channel::Counter)
        .await;

    assert_eq!(details.national_status, Some(2));
    // Monday 09:00 + 3 working days of 7.5 office hours.
    assert_eq!(
        details.dossier.state.appointment,
        Some(local_datetime!(2026-03-12 09:00))
    );
}

#[tokio::test]
async fn a_receipt_after_the_cut_off_counts_from_the_next_working_day() {
    let world = world_pricing(8_000).await;
    world.clock.set(local_datetime!(2026-03-13 17:30)); // a Friday, after 17:00
    let details = world
        .submit_as(&world.users.officer, Channel::Counter)
        .await;

    // Counted from Monday 07:30 (the weekend is off): the end of office
    // hours of the third working day.
    assert_eq!(
        details.dossier.state.appointment,
        Some(local_datetime!(2026-03-18 17:00))
    );
    assert_eq!(
        details.dossier.code.to_string(),
        format!("{AGENCY}-260313-0001")
    );
}

#[tokio::test]
async fn every_wrong_request_field_is_named_and_nothing_is_stored_or_asked() {
    let world = world_pricing(0).await;
    let mut request = submission(Channel::Online);
    request.applicant.id = "12345".into();
    request.procedure_code = "9.999999".into();
    request.agency = String::new();

    let error = world
        .service
        .submit(&world.users.citizen, TENANT, request)
        .await
        .unwrap_err();

    assert_eq!(
        invalid_fields(error),
        ["applicant.id", "agency", "procedure_code"]
    );
    assert_eq!(stored_dossiers(&world).await, 0);
    assert_eq!(world.plugins.calls(), []);
}

#[tokio::test]
async fn a_procedure_not_offered_on_the_channel_is_refused_naming_the_channel() {
    let world = world_pricing(0).await;
    let error = world
        .service
        .submit(&world.users.officer, TENANT, submission(Channel::Postal))
        .await
        .unwrap_err();
    assert_eq!(invalid_fields(error), ["channel"]);
}

#[tokio::test]
async fn form_errors_from_the_form_plugin_are_answered_and_nothing_is_stored() {
    let world = world_pricing(0).await;
    let failing = FieldError {
        field: "child.full_name".into(),
        code: "required".into(),
        message: Localized::new("Bat buoc", "Required"),
    };
    world
        .plugins
        .validates(FORM_PLUGIN, Ok(vec![failing.clone()]));

    let error = world
        .service
        .submit(&world.users.citizen, TENANT, submission(Channel::Online))
        .await
        .unwrap_err();

    assert!(matches!(error, AppError::FormInvalid(errors) if errors == [failing]));
    assert_eq!(stored_dossiers(&world).await, 0);
}

#[tokio::test]
async fn validation_fails_closed_when_the_form_plugin_fails() {
    let world = world_pricing(0).await;
    world.plugins.validates(
        FORM_PLUGIN,
        Err(hook_failure(
            FORM_PLUGIN,
            "form.validate",
            HookOutcome::OutOfFuel,
        )),
    );

    let error = world
        .service
        .submit(&world.users.citizen, TENANT, submission(Channel::Online))
        .await
        .unwrap_err();

    assert!(
        matches!(&error, AppError::PluginUnavailable(f) if f.outcome == HookOutcome::OutOfFuel),
        "{error:?}"
    );
    assert_eq!(stored_dossiers(&world).await, 0);
}

#[tokio::test]
async fn when_the_fee_plugin_fails_the_statutory_fees_apply_and_the_reason_is_audited() {
    let world = TestWorld::new().await;
    world.plugins.accepts_forms(FORM_PLUGIN).prices(
        FEE_PLUGIN,
        Err(hook_failure(FEE_PLUGIN, "fee-lines", HookOutcome::Trapped)),
    );

    let details = world
        .submit_as(&world.users.officer, Channel::Counter)
        .await;

    assert_eq!(details.fee_lines.len(), 1);
    assert_eq!(details.fee_lines[0].line.amount_vnd, 8_000);
    assert!(matches!(
        &details.fee_lines[0].source,
        FeeSource::Fallback { note } if note.contains("trapped")
    ));
    let note = world.first_note(&details).await;
    assert!(note.contains("statutory fees applied"), "{note}");
}

#[tokio::test]
async fn a_caller_of_another_tenant_finds_no_tenant() {
    let world = world_pricing(0).await;
    let error = world
        .service
        .submit(&world.users.stranger, TENANT, submission(Channel::Counter))
        .await
        .unwrap_err();
    assert!(matches!(error, AppError::NotFound(_)), "{error:?}");
    assert_eq!(world.plugins.calls(), []);
}

#[tokio::test]
async fn registry_data_fills_what_the_applicant_left_out_and_is_flagged_reused() {
    let world = world_pricing(0).await;
    world.plugins.prefills(
        FORM_PLUGIN,
        Ok(vec![PrefillValue {
            field: "father.full_name".into(),
            value: FieldValue::Text("Nguyen Van Cuong".into()),
            source: "national-population-database".into(),
            reused: true,
        }]),
    );

    let details = world.submit_as(&world.users.citizen, Channel::Online).await;

    let filled = details
        .dossier
        .form
        .iter()
        .find(|entry| entry.field == "father.full_name")
        .expect("the registry's value is in the form");
    assert_eq!(filled.value, FieldValue::Text("Nguyen Van Cuong".into()));
    assert_eq!(details.reused_fields.len(), 1);
    assert_eq!(details.reused_fields[0].target, ReuseTarget::Form);
    assert_eq!(details.reused_fields[0].field, "father.full_name");
}

#[tokio::test]
async fn a_citizen_submitting_for_someone_else_reuses_nothing_and_the_event_says_why() {
    let world = world_pricing(0).await;
    let mut request = submission(Channel::Online);
    request.applicant.id = "048095000999".into();
    assert_ne!(request.applicant.id, CITIZEN_ID);

    let details = world
        .service
        .submit(&world.users.citizen, TENANT, request)
        .await
        .unwrap();

    assert!(details.reused_fields.is_empty());
    assert!(
        !world
            .plugins
            .calls()
            .iter()
            .any(|call| matches!(call, PluginCall::Prefill { .. })),
        "the registry must not be asked"
    );
    let note = world.first_note(&details).await;
    assert!(note.starts_with("no data reused"), "{note}");
}

#[tokio::test]
async fn the_creating_event_is_queued_for_the_national_portal_in_the_same_commit() {
    let world = world_pricing(0).await;
    let details = world
        .submit_as(&world.users.officer, Channel::Counter)
        .await;

    let queued = world
        .store
        .outbox_entries(TENANT, &OutboxFilter::default(), None, 100)
        .await
        .unwrap();
    assert!(!queued.is_empty());
    assert!(
        queued
            .iter()
            .all(|e| e.dossier_code == details.dossier.code.to_string())
    );
    assert!(
        queued
            .iter()
            .all(|e| e.event_seq == Some(1) && e.kind == NATIONAL_PROGRESS)
    );
}
