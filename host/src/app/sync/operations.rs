//! What operators do with national synchronisation: look at the outbox,
//! resend what was dead-lettered, reconcile with the portal.

use std::sync::Arc;

use motcua_domain::lifecycle::Role;
use motcua_domain::tenancy::User;

use super::reconcile::{ReconcileReport, ReconcileWindow, reconcile};
use crate::app::access::ensure_admin;
use crate::app::clock::Clock;
use crate::app::error::AppError;
use crate::app::hooks::NationalSync;
use crate::app::ports::{OutboxBacklog, OutboxEntry, OutboxFilter, ResendScope, Store};
use crate::app::service::DossierDetails;

/// How far one tenant's delivery to the national systems lags.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct OutboxSummary {
    pub tenant: String,
    /// Entries waiting for delivery (including those between retries).
    pub pending: u64,
    /// Entries that gave up (see `POST /outbox/resend`).
    pub dead: u64,
    /// When the oldest pending entry was written, if any is pending.
    pub oldest_pending_at: Option<motcua_domain::time::LocalDateTime>,
    /// How long it has waited, in seconds (0 when nothing is pending).
    pub oldest_pending_age_seconds: u64,
}

impl OutboxSummary {
    fn of(backlog: OutboxBacklog, now: motcua_domain::time::LocalDateTime) -> Self {
        let age = backlog
            .oldest_pending_at
            .map_or(0, |at| (now - at).whole_seconds().max(0).unsigned_abs());
        Self {
            tenant: backlog.tenant,
            pending: backlog.pending,
            dead: backlog.dead,
            oldest_pending_at: backlog.oldest_pending_at,
            oldest_pending_age_seconds: age,
        }
    }
}

/// Largest page of outbox entries.
pub const MAX_OUTBOX_PAGE: u32 = 500;

#[derive(Clone)]
pub struct SyncOperations {
    store: Arc<dyn Store>,
    sync: Arc<dyn NationalSync>,
    clock: Arc<dyn Clock>,
}

impl SyncOperations {
    pub fn new(store: Arc<dyn Store>, sync: Arc<dyn NationalSync>, clock: Arc<dyn Clock>) -> Self {
        Self { store, sync, clock }
    }

    /// Platform operators, and the tenant's own administrators. Anyone of
    /// another tenant learns nothing (404).
    async fn ensure_operator(&self, user: &User, tenant: &str) -> Result<(), AppError> {
        if user.role != Role::PlatformOperator {
            return ensure_admin(
                user,
                tenant,
                "manage synchronisation (a platform operator may too)",
            );
        }
        if self.store.tenant(tenant).await?.is_none() {
            return Err(AppError::NotFound(format!("tenant {tenant}")));
        }
        Ok(())
    }

    /// Entries matching `filter`, oldest first; `next` continues after the
    /// last one.
    pub async fn outbox(
        &self,
        user: &User,
        tenant: &str,
        filter: &OutboxFilter,
        after: Option<i64>,
        limit: u32,
    ) -> Result<(Vec<OutboxEntry>, Option<i64>), AppError> {
        self.ensure_operator(user, tenant).await?;
        let limit = match limit {
            0 => 50,
            n => n.min(MAX_OUTBOX_PAGE),
        };
        let mut entries = self
            .store
            .outbox_entries(tenant, filter, after, limit + 1)
            .await?;
        let next = if entries.len() > limit as usize {
            entries.truncate(limit as usize);
            entries.last().map(|e| e.id)
        } else {
            None
        };
        Ok((entries, next))
    }

    /// The tenant's backlog: pending and dead counts, the oldest pending
    /// entry and its age.
    pub async fn summary(&self, user: &User, tenant: &str) -> Result<OutboxSummary, AppError> {
        self.ensure_operator(user, tenant).await?;
        let now = self.clock.now();
        let backlog = self.store.outbox_backlog(Some(tenant)).await?.pop();
        Ok(OutboxSummary::of(
            backlog.unwrap_or_else(|| OutboxBacklog::empty(tenant)),
            now,
        ))
    }

    /// Every tenant's backlog, for the host's operator (`GET /metrics`).
    pub async fn summaries(&self) -> Result<Vec<OutboxSummary>, AppError> {
        let now = self.clock.now();
        let mut backlogs = self.store.outbox_backlog(None).await?;
        let mut summaries = Vec::new();
        for tenant in self.store.tenants().await? {
            let backlog = match backlogs.iter().position(|b| b.tenant == tenant.id) {
                Some(at) => backlogs.swap_remove(at),
                None => OutboxBacklog::empty(&tenant.id),
            };
            summaries.push(OutboxSummary::of(backlog, now));
        }
        Ok(summaries)
    }

    /// The synchronisation state of one dossier (its outbox entries, oldest
    /// first), for the staff who may see it: `dossier` comes from
    /// [`DossierService::dossier`](crate::app::service::DossierService::dossier),
    /// which applied the access rule. Applicants get none of it (the
    /// entries carry the payload sent to the portal).
    pub async fn dossier_sync(
        &self,
        user: &User,
        tenant: &str,
        dossier: &DossierDetails,
    ) -> Result<Vec<OutboxEntry>, AppError> {
        if user.role == Role::Citizen {
            return Err(AppError::Forbidden(
                "an applicant does not see the portal synchronisation entries".into(),
            ));
        }
        let filter = OutboxFilter {
            dossier_code: Some(dossier.dossier.code.to_string()),
            ..OutboxFilter::default()
        };
        Ok(self
            .store
            .outbox_entries(tenant, &filter, None, MAX_OUTBOX_PAGE)
            .await?)
    }

    /// Requeue entries; returns how many.
    pub async fn resend(
        &self,
        user: &User,
        tenant: &str,
        scope: &ResendScope,
    ) -> Result<u64, AppError> {
        self.ensure_operator(user, tenant).await?;
        if let ResendScope::Ids(ids) = scope
            && ids.is_empty()
        {
            return Err(AppError::invalid(
                "ids",
                "name at least one entry to resend",
            ));
        }
        let requeued = self
            .store
            .resend_outbox(tenant, scope, self.clock.now())
            .await?;
        tracing::info!(tenant, user = %user.id, requeued, ?scope, "outbox entries requeued");
        Ok(requeued)
    }

    /// Compare the tenant's dossiers with the portal.
    pub async fn reconcile(
        &self,
        user: &User,
        tenant: &str,
        window: &ReconcileWindow,
    ) -> Result<ReconcileReport, AppError> {
        // The check has found the tenant (an administrator's token is of it).
        self.ensure_operator(user, tenant).await?;
        reconcile(self.store.as_ref(), self.sync.as_ref(), tenant, window).await
    }

    /// Reconcile without an API caller (the `motcua reconcile` command,
    /// run by whoever holds the host's database).
    pub async fn reconcile_unchecked(
        &self,
        tenant: &str,
        window: &ReconcileWindow,
    ) -> Result<ReconcileReport, AppError> {
        if self.store.tenant(tenant).await?.is_none() {
            return Err(AppError::NotFound(format!("tenant {tenant}")));
        }
        reconcile(self.store.as_ref(), self.sync.as_ref(), tenant, window).await
    }
}
