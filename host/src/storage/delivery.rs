//! The dispatcher's side of the outbox: claiming due entries and settling
//! what became of them, a batch per transaction, and the backlog figures.
//!
//! The claim walks pending entries in id order through a partial index
//! that holds only pending entries (`outbox_pending`, migration 0006), and
//! finds whether an older entry of the same dossier waits through another
//! (`outbox_pending_dossier`): its cost follows the batch, not the size of
//! the backlog or of the delivered history. The SQL names the pending state
//! literally (not as a parameter) so that both planners can use those
//! partial indexes. On PostgreSQL the claim locks what it takes with
//! `FOR UPDATE SKIP LOCKED`, so hosts sharing the database split the work
//! instead of queueing on each other.

use std::collections::{BTreeMap, BTreeSet};

use sqlx::Row;

use super::outbox::{ENTRY_COLUMNS, entry_from_row};
use super::rows::{Result, get_u64, parse_time, time_text};
use super::{Backend, Db, statistics};
use crate::app::ports::{Attempt, OutboxBacklog, OutboxEntry, OutboxSettlement, StoreError};
use crate::domain::time::LocalDateTime;

/// `OutboxState::Pending` as stored; spelled out in the SQL (see the
/// module doc). A unit test ties it to the state's stored name.
pub(super) const PENDING: &str = "pending";
const DELIVERED: &str = "delivered";
const DEAD: &str = "dead";

/// Ids bound per `IN (...)` list, well under either backend's limit of
/// bound parameters.
const IDS_PER_STATEMENT: usize = 500;

/// Claims up to `limit` heads of dossier queues (see
/// [`crate::app::ports::OutboxStore::claim_due_outbox`]) in one
/// transaction run to its end by [`Db::write`].
pub(super) async fn claim(
    db: &Db,
    tenant: String,
    kinds: Vec<String>,
    now: LocalDateTime,
    lease_until: LocalDateTime,
    limit: u32,
) -> Result<Vec<OutboxEntry>> {
    if kinds.is_empty() || limit == 0 {
        return Ok(Vec::new());
    }
    db.write("outbox.claim", move |db| async move {
        let now = time_text(now);
        let kind_list = placeholders(4, kinds.len());
        let lock = match db.backend {
            Backend::Postgres => "FOR UPDATE OF o SKIP LOCKED",
            Backend::Sqlite => "",
        };
        // The head of each (dossier, kind) queue: no older pending entry of
        // the same dossier and kind. A head waiting for its retry time, or
        // leased by another dispatcher, holds back the entries behind it.
        let sql = format!(
            "SELECT {ENTRY_COLUMNS} \
             FROM outbox o JOIN dossiers d ON d.tenant_id = o.tenant_id AND d.id = o.dossier_id \
             WHERE o.tenant_id = $1 AND o.state = '{PENDING}' AND o.next_attempt_at <= $2 \
             AND (o.lease_until IS NULL OR o.lease_until <= $2) AND o.kind IN ({kind_list}) \
             AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.tenant_id = o.tenant_id \
                 AND p.dossier_id = o.dossier_id AND p.kind = o.kind \
                 AND p.state = '{PENDING}' AND p.id < o.id) \
             ORDER BY o.id LIMIT $3 {lock}"
        );
        let mut tx = db.begin_write().await?;
        let mut select = sqlx::query(&sql)
            .bind(&tenant)
            .bind(&now)
            .bind(i64::from(limit));
        for kind in &kinds {
            select = select.bind(kind);
        }
        let claimed = select
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(entry_from_row)
            .collect::<Result<Vec<_>>>()?;
        let lease_until = time_text(lease_until);
        for ids in claimed.chunks(IDS_PER_STATEMENT) {
            let sql = format!(
                "UPDATE outbox SET lease_until = $1 WHERE tenant_id = $2 AND id IN ({})",
                placeholders(3, ids.len())
            );
            let mut update = sqlx::query(&sql).bind(&lease_until).bind(&tenant);
            for entry in ids {
                update = update.bind(entry.id);
            }
            update.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(claimed)
    })
    .await
}

/// Records every outcome in one transaction: deliveries grouped by their
/// time into `IN` lists, failures one by one (each has its own error).
pub(super) async fn settle(db: &Db, tenant: String, settled: Vec<OutboxSettlement>) -> Result<()> {
    if settled.is_empty() {
        return Ok(());
    }
    db.write("outbox.settle", move |db| async move {
        let mut delivered: BTreeMap<String, Vec<i64>> = BTreeMap::new();
        let mut tx = db.begin_write().await?;
        let mut missing = Vec::new();
        let mut synchronised = BTreeSet::new();
        for settlement in &settled {
            match &settlement.outcome {
                Attempt::Delivered { at } => {
                    delivered
                        .entry(time_text(*at))
                        .or_default()
                        .push(settlement.id);
                }
                Attempt::Failed { error, retry_at } => {
                    let (state, next) = match retry_at {
                        Some(at) => (PENDING, Some(time_text(*at))),
                        None => (DEAD, None),
                    };
                    let done = sqlx::query(
                        "UPDATE outbox SET state = $1, attempts = attempts + 1, \
                         last_error = $2, next_attempt_at = COALESCE($3, next_attempt_at), \
                         lease_until = NULL WHERE tenant_id = $4 AND id = $5",
                    )
                    .bind(state)
                    .bind(error)
                    .bind(next)
                    .bind(&tenant)
                    .bind(settlement.id)
                    .execute(&mut *tx)
                    .await?;
                    if done.rows_affected() == 0 {
                        missing.push(settlement.id);
                    }
                }
            }
        }
        for (at, ids) in &delivered {
            for ids in ids.chunks(IDS_PER_STATEMENT) {
                let sql = format!(
                    "UPDATE outbox SET state = '{DELIVERED}', attempts = attempts + 1, \
                     last_error = NULL, lease_until = NULL, delivered_at = $1 \
                     WHERE tenant_id = $2 AND id IN ({}) RETURNING dossier_id",
                    placeholders(3, ids.len())
                );
                let mut update = sqlx::query_scalar::<_, String>(&sql).bind(at).bind(&tenant);
                for id in ids {
                    update = update.bind(*id);
                }
                let dossiers = update.fetch_all(&mut *tx).await?;
                if dossiers.len() != ids.len() {
                    missing.push(ids[0]);
                }
                synchronised.extend(dossiers);
            }
        }
        // A dossier's synchronised fact changes with its deliveries, so its
        // statistics are refreshed in the same transaction. Every dossier
        // of the batch is locked first, in order, before any statistics row:
        // a dossier's own commit locks the dossier and then the day's
        // statistics rows, so a batch holding those rows (from an earlier
        // dossier's refresh) while waiting for a later dossier deadlocked
        // with that dossier's commit on PostgreSQL.
        if db.backend == Backend::Postgres {
            for dossier in &synchronised {
                sqlx::query("SELECT id FROM dossiers WHERE tenant_id = $1 AND id = $2 FOR UPDATE")
                    .bind(&tenant)
                    .bind(dossier)
                    .fetch_optional(&mut *tx)
                    .await?;
            }
        }
        for dossier in &synchronised {
            statistics::refresh(&mut tx, db.backend, &tenant, dossier).await?;
        }
        if let Some(id) = missing.first() {
            // Nothing is recorded unless everything is: the batch is retried
            // whole after the leases run out.
            return Err(StoreError::NotFound(format!("outbox entry {id}")));
        }
        tx.commit().await?;
        Ok(())
    })
    .await
}

/// Clears the leases still set to `lease_until` on `ids` (see
/// [`crate::app::ports::OutboxStore::release_outbox`]). The lease's end,
/// stored to the second, is the claim's token: a later claim of the same
/// entry (only once this lease ran out) sets a later one, so it is never
/// released here by mistake.
pub(super) async fn release(
    db: &Db,
    tenant: String,
    ids: Vec<i64>,
    lease_until: LocalDateTime,
) -> Result<u64> {
    if ids.is_empty() {
        return Ok(0);
    }
    db.write("outbox.release", move |db| async move {
        let lease_until = time_text(lease_until);
        let mut tx = db.begin_write().await?;
        let mut released = 0;
        for ids in ids.chunks(IDS_PER_STATEMENT) {
            let sql = format!(
                "UPDATE outbox SET lease_until = NULL WHERE tenant_id = $1 \
                 AND state = '{PENDING}' AND lease_until = $2 AND id IN ({})",
                placeholders(3, ids.len())
            );
            let mut update = sqlx::query(&sql).bind(&tenant).bind(&lease_until);
            for id in ids {
                update = update.bind(*id);
            }
            released += update.execute(&mut *tx).await?.rows_affected();
        }
        tx.commit().await?;
        Ok(released)
    })
    .await
}

/// Pending and dead counts and the oldest pending entry, per tenant.
pub(super) async fn backlog(db: &Db, tenant: Option<&str>) -> Result<Vec<OutboxBacklog>> {
    let rows = sqlx::query(&format!(
        "SELECT tenant_id, \
         SUM(CASE WHEN state = '{PENDING}' THEN 1 ELSE 0 END) AS pending, \
         SUM(CASE WHEN state = '{DEAD}' THEN 1 ELSE 0 END) AS dead, \
         MIN(CASE WHEN state = '{PENDING}' THEN created_at END) AS oldest \
         FROM outbox WHERE state IN ('{PENDING}', '{DEAD}') AND ($1 IS NULL OR tenant_id = $1) \
         GROUP BY tenant_id ORDER BY tenant_id"
    ))
    .bind(tenant)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|row| {
            let oldest: Option<String> = row.try_get("oldest")?;
            Ok(OutboxBacklog {
                tenant: row.try_get("tenant_id")?,
                pending: get_u64(row, "pending")?,
                dead: get_u64(row, "dead")?,
                oldest_pending_at: oldest
                    .map(|text| parse_time(&text, "created_at"))
                    .transpose()?,
            })
        })
        .collect()
}

/// `$first, $first+1, ...`: `count` numbered placeholders.
fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::ports::OutboxState;
    use crate::storage::rows::name;

    #[test]
    fn the_states_spelled_in_the_sql_are_the_stored_names() {
        assert_eq!(name(&OutboxState::Pending).unwrap(), PENDING);
        assert_eq!(name(&OutboxState::Delivered).unwrap(), DELIVERED);
        assert_eq!(name(&OutboxState::Dead).unwrap(), DEAD);
    }
}
