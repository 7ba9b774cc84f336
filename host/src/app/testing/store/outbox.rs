//! The transactional outbox in memory: entries written by commits, claimed
//! head-of-queue per dossier and kind, with leases and retries.

use std::collections::BTreeMap;

use async_trait::async_trait;
use motcua_domain::time::LocalDateTime;

use super::{InMemoryStore, Inner};
use crate::app::ports::{
    Attempt, NewOutboxEntry, OutboxBacklog, OutboxEntry, OutboxFilter, OutboxSettlement,
    OutboxState, OutboxStore, ResendScope, StoreError, StoreResult, StoredDossier,
};

/// An entry with what the port does not show: its tenant and lease.
#[derive(Clone)]
pub(super) struct OutboxRow {
    tenant: String,
    entry: OutboxEntry,
    lease_until: Option<LocalDateTime>,
    /// When the commit wrote it (what the backlog's age counts from).
    written_at: LocalDateTime,
}

impl Inner {
    /// Enqueues `entries` for `dossier`; `seqs` are the seqs just given to
    /// the change's events.
    pub(super) fn enqueue(
        &mut self,
        tenant: &str,
        dossier: &StoredDossier,
        entries: &[NewOutboxEntry],
        seqs: &[u64],
        now: LocalDateTime,
    ) -> StoreResult<()> {
        for entry in entries {
            let event_seq = entry.event_seq(seqs)?;
            let id = self.next_id();
            self.outbox.push(OutboxRow {
                tenant: tenant.to_owned(),
                entry: OutboxEntry {
                    id,
                    dossier_code: dossier.code.to_string(),
                    event_seq,
                    kind: entry.kind.clone(),
                    payload: entry.payload.clone(),
                    occurred_at: entry.occurred_at,
                    state: OutboxState::Pending,
                    attempts: 0,
                    next_attempt_at: now,
                    last_error: None,
                    delivered_at: None,
                },
                lease_until: None,
                written_at: now,
            });
        }
        Ok(())
    }

    /// Whether every national-portal entry of the dossier `code` was
    /// delivered, and there is at least one (the statistics' sync fact).
    pub(super) fn synchronised(&self, tenant: &str, code: &str) -> bool {
        let mut national = self.outbox.iter().filter(|row| {
            row.tenant == tenant
                && row.entry.dossier_code == code
                && row.entry.kind.starts_with("national.")
        });
        let mut any = false;
        let all = national.all(|row| {
            any = true;
            row.entry.state == OutboxState::Delivered
        });
        any && all
    }

    fn outbox_row(&mut self, tenant: &str, id: i64) -> StoreResult<&mut OutboxRow> {
        self.outbox
            .iter_mut()
            .find(|row| row.tenant == tenant && row.entry.id == id)
            .ok_or_else(|| StoreError::NotFound(format!("outbox entry {id}")))
    }
}

#[async_trait]
impl OutboxStore for InMemoryStore {
    async fn claim_due_outbox(
        &self,
        tenant: &str,
        kinds: &[String],
        now: LocalDateTime,
        lease_until: LocalDateTime,
        limit: u32,
    ) -> StoreResult<Vec<OutboxEntry>> {
        let mut inner = self.lock();
        let pending =
            |row: &OutboxRow| row.tenant == tenant && row.entry.state == OutboxState::Pending;
        // The head of each (dossier, kind) queue: no older pending entry of
        // the same dossier and kind.
        let heads: Vec<usize> = (0..inner.outbox.len())
            .filter(|&i| {
                let row = &inner.outbox[i];
                pending(row)
                    && kinds.contains(&row.entry.kind)
                    && !inner.outbox[..i].iter().any(|older| {
                        pending(older)
                            && older.entry.dossier_code == row.entry.dossier_code
                            && older.entry.kind == row.entry.kind
                    })
            })
            .collect();
        let mut claimed = Vec::new();
        for i in heads {
            let row = &mut inner.outbox[i];
            let due = row.entry.next_attempt_at <= now;
            let free = row.lease_until.is_none_or(|until| until <= now);
            if due && free && claimed.len() < limit as usize {
                row.lease_until = Some(lease_until);
                claimed.push(row.entry.clone());
            }
        }
        Ok(claimed)
    }

    async fn release_outbox(
        &self,
        tenant: &str,
        ids: &[i64],
        lease_until: LocalDateTime,
    ) -> StoreResult<u64> {
        let mut released = 0;
        for row in &mut self.lock().outbox {
            if row.tenant == tenant
                && ids.contains(&row.entry.id)
                && row.entry.state == OutboxState::Pending
                && row.lease_until == Some(lease_until)
            {
                row.lease_until = None;
                released += 1;
            }
        }
        Ok(released)
    }

    async fn settle_outbox(&self, tenant: &str, settled: &[OutboxSettlement]) -> StoreResult<()> {
        let mut inner = self.lock();
        // All or nothing, as the database's one transaction.
        let mut copy = inner.clone();
        for settlement in settled {
            let row = copy.outbox_row(tenant, settlement.id)?;
            row.entry.attempts += 1;
            row.lease_until = None;
            match &settlement.outcome {
                Attempt::Delivered { at } => {
                    row.entry.state = OutboxState::Delivered;
                    row.entry.last_error = None;
                    row.entry.delivered_at = Some(*at);
                }
                Attempt::Failed { error, retry_at } => {
                    row.entry.last_error = Some(error.clone());
                    match retry_at {
                        Some(at) => row.entry.next_attempt_at = *at,
                        None => row.entry.state = OutboxState::Dead,
                    }
                }
            }
        }
        *inner = copy;
        Ok(())
    }

    async fn outbox_backlog(&self, tenant: Option<&str>) -> StoreResult<Vec<OutboxBacklog>> {
        let inner = self.lock();
        let mut backlog: BTreeMap<&str, OutboxBacklog> = BTreeMap::new();
        for row in &inner.outbox {
            if tenant.is_some_and(|t| t != row.tenant) {
                continue;
            }
            let pending = row.entry.state == OutboxState::Pending;
            let dead = row.entry.state == OutboxState::Dead;
            if !pending && !dead {
                continue;
            }
            let counts = backlog
                .entry(row.tenant.as_str())
                .or_insert_with(|| OutboxBacklog {
                    tenant: row.tenant.clone(),
                    pending: 0,
                    dead: 0,
                    oldest_pending_at: None,
                });
            if pending {
                counts.pending += 1;
                let written = row.written_at;
                counts.oldest_pending_at = Some(
                    counts
                        .oldest_pending_at
                        .map_or(written, |oldest| oldest.min(written)),
                );
            } else {
                counts.dead += 1;
            }
        }
        Ok(backlog.into_values().collect())
    }

    async fn outbox_entries(
        &self,
        tenant: &str,
        filter: &OutboxFilter,
        after: Option<i64>,
        limit: u32,
    ) -> StoreResult<Vec<OutboxEntry>> {
        let inner = self.lock();
        Ok(inner
            .outbox
            .iter()
            .map(|row| (&row.tenant, &row.entry))
            .filter(|(t, e)| *t == tenant && e.id > after.unwrap_or(0))
            .filter(|(_, e)| filter.state.is_none_or(|s| e.state == s))
            .filter(|(_, e)| {
                filter
                    .dossier_code
                    .as_ref()
                    .is_none_or(|c| e.dossier_code == *c)
            })
            .filter(|(_, e)| filter.kind.as_ref().is_none_or(|k| e.kind == *k))
            .take(limit as usize)
            .map(|(_, e)| e.clone())
            .collect())
    }

    async fn resend_outbox(
        &self,
        tenant: &str,
        scope: &ResendScope,
        now: LocalDateTime,
    ) -> StoreResult<u64> {
        let mut inner = self.lock();
        if let ResendScope::AllDead {
            dossier_code: Some(code),
        } = scope
        {
            let code = code
                .parse()
                .map_err(|_| StoreError::NotFound(format!("dossier {code}")))?;
            inner.record(tenant, &code)?;
        }
        let chosen = |entry: &OutboxEntry| match scope {
            ResendScope::Ids(ids) => {
                ids.contains(&entry.id) && entry.state != OutboxState::Delivered
            }
            ResendScope::AllDead { dossier_code } => {
                entry.state == OutboxState::Dead
                    && dossier_code
                        .as_ref()
                        .is_none_or(|c| entry.dossier_code == *c)
            }
        };
        let mut requeued = 0;
        for row in inner.outbox.iter_mut() {
            if row.tenant == tenant && chosen(&row.entry) {
                row.entry.state = OutboxState::Pending;
                row.entry.attempts = 0;
                row.entry.next_attempt_at = now;
                row.lease_until = None;
                requeued += 1;
            }
        }
        Ok(requeued)
    }
}
