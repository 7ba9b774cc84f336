//! Intake of online dossiers from the National Public Service Portal
//! (docs/intake.md): pull what waits for a tenant, make each a dossier in
//! status 1 under its national code, queue what cannot be (with the reason)
//! for an officer of the agency, and acknowledge each to the portal only
//! once it is stored. A repeated delivery (an acknowledgement lost, a crash
//! between storing and acknowledging, two hosts pulling at once) finds the
//! dossier or the queue entry of its code and changes nothing.

#[cfg(test)]
mod tests;

use std::sync::Arc;

use motcua_domain::access::{Denied, DossierFacts, Operation, Scope};
use motcua_domain::code::AgencyCode;
use motcua_domain::deadline::{IntakeTimeliness, online_intake};
use motcua_domain::intake::OnlineSubmission;
use motcua_domain::lifecycle::CommandKind;
use motcua_domain::tenancy::{TenantStatus, User};
use serde::Serialize;

use crate::app::access::ensure_admin;
use crate::app::clock::Clock;
use crate::app::error::AppError;
use crate::app::hooks::PortalIntake;
use crate::app::ports::{IntakeQueueStore, QueueState, QueuedSubmission, StoreError, TenantStore};
use crate::app::service::{DossierDetails, DossierService, TakeIn, TakenIn, Untakeable, actor};

/// Submissions asked for per page.
pub const PAGE: u32 = 100;
/// Pages one pull goes through at most; the rest waits for the next pull.
pub const MAX_PAGES: usize = 50;

/// A submission queued for an officer, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct QueuedReason {
    pub national_code: String,
    pub reason: String,
}

/// What one pull did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PullReport {
    /// Dossiers created (status 1), by code.
    pub taken_in: Vec<String>,
    /// Submissions put in the intake queue for an officer.
    pub queued: Vec<QueuedReason>,
    /// Deliveries of submissions already stored (as a dossier or in the
    /// queue): acknowledged again, nothing else.
    pub repeats: u32,
    /// Acknowledgements the portal took.
    pub acknowledged: u32,
    /// Stored submissions whose acknowledgement failed: the portal hands
    /// them out again, and the next pull acknowledges them.
    pub unacknowledged: Vec<String>,
    /// Submissions left for the next pull, not stored and not acknowledged,
    /// with why (a plugin or the database failing in a way that may pass).
    pub deferred: Vec<QueuedReason>,
    /// Why the pull ended before the portal's queue was drained (the portal
    /// unreachable or refusing); what was stored stays stored.
    pub stopped: Option<String>,
}

/// A queued submission with its intake deadline: one working day from the
/// submission (docs/deadlines.md), on time while it waits before the
/// deadline or if it was decided by then.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct QueueEntry {
    #[serde(flatten)]
    pub queued: QueuedSubmission,
    pub intake: IntakeTimeliness,
}

/// Intake from the portal and the intake queue's decisions.
#[derive(Clone)]
pub struct IntakeService {
    dossiers: DossierService,
    queue: Arc<dyn IntakeQueueStore>,
    portal: Arc<dyn PortalIntake>,
    clock: Arc<dyn Clock>,
}

impl IntakeService {
    pub fn new(
        dossiers: DossierService,
        queue: Arc<dyn IntakeQueueStore>,
        portal: Arc<dyn PortalIntake>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            dossiers,
            queue,
            portal,
            clock,
        }
    }

    /// Pull every active tenant every `interval` until `shutdown`: how
    /// `motcua serve` keeps the one-working-day intake rule without anyone
    /// pressing a button. A tenant whose pull fails is retried at the next
    /// round; the others are not held up.
    pub async fn run(
        self,
        tenants: Arc<dyn TenantStore>,
        interval: std::time::Duration,
        shutdown: impl std::future::Future<Output = ()>,
    ) {
        tokio::pin!(shutdown);
        loop {
            match tenants.tenants().await {
                Ok(tenants) => {
                    for tenant in tenants.iter().filter(|t| t.status == TenantStatus::Active) {
                        match self.pull(&tenant.id).await {
                            Ok(report) => {
                                if let Some(why) = &report.stopped {
                                    tracing::debug!(tenant = %tenant.id, %why, "portal intake stopped early");
                                }
                            }
                            Err(error) => {
                                tracing::warn!(tenant = %tenant.id, %error, "portal intake failed")
                            }
                        }
                    }
                }
                Err(error) => tracing::error!(%error, "portal intake could not list the tenants"),
            }
            tokio::select! {
                _ = &mut shutdown => return,
                _ = tokio::time::sleep(interval) => {}
            }
        }
    }

    /// Take in what waits for `tenant` at the portal, page by page.
    pub async fn pull(&self, tenant: &str) -> Result<PullReport, AppError> {
        let mut report = PullReport::default();
        let mut after: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let batch = match self
                .portal
                .fetch_submissions(tenant, after.as_deref(), PAGE)
                .await
            {
                Ok(batch) => batch,
                Err(failure) => {
                    report.stopped = Some(failure.to_string());
                    break;
                }
            };
            for submission in &batch.submissions {
                let code = &submission.national_code;
                if let Err(error) = self.take_in(tenant, submission, &mut report).await {
                    // Not stored, not acknowledged: the portal hands it out
                    // again at the next pull; the others go on.
                    tracing::warn!(%tenant, national_code = %code, %error, "online dossier deferred");
                    report.deferred.push(QueuedReason {
                        national_code: code.clone(),
                        reason: error.to_string(),
                    });
                    continue;
                }
                match self.portal.acknowledge_submission(tenant, code).await {
                    Ok(()) => report.acknowledged += 1,
                    Err(failure) => {
                        tracing::warn!(%tenant, national_code = %code, %failure, "acknowledgement failed");
                        report.unacknowledged.push(code.clone());
                    }
                }
            }
            after = batch.next;
            if after.is_none() {
                break;
            }
        }
        if !report.taken_in.is_empty() || !report.queued.is_empty() {
            tracing::info!(
                %tenant,
                taken_in = report.taken_in.len(),
                queued = report.queued.len(),
                repeats = report.repeats,
                "online dossiers taken in from the portal"
            );
        }
        Ok(report)
    }

    /// Store one submission as a dossier or in the queue (or find it
    /// already stored). An error means nothing was stored.
    async fn take_in(
        &self,
        tenant: &str,
        submission: &OnlineSubmission,
        report: &mut PullReport,
    ) -> Result<(), AppError> {
        let code = &submission.national_code;
        if self.queue.queued_submission(tenant, code).await?.is_some() {
            report.repeats += 1;
            return Ok(());
        }
        match self
            .dossiers
            .take_in_submission(tenant, submission, TakeIn::FromPortal)
            .await
        {
            Ok(TakenIn::Created(stored)) => report.taken_in.push(stored.code.to_string()),
            Ok(TakenIn::Repeat) => report.repeats += 1,
            Err(Ok(Untakeable(reason))) => {
                let now = self.clock.now();
                if self
                    .queue
                    .queue_submission(tenant, submission, &reason, now)
                    .await?
                {
                    tracing::info!(%tenant, national_code = %code, %reason, "online dossier queued for an officer");
                    report.queued.push(QueuedReason {
                        national_code: code.clone(),
                        reason,
                    });
                } else {
                    report.repeats += 1;
                }
            }
            Err(Err(error)) => return Err(error),
        }
        Ok(())
    }

    /// [`IntakeService::pull`] on behalf of a tenant administrator (the
    /// host also pulls every tenant on its own, `motcua serve`).
    pub async fn pull_as(&self, user: &User, tenant: &str) -> Result<PullReport, AppError> {
        ensure_admin(
            user,
            tenant,
            "pull online dossiers from the national portal",
        )?;
        self.pull(tenant).await
    }

    /// The intake queue as `user` may see it (an officer, their agencies'
    /// submissions; a leader or tenant administrator, all), waiting ones
    /// first, each with its intake deadline.
    pub async fn queue(&self, user: &User, tenant: &str) -> Result<Vec<QueueEntry>, AppError> {
        let queued = self.queued(user, tenant).await?;
        let calendar = self.dossiers.calendar(tenant).await?;
        let now = self.clock.now();
        queued
            .into_iter()
            .map(|queued| {
                let decided = match &queued.state {
                    QueueState::Waiting => now,
                    QueueState::Received { at, .. } | QueueState::Refused { at, .. } => *at,
                };
                let intake = online_intake(&calendar, queued.submission.submitted_at, decided)?;
                Ok(QueueEntry { queued, intake })
            })
            .collect()
    }

    /// The intake queue as `user` may see it: an officer, their agencies'
    /// submissions; a leader or tenant administrator, all.
    pub async fn queued(
        &self,
        user: &User,
        tenant: &str,
    ) -> Result<Vec<QueuedSubmission>, AppError> {
        let principal = self.dossiers.access().principal(user, tenant).await?;
        let agencies: Option<Vec<String>> = match principal.scope() {
            Scope::All => None,
            Scope::Agencies(agencies) => Some(agencies.iter().map(|a| a.to_string()).collect()),
            Scope::Applicant { .. } => {
                return Err(AppError::Forbidden(
                    "the intake queue is for the agencies' officers".into(),
                ));
            }
        };
        Ok(self
            .queue
            .queued_submissions(tenant, agencies.as_deref())
            .await?)
    }

    /// A waiting submission `user` may decide on with `command`.
    async fn waiting(
        &self,
        user: &User,
        tenant: &str,
        national_code: &str,
        command: CommandKind,
    ) -> Result<QueuedSubmission, AppError> {
        let principal = self.dossiers.access().principal(user, tenant).await?;
        let not_found = || AppError::NotFound(format!("waiting submission {national_code}"));
        let queued = self
            .queue
            .queued_submission(tenant, national_code)
            .await?
            .filter(|q| q.state == QueueState::Waiting)
            .ok_or_else(not_found)?;
        // A submission naming no agency the tenant could have is visible to
        // whoever sees every agency.
        let agency = AgencyCode::new(queued.submission.agency_code.clone()).map_err(|_| {
            AppError::invalid(
                "agency_code",
                format!(
                    "`{}` is not an agency code: the submission can only be refused by the portal",
                    queued.submission.agency_code
                ),
            )
        })?;
        let facts = DossierFacts {
            agency: &agency,
            applicant_id: &queued.submission.applicant.id,
            submitted_by: None,
        };
        match principal.may(&facts, Operation::Command(command)) {
            Ok(()) => Ok(queued),
            Err(Denied::NotVisible) => Err(not_found()),
            Err(denied @ Denied::Forbidden { .. }) => Err(AppError::Forbidden(denied.to_string())),
        }
    }

    /// An officer takes a queued submission in as it is: its dossier is
    /// created in status 1 (then received as any online dossier).
    pub async fn receive(
        &self,
        user: &User,
        tenant: &str,
        national_code: &str,
    ) -> Result<DossierDetails, AppError> {
        let queued = self
            .waiting(user, tenant, national_code, CommandKind::Receive)
            .await?;
        let note = format!(
            "taken from the intake queue by {} (queued because {})",
            user.id, queued.reason
        );
        self.decide(user, tenant, &queued, TakeIn::Vouched { note }, |by, at| {
            QueueState::Received { by, at }
        })
        .await
    }

    /// An officer refuses a queued submission (status 3, with the reason).
    pub async fn refuse(
        &self,
        user: &User,
        tenant: &str,
        national_code: &str,
        reason: &str,
    ) -> Result<DossierDetails, AppError> {
        if reason.trim().is_empty() {
            return Err(AppError::invalid("reason", "must not be empty"));
        }
        let queued = self
            .waiting(user, tenant, national_code, CommandKind::RefuseAtIntake)
            .await?;
        let how = TakeIn::Refused {
            by: actor(user),
            reason: reason.to_owned(),
        };
        self.decide(user, tenant, &queued, how, |by, at| QueueState::Refused {
            by,
            at,
        })
        .await
    }

    async fn decide(
        &self,
        user: &User,
        tenant: &str,
        queued: &QueuedSubmission,
        how: TakeIn,
        settled: impl FnOnce(String, motcua_domain::time::LocalDateTime) -> QueueState,
    ) -> Result<DossierDetails, AppError> {
        let code = &queued.submission.national_code;
        match self
            .dossiers
            .take_in_submission(tenant, &queued.submission, how)
            .await
        {
            // A repeat: the dossier was created by an earlier attempt that
            // did not get to settle the queue entry.
            Ok(TakenIn::Created(_) | TakenIn::Repeat) => {}
            Err(Ok(Untakeable(reason))) => {
                return Err(AppError::invalid(
                    "national_code",
                    format!(
                        "the submission cannot become a dossier: {reason}; fix the catalog or the agencies, or ask the portal to correct it"
                    ),
                ));
            }
            Err(Err(error)) => return Err(error),
        }
        let state = settled(user.id.clone(), self.clock.now());
        match self.queue.settle_submission(tenant, code, &state).await {
            Ok(()) | Err(StoreError::NotFound(_)) => {}
            Err(other) => return Err(other.into()),
        }
        self.dossiers.dossier(user, tenant, code).await
    }
}
