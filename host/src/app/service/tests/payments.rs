//! The fees ledger: exactly what is due, officers only, refunds with their
//! reason.

use motcua_domain::local_datetime;
use motcua_domain::payment::{PaymentChannel, PaymentStatus};

use super::{invalid_fields, world_pricing};
use crate::app::error::AppError;
use crate::app::service::{RecordPayment, RefundPayment};
use crate::app::testing::TENANT;

fn counter_payment(amount_vnd: u64) -> RecordPayment {
    RecordPayment {
        channel: PaymentChannel::Counter,
        amount_vnd,
        reference: Some("BL-0001".into()),
    }
}

#[tokio::test]
async fn an_officer_records_exactly_what_is_due_and_then_nothing_is_due() {
    let world = world_pricing(6_000).await;
    let code = world.at_counter().await;
    let officer = &world.users.officer;

    let payments = world
        .service
        .record_payment(officer, TENANT, &code, counter_payment(6_000))
        .await
        .unwrap();
    assert_eq!(payments.len(), 1);
    assert_eq!(payments[0].record.payment.status(), PaymentStatus::Paid);
    assert_eq!(payments[0].record.reference.as_deref(), Some("BL-0001"));

    let error = world
        .service
        .record_payment(officer, TENANT, &code, counter_payment(6_000))
        .await
        .unwrap_err();
    assert_eq!(invalid_fields(error), ["amount_vnd"]);
}

#[tokio::test]
async fn a_payment_of_another_amount_is_refused_naming_amount_vnd() {
    let world = world_pricing(6_000).await;
    let code = world.at_counter().await;
    let error = world
        .service
        .record_payment(&world.users.officer, TENANT, &code, counter_payment(5_000))
        .await
        .unwrap_err();
    match error {
        AppError::Invalid(problems) => {
            assert_eq!(problems[0].field, "amount_vnd");
            assert!(
                problems[0].message.contains("6000 VND is due"),
                "{}",
                problems[0].message
            );
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn only_officers_handle_money() {
    let world = world_pricing(6_000).await;
    let code = world.at_counter().await;
    for user in [&world.users.citizen, &world.users.admin] {
        let error = world
            .service
            .record_payment(user, TENANT, &code, counter_payment(6_000))
            .await
            .unwrap_err();
        assert!(matches!(error, AppError::Forbidden(_)), "{error:?}");
    }
    let error = world
        .service
        .record_payment(&world.users.stranger, TENANT, &code, counter_payment(6_000))
        .await
        .unwrap_err();
    assert!(matches!(error, AppError::NotFound(_)), "{error:?}");
}

#[tokio::test]
async fn a_refund_keeps_its_reason_officer_and_time_and_never_exceeds_what_was_paid() {
    let world = world_pricing(6_000).await;
    let code = world.at_counter().await;
    let officer = &world.users.officer;
    let paid = world
        .service
        .record_payment(officer, TENANT, &code, counter_payment(6_000))
        .await
        .unwrap();
    let id = paid[0].record.id.clone();
    world.clock.set(local_datetime!(2026-03-10 10:15));
    let refund = |amount_vnd, reason: &str| RefundPayment {
        amount_vnd,
        reason: reason.into(),
    };

    let error = world
        .service
        .refund_payment(officer, TENANT, &code, &id, refund(1_000, "  "))
        .await
        .unwrap_err();
    assert_eq!(invalid_fields(error), ["reason"]);
    let error = world
        .service
        .refund_payment(officer, TENANT, &code, &id, refund(7_000, "overpaid"))
        .await
        .unwrap_err();
    assert_eq!(invalid_fields(error), ["amount_vnd"]);

    let payments = world
        .service
        .refund_payment(
            officer,
            TENANT,
            &code,
            &id,
            refund(2_000, "online discount"),
        )
        .await
        .unwrap();
    let refunds = &payments[0].refunds;
    assert_eq!(refunds.len(), 1);
    assert_eq!(refunds[0].amount_vnd, 2_000);
    assert_eq!(refunds[0].reason, "online discount");
    assert_eq!(refunds[0].refunded_by, officer.id);
    assert_eq!(refunds[0].refunded_at, local_datetime!(2026-03-10 10:15));
    assert_eq!(payments[0].record.payment.refunded_vnd(), 2_000);
}

#[tokio::test]
async fn a_payment_moves_neither_the_dossier_nor_its_audit_chain() {
    let world = world_pricing(6_000).await;
    let code = world.at_counter().await;
    world
        .service
        .record_payment(&world.users.officer, TENANT, &code, counter_payment(6_000))
        .await
        .unwrap();
    let details = world
        .service
        .dossier(&world.users.officer, TENANT, &code)
        .await
        .unwrap();
    assert_eq!(details.national_status, Some(2));
    assert_eq!(details.dossier.last_seq, 1);
}
