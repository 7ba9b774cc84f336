//! The outbox dispatcher: delivers what the core committed to the outbox.
//!
//! Each pass claims, per tenant, the head of every dossier's queue (the
//! store never hands out an entry while an older one of the same dossier and
//! kind is pending), delivers the claimed entries concurrently (they belong
//! to different dossiers), and records every outcome in one write:
//! delivered, retried after an exponential backoff, or dead-lettered. A claim is a lease with an
//! expiry, so entries held by a host that died are delivered again after
//! it; the portal ignores the repeat by the event id. A host that stops
//! (SIGTERM) starts no new pass, lets the one in flight finish its
//! deliveries for a grace period and gives back the claims it could not
//! settle, so another host delivers them at once.

use std::sync::Arc;

use motcua_domain::code::DossierCode;
use motcua_domain::initiative::DossierEvent;
use motcua_domain::message::{Notice, email_address};
use serde::Serialize;
use tokio::task::JoinSet;
use tracing::Instrument;

use super::entries::{INITIATIVE_RETRY, NATIONAL_PROGRESS};
use super::policy::DeliveryPolicy;
use super::records::{dossier_record, progress_record};
use super::stopping::Stopping;
use crate::app::clock::Clock;
use crate::app::error::AppError;
use crate::app::hooks::NationalSync;
use crate::app::notify::{Letter, Mailer, NOTIFICATION_EMAIL, compose};
use crate::app::ports::{Attempt, OutboxEntry, OutboxSettlement, Store, StoreError, StoredDossier};
use crate::app::service::DossierService;

/// What one pass did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct TickReport {
    pub delivered: u32,
    pub retried: u32,
    pub dead: u32,
}

impl TickReport {
    pub fn attempted(&self) -> u32 {
        self.delivered + self.retried + self.dead
    }
}

/// Why one delivery did not go through.
struct Undelivered {
    message: String,
    retryable: bool,
}

impl Undelivered {
    fn permanent(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            retryable: false,
        }
    }
}

impl From<StoreError> for Undelivered {
    fn from(error: StoreError) -> Self {
        // A storage error is the host's own trouble: try again later.
        Self {
            message: AppError::from(error).to_string(),
            retryable: true,
        }
    }
}

#[derive(Clone)]
pub struct Dispatcher {
    store: Arc<dyn Store>,
    sync: Arc<dyn NationalSync>,
    service: DossierService,
    clock: Arc<dyn Clock>,
    policy: DeliveryPolicy,
    /// Without one, e-mail notices wait (pending, never attempted).
    mailer: Option<Arc<dyn Mailer>>,
    /// Whether the host is stopping (set by [`Dispatcher::run`]).
    stopping: Stopping,
}

impl Dispatcher {
    pub fn new(
        store: Arc<dyn Store>,
        sync: Arc<dyn NationalSync>,
        service: DossierService,
        clock: Arc<dyn Clock>,
        policy: DeliveryPolicy,
    ) -> Self {
        Self {
            store,
            sync,
            service,
            clock,
            policy,
            mailer: None,
            stopping: Stopping::default(),
        }
    }

    /// E-mail notices go to the applicant through `mailer`.
    pub fn with_mailer(mut self, mailer: Arc<dyn Mailer>) -> Self {
        self.mailer = Some(mailer);
        self
    }

    /// Deliver until `shutdown` resolves; a pass that found work is followed
    /// at once by another. Each pass runs in a task of its own, so neither
    /// an error nor a panic in it stops delivery: it is logged and the next
    /// pass starts after the poll interval. Once `shutdown` resolves, the
    /// pass in flight finishes within the policy's `stop_grace` and gives
    /// back the claims it could not settle; then this returns.
    pub async fn run(self, shutdown: impl std::future::Future<Output = ()>) {
        let (signal, stopping) = Stopping::channel();
        let this = Dispatcher { stopping, ..self };
        tokio::pin!(shutdown);
        loop {
            let pass = this.clone();
            let mut pass = tokio::spawn(async move { pass.tick().await });
            let outcome = tokio::select! {
                outcome = &mut pass => outcome,
                _ = &mut shutdown => {
                    signal.stop();
                    log_pass(pass.await);
                    tracing::info!("outbox dispatcher stopped");
                    return;
                }
            };
            let busy = log_pass(outcome);
            if busy {
                // Let shutdown win between busy passes too.
                tokio::select! {
                    biased;
                    _ = &mut shutdown => return,
                    _ = tokio::task::yield_now() => {}
                }
            } else {
                tokio::select! {
                    _ = &mut shutdown => return,
                    _ = tokio::time::sleep(this.policy.poll_interval) => {}
                }
            }
        }
    }

    /// One pass over every active tenant. A tenant whose claim or
    /// settlement fails is logged and skipped (its leases run out and the
    /// entries come back); the others are served. A suspended tenant's
    /// entries wait, pending, and its plugins are not called until it is
    /// resumed.
    pub async fn tick(&self) -> Result<TickReport, AppError> {
        let mut report = TickReport::default();
        for tenant in self.store.tenants().await? {
            if self.stopping.now() {
                break;
            }
            if tenant.status != motcua_domain::tenancy::TenantStatus::Active {
                continue;
            }
            if let Err(error) = self.pass(&tenant.id, &mut report).await {
                tracing::error!(tenant = %tenant.id, %error, "outbox pass for a tenant failed");
            }
        }
        Ok(report)
    }

    /// Claim a batch of `tenant`'s due entries, deliver them concurrently
    /// (they belong to different dossiers), record every outcome at once.
    /// When the host stops meanwhile, deliveries still running after the
    /// grace are abandoned and their claims given back.
    async fn pass(&self, tenant: &str, report: &mut TickReport) -> Result<(), AppError> {
        let mut kinds = vec![INITIATIVE_RETRY.to_owned()];
        // Without a portal connector, national entries wait (pending,
        // never attempted) until one is deployed; reconciliation shows
        // them as never sent.
        if self.sync.portal_connector(tenant).await.is_some() {
            kinds.push(NATIONAL_PROGRESS.to_owned());
        }
        if self.mailer.is_some() {
            kinds.push(NOTIFICATION_EMAIL.to_owned());
        }
        let now = self.clock.now();
        let lease_until = now + self.policy.lease;
        let claimed = self
            .store
            .claim_due_outbox(tenant, &kinds, now, lease_until, self.policy.batch)
            .await?;
        let claimed_ids: Vec<i64> = claimed.iter().map(|entry| entry.id).collect();
        let mut deliveries = JoinSet::new();
        for entry in claimed {
            let this = self.clone();
            let tenant = tenant.to_owned();
            let span = tracing::info_span!(
                "motcua.outbox.deliver",
                tenant = %tenant,
                dossier = %entry.dossier_code,
                entry = entry.id,
                kind = %entry.kind,
                attempt = entry.attempts + 1,
            );
            deliveries.spawn(async move { this.attempt(&tenant, entry).await }.instrument(span));
        }
        let mut settled = Vec::new();
        let mut counts = TickReport::default();
        let deadline = self.stopping.deadline(self.policy.stop_grace);
        tokio::pin!(deadline);
        let mut abandoned = false;
        loop {
            let outcome = tokio::select! {
                outcome = deliveries.join_next() => match outcome {
                    Some(outcome) => outcome,
                    None => break,
                },
                _ = &mut deadline => {
                    deliveries.abort_all();
                    abandoned = true;
                    break;
                }
            };
            match outcome {
                Ok((settlement, Settled::Delivered)) => {
                    counts.delivered += 1;
                    settled.push(settlement);
                }
                Ok((settlement, Settled::Retry)) => {
                    counts.retried += 1;
                    settled.push(settlement);
                }
                Ok((settlement, Settled::Dead)) => {
                    counts.dead += 1;
                    settled.push(settlement);
                }
                // Its lease runs out and it is attempted again.
                Err(join) => tracing::error!(%join, "a delivery task failed"),
            }
        }
        self.store.settle_outbox(tenant, &settled).await?;
        if abandoned {
            self.give_back(tenant, &claimed_ids, &settled, lease_until)
                .await?;
        }
        let tenant_label = tenant.to_owned();
        metrics::counter!("motcua_outbox_delivered_total", "tenant" => tenant_label.clone())
            .increment(counts.delivered.into());
        metrics::counter!("motcua_outbox_failed_total", "tenant" => tenant_label)
            .increment((counts.retried + counts.dead).into());
        report.delivered += counts.delivered;
        report.retried += counts.retried;
        report.dead += counts.dead;
        Ok(())
    }

    /// Gives back the claims of a pass cut short by the host stopping: the
    /// entries claimed but not settled (their outcome unknown) go to
    /// another host at once, no attempt counted; the portal ignores a
    /// repeat of one that did arrive.
    async fn give_back(
        &self,
        tenant: &str,
        claimed: &[i64],
        settled: &[OutboxSettlement],
        lease_until: motcua_domain::time::LocalDateTime,
    ) -> Result<(), AppError> {
        let unsettled: Vec<i64> = claimed
            .iter()
            .copied()
            .filter(|id| !settled.iter().any(|s| s.id == *id))
            .collect();
        let released = self
            .store
            .release_outbox(tenant, &unsettled, lease_until)
            .await?;
        tracing::info!(
            tenant,
            released,
            "stopping: outbox claims given back for another host"
        );
        Ok(())
    }

    /// Deliver one entry; what to record about it.
    async fn attempt(&self, tenant: &str, entry: OutboxEntry) -> (OutboxSettlement, Settled) {
        let outcome = match entry.kind.as_str() {
            NATIONAL_PROGRESS => self.deliver_progress(tenant, &entry).await,
            INITIATIVE_RETRY => self.retry_initiative(tenant, &entry).await,
            NOTIFICATION_EMAIL => self.send_notice(tenant, &entry).await,
            other => Err(Undelivered::permanent(format!(
                "no delivery is defined for outbox entries of kind `{other}`"
            ))),
        };
        let now = self.clock.now();
        let id = entry.id;
        match outcome {
            Ok(()) => {
                tracing::info!("delivered");
                let outcome = Attempt::Delivered { at: now };
                (OutboxSettlement { id, outcome }, Settled::Delivered)
            }
            Err(undelivered) => {
                let attempts = entry.attempts + 1;
                let retry_at = undelivered
                    .retryable
                    .then(|| self.policy.retry_after(attempts, jitter(entry.id)))
                    .flatten()
                    .map(|wait| now + wait);
                let settled = match retry_at {
                    Some(at) => {
                        tracing::warn!(error = %undelivered.message, %at, "delivery failed; will retry");
                        Settled::Retry
                    }
                    None => {
                        tracing::error!(error = %undelivered.message, attempts, "delivery failed; dead-lettered");
                        Settled::Dead
                    }
                };
                let outcome = Attempt::Failed {
                    error: undelivered.message,
                    retry_at,
                };
                (OutboxSettlement { id, outcome }, settled)
            }
        }
    }

    /// The dossier an entry is about, as it is now.
    async fn dossier_of(
        &self,
        tenant: &str,
        entry: &OutboxEntry,
    ) -> Result<(DossierCode, StoredDossier), Undelivered> {
        let code: DossierCode = entry
            .dossier_code
            .parse()
            .map_err(|e| Undelivered::permanent(format!("stored dossier code: {e}")))?;
        match self.store.dossier(tenant, &code).await? {
            Some(dossier) => Ok((code, dossier)),
            None => Err(Undelivered::permanent(format!("dossier {code} is gone"))),
        }
    }

    /// The dossier's current record (upsert), then the event's progress
    /// record with the time it happened.
    async fn deliver_progress(&self, tenant: &str, entry: &OutboxEntry) -> Result<(), Undelivered> {
        let (code, dossier) = self.dossier_of(tenant, entry).await?;
        let events = self.store.events(tenant, &code).await?;
        let Some(event) = events.iter().find(|e| Some(e.seq) == entry.event_seq) else {
            return Err(Undelivered::permanent(format!(
                "dossier {code} has no event #{:?}",
                entry.event_seq
            )));
        };
        let procedure = self
            .store
            .procedure(tenant, &dossier.procedure_code)
            .await?;
        let fee_lines = self.store.fee_lines(tenant, &code).await?;
        let documents = self.store.documents(tenant, &code).await?;
        let record = dossier_record(
            &dossier,
            procedure.as_ref(),
            &events,
            &fee_lines,
            &documents,
        );
        let failed = |e: crate::app::hooks::SyncFailure| Undelivered {
            message: e.failure.to_string(),
            retryable: e.retryable,
        };
        self.sync
            .push_dossier(tenant, &record)
            .await
            .map_err(failed)?;
        self.sync
            .push_progress(tenant, &progress_record(&dossier, event))
            .await
            .map_err(failed)?;
        Ok(())
    }

    /// Write the notice to the address the dossier holds now and hand it
    /// to the mail relay.
    async fn send_notice(&self, tenant: &str, entry: &OutboxEntry) -> Result<(), Undelivered> {
        let Some(mailer) = &self.mailer else {
            return Err(Undelivered {
                message: "no mail relay is configured".into(),
                retryable: true,
            });
        };
        let notice: Notice = serde_json::from_value(entry.payload.clone())
            .map_err(|e| Undelivered::permanent(format!("stored notice: {e}")))?;
        let (code, dossier) = self.dossier_of(tenant, entry).await?;
        let Some(to) = email_address(&dossier.applicant) else {
            return Err(Undelivered::permanent(format!(
                "dossier {code} no longer holds an e-mail address"
            )));
        };
        let events = self.store.events(tenant, &code).await?;
        let procedure = self
            .store
            .procedure(tenant, &dossier.procedure_code)
            .await?
            .map_or_else(|| dossier.procedure_code.clone(), |p| p.name.vi);
        let tenant_name = self
            .store
            .tenant(tenant)
            .await?
            .map_or_else(|| tenant.to_owned(), |t| t.name);
        let letter = Letter {
            tenant_name: &tenant_name,
            dossier_code: &entry.dossier_code,
            procedure_name: &procedure,
            applicant_name: &dossier.applicant.full_name,
            events: &events,
        };
        // Stable across attempts and hosts, so a repeat is recognisable.
        let message_id = format!(
            "<{}@motcua>",
            entry.idempotency_key(tenant).replace(':', ".")
        );
        let mail = compose(&notice, &letter, to, message_id)
            .map_err(|e| Undelivered::permanent(format!("the letter's template: {e}")))?;
        mailer.send(&mail).await.map_err(|failure| Undelivered {
            message: failure.message,
            retryable: failure.retryable,
        })
    }

    /// Run the initiative that failed on an event again and apply what it
    /// asks for now.
    async fn retry_initiative(&self, tenant: &str, entry: &OutboxEntry) -> Result<(), Undelivered> {
        let plugin = entry.payload["plugin"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let event: DossierEvent = serde_json::from_value(entry.payload["event"].clone())
            .map_err(|e| Undelivered::permanent(format!("stored event: {e}")))?;
        self.service
            .retry_initiative(tenant, &entry.dossier_code, &plugin, &event)
            .await
            .map_err(|failure| Undelivered {
                message: failure.to_string(),
                retryable: true,
            })
    }
}

/// Logs what a pass came to; whether it found work.
fn log_pass(outcome: Result<Result<TickReport, AppError>, tokio::task::JoinError>) -> bool {
    match outcome {
        Ok(Ok(report)) => report.attempted() > 0,
        Ok(Err(error)) => {
            tracing::error!(%error, "outbox pass failed");
            false
        }
        Err(join) => {
            tracing::error!(%join, "outbox pass panicked");
            false
        }
    }
}

enum Settled {
    Delivered,
    Retry,
    Dead,
}

/// Spread retries of entries that failed together (0.0..1.0, fixed per
/// entry so a test can reason about it).
fn jitter(id: i64) -> f64 {
    (id as f64 * 0.618_033_988_75).fract()
}
