//! The storage layer, one suite run on SQLite and on PostgreSQL
//! (`storage::<behaviour>::{sqlite,postgres}`): tenancy, the dossier unit of
//! work (code allocation, optimistic concurrency, atomicity), listings, the
//! audit chain, blobs, tokens, plugin deployments, outbox.

use std::collections::BTreeSet;

use motcua::app::ports::{
    Attempt, AuditScope, CatalogStore, DeploymentStore, DossierChange, DossierFilter, DossierStore,
    FeeSource, NewDeployment, NewDocument, NewDossier, NewNotification, NewOutboxEntry,
    OutboxFilter, OutboxSettlement, OutboxState, OutboxStore, PageRequest, PaymentRecord,
    PaymentWrite, ResendScope, StoreError, StoredDossier, StoredFeeLine, SwitchBy, SwitchKind,
    TenantStore, new_id,
};
use motcua::domain::access::Scope;
use motcua::domain::audit::BreakReason;
use motcua::domain::calendar::CalendarConfig;
use motcua::domain::catalog::{ChannelTerms, OnlineLevel, Procedure, StatutoryFee};
use motcua::domain::code::AgencyCode;
use motcua::domain::deadline::ProcessingTime;
use motcua::domain::dossier::{Applicant, ApplicantKind, Channel};
use motcua::domain::fee::{Collection, FeeKind};
use motcua::domain::lifecycle::{Action, Actor, Command, DossierState, Role, Stage, decide};
use motcua::domain::local_datetime;
use motcua::domain::localized::Localized;
use motcua::domain::payment::{Payment, PaymentChannel, PaymentStatus};
use motcua::domain::statistics::Counter;
use motcua::domain::tenancy::{Agency, Tenant, TenantStatus, User, token_hash};
use motcua::domain::time::LocalDateTime;
use motcua::storage::{Db, rebuild_daily};
use motcua_tests::db::TestDb;
use motcua_tests::on_both_backends;
use time::Duration;

on_both_backends!(
    migrations_apply_twice_and_a_reopened_database_keeps_what_was_committed,
    a_tenant_cannot_read_or_change_another_tenants_dossier,
    codes_count_per_agency_and_day_in_the_national_format,
    two_hundred_concurrent_commits_get_two_hundred_distinct_codes,
    a_commit_on_a_stale_version_is_a_conflict_and_changes_nothing,
    a_failing_part_rolls_back_the_whole_commit,
    keyset_pages_return_every_filtered_dossier_exactly_once,
    overdue_filter_follows_the_on_time_rules,
    audit_verify_passes_then_catches_an_edited_and_a_deleted_event,
    identical_document_content_is_stored_once,
    tokens_are_found_by_hash_until_revoked,
    a_tenant_s_status_is_stored_listed_and_changed,
    plugin_activation_and_rollback_walk_the_history,
    a_package_is_stored_once_by_its_digest_and_counted_against_the_tenants_that_name_it,
    deactivating_leaves_no_version_active_and_the_next_activation_starts_a_new_history,
    the_timeline_records_every_switch_and_a_due_schedule_is_applied_once,
    concurrent_activations_from_two_hosts_leave_one_active_version,
    catalog_and_calendar_round_trip,
    payments_notifications_and_outbox_are_committed_with_the_dossier,
    two_hosts_claim_a_backlog_in_batches_one_head_per_dossier_and_settle_it_at_once,
    a_payment_and_its_dossiers_delivery_committed_at_once_are_each_counted_once,
);

const DA_NANG: &str = "da-nang";
const BAC_NINH: &str = "bac-ninh";

fn agency() -> AgencyCode {
    AgencyCode::new("000.00.01.H22").unwrap()
}

async fn seed(db: &Db, tenant: &str) {
    db.create_tenant(&Tenant::new(tenant, tenant.to_uppercase()))
        .await
        .unwrap();
    for code in ["000.00.01.H22", "000.00.02.H22"] {
        db.put_agency(&Agency {
            tenant: tenant.to_owned(),
            code: AgencyCode::new(code).unwrap(),
            name: format!("UBND {code}"),
        })
        .await
        .unwrap();
    }
}

fn officer() -> Actor {
    Actor::new("officer-1", Role::Officer)
}

fn applicant() -> Applicant {
    Applicant {
        kind: ApplicantKind::Citizen,
        id: "048099001234".into(),
        full_name: "Nguyen Van A".into(),
        birth_date: None,
        phone: Some("0905000000".into()),
        email: None,
        groups: vec![],
    }
}

/// A counter dossier received at `at` with a 3-day appointment.
fn receive_change(
    agency: AgencyCode,
    procedure: &str,
    at: LocalDateTime,
    appointment: LocalDateTime,
) -> DossierChange {
    let command = Command::new(
        officer(),
        at,
        Action::Receive {
            channel: Channel::Counter,
            appointment,
        },
    );
    let events = decide(&DossierState::default(), &command).unwrap();
    let state = DossierState::replay(&events);
    DossierChange::create(
        NewDossier {
            procedure_code: procedure.into(),
            agency,
            channel: Channel::Counter,
            applicant: applicant(),
            form: vec![],
            code_date: at.date(),
            code: None,
        },
        state,
        events,
    )
}

fn received(at: LocalDateTime) -> DossierChange {
    receive_change(agency(), "1.001193", at, at + Duration::days(3))
}

/// The change that applies `action` at `at` to `dossier` as read.
fn act(dossier: &StoredDossier, at: LocalDateTime, action: Action) -> DossierChange {
    let mut command = Command::new(officer(), at, action);
    command.note = Some(format!("step at {at}"));
    let events = decide(&dossier.state, &command).unwrap();
    let mut state = dossier.state.clone();
    for event in &events {
        state.apply(event);
    }
    DossierChange::update(dossier.code.clone(), dossier.version, state, events)
}

fn assign() -> Action {
    Action::Assign {
        assignee: "phong-tu-phap".into(),
    }
}

fn document(id: &str, content: &[u8]) -> NewDocument {
    NewDocument {
        id: id.into(),
        kind: "result".into(),
        title: "Giay khai sinh".into(),
        media_type: "application/pdf".into(),
        content: content.to_vec(),
        source_plugin: None,
    }
}

fn fee(amount: u64) -> StoredFeeLine {
    StoredFeeLine {
        line: StatutoryFee {
            code: "LP".into(),
            label: Localized::new("Le phi", "Charge"),
            kind: FeeKind::Charge,
            amount_vnd: amount,
            collection: Collection::BeforeProcessing,
        }
        .to_fee_line(None),
        source: FeeSource::Plugin {
            plugin_id: "da-nang-fees".into(),
            plugin_version: "1.0.0".into(),
            artifact_digest: "ab".repeat(32),
        },
    }
}

fn not_found<T>(result: Result<T, StoreError>) -> bool {
    matches!(result, Err(StoreError::NotFound(_)))
}

async fn count(db: &Db, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(db.pool()).await.unwrap()
}

async fn migrations_apply_twice_and_a_reopened_database_keeps_what_was_committed(t: TestDb) {
    seed(&t.db, DA_NANG).await;
    let stored =
        t.db.commit(DA_NANG, received(local_datetime!(2025-11-03 08:00)))
            .await
            .unwrap();
    t.db.migrate().await.unwrap();
    let reopened = Db::connect(&t.url).await.unwrap();
    reopened.migrate().await.unwrap();
    let again = reopened.dossier(DA_NANG, &stored.code).await.unwrap();
    assert_eq!(again, Some(stored));
    reopened.close().await;
}

async fn a_tenant_cannot_read_or_change_another_tenants_dossier(t: TestDb) {
    let db = &t.db;
    seed(db, DA_NANG).await;
    seed(db, BAC_NINH).await;
    let mut change = received(local_datetime!(2025-11-03 08:00));
    change.documents.push(document(&new_id(), b"secret result"));
    let stored = db.commit(DA_NANG, change).await.unwrap();
    let code = &stored.code;

    assert_eq!(db.dossier(BAC_NINH, code).await.unwrap(), None);
    assert!(not_found(db.events(BAC_NINH, code).await));
    assert!(not_found(db.documents(BAC_NINH, code).await));
    assert!(not_found(db.fee_lines(BAC_NINH, code).await));
    assert!(not_found(db.payments(BAC_NINH, code).await));
    assert!(not_found(
        db.verify_audit(BAC_NINH, &AuditScope::Dossier(code.clone()))
            .await
    ));
    let listing = db
        .dossiers(
            BAC_NINH,
            &Scope::All,
            &DossierFilter::default(),
            &PageRequest::default(),
        )
        .await
        .unwrap();
    assert!(listing.items.is_empty());
    let digest = &db.documents(DA_NANG, code).await.unwrap()[0].digest;
    assert_eq!(db.blob(BAC_NINH, digest).await.unwrap(), None);

    let forged = act(&stored, local_datetime!(2025-11-03 09:00), assign());
    assert!(not_found(db.commit(BAC_NINH, forged).await));
    let untouched = db.dossier(DA_NANG, code).await.unwrap().unwrap();
    assert_eq!(untouched.version, 1);
    assert_eq!(untouched.stage(), Some(Stage::Received));
}

async fn codes_count_per_agency_and_day_in_the_national_format(t: TestDb) {
    let db = &t.db;
    seed(db, DA_NANG).await;
    seed(db, BAC_NINH).await;
    let day = local_datetime!(2025-11-03 08:00);
    let mut codes = Vec::new();
    for change in [
        received(day),
        received(day + Duration::hours(2)),
        received(day + Duration::days(1)),
        receive_change(
            AgencyCode::new("000.00.02.H22").unwrap(),
            "1.001193",
            day,
            day + Duration::days(3),
        ),
    ] {
        codes.push(db.commit(DA_NANG, change).await.unwrap().code.to_string());
    }
    codes.push(
        db.commit(BAC_NINH, received(day))
            .await
            .unwrap()
            .code
            .to_string(),
    );
    assert_eq!(
        codes,
        [
            "000.00.01.H22-251103-0001",
            "000.00.01.H22-251103-0002",
            "000.00.01.H22-251104-0001",
            "000.00.02.H22-251103-0001",
            "000.00.01.H22-251103-0001",
        ]
    );
}

async fn two_hundred_concurrent_commits_get_two_hundred_distinct_codes(t: TestDb) {
    seed(&t.db, DA_NANG).await;
    // Two handles on one database, as two host processes (replicas) would
    // have: their writers contend for the same counter row.
    let other_host = Db::connect(&t.url).await.unwrap();
    let at = local_datetime!(2025-11-03 08:00);
    let tasks: Vec<_> = (0..200)
        .map(|i| {
            let db = if i % 2 == 0 {
                t.db.clone()
            } else {
                other_host.clone()
            };
            tokio::spawn(async move { db.commit(DA_NANG, received(at)).await })
        })
        .collect();
    let mut counters = BTreeSet::new();
    for task in tasks {
        let stored = task
            .await
            .unwrap()
            .expect("every concurrent commit succeeds");
        assert_eq!(stored.code.date(), at.date());
        counters.insert(stored.code.counter());
    }
    assert_eq!(counters, (1..=200).collect::<BTreeSet<u32>>());
    assert_eq!(count(&t.db, "SELECT COUNT(*) FROM dossiers").await, 200);
    other_host.close().await;
}

async fn a_commit_on_a_stale_version_is_a_conflict_and_changes_nothing(t: TestDb) {
    let db = &t.db;
    seed(db, DA_NANG).await;
    let v1 = db
        .commit(DA_NANG, received(local_datetime!(2025-11-03 08:00)))
        .await
        .unwrap();
    let v2 = db
        .commit(
            DA_NANG,
            act(&v1, local_datetime!(2025-11-03 09:00), assign()),
        )
        .await
        .unwrap();
    assert_eq!((v2.version, v2.last_seq), (2, 2));
    let stale = act(
        &v1,
        local_datetime!(2025-11-03 10:00),
        Action::Stop {
            reason: "trung lap".into(),
        },
    );
    match db.commit(DA_NANG, stale).await {
        Err(StoreError::Conflict { expected, actual }) => assert_eq!((expected, actual), (1, 2)),
        other => panic!("expected a conflict, got {other:?}"),
    }
    let now = db.dossier(DA_NANG, &v1.code).await.unwrap().unwrap();
    assert_eq!(now, v2);
    assert_eq!(db.events(DA_NANG, &v1.code).await.unwrap().len(), 2);
}

async fn a_failing_part_rolls_back_the_whole_commit(t: TestDb) {
    let db = &t.db;
    seed(db, DA_NANG).await;
    let at = local_datetime!(2025-11-03 08:00);

    // A new dossier whose payment update names no payment: nothing is
    // created, not even a code number.
    let mut change = received(at);
    change.documents.push(document("doc-a", b"receipt slip"));
    change.payments.push(PaymentWrite::Update(PaymentRecord {
        id: "no-such-payment".into(),
        payment: Payment::new(8000).unwrap(),
        reference: None,
    }));
    assert!(matches!(
        db.commit(DA_NANG, change).await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(count(db, "SELECT COUNT(*) FROM dossiers").await, 0);
    assert_eq!(count(db, "SELECT COUNT(*) FROM dossier_events").await, 0);
    assert_eq!(count(db, "SELECT COUNT(*) FROM blobs").await, 0);

    let mut change = received(at);
    change.fee_lines = Some(vec![fee(8000)]);
    let stored = db.commit(DA_NANG, change).await.unwrap();
    assert_eq!(stored.code.counter(), 1, "the failed commit used no number");

    // An update with a duplicate document id: events, fee lines, the new
    // blob and the version all stay as they were.
    let mut change = act(&stored, at + Duration::hours(1), assign());
    change.fee_lines = Some(vec![fee(0)]);
    change.documents.push(document("doc-b", b"first"));
    change.documents.push(document("doc-b", b"second"));
    change.notifications.push(NewNotification {
        channel: "sms".into(),
        recipient: "0905000000".into(),
        subject: "ho so".into(),
        body: "da tiep nhan".into(),
    });
    match db.commit(DA_NANG, change).await {
        Err(StoreError::Duplicate { what }) => assert_eq!(what, "document doc-b"),
        other => panic!("expected a duplicate, got {other:?}"),
    }
    let after = db.dossier(DA_NANG, &stored.code).await.unwrap().unwrap();
    assert_eq!(after, stored);
    assert_eq!(db.events(DA_NANG, &stored.code).await.unwrap().len(), 1);
    assert_eq!(
        db.fee_lines(DA_NANG, &stored.code).await.unwrap(),
        vec![fee(8000)]
    );
    assert!(
        db.documents(DA_NANG, &stored.code)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        db.notifications(DA_NANG, &stored.code)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(count(db, "SELECT COUNT(*) FROM blobs").await, 0);
}

async fn keyset_pages_return_every_filtered_dossier_exactly_once(t: TestDb) {
    let db = &t.db;
    seed(db, DA_NANG).await;
    let at = local_datetime!(2025-11-03 08:00);
    let mut wanted = BTreeSet::new();
    for i in 0..23 {
        let procedure = if i % 3 == 0 { "1.000656" } else { "1.001193" };
        let change = receive_change(agency(), procedure, at, at + Duration::days(3));
        let stored = db.commit(DA_NANG, change).await.unwrap();
        if procedure == "1.001193" {
            wanted.insert(stored.code.to_string());
        }
    }
    let filter = DossierFilter {
        procedure_code: Some("1.001193".into()),
        national_status: Some(2),
        ..DossierFilter::default()
    };
    let mut seen = Vec::new();
    let mut page = PageRequest {
        after: None,
        limit: 4,
    };
    loop {
        let result = db
            .dossiers(DA_NANG, &Scope::All, &filter, &page)
            .await
            .unwrap();
        assert!(result.items.len() <= 4);
        seen.extend(result.items.iter().map(|d| d.code.to_string()));
        match result.next {
            Some(next) => page.after = Some(next),
            None => break,
        }
    }
    assert_eq!(seen.len(), wanted.len(), "no dossier twice");
    assert_eq!(seen.iter().cloned().collect::<BTreeSet<_>>(), wanted);
    let bad = PageRequest {
        after: Some("not-a-cursor".into()),
        limit: 4,
    };
    assert!(matches!(
        db.dossiers(DA_NANG, &Scope::All, &filter, &bad).await,
        Err(StoreError::BadCursor(_))
    ));
}

async fn overdue_filter_follows_the_on_time_rules(t: TestDb) {
    let db = &t.db;
    seed(db, DA_NANG).await;
    let at = local_datetime!(2025-11-03 08:00);
    let appointment = local_datetime!(2025-11-06 08:00);
    let new = |procedure: &str| receive_change(agency(), procedure, at, appointment);

    // Still open with the appointment passed: overdue.
    let open = db.commit(DA_NANG, new("open-late")).await.unwrap();
    // Finished before the appointment: on time.
    let mut on_time = db.commit(DA_NANG, new("on-time")).await.unwrap();
    for (hour, action) in [
        (9, assign()),
        (10, Action::StartReview),
        (11, Action::Approve),
    ] {
        let step = LocalDateTime::from(at.replace_hour(hour).unwrap());
        on_time = db
            .commit(DA_NANG, act(&on_time, step, action))
            .await
            .unwrap();
    }
    // Finished after the appointment: overdue.
    let mut late = db.commit(DA_NANG, new("finished-late")).await.unwrap();
    for (day, action) in [
        (4, assign()),
        (5, Action::StartReview),
        (7, Action::Approve),
    ] {
        let step = LocalDateTime::from(at.replace_day(day).unwrap());
        late = db.commit(DA_NANG, act(&late, step, action)).await.unwrap();
    }
    // Waiting for supplementation: the clock is stopped.
    let mut paused = db.commit(DA_NANG, new("paused")).await.unwrap();
    paused = db
        .commit(DA_NANG, act(&paused, at + Duration::hours(1), assign()))
        .await
        .unwrap();
    db.commit(
        DA_NANG,
        act(
            &paused,
            at + Duration::hours(2),
            Action::RequestSupplementation {
                reason: "thieu to khai".into(),
            },
        ),
    )
    .await
    .unwrap();

    let overdue = |as_of| {
        let filter = DossierFilter {
            overdue_as_of: Some(as_of),
            ..DossierFilter::default()
        };
        async move {
            let page = db
                .dossiers(DA_NANG, &Scope::All, &filter, &PageRequest::default())
                .await
                .unwrap();
            page.items
                .into_iter()
                .map(|d| d.procedure_code)
                .collect::<BTreeSet<_>>()
        }
    };
    assert_eq!(
        overdue(local_datetime!(2025-11-05 08:00)).await,
        BTreeSet::from(["finished-late".to_owned()])
    );
    assert_eq!(
        overdue(local_datetime!(2025-11-10 08:00)).await,
        BTreeSet::from(["finished-late".to_owned(), "open-late".to_owned()])
    );
    assert_eq!(open.version, 1);
}

async fn audit_verify_passes_then_catches_an_edited_and_a_deleted_event(t: TestDb) {
    let db = &t.db;
    seed(db, DA_NANG).await;
    let at = local_datetime!(2025-11-03 08:00);
    let mut codes = Vec::new();
    for _ in 0..2 {
        let mut dossier = db.commit(DA_NANG, received(at)).await.unwrap();
        for (hours, action) in [(1, assign()), (2, Action::StartReview)] {
            let change = act(&dossier, at + Duration::hours(hours), action);
            dossier = db.commit(DA_NANG, change).await.unwrap();
        }
        codes.push(dossier.code);
    }
    let all = AuditScope::AllDossiers;
    let report = db.verify_audit(DA_NANG, &all).await.unwrap();
    assert_eq!(
        (
            report.dossiers_checked,
            report.entries_checked,
            report.first_break
        ),
        (2, 6, None)
    );
    let trail = db.audit_trail(DA_NANG, &codes[0]).await.unwrap();
    assert_eq!(trail[1].record.action, "assigned");
    assert_eq!(trail[1].prev_hash, trail[0].hash);

    let id_of = |code: &motcua::domain::code::DossierCode| {
        let code = code.to_string();
        async move {
            sqlx::query_scalar::<_, String>("SELECT id FROM dossiers WHERE code = $1")
                .bind(code)
                .fetch_one(db.pool())
                .await
                .unwrap()
        }
    };
    let first = id_of(&codes[0]).await;
    sqlx::query("UPDATE dossier_events SET note = 'x' WHERE dossier_id = $1 AND seq = 2")
        .bind(&first)
        .execute(db.pool())
        .await
        .unwrap();
    let failure = db
        .verify_audit(DA_NANG, &all)
        .await
        .unwrap()
        .first_break
        .expect("the edited note is caught");
    assert_eq!(failure.dossier_code, codes[0].to_string());
    assert_eq!(failure.fault.seq, 2);
    assert_eq!(failure.fault.reason, BreakReason::HashMismatch);

    let second = id_of(&codes[1]).await;
    sqlx::query("DELETE FROM dossier_events WHERE dossier_id = $1 AND seq = 3")
        .bind(&second)
        .execute(db.pool())
        .await
        .unwrap();
    let report = db
        .verify_audit(DA_NANG, &AuditScope::Dossier(codes[1].clone()))
        .await
        .unwrap();
    let failure = report
        .first_break
        .expect("the deleted last event is caught");
    assert_eq!(failure.dossier_code, codes[1].to_string());
    assert_eq!(failure.fault.seq, 3);
    assert!(matches!(
        failure.fault.reason,
        BreakReason::Truncated { .. }
    ));
}

async fn identical_document_content_is_stored_once(t: TestDb) {
    let db = &t.db;
    seed(db, DA_NANG).await;
    let pdf = b"%PDF-1.7 giay khai sinh".to_vec();
    let mut codes = Vec::new();
    for _ in 0..2 {
        let mut change = received(local_datetime!(2025-11-03 08:00));
        change.documents.push(document(&new_id(), &pdf));
        codes.push(db.commit(DA_NANG, change).await.unwrap().code);
    }
    let a = db.documents(DA_NANG, &codes[0]).await.unwrap();
    let b = db.documents(DA_NANG, &codes[1]).await.unwrap();
    assert_eq!(a[0].digest, b[0].digest);
    assert_eq!(a[0].size, pdf.len() as u64);
    assert_eq!(count(db, "SELECT COUNT(*) FROM blobs").await, 1);
    assert_eq!(db.blob(DA_NANG, &a[0].digest).await.unwrap(), Some(pdf));
    assert_eq!(db.blob(DA_NANG, &"0".repeat(64)).await.unwrap(), None);
}

async fn a_tenant_s_status_is_stored_listed_and_changed(t: TestDb) {
    let db = &t.db;
    let mut onboarding = Tenant::new("ha-noi", "Thành phố Hà Nội");
    onboarding.status = TenantStatus::Onboarding;
    db.create_tenant(&onboarding).await.unwrap();
    db.create_tenant(&Tenant::new(DA_NANG, "Đà Nẵng"))
        .await
        .unwrap();
    assert_eq!(db.tenant("ha-noi").await.unwrap(), Some(onboarding));

    db.set_tenant_status("ha-noi", TenantStatus::Active)
        .await
        .unwrap();
    db.set_tenant_status(DA_NANG, TenantStatus::Suspended)
        .await
        .unwrap();
    let statuses: Vec<(String, TenantStatus)> = db
        .tenants()
        .await
        .unwrap()
        .into_iter()
        .map(|t| (t.id, t.status))
        .collect();
    assert_eq!(
        statuses,
        [
            (DA_NANG.to_owned(), TenantStatus::Suspended),
            ("ha-noi".to_owned(), TenantStatus::Active),
        ]
    );
    assert!(matches!(
        db.set_tenant_status("hai-phong", TenantStatus::Suspended)
            .await,
        Err(StoreError::NotFound(_))
    ));
}

async fn tokens_are_found_by_hash_until_revoked(t: TestDb) {
    let db = &t.db;
    seed(db, DA_NANG).await;
    seed(db, BAC_NINH).await;
    let officer = User {
        id: "dn-officer".into(),
        tenant: Some(DA_NANG.into()),
        name: "Tran Thi B".into(),
        role: Role::Officer,
        agency: Some(agency()),
        personal_id: None,
    };
    db.put_user(&officer).await.unwrap();
    let citizen = User {
        id: "dn-citizen".into(),
        tenant: Some(DA_NANG.into()),
        name: "Phan Van Tai".into(),
        role: Role::Citizen,
        agency: None,
        personal_id: Some("048082006543".into()),
    };
    db.put_user(&citizen).await.unwrap();
    assert_eq!(
        db.user(Some(DA_NANG), "dn-citizen").await.unwrap(),
        Some(citizen),
        "a citizen's verified personal ID is kept"
    );
    let operator = User {
        id: "ops".into(),
        tenant: None,
        name: "Platform".into(),
        role: Role::PlatformOperator,
        agency: None,
        personal_id: None,
    };
    db.put_user(&operator).await.unwrap();
    let moved = User {
        tenant: Some(BAC_NINH.into()),
        ..officer.clone()
    };
    assert!(matches!(
        db.put_user(&moved).await,
        Err(StoreError::Duplicate { .. })
    ));
    assert_eq!(db.user(Some(BAC_NINH), "dn-officer").await.unwrap(), None);
    assert_eq!(db.user(None, "ops").await.unwrap(), Some(operator));

    let token = db
        .create_token("dn-officer", &token_hash("s3cret"), "demo")
        .await
        .unwrap();
    assert_eq!(token.tenant.as_deref(), Some(DA_NANG));
    let (found, user) = db
        .token_by_hash(&token_hash("s3cret"))
        .await
        .unwrap()
        .expect("the token is found by its hash");
    assert_eq!((found.id.as_str(), user), (token.id.as_str(), officer));
    assert_eq!(db.token_by_hash(&token_hash("guess")).await.unwrap(), None);
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM api_tokens WHERE token_hash LIKE '%s3cret%'"
        )
        .await,
        0
    );
    assert!(matches!(
        db.revoke_token(Some(BAC_NINH), &token.id).await,
        Err(StoreError::NotFound(_))
    ));
    db.revoke_token(Some(DA_NANG), &token.id).await.unwrap();
    assert_eq!(db.token_by_hash(&token_hash("s3cret")).await.unwrap(), None);
}

/// A tenant admin switching plugin versions on 1 December 2026 at 08:00.
fn by() -> SwitchBy<'static> {
    SwitchBy {
        user: "admin",
        at: local_datetime!(2026-12-01 08:00),
    }
}

async fn the_timeline_records_every_switch_and_a_due_schedule_is_applied_once(t: TestDb) {
    let db = &t.db;
    seed(db, DA_NANG).await;
    seed(db, BAC_NINH).await;
    for version in ["1.0.0", "2.0.0", "3.0.0"] {
        let deployment = NewDeployment {
            plugin_id: "fees".into(),
            version: version.into(),
            digest: "f".repeat(64),
            package_path: format!("fees-{version}.tar.gz"),
            package_digest: None,
            deployed_by: "admin".into(),
        };
        db.record_deployment(DA_NANG, &deployment).await.unwrap();
    }
    db.activate(DA_NANG, "fees", "1.0.0", by()).await.unwrap();
    let new_year = local_datetime!(2027-01-01 00:00);
    let scheduled = db
        .schedule(DA_NANG, "fees", "2.0.0", new_year, by())
        .await
        .unwrap();
    assert_eq!(scheduled.kind, SwitchKind::Scheduled);
    assert_eq!(scheduled.applied_at, None);
    assert!(matches!(
        db.schedule(DA_NANG, "fees", "9.9.9", new_year, by()).await,
        Err(StoreError::NotFound(_))
    ));
    let later = db
        .schedule(
            DA_NANG,
            "fees",
            "3.0.0",
            local_datetime!(2027-06-01 00:00),
            by(),
        )
        .await
        .unwrap();
    db.cancel_schedule(DA_NANG, later.id).await.unwrap();
    assert!(
        matches!(
            db.cancel_schedule(BAC_NINH, scheduled.id).await,
            Err(StoreError::NotFound(_))
        ),
        "another tenant's schedule is not found"
    );

    // Not due on New Year's Eve; moved by an hour, due at 01:00.
    assert!(
        db.due_schedules(local_datetime!(2026-12-31 23:59))
            .await
            .unwrap()
            .is_empty()
    );
    let moved = db
        .reschedule(DA_NANG, scheduled.id, local_datetime!(2027-01-01 01:00))
        .await
        .unwrap();
    assert_eq!(moved.effective_at, local_datetime!(2027-01-01 01:00));
    assert!(db.due_schedules(new_year).await.unwrap().is_empty());
    let now = local_datetime!(2027-01-01 01:00);
    let due = db.due_schedules(now).await.unwrap();
    assert_eq!(due.iter().map(|s| s.id).collect::<Vec<_>>(), [scheduled.id]);

    // Two hosts apply it at once: one does.
    let (a, b) = tokio::join!(
        db.apply_schedule(DA_NANG, scheduled.id, now),
        db.apply_schedule(DA_NANG, scheduled.id, now)
    );
    let applied: Vec<_> = [a.unwrap(), b.unwrap()].into_iter().flatten().collect();
    assert_eq!(applied.len(), 1, "{applied:?}");
    assert_eq!(applied[0].deployment.version, "2.0.0");
    assert_eq!(applied[0].previous_version.as_deref(), Some("1.0.0"));
    let active = db
        .active_deployment(DA_NANG, "fees")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(active.deployment.version, "2.0.0");
    assert!(db.due_schedules(now).await.unwrap().is_empty());
    assert!(
        matches!(
            db.reschedule(DA_NANG, scheduled.id, local_datetime!(2027-02-01 00:00))
                .await,
            Err(StoreError::NotFound(_))
        ),
        "a schedule in effect cannot move"
    );

    db.rollback(DA_NANG, "fees", by()).await.unwrap();
    db.deactivate(DA_NANG, "fees", by()).await.unwrap();
    let timeline = db.timeline(DA_NANG, Some("fees")).await.unwrap();
    let entries: Vec<(Option<&str>, SwitchKind, bool)> = timeline
        .iter()
        .map(|s| (s.version.as_deref(), s.kind, s.applied_at.is_some()))
        .collect();
    assert_eq!(
        entries,
        [
            (Some("1.0.0"), SwitchKind::Activation, true),
            (Some("1.0.0"), SwitchKind::Rollback, true),
            (None, SwitchKind::Withdrawal, true),
            (Some("2.0.0"), SwitchKind::Scheduled, true),
        ],
        "by effective time: the rollback and withdrawal were recorded at 08:00 on 1 December"
    );
    assert!(db.timeline(BAC_NINH, None).await.unwrap().is_empty());
}

async fn a_package_is_stored_once_by_its_digest_and_counted_against_the_tenants_that_name_it(
    t: TestDb,
) {
    use motcua::app::ports::{PackageArchive, PackageFormat};
    use motcua::plugin::package::archive_digest;
    let db = &t.db;
    seed(db, DA_NANG).await;
    seed(db, BAC_NINH).await;
    let archive = |bytes: &[u8]| PackageArchive {
        digest: archive_digest(bytes),
        format: PackageFormat::TarGz,
        bytes: bytes.into(),
    };
    let (first, second) = (
        archive(b"first package"),
        archive(b"second, longer package"),
    );
    db.store_package(&first).await.unwrap();
    db.store_package(&first).await.unwrap();
    db.store_package(&second).await.unwrap();
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM plugin_packages")
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(rows, 2, "the same bytes are stored once");
    assert_eq!(
        db.package(&first.digest).await.unwrap(),
        Some(first.clone())
    );
    assert_eq!(db.package(&"0".repeat(64)).await.unwrap(), None);
    let lying = PackageArchive {
        digest: second.digest.clone(),
        ..archive(b"other bytes")
    };
    assert!(matches!(
        db.store_package(&lying).await,
        Err(StoreError::Invalid(_))
    ));

    // Counted against each tenant whose deployments name it, once each.
    let deploy = |version: &str, package: Option<&PackageArchive>, path: &str| NewDeployment {
        plugin_id: "fees".into(),
        version: version.into(),
        digest: format!("{version:0>64}"),
        package_digest: package.map(|p| p.digest.clone()),
        package_path: path.into(),
        deployed_by: "admin".into(),
    };
    for version in ["1.0.0", "1.0.1"] {
        db.record_deployment(DA_NANG, &deploy(version, Some(&first), ""))
            .await
            .unwrap();
    }
    let legacy = "deployed/bac-ninh/old.tar.gz";
    db.record_deployment(BAC_NINH, &deploy("0.9.0", None, legacy))
        .await
        .unwrap();
    let usage = db.package_usage(DA_NANG).await.unwrap();
    assert_eq!(usage.bytes, first.bytes.len() as u64);
    assert_eq!(usage.digests, vec![first.digest.clone()]);
    assert_eq!(db.package_usage(BAC_NINH).await.unwrap().bytes, 0);

    // An earlier deployment's archive, stored, is named by its digest.
    assert_eq!(db.attach_package(legacy, &second.digest).await.unwrap(), 1);
    assert_eq!(db.attach_package(legacy, &second.digest).await.unwrap(), 0);
    let attached = db.deployments(BAC_NINH, Some("fees")).await.unwrap();
    assert_eq!(
        attached[0].deployment.package_digest.as_deref(),
        Some(second.digest.as_str())
    );
    assert_eq!(
        db.package_usage(BAC_NINH).await.unwrap().bytes,
        second.bytes.len() as u64
    );
}

async fn plugin_activation_and_rollback_walk_the_history(t: TestDb) {
    let db = &t.db;
    seed(db, DA_NANG).await;
    seed(db, BAC_NINH).await;
    let deploy = |version: &str| NewDeployment {
        plugin_id: "da-nang-fees".into(),
        version: version.into(),
        digest: format!("{version:0>64}"),
        package_digest: None,
        package_path: format!("plugins/da-nang-fees-{version}.tar.gz"),
        deployed_by: "admin".into(),
    };
    for version in ["1.0.0", "1.1.0", "2.0.0"] {
        let recorded = db
            .record_deployment(DA_NANG, &deploy(version))
            .await
            .unwrap();
        assert!(!recorded.active);
    }
    assert!(matches!(
        db.record_deployment(DA_NANG, &deploy("1.0.0")).await,
        Err(StoreError::Duplicate { .. })
    ));
    assert!(matches!(
        db.rollback(DA_NANG, "da-nang-fees", by()).await,
        Err(StoreError::NotFound(_))
    ));
    let active = |db: &Db| {
        let db = db.clone();
        async move {
            db.active_deployment(DA_NANG, "da-nang-fees")
                .await
                .unwrap()
                .map(|d| d.deployment.version)
        }
    };
    for version in ["1.0.0", "1.1.0", "2.0.0"] {
        db.activate(DA_NANG, "da-nang-fees", version, by())
            .await
            .unwrap();
    }
    assert_eq!(active(db).await.as_deref(), Some("2.0.0"));
    let back = db.rollback(DA_NANG, "da-nang-fees", by()).await.unwrap();
    assert_eq!(back.deployment.version, "1.1.0");
    assert_eq!(active(db).await.as_deref(), Some("1.1.0"));
    db.rollback(DA_NANG, "da-nang-fees", by()).await.unwrap();
    assert_eq!(active(db).await.as_deref(), Some("1.0.0"));
    assert!(matches!(
        db.rollback(DA_NANG, "da-nang-fees", by()).await,
        Err(StoreError::NotFound(_))
    ));
    let listed = db.deployments(DA_NANG, Some("da-nang-fees")).await.unwrap();
    assert_eq!(listed.iter().filter(|d| d.active).count(), 1);
    assert!(db.deployments(BAC_NINH, None).await.unwrap().is_empty());
    assert!(matches!(
        db.activate(BAC_NINH, "da-nang-fees", "2.0.0", by()).await,
        Err(StoreError::NotFound(_))
    ));
}

async fn deactivating_leaves_no_version_active_and_the_next_activation_starts_a_new_history(
    t: TestDb,
) {
    let db = &t.db;
    seed(db, DA_NANG).await;
    seed(db, BAC_NINH).await;
    for version in ["1.0.0", "1.1.0"] {
        let deployment = NewDeployment {
            plugin_id: "fees".into(),
            version: version.into(),
            digest: "e".repeat(64),
            package_digest: None,
            package_path: format!("fees-{version}.tar.gz"),
            deployed_by: "admin".into(),
        };
        db.record_deployment(DA_NANG, &deployment).await.unwrap();
    }
    assert_eq!(db.deactivate(DA_NANG, "fees", by()).await.unwrap(), None);
    db.activate(DA_NANG, "fees", "1.0.0", by()).await.unwrap();
    assert_eq!(
        db.deactivate(BAC_NINH, "fees", by()).await.unwrap(),
        None,
        "another tenant's plugin is not touched"
    );
    let was = db.deactivate(DA_NANG, "fees", by()).await.unwrap().unwrap();
    assert_eq!(was.deployment.version, "1.0.0");
    assert!(!was.active);
    assert_eq!(db.active_deployment(DA_NANG, "fees").await.unwrap(), None);
    let listed = db.deployments(DA_NANG, Some("fees")).await.unwrap();
    assert!(listed.iter().all(|d| !d.active), "{listed:?}");
    let activated = db.activate(DA_NANG, "fees", "1.1.0", by()).await.unwrap();
    assert_eq!(
        activated.previous_version, None,
        "nothing was active to go back to"
    );
    assert!(matches!(
        db.rollback(DA_NANG, "fees", by()).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        db.deactivate("no-such-tenant", "fees", by()).await,
        Err(StoreError::NotFound(_))
    ));
}

async fn concurrent_activations_from_two_hosts_leave_one_active_version(t: TestDb) {
    seed(&t.db, DA_NANG).await;
    let versions = ["1.0.0", "1.1.0", "2.0.0"];
    for version in versions {
        let deployment = NewDeployment {
            plugin_id: "fees".into(),
            version: version.into(),
            digest: "d".repeat(64),
            package_digest: None,
            package_path: format!("fees-{version}.tar.gz"),
            deployed_by: "admin".into(),
        };
        t.db.record_deployment(DA_NANG, &deployment).await.unwrap();
    }
    let other_host = Db::connect(&t.url).await.unwrap();
    let tasks: Vec<_> = (0..30)
        .map(|i| {
            let db = if i % 2 == 0 {
                t.db.clone()
            } else {
                other_host.clone()
            };
            let version = versions[i % versions.len()];
            tokio::spawn(async move {
                if i % 5 == 4 {
                    // A rollback may find nothing to go back to; that is
                    // the only acceptable failure.
                    match db.rollback(DA_NANG, "fees", by()).await {
                        Ok(_) | Err(StoreError::NotFound(_)) => Ok(()),
                        Err(other) => Err(other),
                    }
                } else {
                    db.activate(DA_NANG, "fees", version, by())
                        .await
                        .map(|_| ())
                }
            })
        })
        .collect();
    for task in tasks {
        task.await
            .unwrap()
            .expect("no activation fails under contention");
    }
    let listed = t.db.deployments(DA_NANG, Some("fees")).await.unwrap();
    assert_eq!(listed.iter().filter(|d| d.active).count(), 1);
    other_host.close().await;
}

async fn catalog_and_calendar_round_trip(t: TestDb) {
    let db = &t.db;
    seed(db, DA_NANG).await;
    let procedure = Procedure {
        code: "1.001193".into(),
        name: Localized::new("Dang ky khai sinh", "Birth registration"),
        field: "ho-tich".into(),
        online_level: OnlineLevel::FullProcessOnline,
        deciding_agency: "UBND cap xa".into(),
        components: vec![],
        channels: vec![ChannelTerms {
            channel: Channel::Online,
            processing_time: ProcessingTime::WorkingDays(1),
            statutory_fees: vec![],
        }],
        form_plugin: Some("da-nang-forms".into()),
        fee_plugin: None,
    };
    db.put_procedure(DA_NANG, &procedure).await.unwrap();
    let renamed = Procedure {
        field: "ho-tich-2".into(),
        ..procedure.clone()
    };
    db.put_procedure(DA_NANG, &renamed).await.unwrap();
    assert_eq!(db.procedures(DA_NANG).await.unwrap(), vec![renamed.clone()]);
    assert_eq!(
        db.procedure(DA_NANG, "1.001193").await.unwrap(),
        Some(renamed)
    );
    assert_eq!(db.procedure(BAC_NINH, "1.001193").await.unwrap(), None);
    db.delete_procedure(DA_NANG, "1.001193").await.unwrap();
    assert!(matches!(
        db.delete_procedure(DA_NANG, "1.001193").await,
        Err(StoreError::NotFound(_))
    ));

    assert_eq!(db.calendar(DA_NANG).await.unwrap(), None);
    let calendar = motcua::domain::calendar::vietnam_2025_2026()
        .config()
        .clone();
    db.put_calendar(DA_NANG, &calendar).await.unwrap();
    db.put_calendar(DA_NANG, &calendar).await.unwrap();
    assert_eq!(db.calendar(DA_NANG).await.unwrap(), Some(calendar));
    let _: Option<CalendarConfig> = db.calendar(BAC_NINH).await.unwrap();
}

async fn payments_notifications_and_outbox_are_committed_with_the_dossier(t: TestDb) {
    let db = &t.db;
    seed(db, DA_NANG).await;
    let at = local_datetime!(2025-11-03 08:00);
    let mut payment = Payment::new(8000).unwrap();
    let mut change = received(at);
    change.payments.push(PaymentWrite::Insert(PaymentRecord {
        id: "pay-1".into(),
        payment: payment.clone(),
        reference: None,
    }));
    change.notifications.push(NewNotification {
        channel: "sms".into(),
        recipient: "0905000000".into(),
        subject: "Tiep nhan".into(),
        body: "Ho so da duoc tiep nhan".into(),
    });
    change.outbox.push(NewOutboxEntry {
        kind: "national.progress".into(),
        payload: serde_json::json!({"status": 2}),
        occurred_at: at,
        event_index: Some(0),
    });
    let stored = db.commit(DA_NANG, change).await.unwrap();

    payment.confirm(PaymentChannel::Counter, 8000).unwrap();
    let mut change = act(&stored, at + Duration::hours(1), assign());
    change.payments.push(PaymentWrite::Update(PaymentRecord {
        id: "pay-1".into(),
        payment: payment.clone(),
        reference: Some("BL-0001".into()),
    }));
    change.outbox.push(NewOutboxEntry {
        kind: "national.progress".into(),
        payload: serde_json::json!({"status": 4}),
        occurred_at: at + Duration::hours(1),
        event_index: Some(0),
    });
    db.commit(DA_NANG, change).await.unwrap();

    let payments = db.payments(DA_NANG, &stored.code).await.unwrap();
    assert_eq!(payments.len(), 1);
    assert_eq!(payments[0].record.payment.status(), PaymentStatus::Paid);
    assert_eq!(payments[0].record.reference.as_deref(), Some("BL-0001"));
    let notifications = db.notifications(DA_NANG, &stored.code).await.unwrap();
    assert_eq!(notifications.len(), 1);
    assert_eq!(notifications[0].status, "queued");

    let now = local_datetime!(2030-01-01 00:00);
    let kinds = ["national.progress".to_owned()];
    let lease = now + Duration::minutes(1);
    // Only the head of the dossier's queue is handed out: event 2 waits for 1.
    let due = db
        .claim_due_outbox(DA_NANG, &kinds, now, lease, 10)
        .await
        .unwrap();
    assert_eq!(
        due.iter().map(|e| e.event_seq).collect::<Vec<_>>(),
        [Some(1)]
    );
    assert_eq!(due[0].dossier_code, stored.code.to_string());
    assert!(
        db.claim_due_outbox(DA_NANG, &kinds, now, lease, 10)
            .await
            .unwrap()
            .is_empty(),
        "a claimed head is not handed out again while its lease holds"
    );
    db.mark_delivered(DA_NANG, due[0].id, now).await.unwrap();
    let due = db
        .claim_due_outbox(DA_NANG, &kinds, now, lease, 10)
        .await
        .unwrap();
    assert_eq!(
        due.iter().map(|e| e.event_seq).collect::<Vec<_>>(),
        [Some(2)]
    );
    assert_eq!(due[0].payload["status"], 4);
    db.mark_failed(DA_NANG, due[0].id, "portal timeout", None)
        .await
        .unwrap();
    assert!(
        db.claim_due_outbox(DA_NANG, &kinds, now, lease, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        db.claim_due_outbox(BAC_NINH, &kinds, now, lease, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let dead = db
        .outbox_entries(
            DA_NANG,
            &OutboxFilter {
                state: Some(OutboxState::Dead),
                ..OutboxFilter::default()
            },
            None,
            10,
        )
        .await
        .unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].last_error.as_deref(), Some("portal timeout"));
    let requeued = db
        .resend_outbox(DA_NANG, &ResendScope::AllDead { dossier_code: None }, now)
        .await
        .unwrap();
    assert_eq!(requeued, 1);
    let again = db
        .claim_due_outbox(DA_NANG, &kinds, now, lease, 10)
        .await
        .unwrap();
    assert_eq!(again.len(), 1, "a resent entry is delivered again");
    assert_eq!(again[0].attempts, 0);

    let mut bad = received(at);
    bad.outbox.push(NewOutboxEntry {
        kind: "national.progress".into(),
        payload: serde_json::json!({}),
        occurred_at: at,
        event_index: Some(5),
    });
    assert!(matches!(
        db.commit(DA_NANG, bad).await,
        Err(StoreError::Invalid(_))
    ));
}

async fn two_hosts_claim_a_backlog_in_batches_one_head_per_dossier_and_settle_it_at_once(
    t: TestDb,
) {
    seed(&t.db, DA_NANG).await;
    let other_host = Db::connect(&t.url).await.unwrap();
    let at = local_datetime!(2025-11-03 08:00);
    // 60 dossiers with two entries each: the head, and one waiting behind it.
    for _ in 0..60 {
        let mut change = received(at);
        for status in [1, 2] {
            change.outbox.push(NewOutboxEntry {
                kind: "national.progress".into(),
                payload: serde_json::json!({ "status": status }),
                occurred_at: at,
                event_index: Some(0),
            });
        }
        t.db.commit(DA_NANG, change).await.unwrap();
    }
    let backlog = t.db.outbox_backlog(Some(DA_NANG)).await.unwrap();
    assert_eq!(backlog.len(), 1, "{backlog:?}");
    assert_eq!((backlog[0].pending, backlog[0].dead), (120, 0));
    assert!(backlog[0].oldest_pending_at.is_some());

    let now = local_datetime!(2030-01-01 00:00);
    let kinds = ["national.progress".to_owned()];
    let lease = now + Duration::minutes(1);
    let (a, b) = tokio::join!(
        t.db.claim_due_outbox(DA_NANG, &kinds, now, lease, 40),
        other_host.claim_due_outbox(DA_NANG, &kinds, now, lease, 40),
    );
    let mut claimed = a.unwrap();
    claimed.extend(b.unwrap());
    let ids: BTreeSet<i64> = claimed.iter().map(|e| e.id).collect();
    let dossiers: BTreeSet<&str> = claimed.iter().map(|e| e.dossier_code.as_str()).collect();
    assert_eq!(ids.len(), claimed.len(), "no entry is claimed twice");
    assert_eq!(dossiers.len(), claimed.len(), "one entry per dossier");
    assert!(
        (40..=60).contains(&claimed.len()),
        "each host fills its batch from what the other left: {}",
        claimed.len()
    );
    assert!(
        claimed.iter().all(|e| e.payload["status"] == 1),
        "only heads are handed out"
    );

    // Everything but two delivered, one to retry later, one dead: one call.
    let dead = claimed.pop().unwrap();
    let retry = claimed.pop().unwrap();
    let mut settled: Vec<OutboxSettlement> = claimed
        .iter()
        .map(|e| OutboxSettlement {
            id: e.id,
            outcome: Attempt::Delivered { at: now },
        })
        .collect();
    settled.push(OutboxSettlement {
        id: retry.id,
        outcome: Attempt::Failed {
            error: "portal timeout".into(),
            retry_at: Some(now + Duration::hours(1)),
        },
    });
    settled.push(OutboxSettlement {
        id: dead.id,
        outcome: Attempt::Failed {
            error: "refused".into(),
            retry_at: None,
        },
    });
    t.db.settle_outbox(DA_NANG, &settled).await.unwrap();
    let delivered = claimed.len() as u64;
    let backlog = t.db.outbox_backlog(Some(DA_NANG)).await.unwrap();
    assert_eq!(
        (backlog[0].pending, backlog[0].dead),
        (120 - delivered - 1, 1)
    );

    // Next: every dossier's next entry, except behind the one waiting for
    // its retry.
    let next =
        t.db.claim_due_outbox(DA_NANG, &kinds, now, lease, 500)
            .await
            .unwrap();
    assert_eq!(next.len(), 59);
    assert!(next.iter().all(|e| e.dossier_code != retry.dossier_code));
    other_host.close().await;
}

/// Every row of the tenant's daily aggregates, in key order.
async fn daily_rows(db: &Db, tenant: &str) -> Vec<(String, String, String, Vec<i64>)> {
    let columns = Counter::ALL.map(Counter::name).join(", ");
    let rows = sqlx::query(&format!(
        "SELECT day, agency_code, procedure_code, {columns} FROM statistics_daily \
         WHERE tenant_id = $1 ORDER BY day, agency_code, procedure_code"
    ))
    .bind(tenant)
    .fetch_all(db.pool())
    .await
    .unwrap();
    rows.iter()
        .map(|row| {
            use sqlx::Row;
            (
                row.get::<String, _>(0),
                row.get::<String, _>(1),
                row.get::<String, _>(2),
                (3..3 + Counter::ALL.len())
                    .map(|i| row.get::<i64, _>(i))
                    .collect(),
            )
        })
        .collect()
}

async fn a_payment_and_its_dossiers_delivery_committed_at_once_are_each_counted_once(t: TestDb) {
    // Both change one dossier's statistics facts: a payment through the
    // portal (paid online) and the delivery of its sync (synchronised). Each
    // must be counted once whatever the order their transactions meet in.
    seed(&t.db, DA_NANG).await;
    let other_host = Db::connect(&t.url).await.unwrap();
    let at = local_datetime!(2025-11-03 08:00);
    const DOSSIERS: usize = 40;
    let mut stored = Vec::new();
    for _ in 0..DOSSIERS {
        let mut change = received(at);
        change.fee_lines = Some(vec![fee(8000)]);
        let mut payment = Payment::new(8000).unwrap();
        payment
            .start_online(PaymentChannel::NationalPortal)
            .unwrap();
        change.payments.push(PaymentWrite::Insert(PaymentRecord {
            id: new_id(),
            payment,
            reference: None,
        }));
        change.outbox.push(NewOutboxEntry {
            kind: "national.progress".into(),
            payload: serde_json::json!({"status": 2}),
            occurred_at: at,
            event_index: Some(0),
        });
        stored.push(t.db.commit(DA_NANG, change).await.unwrap());
    }
    let now = local_datetime!(2030-01-01 00:00);
    let kinds = ["national.progress".to_owned()];
    let claimed =
        t.db.claim_due_outbox(DA_NANG, &kinds, now, now + Duration::minutes(1), 100)
            .await
            .unwrap();
    assert_eq!(claimed.len(), DOSSIERS);

    let pay = async {
        for dossier in &stored {
            let record = &t.db.payments(DA_NANG, &dossier.code).await.unwrap()[0].record;
            let mut payment = record.payment.clone();
            payment
                .confirm(PaymentChannel::NationalPortal, 8000)
                .unwrap();
            let mut change = act(dossier, at + Duration::hours(1), assign());
            change.payments.push(PaymentWrite::Update(PaymentRecord {
                id: record.id.clone(),
                payment,
                reference: Some(format!("PAY-{}", dossier.code)),
            }));
            t.db.commit(DA_NANG, change).await.unwrap();
        }
    };
    let deliver = async {
        for entry in &claimed {
            let delivered = OutboxSettlement {
                id: entry.id,
                outcome: Attempt::Delivered { at: now },
            };
            other_host
                .settle_outbox(DA_NANG, &[delivered])
                .await
                .unwrap();
        }
    };
    tokio::join!(pay, deliver);

    let maintained = daily_rows(&t.db, DA_NANG).await;
    let total = maintained
        .iter()
        .find(|(_, agency, procedure, _)| agency == "*" && procedure == "*")
        .expect("the tenant's row");
    let counted = |counter: Counter| total.3[counter.index()];
    assert_eq!(counted(Counter::Received), DOSSIERS as i64);
    assert_eq!(counted(Counter::PaidOnline), DOSSIERS as i64);
    assert_eq!(counted(Counter::Synced), DOSSIERS as i64);
    rebuild_daily(&t.db, DA_NANG).await.unwrap();
    assert_eq!(
        maintained,
        daily_rows(&t.db, DA_NANG).await,
        "the maintained aggregates are the ones rebuilt from the facts"
    );
    other_host.close().await;
}
