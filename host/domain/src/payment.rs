//! Payment of a dossier's fees and charges: status rules of the fee ledger.
//!
//! Amounts are whole VND (`u64`): the dong has no minor unit in practice.
//! What is owed comes from the fee lines ([`crate::fee`]); this module only
//! tracks one payment of that amount through its statuses.
//!
//! ```text
//! unpaid ──start_online──▶ pending ──confirm──▶ paid ──refund──▶ refunded ─┐
//!   │  ▲                     │                                   ▲ refund  │
//!   │  └──────fail───────────┘                                   └─────────┘
//!   ├──confirm (counter)──▶ paid
//!   └──cancel──▶ cancelled ◀──cancel── pending
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::DomainError;

/// Where a payment stands, as the national statistics count it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    Unpaid,
    /// Started online, waiting for the payment channel's confirmation.
    Pending,
    Paid,
    /// Not to be paid any more (waived, dossier withdrawn or refused first).
    Cancelled,
    /// Paid, then refunded in part or in full.
    Refunded,
}

impl PaymentStatus {
    /// Statuses this one may become. `Refunded -> Refunded` is a further
    /// partial refund.
    pub fn next(self) -> &'static [PaymentStatus] {
        use PaymentStatus::*;
        match self {
            Unpaid => &[Pending, Paid, Cancelled],
            Pending => &[Paid, Unpaid, Cancelled],
            Paid => &[Refunded],
            Refunded => &[Refunded],
            Cancelled => &[],
        }
    }

    pub fn can_become(self, to: PaymentStatus) -> bool {
        self.next().contains(&to)
    }

    fn name(self) -> &'static str {
        match self {
            PaymentStatus::Unpaid => "unpaid",
            PaymentStatus::Pending => "pending",
            PaymentStatus::Paid => "paid",
            PaymentStatus::Cancelled => "cancelled",
            PaymentStatus::Refunded => "refunded",
        }
    }
}

impl fmt::Display for PaymentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How the money arrived.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PaymentChannel {
    /// Cash or card at the one-stop counter: paid at once, never pending.
    Counter,
    /// The National Public Service Portal's payment platform.
    NationalPortal,
    /// The province's own payment gateway.
    ProvinceGateway,
}

impl PaymentChannel {
    /// Counts towards the online-payment rate.
    pub fn is_online(self) -> bool {
        !matches!(self, PaymentChannel::Counter)
    }
}

/// One payment of a dossier's fees, with its status and amounts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub struct Payment {
    amount_due_vnd: u64,
    status: PaymentStatus,
    channel: Option<PaymentChannel>,
    paid_vnd: u64,
    refunded_vnd: u64,
}

impl Payment {
    /// A payment of `amount_due_vnd`, unpaid. Zero is refused: a dossier
    /// with nothing to pay has no payment.
    pub fn new(amount_due_vnd: u64) -> Result<Self, DomainError> {
        if amount_due_vnd == 0 {
            return Err(DomainError::InvalidAmount(
                "nothing to pay: a zero amount needs no payment".to_owned(),
            ));
        }
        Ok(Payment {
            amount_due_vnd,
            status: PaymentStatus::Unpaid,
            channel: None,
            paid_vnd: 0,
            refunded_vnd: 0,
        })
    }

    pub fn status(&self) -> PaymentStatus {
        self.status
    }

    pub fn channel(&self) -> Option<PaymentChannel> {
        self.channel
    }

    pub fn amount_due_vnd(&self) -> u64 {
        self.amount_due_vnd
    }

    pub fn paid_vnd(&self) -> u64 {
        self.paid_vnd
    }

    pub fn refunded_vnd(&self) -> u64 {
        self.refunded_vnd
    }

    /// What may still be refunded.
    pub fn refundable_vnd(&self) -> u64 {
        self.paid_vnd - self.refunded_vnd
    }

    /// Paid through an online channel (the online-payment rate's numerator),
    /// even if refunded later.
    pub fn paid_online(&self) -> bool {
        self.paid_vnd > 0 && self.channel.is_some_and(PaymentChannel::is_online)
    }

    fn check(&self, to: PaymentStatus) -> Result<(), DomainError> {
        if self.status.can_become(to) {
            Ok(())
        } else {
            Err(DomainError::IllegalPaymentTransition {
                from: self.status,
                to,
            })
        }
    }

    /// The applicant starts paying online: unpaid -> pending.
    pub fn start_online(&mut self, channel: PaymentChannel) -> Result<(), DomainError> {
        self.check(PaymentStatus::Pending)?;
        if !channel.is_online() {
            return Err(DomainError::InvalidAmount(
                "a counter payment is confirmed at once, it is never pending".to_owned(),
            ));
        }
        self.status = PaymentStatus::Pending;
        self.channel = Some(channel);
        Ok(())
    }

    /// The money arrived: unpaid (counter) or pending (online) -> paid. The
    /// amount must be exactly the amount due, and a pending payment must be
    /// confirmed by the channel it was started on.
    pub fn confirm(&mut self, channel: PaymentChannel, amount_vnd: u64) -> Result<(), DomainError> {
        self.check(PaymentStatus::Paid)?;
        if amount_vnd != self.amount_due_vnd {
            return Err(DomainError::InvalidAmount(format!(
                "received {amount_vnd} VND but {} VND is due",
                self.amount_due_vnd
            )));
        }
        if let Some(started) = self.channel
            && started != channel
        {
            return Err(DomainError::InvalidAmount(format!(
                "the payment was started on {started:?} but confirmed on {channel:?}"
            )));
        }
        self.status = PaymentStatus::Paid;
        self.channel = Some(channel);
        self.paid_vnd = amount_vnd;
        Ok(())
    }

    /// The online payment failed or expired: pending -> unpaid, so the
    /// applicant can try again, on any channel.
    pub fn fail(&mut self) -> Result<(), DomainError> {
        if self.status != PaymentStatus::Pending {
            return Err(DomainError::IllegalPaymentTransition {
                from: self.status,
                to: PaymentStatus::Unpaid,
            });
        }
        self.status = PaymentStatus::Unpaid;
        self.channel = None;
        Ok(())
    }

    /// Nothing will be paid: unpaid or pending -> cancelled.
    pub fn cancel(&mut self) -> Result<(), DomainError> {
        self.check(PaymentStatus::Cancelled)?;
        self.status = PaymentStatus::Cancelled;
        Ok(())
    }

    /// Pays back `amount_vnd`: paid -> refunded, or a further partial refund.
    /// The refunds together never exceed what was paid.
    pub fn refund(&mut self, amount_vnd: u64) -> Result<(), DomainError> {
        self.check(PaymentStatus::Refunded)?;
        if amount_vnd == 0 {
            return Err(DomainError::InvalidAmount(
                "a refund must be more than 0 VND".to_owned(),
            ));
        }
        if amount_vnd > self.refundable_vnd() {
            return Err(DomainError::RefundExceedsPaid {
                requested: amount_vnd,
                refundable: self.refundable_vnd(),
            });
        }
        self.status = PaymentStatus::Refunded;
        self.refunded_vnd += amount_vnd;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PaymentStatus::*;

    #[test]
    fn transition_table_allows_only_the_documented_moves() {
        let all = [Unpaid, Pending, Paid, Cancelled, Refunded];
        let allowed: Vec<(PaymentStatus, PaymentStatus)> = all
            .iter()
            .flat_map(|&from| all.iter().map(move |&to| (from, to)))
            .filter(|&(from, to)| from.can_become(to))
            .collect();
        assert_eq!(
            allowed,
            [
                (Unpaid, Pending),
                (Unpaid, Paid),
                (Unpaid, Cancelled),
                (Pending, Unpaid),
                (Pending, Paid),
                (Pending, Cancelled),
                (Paid, Refunded),
                (Refunded, Refunded),
            ]
        );
    }

    #[test]
    fn counter_payment_is_paid_at_once() {
        let mut payment = Payment::new(50_000).unwrap();
        payment.confirm(PaymentChannel::Counter, 50_000).unwrap();
        assert_eq!(payment.status(), Paid);
        assert!(!payment.paid_online());
    }

    #[test]
    fn online_payment_goes_through_pending_and_counts_as_online() {
        let mut payment = Payment::new(30_000).unwrap();
        payment
            .start_online(PaymentChannel::NationalPortal)
            .unwrap();
        assert_eq!(payment.status(), Pending);
        payment
            .confirm(PaymentChannel::NationalPortal, 30_000)
            .unwrap();
        assert_eq!(payment.status(), Paid);
        assert!(payment.paid_online());
    }

    #[test]
    fn a_failed_online_payment_can_be_retried_elsewhere() {
        let mut payment = Payment::new(30_000).unwrap();
        payment
            .start_online(PaymentChannel::ProvinceGateway)
            .unwrap();
        payment.fail().unwrap();
        assert_eq!(payment.status(), Unpaid);
        payment.confirm(PaymentChannel::Counter, 30_000).unwrap();
        assert_eq!(payment.channel(), Some(PaymentChannel::Counter));
    }

    #[test]
    fn confirmation_must_match_amount_and_channel() {
        let mut payment = Payment::new(30_000).unwrap();
        assert!(payment.confirm(PaymentChannel::Counter, 29_000).is_err());
        payment
            .start_online(PaymentChannel::NationalPortal)
            .unwrap();
        let err = payment
            .confirm(PaymentChannel::ProvinceGateway, 30_000)
            .unwrap_err();
        assert!(err.to_string().contains("started on NationalPortal"));
        assert_eq!(payment.status(), Pending);
    }

    #[test]
    fn refunds_never_exceed_what_was_paid() {
        let mut payment = Payment::new(100_000).unwrap();
        payment.confirm(PaymentChannel::Counter, 100_000).unwrap();
        payment.refund(40_000).unwrap();
        assert_eq!(payment.status(), Refunded);
        payment.refund(60_000).unwrap();
        assert_eq!(payment.refundable_vnd(), 0);
        let err = payment.refund(1).unwrap_err();
        assert_eq!(
            err,
            DomainError::RefundExceedsPaid {
                requested: 1,
                refundable: 0
            }
        );
        assert_eq!(
            err.to_string(),
            "cannot refund 1 VND: only 0 VND paid and not yet refunded"
        );
    }

    #[test]
    fn unpaid_or_cancelled_payments_cannot_be_refunded() {
        let mut payment = Payment::new(100_000).unwrap();
        assert_eq!(
            payment.refund(10).unwrap_err(),
            DomainError::IllegalPaymentTransition {
                from: Unpaid,
                to: Refunded
            }
        );
        payment.cancel().unwrap();
        assert_eq!(
            payment
                .confirm(PaymentChannel::Counter, 100_000)
                .unwrap_err()
                .to_string(),
            "a payment that is cancelled cannot become paid"
        );
    }

    #[test]
    fn zero_amounts_are_refused() {
        assert!(Payment::new(0).is_err());
        let mut payment = Payment::new(10).unwrap();
        payment.confirm(PaymentChannel::Counter, 10).unwrap();
        assert!(payment.refund(0).is_err());
    }

    #[test]
    fn a_paid_payment_cannot_be_cancelled_or_restarted() {
        let mut payment = Payment::new(10).unwrap();
        payment.confirm(PaymentChannel::Counter, 10).unwrap();
        assert!(payment.cancel().is_err());
        assert!(
            payment
                .start_online(PaymentChannel::NationalPortal)
                .is_err()
        );
        assert!(payment.fail().is_err());
    }

    #[test]
    fn serialises_with_snake_case_names() {
        let mut payment = Payment::new(30_000).unwrap();
        payment
            .start_online(PaymentChannel::ProvinceGateway)
            .unwrap();
        let json = serde_json::to_value(&payment).unwrap();
        assert_eq!(json["status"], "pending");
        assert_eq!(json["channel"], "province_gateway");
        assert_eq!(json["amount_due_vnd"], 30_000);
    }
}
