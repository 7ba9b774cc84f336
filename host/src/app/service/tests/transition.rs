//! Moving a dossier through its lifecycle: appointments, supplementation,
//! concurrency, initiatives.

use motcua_domain::dossier::Channel;
use motcua_domain::error::DomainError;
use motcua_domain::initiative::{EventKind, Priority, PriorityLevel};
use motcua_domain::lifecycle::{CommandKind, Stage};
use motcua_domain::local_datetime;

use super::{invalid_fields, world_pricing};
use crate::app::error::AppError;
use crate::app::hooks::{HookOutcome, InitiativeActions, Message, RenderedDocument};
use crate::app::ports::{DossierStore, OutboxFilter, OutboxStore};
use crate::app::service::{ResultUpload, TransitionRequest as T};
use crate::app::sync::INITIATIVE_RETRY;
use crate::app::testing::{TENANT, TestWorld, hook_failure};

/// An online dossier received and taken into review by the officer.
async fn in_review(world: &TestWorld) -> String {
    let code = world.online().await;
    let officer = &world.users.officer;
    world.act(officer, &code, T::Receive).await.unwrap();
    let assign = T::Assign {
        assignee: officer.id.clone(),
    };
    world.act(officer, &code, assign).await.unwrap();
    world.act(officer, &code, T::StartReview).await.unwrap();
    code
}

#[tokio::test]
async fn receiving_an_online_dossier_sets_its_appointment_from_the_receipt() {
    let world = world_pricing(0).await;
    let code = world.online().await;
    world.clock.set(local_datetime!(2026-03-10 14:00));

    let details = world
        .act(&world.users.officer, &code, T::Receive)
        .await
        .unwrap();

    assert_eq!(details.national_status, Some(2));
    assert_eq!(
        details.dossier.state.appointment,
        Some(local_datetime!(2026-03-13 14:00))
    );
    assert_eq!(details.dossier.version, 2);
}

#[tokio::test]
async fn an_illegal_action_is_refused_naming_the_state_and_nothing_changes() {
    let world = world_pricing(0).await;
    let code = world.online().await;

    let error = world
        .act(&world.users.officer, &code, T::ReturnResult)
        .await
        .unwrap_err();

    match error {
        AppError::Domain(DomainError::IllegalTransition { state, allowed, .. }) => {
            assert_eq!(state, Some(Stage::Submitted));
            assert!(allowed.contains(&CommandKind::Receive));
        }
        other => panic!("expected an illegal transition, got {other:?}"),
    }
    let stored = world
        .store
        .dossier(TENANT, &code.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.version, 1);
    assert_eq!(stored.last_seq, 1);
}

#[tokio::test]
async fn supplementation_stops_the_clock_and_moves_the_appointment_by_the_pause() {
    let world = world_pricing(0).await;
    let code = in_review(&world).await;
    let officer = &world.users.officer;
    let before = world
        .service
        .dossier(officer, TENANT, &code)
        .await
        .unwrap()
        .dossier
        .state
        .appointment
        .unwrap();
    assert_eq!(before, local_datetime!(2026-03-12 09:00));

    let request = T::RequestSupplementation {
        reason: "missing birth certificate".into(),
    };
    world.act(officer, &code, request).await.unwrap();
    // Two full working days later the applicant supplements.
    world.clock.set(local_datetime!(2026-03-11 09:00));
    let after = world
        .act(&world.users.citizen, &code, T::Supplement { form: None })
        .await
        .unwrap();

    assert_eq!(after.dossier.state.stage, Some(Stage::InReview));
    assert_eq!(
        after.dossier.state.appointment,
        Some(local_datetime!(2026-03-16 09:00))
    );
}

#[tokio::test]
async fn a_concurrent_change_is_retried_and_applied_once() {
    let world = world_pricing(0).await;
    let code = world.online().await;
    world.store.conflict_on_next_updates(2);

    let details = world
        .act(&world.users.officer, &code, T::Receive)
        .await
        .unwrap();

    assert_eq!(details.dossier.version, 2);
    assert_eq!(details.dossier.last_seq, 2, "the event is appended once");
}

#[tokio::test]
async fn a_dossier_that_keeps_changing_answers_a_conflict() {
    let world = world_pricing(0).await;
    let code = world.online().await;
    world.store.conflict_on_next_updates(3);

    let error = world
        .act(&world.users.officer, &code, T::Receive)
        .await
        .unwrap_err();

    assert!(matches!(error, AppError::Conflict(_)), "{error:?}");
    let stored = world
        .store
        .dossier(TENANT, &code.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.version, 1);
}

#[tokio::test]
async fn an_approval_stores_its_result_document_and_refuses_bad_base64() {
    let world = world_pricing(0).await;
    let code = in_review(&world).await;
    let officer = &world.users.officer;
    let upload = |content: &str| T::Approve {
        result: Some(ResultUpload {
            title: "Giay khai sinh".into(),
            media_type: "text/plain".into(),
            content_base64: content.into(),
        }),
    };

    let error = world
        .act(officer, &code, upload("not base64!"))
        .await
        .unwrap_err();
    assert_eq!(invalid_fields(error), ["result.content_base64"]);

    let details = world.act(officer, &code, upload("aGVsbG8=")).await.unwrap();
    assert_eq!(details.national_status, Some(9));
    let result = &details.documents[0];
    assert_eq!(result.kind, "result");
    let (_, bytes) = world
        .service
        .document(officer, TENANT, &code, &result.id)
        .await
        .unwrap();
    assert_eq!(bytes, b"hello");
}

#[tokio::test]
async fn an_initiatives_documents_priority_and_messages_commit_with_the_event() {
    let world = world_pricing(0).await;
    world.plugins.initiative("congratulations", |event| {
        (event.kind == EventKind::Received).then(|| {
            Ok(InitiativeActions {
                documents: vec![RenderedDocument {
                    kind: "congratulation-letter".into(),
                    title: "Thu chuc mung".into(),
                    media_type: "text/plain".into(),
                    content: b"chuc mung".to_vec(),
                }],
                priority: Some(Priority {
                    level: PriorityLevel::Priority,
                    reason: "elderly applicant".into(),
                }),
                messages: vec![Message {
                    channel: "sms".into(),
                    subject: "Da tiep nhan".into(),
                    body: "Ho so da duoc tiep nhan".into(),
                }],
            })
        })
    });

    let details = world
        .submit_as(&world.users.officer, Channel::Counter)
        .await;

    assert!(details.dossier.priority);
    assert_eq!(details.documents.len(), 1);
    assert_eq!(
        details.documents[0].source_plugin.as_deref(),
        Some("congratulations@1.0.0")
    );
    let notifications = world
        .store
        .notifications(TENANT, &details.dossier.code)
        .await
        .unwrap();
    assert_eq!(notifications.len(), 1);
    assert_eq!(notifications[0].notification.recipient, "0905000123");
}

#[tokio::test]
async fn a_failing_initiative_never_blocks_the_dossier_and_is_queued_for_retry() {
    let world = world_pricing(0).await;
    world.plugins.initiative("letters", |_| {
        Some(Err(hook_failure(
            "letters",
            "initiative.on-event",
            HookOutcome::DeadlineExceeded,
        )))
    });

    let details = world
        .submit_as(&world.users.officer, Channel::Counter)
        .await;

    assert_eq!(details.national_status, Some(2));
    let note = world.first_note(&details).await;
    assert!(
        note.contains("initiative letters@1.0.0 failed (deadline-exceeded)"),
        "{note}"
    );
    let retries = world
        .store
        .outbox_entries(
            TENANT,
            &OutboxFilter {
                kind: Some(INITIATIVE_RETRY.into()),
                ..OutboxFilter::default()
            },
            None,
            10,
        )
        .await
        .unwrap();
    assert_eq!(retries.len(), 1);
    assert_eq!(retries[0].event_seq, Some(1));
}

#[tokio::test]
async fn the_tenant_admin_verifies_the_audit_chain_of_every_dossier() {
    let world = world_pricing(0).await;
    in_review(&world).await;
    world
        .submit_as(&world.users.officer, Channel::Counter)
        .await;

    let report = world
        .service
        .verify_audit(&world.users.admin, TENANT, None)
        .await
        .unwrap();

    assert_eq!(report.dossiers_checked, 2);
    assert_eq!(report.entries_checked, 5);
    assert_eq!(report.first_break, None);
}
