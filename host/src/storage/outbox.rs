//! The transactional outbox: messages for external systems (the national
//! portal) written in the same transaction as the change they report, then
//! delivered by a worker with retries. Nothing is reported that was not
//! committed, and nothing committed is forgotten.

use async_trait::async_trait;
use sqlx::any::AnyRow;

use super::Db;
use super::dossiers::Tx;
use super::rows::{
    Result, get, get_json, get_name, get_time, get_u64, int, name, now, time_text, to_json,
};
use crate::app::ports::{NewOutboxEntry, OutboxEntry, OutboxState, OutboxStore, StoreError};
use crate::domain::time::PrimitiveDateTime;

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
        let seq = entry
            .event_index
            .map(|index| {
                seqs.get(index).copied().ok_or_else(|| {
                    StoreError::Invalid(format!(
                        "outbox entry {} names event #{index} but the change has {} events",
                        entry.kind,
                        seqs.len()
                    ))
                })
            })
            .transpose()?;
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

fn entry_from_row(row: &AnyRow) -> Result<OutboxEntry> {
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
    })
}

#[async_trait]
impl OutboxStore for Db {
    async fn due_outbox(
        &self,
        tenant: &str,
        now: PrimitiveDateTime,
        limit: u32,
    ) -> Result<Vec<OutboxEntry>> {
        sqlx::query(
            "SELECT o.id, d.code, o.event_seq, o.kind, o.payload, o.occurred_at, o.state, \
             o.attempts, o.next_attempt_at, o.last_error \
             FROM outbox o JOIN dossiers d ON d.tenant_id = o.tenant_id AND d.id = o.dossier_id \
             WHERE o.tenant_id = $1 AND o.state = $2 AND o.next_attempt_at <= $3 \
             ORDER BY o.id LIMIT $4",
        )
        .bind(tenant)
        .bind(name(&OutboxState::Pending)?)
        .bind(time_text(now))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(entry_from_row)
        .collect()
    }

    async fn mark_delivered(&self, tenant: &str, id: i64) -> Result<()> {
        let done = sqlx::query(
            "UPDATE outbox SET state = $1, attempts = attempts + 1, last_error = NULL \
             WHERE tenant_id = $2 AND id = $3",
        )
        .bind(name(&OutboxState::Delivered)?)
        .bind(tenant)
        .bind(id)
        .execute(&self.writer)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("outbox entry {id}")));
        }
        Ok(())
    }

    async fn mark_failed(
        &self,
        tenant: &str,
        id: i64,
        error: &str,
        retry_at: Option<PrimitiveDateTime>,
    ) -> Result<()> {
        let (state, next) = match retry_at {
            Some(at) => (OutboxState::Pending, Some(time_text(at))),
            None => (OutboxState::Dead, None),
        };
        let done = sqlx::query(
            "UPDATE outbox SET state = $1, attempts = attempts + 1, last_error = $2, \
             next_attempt_at = COALESCE($3, next_attempt_at) WHERE tenant_id = $4 AND id = $5",
        )
        .bind(name(&state)?)
        .bind(error)
        .bind(next)
        .bind(tenant)
        .bind(id)
        .execute(&self.writer)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("outbox entry {id}")));
        }
        Ok(())
    }
}
