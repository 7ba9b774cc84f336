//! National synchronisation against the in-memory ports: delivery order,
//! retries and dead letters, resend, reconciliation, who may operate it.

use std::sync::atomic::{AtomicBool, Ordering};

use motcua_domain::dossier::{Applicant, ApplicantKind};
use time::Duration;

use super::{DeliveryPolicy, MismatchCause, ReconcileWindow};
use crate::app::error::AppError;
use crate::app::hooks::{HookOutcome, InitiativeActions, RenderedDocument};
use crate::app::ports::{OutboxFilter, OutboxState, OutboxStore, ResendScope};
use crate::app::service::TransitionRequest;
use crate::app::testing::{PortalCall, TENANT, TestWorld, hook_failure};

async fn world() -> TestWorld {
    TestWorld::with_plugins(Vec::new()).await
}

/// An officer registers a business's dossier at the counter; its code.
async fn counter_dossier(world: &TestWorld) -> String {
    world
        .counter_dossier(Applicant {
            kind: ApplicantKind::Business,
            id: "0401234567".into(),
            full_name: "Cong ty TNHH Song Han".into(),
            birth_date: None,
            phone: None,
            email: None,
            groups: Vec::new(),
        })
        .await
}

async fn outbox(world: &TestWorld, state: OutboxState) -> usize {
    let filter = OutboxFilter {
        state: Some(state),
        ..OutboxFilter::default()
    };
    world
        .store
        .outbox_entries(TENANT, &filter, None, 100)
        .await
        .unwrap()
        .len()
}

#[tokio::test]
async fn the_full_record_goes_first_then_the_progress_stamped_when_it_happened() {
    let world = world().await;
    let code = counter_dossier(&world).await;
    world.clock.advance(Duration::hours(2));

    let report = world
        .dispatcher(DeliveryPolicy::default())
        .tick()
        .await
        .unwrap();

    assert_eq!(report.delivered, 1);
    let calls = world.portal.calls();
    assert!(matches!(&calls[0], PortalCall::PushDossier(record) if record.code == code));
    match &calls[1] {
        PortalCall::PushProgress(progress) => {
            assert_eq!(progress.event_id, format!("{code}.1"));
            assert_eq!(progress.at, crate::app::testing::MONDAY_MORNING);
        }
        other => panic!("expected the progress record, got {other:?}"),
    }
    assert_eq!(outbox(&world, OutboxState::Delivered).await, 1);
}

#[tokio::test]
async fn a_failed_event_is_retried_later_and_holds_back_the_dossiers_later_events() {
    let world = world().await;
    let code = counter_dossier(&world).await;
    let assign = TransitionRequest::Assign {
        assignee: "officer".into(),
    };
    world.act_as_officer(&code, assign).await;
    world.portal.fail_next(HookOutcome::Refused, true);
    let dispatcher = world.dispatcher(DeliveryPolicy::default());

    let first = dispatcher.tick().await.unwrap();
    assert_eq!((first.delivered, first.retried), (0, 1));
    let again = dispatcher.tick().await.unwrap();
    assert_eq!(
        again.attempted(),
        0,
        "not due yet, and the second event waits behind it"
    );

    world.clock.advance(Duration::minutes(1));
    let later = dispatcher.tick().await.unwrap();
    assert_eq!(later.delivered, 1);
    let last = dispatcher.tick().await.unwrap();
    assert_eq!(last.delivered, 1);
    let progress: Vec<String> = world
        .portal
        .calls()
        .into_iter()
        .filter_map(|call| match call {
            PortalCall::PushProgress(p) => Some(p.event_id),
            _ => None,
        })
        .collect();
    assert_eq!(progress, [format!("{code}.1"), format!("{code}.2")]);
}

#[tokio::test]
async fn a_refusal_a_repeat_would_not_change_is_dead_lettered_and_resend_requeues_it() {
    let world = world().await;
    counter_dossier(&world).await;
    world.portal.fail_next(HookOutcome::Refused, false);
    world
        .dispatcher(DeliveryPolicy::default())
        .tick()
        .await
        .unwrap();
    assert_eq!(outbox(&world, OutboxState::Dead).await, 1);

    let requeued = world
        .sync
        .resend(
            &world.users.admin,
            TENANT,
            &ResendScope::AllDead { dossier_code: None },
        )
        .await
        .unwrap();

    assert_eq!(requeued, 1);
    let report = world
        .dispatcher(DeliveryPolicy::default())
        .tick()
        .await
        .unwrap();
    assert_eq!(report.delivered, 1);
}

#[tokio::test]
async fn reconciliation_names_a_dossier_never_sent_and_matches_once_delivered() {
    let world = world().await;
    let code = counter_dossier(&world).await;
    let window = ReconcileWindow::default();

    let before = world
        .sync
        .reconcile(&world.users.admin, TENANT, &window)
        .await
        .unwrap();
    assert_eq!(before.checked, 1);
    assert_eq!(before.mismatches[0].dossier_code, code);
    assert!(matches!(
        before.mismatches[0].causes[..],
        [MismatchCause::NeverSent { pending: 1 }, ..]
    ));

    world
        .dispatcher(DeliveryPolicy::default())
        .tick()
        .await
        .unwrap();
    let after = world
        .sync
        .reconcile(&world.users.admin, TENANT, &window)
        .await
        .unwrap();
    assert_eq!(after.matching, 1, "{:?}", after.mismatches);
}

#[tokio::test]
async fn the_outbox_is_for_the_tenants_admins_and_platform_operators_only() {
    let world = world().await;
    counter_dossier(&world).await;
    let filter = OutboxFilter::default();
    for user in [&world.users.admin, &world.users.operator] {
        let (entries, _) = world
            .sync
            .outbox(user, TENANT, &filter, None, 0)
            .await
            .unwrap();
        assert_eq!(entries.len(), 1, "{}", user.id);
    }
    let error = world
        .sync
        .outbox(&world.users.officer, TENANT, &filter, None, 0)
        .await
        .unwrap_err();
    assert!(matches!(error, AppError::Forbidden(_)), "{error:?}");
    let error = world
        .sync
        .outbox(&world.users.stranger, TENANT, &filter, None, 0)
        .await
        .unwrap_err();
    assert!(matches!(error, AppError::NotFound(_)), "{error:?}");
}

#[tokio::test]
async fn an_initiative_that_failed_is_run_again_and_its_letter_attached_in_a_follow_up() {
    let world = world().await;
    let failed_once = AtomicBool::new(false);
    world.plugins.initiative("letters", move |_| {
        if !failed_once.swap(true, Ordering::SeqCst) {
            return Some(Err(hook_failure(
                "letters",
                "on-event",
                HookOutcome::Trapped,
            )));
        }
        Some(Ok(InitiativeActions {
            documents: vec![RenderedDocument {
                kind: "congratulation-letter".into(),
                title: "Thu chuc mung".into(),
                media_type: "text/plain".into(),
                content: b"chuc mung".to_vec(),
            }],
            ..InitiativeActions::default()
        }))
    });
    let code = counter_dossier(&world).await;

    world
        .dispatcher(DeliveryPolicy::default())
        .tick()
        .await
        .unwrap();

    let documents = world
        .service
        .documents(&world.users.officer, TENANT, &code)
        .await
        .unwrap();
    assert_eq!(documents.len(), 1);
    assert_eq!(documents[0].source_plugin.as_deref(), Some("letters@1.0.0"));
}

impl TestWorld {
    async fn act_as_officer(&self, code: &str, request: TransitionRequest) {
        self.service
            .transition(&self.users.officer, TENANT, code, request, None)
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn a_suspended_tenant_s_outbox_waits_without_calling_its_connector_until_resumed() {
    use crate::app::ports::TenantStore;
    use motcua_domain::tenancy::TenantStatus;

    let world = world().await;
    counter_dossier(&world).await;
    world
        .store
        .set_tenant_status(TENANT, TenantStatus::Suspended)
        .await
        .unwrap();
    let dispatcher = world.dispatcher(DeliveryPolicy::default());

    let report = dispatcher.tick().await.unwrap();
    assert_eq!(report.delivered, 0);
    assert!(
        world.portal.calls().is_empty(),
        "{:?}",
        world.portal.calls()
    );
    assert_eq!(
        outbox(&world, OutboxState::Pending).await,
        1,
        "kept, pending"
    );

    world
        .store
        .set_tenant_status(TENANT, TenantStatus::Active)
        .await
        .unwrap();
    assert_eq!(dispatcher.tick().await.unwrap().delivered, 1);
}

#[tokio::test]
async fn a_stopping_dispatcher_gives_back_the_claims_it_could_not_settle() {
    use crate::app::clock::Clock;
    use crate::app::sync::NATIONAL_PROGRESS;
    let world = world().await;
    counter_dossier(&world).await;
    world.portal.hang(true);
    let policy = DeliveryPolicy {
        lease: std::time::Duration::from_secs(600),
        stop_grace: std::time::Duration::from_millis(50),
        poll_interval: std::time::Duration::from_millis(10),
        ..DeliveryPolicy::default()
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(world.dispatcher(policy).run(async {
        let _ = stopped.await;
    }));
    // The entry is claimed and its delivery hangs at the portal.
    for _ in 0..200 {
        if !world.portal.calls().is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(!world.portal.calls().is_empty(), "the delivery started");

    let _ = stop.send(());
    tokio::time::timeout(std::time::Duration::from_secs(5), running)
        .await
        .expect("the dispatcher stops within its grace")
        .unwrap();

    // Free at once for another host, long before its lease would end,
    // and no attempt counted.
    let now = world.clock.now();
    let kinds = [NATIONAL_PROGRESS.to_owned()];
    let claimed = world
        .store
        .claim_due_outbox(TENANT, &kinds, now, now + Duration::minutes(1), 10)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1, "{claimed:?}");
    assert_eq!(claimed[0].attempts, 0);
}
