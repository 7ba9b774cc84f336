//! Intake from the portal over the in-memory ports: what becomes a dossier,
//! what waits for an officer, and that a repeat changes nothing.

use motcua_domain::dossier::{FieldValue, FormEntry};
use motcua_domain::form::FieldError;
use motcua_domain::intake::OnlineSubmission;
use motcua_domain::lifecycle::Stage;
use motcua_domain::local_datetime;
use motcua_domain::localized::Localized;
use motcua_domain::time::LocalDateTime;

use crate::app::error::AppError;
use crate::app::hooks::HookOutcome;
use crate::app::ports::QueueState;
use crate::app::testing::{
    AGENCY, FORM_PLUGIN, MONDAY_MORNING, OTHER_TENANT, PROCEDURE, PortalCall, ScriptedPlugins,
    TENANT, TestWorld, citizen_applicant, hook_failure,
};

/// Saturday 7 March 2026, 16:30: submitted at the portal over the weekend.
const SUBMITTED: LocalDateTime = local_datetime!(2026-03-07 16:30);

fn code(n: u32) -> String {
    format!("{AGENCY}-260307-{n:04}")
}

fn submission(n: u32) -> OnlineSubmission {
    OnlineSubmission {
        national_code: code(n),
        procedure_code: PROCEDURE.to_owned(),
        agency_code: AGENCY.to_owned(),
        applicant: citizen_applicant(),
        form: vec![FormEntry {
            field: "child.full-name".into(),
            value: FieldValue::Text("Nguyen Van Binh".into()),
        }],
        files: Vec::new(),
        submitted_at: SUBMITTED,
    }
}

/// The form plugin finds the child's birth date missing in every form.
fn refuse_forms_without_a_birth_date(world: &TestWorld) -> &ScriptedPlugins {
    world.plugins.validates(
        FORM_PLUGIN,
        Ok(vec![FieldError {
            field: "child.birth-date".into(),
            code: "required".into(),
            message: Localized::new("Bắt buộc", "Required"),
        }]),
    )
}

#[tokio::test]
async fn a_valid_submission_becomes_a_status_1_dossier_under_its_national_code_and_is_acknowledged()
{
    let world = TestWorld::with_plugins(Vec::new()).await;
    world.portal.submit(TENANT, submission(1));
    world.portal.submit(OTHER_TENANT, submission(2));

    let report = world.intake.pull(TENANT).await.unwrap();

    assert_eq!(report.taken_in, [code(1)]);
    assert_eq!(report.acknowledged, 1);
    assert_eq!(report.stopped, None);
    let details = world
        .service
        .dossier(&world.users.admin, TENANT, &code(1))
        .await
        .unwrap();
    assert_eq!(details.national_status, Some(1));
    assert_eq!(details.dossier.state.stage, Some(Stage::Submitted));
    assert_eq!(
        details.dossier.state.submitted_at,
        Some(SUBMITTED),
        "the time the portal stamped, not when it was fetched"
    );
    assert_eq!(
        details.dossier.submitted_by.as_deref(),
        Some(citizen_applicant().id.as_str())
    );
    let intake = details
        .intake
        .expect("an online dossier has an intake deadline");
    assert!(
        intake.deadline > MONDAY_MORNING,
        "one working day after a Saturday submission"
    );
    assert!(intake.on_time, "waiting, before the deadline");
    world.clock.advance(time::Duration::days(3));
    let later = world
        .service
        .dossier(&world.users.admin, TENANT, &code(1))
        .await
        .unwrap();
    assert!(!later.intake.unwrap().on_time, "still not received: late");
    assert!(world.portal.waiting(TENANT).is_empty());
    assert_eq!(
        world.portal.waiting(OTHER_TENANT),
        [code(2)],
        "another tenant's"
    );
}

#[tokio::test]
async fn a_delivery_repeated_after_a_lost_acknowledgement_changes_nothing() {
    let world = TestWorld::with_plugins(Vec::new()).await;
    world.portal.submit(TENANT, submission(1));
    world.portal.lose_acknowledgements(1);

    let first = world.intake.pull(TENANT).await.unwrap();
    assert_eq!(first.taken_in, [code(1)], "stored");
    assert_eq!(
        first.unacknowledged,
        [code(1)],
        "but the portal did not hear"
    );
    assert_eq!(world.portal.waiting(TENANT), [code(1)]);

    let second = world.intake.pull(TENANT).await.unwrap();
    assert!(second.taken_in.is_empty());
    assert_eq!((second.repeats, second.acknowledged), (1, 1));
    assert!(world.portal.waiting(TENANT).is_empty());
    let events = world
        .service
        .events(&world.users.admin, TENANT, &code(1))
        .await
        .unwrap();
    assert_eq!(events.len(), 1, "one submission event, not two");
}

#[tokio::test]
async fn a_portal_outage_stops_the_pull_and_says_why() {
    let world = TestWorld::with_plugins(Vec::new()).await;
    world.portal.submit(TENANT, submission(1));
    world.portal.fail_next(HookOutcome::Refused, true);
    let report = world.intake.pull(TENANT).await.unwrap();
    assert!(report.taken_in.is_empty());
    assert!(report.stopped.is_some(), "{report:?}");
    assert_eq!(world.intake.pull(TENANT).await.unwrap().taken_in, [code(1)]);
}

#[tokio::test]
async fn an_unknown_procedure_or_a_refused_form_waits_in_the_agency_queue_with_the_reason() {
    let world = TestWorld::new().await;
    refuse_forms_without_a_birth_date(&world);
    let mut unknown = submission(2);
    unknown.procedure_code = "9.999999".into();
    world.portal.submit(TENANT, submission(1));
    world.portal.submit(TENANT, unknown);

    let report = world.intake.pull(TENANT).await.unwrap();

    assert!(report.taken_in.is_empty());
    let reasons: Vec<(&str, &str)> = report
        .queued
        .iter()
        .map(|q| (q.national_code.as_str(), q.reason.as_str()))
        .collect();
    assert_eq!(reasons[0].0, code(1));
    assert!(reasons[0].1.contains("child.birth-date"), "{reasons:?}");
    assert_eq!(reasons[1].0, code(2));
    assert!(reasons[1].1.contains("9.999999"), "{reasons:?}");
    assert_eq!(report.acknowledged, 2, "queued is stored: acknowledged");
    let queue = world
        .intake
        .queued(&world.users.officer, TENANT)
        .await
        .unwrap();
    assert_eq!(queue.len(), 2);
    assert_eq!(queue[0].state, QueueState::Waiting);
    assert_eq!(queue[0].submission, submission(1), "kept whole");

    // Delivered again: still one entry each.
    world.portal.submit(TENANT, submission(1));
    let repeat = world.intake.pull(TENANT).await.unwrap();
    assert_eq!((repeat.repeats, repeat.queued.len()), (1, 0));
}

#[tokio::test]
async fn an_officer_receives_a_queued_submission_and_its_dossier_says_why_it_was_queued() {
    let world = TestWorld::new().await;
    refuse_forms_without_a_birth_date(&world)
        .prices(crate::app::testing::FEE_PLUGIN, Ok(Vec::new()));
    world.portal.submit(TENANT, submission(1));
    world.intake.pull(TENANT).await.unwrap();

    let details = world
        .intake
        .receive(&world.users.officer, TENANT, &code(1))
        .await
        .unwrap();

    assert_eq!(details.national_status, Some(1));
    let events = world
        .service
        .events(&world.users.officer, TENANT, &code(1))
        .await
        .unwrap();
    let note = events[0].event.note.clone().unwrap_or_default();
    assert!(
        note.contains("intake queue") && note.contains("child.birth-date"),
        "{note}"
    );
    let queue = world
        .intake
        .queued(&world.users.admin, TENANT)
        .await
        .unwrap();
    assert!(matches!(&queue[0].state, QueueState::Received { by, .. } if by == "officer"));
    let twice = world
        .intake
        .receive(&world.users.officer, TENANT, &code(1))
        .await
        .unwrap_err();
    assert!(
        matches!(twice, AppError::NotFound(_)),
        "no longer waiting: {twice}"
    );
}

#[tokio::test]
async fn an_officer_refuses_a_queued_submission_and_its_dossier_is_refused_at_intake() {
    let world = TestWorld::new().await;
    refuse_forms_without_a_birth_date(&world);
    world.portal.submit(TENANT, submission(1));
    world.intake.pull(TENANT).await.unwrap();
    let empty = world
        .intake
        .refuse(&world.users.officer, TENANT, &code(1), " ")
        .await
        .unwrap_err();
    assert!(matches!(empty, AppError::Invalid(_)), "{empty}");

    let details = world
        .intake
        .refuse(
            &world.users.officer,
            TENANT,
            &code(1),
            "thiếu giấy chứng sinh",
        )
        .await
        .unwrap();

    assert_eq!(details.national_status, Some(3));
    assert!(
        details.fee_lines.is_empty(),
        "a refused dossier owes nothing"
    );
    let queue = world
        .intake
        .queued(&world.users.admin, TENANT)
        .await
        .unwrap();
    assert!(matches!(queue[0].state, QueueState::Refused { .. }));
}

#[tokio::test]
async fn the_queue_is_the_agencies_business_not_a_citizens_nor_another_tenants() {
    let world = TestWorld::new().await;
    let mut unknown = submission(1);
    unknown.procedure_code = "9.999999".into();
    world.portal.submit(TENANT, unknown);
    world.intake.pull(TENANT).await.unwrap();

    let citizen = world.intake.queued(&world.users.citizen, TENANT).await;
    assert!(matches!(citizen, Err(AppError::Forbidden(_))));
    let stranger = world.intake.queued(&world.users.stranger, TENANT).await;
    assert!(stranger.is_err(), "another tenant's officer");
    let refused = world
        .intake
        .refuse(&world.users.admin, TENANT, &code(1), "không rõ thủ tục")
        .await
        .unwrap_err();
    assert!(
        matches!(refused, AppError::Forbidden(_)),
        "officers decide: {refused}"
    );
    let receive = world
        .intake
        .receive(&world.users.officer, TENANT, &code(1))
        .await
        .unwrap_err();
    assert!(
        matches!(&receive, AppError::Invalid(problems) if problems[0].message.contains("9.999999")),
        "an unknown procedure cannot become a dossier: {receive}"
    );
}

#[tokio::test]
async fn a_form_plugin_out_of_time_defers_the_submission_unacknowledged_and_the_next_pull_takes_it_in()
 {
    let world = TestWorld::new().await;
    world.plugins.validates(
        FORM_PLUGIN,
        Err(hook_failure(
            FORM_PLUGIN,
            "form.validate",
            HookOutcome::DeadlineExceeded,
        )),
    );
    world.portal.submit(TENANT, submission(1));
    world.portal.submit(TENANT, submission(2));

    let report = world.intake.pull(TENANT).await.unwrap();

    assert!(report.taken_in.is_empty() && report.queued.is_empty());
    let deferred: Vec<&str> = report
        .deferred
        .iter()
        .map(|d| d.national_code.as_str())
        .collect();
    assert_eq!(
        deferred,
        [code(1), code(2)],
        "the pull went on past the first"
    );
    assert_eq!(report.stopped, None);
    assert_eq!(report.acknowledged, 0);
    assert!(
        !world
            .portal
            .calls()
            .iter()
            .any(|c| matches!(c, PortalCall::AcknowledgeSubmission(_)))
    );
    world
        .plugins
        .accepts_forms(FORM_PLUGIN)
        .prices(crate::app::testing::FEE_PLUGIN, Ok(Vec::new()));
    let next = world.intake.pull(TENANT).await.unwrap();
    assert_eq!(next.taken_in, [code(1), code(2)]);
}

#[tokio::test]
async fn a_form_plugin_that_traps_on_a_submission_sends_it_to_an_officer_instead_of_holding_it_back()
 {
    let world = TestWorld::new().await;
    world.plugins.validates(
        FORM_PLUGIN,
        Err(hook_failure(
            FORM_PLUGIN,
            "form.validate",
            HookOutcome::Trapped,
        )),
    );
    world.portal.submit(TENANT, submission(1));

    let report = world.intake.pull(TENANT).await.unwrap();

    assert_eq!(report.queued[0].national_code, code(1));
    assert!(
        report.queued[0].reason.contains("form plugin"),
        "{report:?}"
    );
    assert_eq!(report.acknowledged, 1);
}
