use motcua_domain::dossier::{Applicant, ApplicantKind, Channel};
use motcua_domain::lifecycle::{Actor, Event, EventKind, Role, Stage};
use motcua_domain::local_datetime;
use motcua_domain::message::{Notice, Outcome};

use super::*;
use crate::app::ports::StoredEvent;

fn applicant(email: Option<&str>) -> Applicant {
    Applicant {
        kind: ApplicantKind::Citizen,
        id: "026195000123".into(),
        full_name: "Trần Thị Bình".into(),
        birth_date: None,
        phone: None,
        email: email.map(str::to_owned),
        groups: Vec::new(),
    }
}

fn event(kind: EventKind, from: Option<Stage>, to: Stage) -> Event {
    Event {
        kind,
        at: local_datetime!(2026 - 12 - 01 09:00),
        actor: Actor::new("officer-1", Role::Officer),
        from,
        to,
        national_status: 2,
        note: None,
    }
}

fn received() -> Event {
    event(
        EventKind::Received {
            channel: Channel::Counter,
            appointment: local_datetime!(2026 - 12 - 04 16:30),
        },
        None,
        Stage::Received,
    )
}

fn letter(events: &[StoredEvent]) -> Letter<'_> {
    Letter {
        tenant_name: "Tỉnh Vĩnh Phúc",
        dossier_code: "000.41.10.H62-261201-0001",
        procedure_name: "Đăng ký khai sinh",
        applicant_name: "Trần Thị Bình",
        events,
    }
}

#[test]
fn a_receipt_notifies_an_applicant_with_an_email_address_and_no_one_else() {
    let events = [
        received(),
        event(EventKind::ReviewStarted, None, Stage::InReview),
    ];
    let entries = notice_entries(&events, &applicant(Some("binh@example.vn")));
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].kind, NOTIFICATION_EMAIL);
    assert_eq!(entries[0].event_index, Some(0));
    assert_eq!(entries[0].occurred_at, events[0].at);
    assert!(notice_entries(&events, &applicant(None)).is_empty());
    assert!(notice_entries(&events, &applicant(Some("not an address"))).is_empty());
}

#[test]
fn a_receipt_letter_names_the_dossier_the_procedure_and_the_appointment_in_vietnamese() {
    let notice = Notice::for_event(&received()).unwrap();
    let mail = compose(
        &notice,
        &letter(&[]),
        "binh@example.vn",
        "<id@motcua>".into(),
    )
    .unwrap();
    assert_eq!(
        mail.subject,
        "[Tỉnh Vĩnh Phúc] Đã tiếp nhận hồ sơ 000.41.10.H62-261201-0001"
    );
    assert!(
        mail.body.starts_with("Kính gửi Trần Thị Bình,"),
        "{}",
        mail.body
    );
    assert!(
        mail.body.contains("thủ tục \"Đăng ký khai sinh\""),
        "{}",
        mail.body
    );
    assert!(mail.body.contains("16:30 ngày 04/12/2026"), "{}", mail.body);
    assert_eq!(mail.to, "binh@example.vn");
}

#[test]
fn a_refusal_letter_gives_the_reason_recorded_with_the_decision() {
    let refused = StoredEvent {
        seq: 5,
        event: event(
            EventKind::Refused {
                reason: "Không đủ điều kiện theo quy định".into(),
            },
            Some(Stage::InReview),
            Stage::RefusedDecision,
        ),
        prev_hash: String::new(),
        hash: String::new(),
        recorded_at: local_datetime!(2026 - 12 - 01 09:00),
    };
    let notice = Notice::ResultReturned {
        outcome: Outcome::Refused,
    };
    let mail = compose(
        &notice,
        &letter(&[refused]),
        "b@example.vn",
        "<id@motcua>".into(),
    )
    .unwrap();
    assert!(mail.body.contains("không được giải quyết"), "{}", mail.body);
    assert!(
        mail.body
            .contains("Lý do: Không đủ điều kiện theo quy định"),
        "{}",
        mail.body
    );
    let granted = Notice::ResultReturned {
        outcome: Outcome::Approved,
    };
    let mail = compose(&granted, &letter(&[]), "b@example.vn", "<id@motcua>".into()).unwrap();
    assert!(
        mail.body
            .contains("đã được giải quyết và kết quả đã được trả"),
        "{}",
        mail.body
    );
    assert!(!mail.body.contains("Lý do"), "{}", mail.body);
}

mod delivery {
    use std::sync::Arc;

    use time::Duration;

    use super::applicant;
    use crate::app::notify::NOTIFICATION_EMAIL;
    use crate::app::ports::{OutboxFilter, OutboxState, OutboxStore};
    use crate::app::service::TransitionRequest;
    use crate::app::sync::DeliveryPolicy;
    use crate::app::testing::{RecordingMailer, RelayState, TENANT, TestWorld};

    /// A counter dossier for an applicant with `email`; its code.
    async fn counter_dossier(world: &TestWorld, email: Option<&str>) -> String {
        world.counter_dossier(applicant(email)).await
    }

    async fn notices(world: &TestWorld, state: OutboxState) -> usize {
        let filter = OutboxFilter {
            state: Some(state),
            kind: Some(NOTIFICATION_EMAIL.into()),
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
    async fn a_notice_waits_while_the_relay_is_down_and_is_sent_once_when_it_is_back() {
        let world = TestWorld::with_plugins(Vec::new()).await;
        let mailer = Arc::new(RecordingMailer::default());
        let dispatcher = world
            .dispatcher(DeliveryPolicy::default())
            .with_mailer(mailer.clone());
        let code = counter_dossier(&world, Some("binh@example.vn")).await;

        mailer.set(RelayState::Down);
        dispatcher.tick().await.unwrap();
        assert!(mailer.sent().is_empty());
        assert_eq!(notices(&world, OutboxState::Pending).await, 1);

        mailer.set(RelayState::Up);
        world.clock.advance(Duration::minutes(5));
        dispatcher.tick().await.unwrap();
        dispatcher.tick().await.unwrap();
        let sent = mailer.sent();
        assert_eq!(sent.len(), 1, "{sent:?}");
        assert_eq!(sent[0].to, "binh@example.vn");
        assert!(sent[0].subject.contains(&code), "{}", sent[0].subject);
        assert!(sent[0].message_id.contains(&code), "{}", sent[0].message_id);
        assert_eq!(notices(&world, OutboxState::Delivered).await, 1);
    }

    #[tokio::test]
    async fn an_address_the_relay_refuses_for_good_is_dead_lettered_at_once() {
        let world = TestWorld::with_plugins(Vec::new()).await;
        let mailer = Arc::new(RecordingMailer::default());
        let dispatcher = world
            .dispatcher(DeliveryPolicy::default())
            .with_mailer(mailer.clone());
        counter_dossier(&world, Some("nobody@example.vn")).await;
        mailer.set(RelayState::Refusing);
        dispatcher.tick().await.unwrap();
        assert_eq!(notices(&world, OutboxState::Dead).await, 1);
    }

    #[tokio::test]
    async fn without_a_relay_notices_wait_and_national_sync_goes_on() {
        let world = TestWorld::with_plugins(Vec::new()).await;
        counter_dossier(&world, Some("binh@example.vn")).await;
        let report = world
            .dispatcher(DeliveryPolicy::default())
            .tick()
            .await
            .unwrap();
        assert_eq!(report.delivered, 1, "the portal got its progress");
        assert_eq!(notices(&world, OutboxState::Pending).await, 1);
    }

    #[tokio::test]
    async fn every_step_that_concerns_the_applicant_gives_one_notice() {
        let world = TestWorld::with_plugins(Vec::new()).await;
        let code = counter_dossier(&world, Some("binh@example.vn")).await;
        for request in [
            TransitionRequest::Assign {
                assignee: "officer".into(),
            },
            TransitionRequest::StartReview,
            TransitionRequest::Approve { result: None },
            TransitionRequest::ReturnResult,
        ] {
            world
                .service
                .transition(&world.users.officer, TENANT, &code, request, None)
                .await
                .unwrap();
        }
        // Received, then the result returned; the office's own steps tell
        // the applicant nothing.
        assert_eq!(notices(&world, OutboxState::Pending).await, 2);
    }
}
