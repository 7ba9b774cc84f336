//! The outbox to the national systems: entries, their delivery, the backlog.

use async_trait::async_trait;
use motcua_domain::time::LocalDateTime;
use serde::{Deserialize, Serialize};

use super::{StoreError, StoreResult};

/// A message for an external system (national portal sync), written in the
/// same transaction as the change it reports (transactional outbox).
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct NewOutboxEntry {
    /// e.g. `national.dossier`, `national.progress`.
    pub kind: String,
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    /// When the reported fact happened (not when it is sent).
    pub occurred_at: LocalDateTime,
    /// Index into [`DossierChange::events`] of the event it reports; the
    /// store records that event's seq.
    pub event_index: Option<usize>,
}

impl NewOutboxEntry {
    /// The seq of the event it reports, given the seqs the commit gave the
    /// change's events; [`StoreError::Invalid`] if it names none of them.
    pub fn event_seq(&self, seqs: &[u64]) -> StoreResult<Option<u64>> {
        self.event_index
            .map(|index| {
                seqs.get(index).copied().ok_or_else(|| {
                    StoreError::Invalid(format!(
                        "outbox entry {} names event #{index} but the change has {} events",
                        self.kind,
                        seqs.len()
                    ))
                })
            })
            .transpose()
    }
}

/// Delivery state of an outbox entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OutboxState {
    Pending,
    Delivered,
    /// Gave up after too many attempts.
    Dead,
}

/// What one delivery attempt of an outbox entry came to.
#[derive(Clone, Debug, PartialEq)]
pub enum Attempt {
    Delivered {
        at: LocalDateTime,
    },
    /// Retried at `retry_at`, or dead if `None`.
    Failed {
        error: String,
        retry_at: Option<LocalDateTime>,
    },
}

/// The outcome of a claimed entry, as the dispatcher records it.
#[derive(Clone, Debug, PartialEq)]
pub struct OutboxSettlement {
    pub id: i64,
    pub outcome: Attempt,
}

/// How far one tenant's delivery lags.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct OutboxBacklog {
    pub tenant: String,
    /// Entries waiting for delivery (including those between retries).
    pub pending: u64,
    /// Entries that gave up (see `POST /outbox/resend`).
    pub dead: u64,
    /// When the oldest pending entry was written, if any is pending.
    pub oldest_pending_at: Option<LocalDateTime>,
}

impl OutboxBacklog {
    /// Nothing pending, nothing dead.
    pub fn empty(tenant: &str) -> Self {
        Self {
            tenant: tenant.to_owned(),
            pending: 0,
            dead: 0,
            oldest_pending_at: None,
        }
    }
}

/// An outbox entry as stored.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct OutboxEntry {
    pub id: i64,
    pub dossier_code: String,
    pub event_seq: Option<u64>,
    pub kind: String,
    /// What the message says, by `kind` (always a JSON object).
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    pub occurred_at: LocalDateTime,
    pub state: OutboxState,
    pub attempts: u32,
    pub next_attempt_at: LocalDateTime,
    pub last_error: Option<String>,
    pub delivered_at: Option<LocalDateTime>,
}

impl OutboxEntry {
    /// The key the remote side uses to ignore a repeat: stable across
    /// retries, restarts and hosts.
    pub fn idempotency_key(&self, tenant: &str) -> String {
        match self.event_seq {
            Some(seq) => format!("{tenant}:{}:{seq}:{}", self.dossier_code, self.kind),
            None => format!("{tenant}:{}:outbox-{}", self.dossier_code, self.id),
        }
    }
}

// --- outbox -----------------------------------------------------------------

/// Which outbox entries to list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OutboxFilter {
    pub state: Option<OutboxState>,
    pub dossier_code: Option<String>,
    /// e.g. `national.progress`, `initiative.retry`.
    pub kind: Option<String>,
}

/// Which entries to deliver again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ResendScope {
    /// These ids (dead or pending).
    Ids(Vec<i64>),
    /// Every dead entry, optionally of one dossier.
    AllDead { dossier_code: Option<String> },
}

/// The delivery side of the transactional outbox: the dispatcher claims the
/// head of each dossier's queue, delivers it and records the outcome.
#[async_trait]
pub trait OutboxStore: Send + Sync {
    /// Claims up to `limit` pending entries due at `now` until
    /// `lease_until`, oldest first, at most one per dossier: the oldest
    /// pending entry of its dossier, so a dossier's entries are delivered in
    /// the order they were written. An entry claimed by another dispatcher
    /// whose lease has not run out is skipped, and so is its dossier. Only
    /// entries of `kinds` are considered.
    async fn claim_due_outbox(
        &self,
        tenant: &str,
        kinds: &[String],
        now: LocalDateTime,
        lease_until: LocalDateTime,
        limit: u32,
    ) -> StoreResult<Vec<OutboxEntry>>;
    /// Records the outcome of each attempt of a pass at once (one
    /// transaction, one fsync), releasing the claims.
    async fn settle_outbox(&self, tenant: &str, settled: &[OutboxSettlement]) -> StoreResult<()>;
    /// Gives back claims a dispatcher made until `lease_until` and will not
    /// settle (its host is stopping), counting no attempt: another
    /// dispatcher may take them at once instead of after the lease. An
    /// entry whose lease ran out meanwhile and was claimed again keeps the
    /// new claim. Returns how many were released.
    async fn release_outbox(
        &self,
        tenant: &str,
        ids: &[i64],
        lease_until: LocalDateTime,
    ) -> StoreResult<u64>;
    async fn mark_delivered(&self, tenant: &str, id: i64, at: LocalDateTime) -> StoreResult<()> {
        let outcome = Attempt::Delivered { at };
        self.settle_outbox(tenant, &[OutboxSettlement { id, outcome }])
            .await
    }
    /// Records a failed attempt: retried at `retry_at`, or dead if `None`.
    async fn mark_failed(
        &self,
        tenant: &str,
        id: i64,
        error: &str,
        retry_at: Option<LocalDateTime>,
    ) -> StoreResult<()> {
        let error = error.to_owned();
        let outcome = Attempt::Failed { error, retry_at };
        self.settle_outbox(tenant, &[OutboxSettlement { id, outcome }])
            .await
    }
    /// Pending and dead entries per tenant (one tenant, or all), with the
    /// creation time of the oldest pending one: how far delivery lags.
    async fn outbox_backlog(&self, tenant: Option<&str>) -> StoreResult<Vec<OutboxBacklog>>;
    /// Entries matching `filter`, by id; `after` is the last id of the
    /// previous page.
    async fn outbox_entries(
        &self,
        tenant: &str,
        filter: &OutboxFilter,
        after: Option<i64>,
        limit: u32,
    ) -> StoreResult<Vec<OutboxEntry>>;
    /// Makes entries pending again, due at `now`, with their attempts reset;
    /// delivered entries are left alone. Returns how many were requeued.
    async fn resend_outbox(
        &self,
        tenant: &str,
        scope: &ResendScope,
        now: LocalDateTime,
    ) -> StoreResult<u64>;
}
