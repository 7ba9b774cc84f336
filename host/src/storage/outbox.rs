//! The transactional outbox: messages for external systems (the national
//! portal) written in the same transaction as the change they report, then
//! delivered by a worker with retries. Nothing is reported that was not
//! committed, and nothing committed is forgotten.

use async_trait::async_trait;
use sqlx::any::AnyRow;

use super::dossiers::{Tx, dossier_id};
use super::rows::{
    Result, get, get_json, get_name, get_opt_time, get_time, get_u64, int, name, now, time_text,
    to_json,
};
use super::{Db, delivery};
use crate::app::ports::{
    NewOutboxEntry, OutboxBacklog, OutboxEntry, OutboxFilter, OutboxSettlement, OutboxState,
    OutboxStore, ResendScope, StoreError,
};
use crate::domain::time::LocalDateTime;

/// Enqueues `entries`; `seqs` are the seqs just given to the change's events.
pub(super) async fn enqueue(
    tx: &mut Tx,
    tenant: &str,
    dossier_id: &str,
    entries: &[NewOutboxEntry],
    seqs: &[u64],
) -> Result<()> {
    let at = time_text(now());
    for entry in entries {
        let seq = entry.event_seq(seqs)?;
        sqlx::query(
            "INSERT INTO outbox (tenant_id, dossier_id, event_seq, kind, payload, occurred_at, \
             state, attempts, next_attempt_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $8)",
        )
        .bind(tenant)
        .bind(dossier_id)
        .bind(seq.map(int).transpose()?)
        .bind(&entry.kind)
        .bind(to_json(&entry.payload)?)
        .bind(time_text(entry.occurred_at))
        .bind(name(&OutboxState::Pending)?)
        .bind(&at)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

pub(super) const ENTRY_COLUMNS: &str = "o.id, d.code, o.event_seq, o.kind, o.payload, o.occurred_at, \
     o.state, o.attempts, o.next_attempt_at, o.last_error, o.delivered_at";

pub(super) fn entry_from_row(row: &AnyRow) -> Result<OutboxEntry> {
    Ok(OutboxEntry {
        id: get(row, "id")?,
        dossier_code: get(row, "code")?,
        event_seq: get::<Option<i64>>(row, "event_seq")?
            .map(|n| u64::try_from(n).map_err(|_| StoreError::Corrupt(format!("event_seq: {n}"))))
            .transpose()?,
        kind: get(row, "kind")?,
        payload: get_json(row, "payload")?,
        occurred_at: get_time(row, "occurred_at")?,
        state: get_name(row, "state")?,
        attempts: u32::try_from(get_u64(row, "attempts")?)
            .map_err(|_| StoreError::Corrupt("attempts: out of range".to_owned()))?,
        next_attempt_at: get_time(row, "next_attempt_at")?,
        last_error: get(row, "last_error")?,
        delivered_at: get_opt_time(row, "delivered_at")?,
    })
}

#[async_trait]
impl OutboxStore for Db {
    async fn claim_due_outbox(
        &self,
        tenant: &str,
        kinds: &[String],
        now: LocalDateTime,
        lease_until: LocalDateTime,
        limit: u32,
    ) -> Result<Vec<OutboxEntry>> {
        let (tenant, kinds) = (tenant.to_owned(), kinds.to_vec());
        delivery::claim(self, tenant, kinds, now, lease_until, limit).await
    }

    async fn settle_outbox(&self, tenant: &str, settled: &[OutboxSettlement]) -> Result<()> {
        delivery::settle(self, tenant.to_owned(), settled.to_vec()).await
    }

    async fn release_outbox(
        &self,
        tenant: &str,
        ids: &[i64],
        lease_until: LocalDateTime,
    ) -> Result<u64> {
        delivery::release(self, tenant.to_owned(), ids.to_vec(), lease_until).await
    }

    async fn outbox_backlog(&self, tenant: Option<&str>) -> Result<Vec<OutboxBacklog>> {
        delivery::backlog(self, tenant).await
    }

    async fn outbox_entries(
        &self,
        tenant: &str,
        filter: &OutboxFilter,
        after: Option<i64>,
        limit: u32,
    ) -> Result<Vec<OutboxEntry>> {
        let mut clauses = vec!["o.tenant_id = $1".to_owned()];
        let mut texts = vec![tenant.to_owned()];
        let mut placeholder = |clause: &str, value: String, texts: &mut Vec<String>| {
            texts.push(value);
            clauses.push(format!("{clause} ${}", texts.len()));
        };
        if let Some(state) = &filter.state {
            placeholder("o.state =", name(state)?, &mut texts);
        }
        if let Some(code) = &filter.dossier_code {
            placeholder("d.code =", code.clone(), &mut texts);
        }
        if let Some(kind) = &filter.kind {
            placeholder("o.kind =", kind.clone(), &mut texts);
        }
        let sql = format!(
            "SELECT {ENTRY_COLUMNS} \
             FROM outbox o JOIN dossiers d ON d.tenant_id = o.tenant_id AND d.id = o.dossier_id \
             WHERE {} AND o.id > ${} ORDER BY o.id LIMIT ${}",
            clauses.join(" AND "),
            texts.len() + 1,
            texts.len() + 2,
        );
        let mut query = sqlx::query(&sql);
        for text in texts {
            query = query.bind(text);
        }
        query
            .bind(after.unwrap_or(0))
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(entry_from_row)
            .collect()
    }

    async fn resend_outbox(
        &self,
        tenant: &str,
        scope: &ResendScope,
        now: LocalDateTime,
    ) -> Result<u64> {
        let (tenant, scope) = (tenant.to_owned(), scope.clone());
        self.write("outbox.resend", move |db| async move {
            let pending = name(&OutboxState::Pending)?;
            let dead = name(&OutboxState::Dead)?;
            let now = time_text(now);
            let requeue = "UPDATE outbox SET state = $1, attempts = 0, next_attempt_at = $2, \
                           lease_until = NULL WHERE tenant_id = $3";
            let mut tx = db.begin_write().await?;
            let mut requeued = 0;
            match &scope {
                ResendScope::Ids(ids) => {
                    for id in ids {
                        requeued += sqlx::query(&format!("{requeue} AND id = $4 AND state <> $5"))
                            .bind(&pending)
                            .bind(&now)
                            .bind(&tenant)
                            .bind(*id)
                            .bind(name(&OutboxState::Delivered)?)
                            .execute(&mut *tx)
                            .await?
                            .rows_affected();
                    }
                }
                ResendScope::AllDead { dossier_code: None } => {
                    requeued = sqlx::query(&format!("{requeue} AND state = $4"))
                        .bind(&pending)
                        .bind(&now)
                        .bind(&tenant)
                        .bind(&dead)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                }
                ResendScope::AllDead {
                    dossier_code: Some(code),
                } => {
                    // A code that cannot be one names no dossier, like an unknown one.
                    let code = code
                        .parse()
                        .map_err(|_| StoreError::NotFound(format!("dossier {code}")))?;
                    let dossier = dossier_id(&db, &tenant, &code).await?;
                    requeued =
                        sqlx::query(&format!("{requeue} AND state = $4 AND dossier_id = $5"))
                            .bind(&pending)
                            .bind(&now)
                            .bind(&tenant)
                            .bind(&dead)
                            .bind(dossier)
                            .execute(&mut *tx)
                            .await?
                            .rows_affected();
                }
            }
            tx.commit().await?;
            Ok(requeued)
        })
        .await
    }
}
