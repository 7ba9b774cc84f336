//! Recording and refunding a dossier's payments. Payments are their own
//! ledger (rows with created/updated times): they commit with no lifecycle
//! event, so they never move the dossier or its audit chain.

use motcua_domain::access::Operation;
use motcua_domain::error::DomainError;
use motcua_domain::fee::Collection;
use motcua_domain::fee::bounds::{MAX_TOTAL_VND, checked_total};
use motcua_domain::payment::{Payment, PaymentChannel, PaymentStatus};
use motcua_domain::tenancy::User;
use serde::{Deserialize, Serialize};

use super::{CONFLICT_RETRIES, DossierService};
use crate::app::error::AppError;
use crate::app::ports::{
    DossierChange, PaymentRecord, PaymentRefund, PaymentWrite, StoreError, StoredDossier,
    StoredPayment, new_id,
};

/// A payment an officer records: at the counter, or (until the gateways
/// call back themselves) one made through an online channel.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordPayment {
    pub channel: PaymentChannel,
    /// Must be exactly what is due.
    pub amount_vnd: u64,
    /// The channel's transaction reference (receipt number).
    #[serde(default)]
    pub reference: Option<String>,
}

/// A refund of part or all of a payment.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundPayment {
    pub amount_vnd: u64,
    pub reason: String,
}

const AMOUNT: &str = "amount_vnd";

impl DossierService {
    /// The payments of the dossier `code`, oldest first.
    pub async fn payments(
        &self,
        user: &User,
        tenant: &str,
        code: &str,
    ) -> Result<Vec<StoredPayment>, AppError> {
        let (_, stored) = self
            .dossier_for(user, tenant, code, Operation::Read)
            .await?;
        Ok(self.dossiers.payments(tenant, &stored.code).await?)
    }

    /// Record a payment of exactly what is due: the collected fee lines
    /// minus what live payments already paid. Returns the dossier's payments.
    pub async fn record_payment(
        &self,
        user: &User,
        tenant: &str,
        code: &str,
        request: RecordPayment,
    ) -> Result<Vec<StoredPayment>, AppError> {
        let (_, stored) = self
            .dossier_for(user, tenant, code, Operation::Payment)
            .await?;
        let code = stored.code;
        let id = new_id();
        self.commit_payment(tenant, &code, |dossier, fee_due, payments| {
            let paid = checked_total(
                payments
                    .iter()
                    .map(|p| &p.record.payment)
                    .filter(|p| p.status() != PaymentStatus::Cancelled)
                    .map(Payment::paid_vnd),
                MAX_TOTAL_VND,
            )
            .map_err(|error| out_of_range(&dossier.code, "payments", error))?;
            let due = fee_due.saturating_sub(paid);
            if due == 0 {
                return Err(AppError::invalid(
                    AMOUNT,
                    format!("nothing is due on dossier {}", dossier.code),
                ));
            }
            if request.amount_vnd != due {
                return Err(AppError::invalid(
                    AMOUNT,
                    format!("{} VND is due, not {}", due, request.amount_vnd),
                ));
            }
            let mut payment = Payment::new(due)?;
            payment
                .confirm(request.channel, request.amount_vnd)
                .map_err(amount_problem)?;
            Ok(PaymentWrite::Insert(PaymentRecord {
                id: id.clone(),
                payment,
                reference: request.reference.clone(),
            }))
        })
        .await
    }

    /// Refund part or all of the payment `payment_id`. Returns the dossier's
    /// payments.
    pub async fn refund_payment(
        &self,
        user: &User,
        tenant: &str,
        code: &str,
        payment_id: &str,
        request: RefundPayment,
    ) -> Result<Vec<StoredPayment>, AppError> {
        let (_, stored) = self
            .dossier_for(user, tenant, code, Operation::Payment)
            .await?;
        let code = stored.code;
        if request.reason.trim().is_empty() {
            return Err(AppError::invalid("reason", "a refund needs a reason"));
        }
        let refund = PaymentRefund {
            amount_vnd: request.amount_vnd,
            reason: request.reason.trim().to_owned(),
            refunded_by: user.id.clone(),
            refunded_at: self.clock.now(),
        };
        self.commit_payment(tenant, &code, |_, _, payments| {
            let mut record = payments
                .iter()
                .find(|p| p.record.id == payment_id)
                .ok_or_else(|| AppError::NotFound(format!("payment {payment_id}")))?
                .record
                .clone();
            record
                .payment
                .refund(request.amount_vnd)
                .map_err(amount_problem)?;
            Ok(PaymentWrite::Refund {
                record,
                refund: refund.clone(),
            })
        })
        .await
    }

    /// Commit the payment write `decide` makes from the dossier, the amount
    /// its collected fee lines owe and its payments, retrying on concurrent
    /// changes.
    async fn commit_payment(
        &self,
        tenant: &str,
        code: &motcua_domain::code::DossierCode,
        decide: impl Fn(&StoredDossier, u64, &[StoredPayment]) -> Result<PaymentWrite, AppError>,
    ) -> Result<Vec<StoredPayment>, AppError> {
        let mut last_conflict = None;
        for _ in 0..CONFLICT_RETRIES {
            let dossier = self.stored(tenant, code).await?;
            // Checked, never wrapped: a wrapped total would say nothing is due.
            let fee_due = checked_total(
                self.dossiers
                    .fee_lines(tenant, code)
                    .await?
                    .iter()
                    .filter(|f| f.line.collection != Collection::NotCollected)
                    .map(|f| f.line.amount_vnd),
                MAX_TOTAL_VND,
            )
            .map_err(|error| out_of_range(&dossier.code, "fee lines", error))?;
            let payments = self.dossiers.payments(tenant, code).await?;
            let write = decide(&dossier, fee_due, &payments)?;
            let mut change = DossierChange::update(
                dossier.code.clone(),
                dossier.version,
                dossier.state.clone(),
                Vec::new(),
            );
            change.payments.push(write);
            match self.dossiers.commit(tenant, change).await {
                Ok(_) => return Ok(self.dossiers.payments(tenant, code).await?),
                Err(StoreError::Conflict { expected, actual }) => {
                    last_conflict = Some(format!("version {expected} became {actual}"));
                }
                Err(other) => return Err(other.into()),
            }
        }
        Err(AppError::Conflict(format!(
            "dossier {code} kept changing while the payment was recorded ({}); try again",
            last_conflict.unwrap_or_default()
        )))
    }
}

/// A ledger whose sums leave the domain's range cannot say what is due; the
/// officer is told so rather than given a wrong amount.
fn out_of_range(
    code: &motcua_domain::code::DossierCode,
    what: &str,
    error: motcua_domain::fee::bounds::FeeRangeError,
) -> AppError {
    AppError::Conflict(format!(
        "the {what} of dossier {code} cannot be totalled ({error}); no payment can be recorded"
    ))
}

/// The domain's amount refusals name the request's `amount_vnd`.
fn amount_problem(error: DomainError) -> AppError {
    match error {
        DomainError::InvalidAmount(_) | DomainError::RefundExceedsPaid { .. } => {
            AppError::invalid(AMOUNT, error.to_string())
        }
        other => AppError::Domain(other),
    }
}
