//! The event log of each dossier and its audit hash chain.
//!
//! Events are appended with [`motcua_domain::audit`]'s chain: the store
//! numbers them after the dossier's last seq and seals each with the hash of
//! the one before. The dossier row keeps the head (`last_seq`,
//! `audit_head`), updated in the same transaction, so verification also
//! notices entries cut off the end.

use sqlx::any::AnyRow;

use super::Db;
use super::dossiers::{ChainHead, Tx};
use super::rows::{Result, get, get_json, get_name, get_time, get_u64, int, now, time_text};
use crate::app::ports::{AuditFailure, AuditReport, AuditScope, StoreError, StoredEvent};
use crate::domain::audit::{self, AuditBreak, AuditEntry, AuditRecord, BreakReason};
use crate::domain::lifecycle::Event;

/// Appends `events` after `head` and moves the dossier's head. Returns the
/// seq given to each event, in order.
pub(super) async fn append(
    tx: &mut Tx,
    tenant: &str,
    head: &ChainHead,
    events: &[Event],
) -> Result<Vec<u64>> {
    let entries = sealed(head, events);
    let seqs = insert(tx, tenant, &head.id, &entries).await?;
    if let Some(last) = entries.last() {
        sqlx::query(
            "UPDATE dossiers SET last_seq = $1, audit_head = $2 WHERE tenant_id = $3 AND id = $4",
        )
        .bind(int(last.record.seq)?)
        .bind(&last.hash)
        .bind(tenant)
        .bind(&head.id)
        .execute(&mut **tx)
        .await?;
    }
    Ok(seqs)
}

/// `events` numbered after `head` and sealed into its chain: what a new
/// dossier's row records as its head before the events are written.
pub(super) fn sealed(head: &ChainHead, events: &[Event]) -> Vec<AuditEntry> {
    let records = events
        .iter()
        .zip(head.last_seq + 1..)
        .map(|(event, seq)| AuditRecord::from_event(&head.code, seq, event));
    audit::chain(&head.audit_head, records)
}

/// Writes sealed `entries` of dossier `dossier_id`; their seqs, in order.
pub(super) async fn insert(
    tx: &mut Tx,
    tenant: &str,
    dossier_id: &str,
    entries: &[AuditEntry],
) -> Result<Vec<u64>> {
    let recorded_at = time_text(now());
    for entry in entries {
        let record = &entry.record;
        sqlx::query(
            "INSERT INTO dossier_events (tenant_id, dossier_id, seq, kind, at, actor_id, role, \
             from_status, to_status, note, data, prev_hash, hash, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        )
        .bind(tenant)
        .bind(dossier_id)
        .bind(int(record.seq)?)
        .bind(&record.action)
        .bind(time_text(record.at))
        .bind(&record.actor_id)
        .bind(super::rows::name(&record.role)?)
        .bind(record.from_status.map(i64::from))
        .bind(i64::from(record.to_status))
        .bind(record.note.as_deref())
        .bind(super::rows::to_json(&record.data)?)
        .bind(&entry.prev_hash)
        .bind(&entry.hash)
        .bind(&recorded_at)
        .execute(&mut **tx)
        .await?;
    }
    Ok(entries.iter().map(|e| e.record.seq).collect())
}

const EVENT_COLUMNS: &str = "seq, kind, at, actor_id, role, from_status, to_status, note, data, \
     prev_hash, hash, recorded_at";

async fn event_rows(db: &Db, tenant: &str, dossier_id: &str) -> Result<Vec<AnyRow>> {
    db.dossier_rows(
        &format!(
            "SELECT {EVENT_COLUMNS} FROM dossier_events \
             WHERE tenant_id = $1 AND dossier_id = $2 ORDER BY seq"
        ),
        tenant,
        dossier_id,
    )
    .await
}

fn status(row: &AnyRow, column: &str) -> Result<Option<u8>> {
    get::<Option<i64>>(row, column)?
        .map(|n| u8::try_from(n).map_err(|_| StoreError::Corrupt(format!("{column}: {n}"))))
        .transpose()
}

/// The audit entry a row stores, from its columns (not from the event
/// JSON alone), so an edit to any column changes what is hashed.
fn entry_from_row(row: &AnyRow, dossier_code: &str) -> Result<AuditEntry> {
    let to_status = status(row, "to_status")?
        .ok_or_else(|| StoreError::Corrupt("to_status: NULL".to_owned()))?;
    Ok(AuditEntry {
        record: AuditRecord {
            dossier_code: dossier_code.to_owned(),
            seq: get_u64(row, "seq")?,
            at: get_time(row, "at")?,
            actor_id: get(row, "actor_id")?,
            role: get_name(row, "role")?,
            action: get(row, "kind")?,
            from_status: status(row, "from_status")?,
            to_status,
            note: get(row, "note")?,
            data: get_json(row, "data")?,
        },
        prev_hash: get(row, "prev_hash")?,
        hash: get(row, "hash")?,
    })
}

pub(super) async fn stored_events(
    db: &Db,
    tenant: &str,
    dossier_id: &str,
) -> Result<Vec<StoredEvent>> {
    event_rows(db, tenant, dossier_id)
        .await?
        .iter()
        .map(|row| {
            Ok(StoredEvent {
                seq: get_u64(row, "seq")?,
                event: get_json(row, "data")?,
                prev_hash: get(row, "prev_hash")?,
                hash: get(row, "hash")?,
                recorded_at: get_time(row, "recorded_at")?,
            })
        })
        .collect()
}

pub(super) async fn audit_entries(
    db: &Db,
    tenant: &str,
    dossier_id: &str,
    dossier_code: &str,
) -> Result<Vec<AuditEntry>> {
    event_rows(db, tenant, dossier_id)
        .await?
        .iter()
        .map(|row| entry_from_row(row, dossier_code))
        .collect()
}

/// Checks one dossier's chain against its head. Returns the number of
/// entries read and the first break, if any. A row that cannot even be
/// read (say, its JSON was edited into garbage) is a break at its seq.
async fn check(db: &Db, tenant: &str, head: &ChainHead) -> Result<(u64, Option<AuditBreak>)> {
    let rows = event_rows(db, tenant, &head.id).await?;
    let mut entries = Vec::with_capacity(rows.len());
    for (index, row) in rows.iter().enumerate() {
        match entry_from_row(row, &head.code) {
            Ok(entry) => entries.push(entry),
            Err(_) => {
                let seq = get_u64(row, "seq").unwrap_or(index as u64 + 1);
                return Ok((
                    rows.len() as u64,
                    Some(AuditBreak {
                        seq,
                        reason: BreakReason::HashMismatch,
                    }),
                ));
            }
        }
    }
    let outcome = audit::verify_with_head(&entries, head.last_seq, &head.audit_head);
    Ok((entries.len() as u64, outcome.err()))
}

fn head_from_row(row: &AnyRow) -> Result<ChainHead> {
    Ok(ChainHead {
        id: get(row, "id")?,
        code: get(row, "code")?,
        last_seq: get_u64(row, "last_seq")?,
        audit_head: get(row, "audit_head")?,
    })
}

pub(super) async fn verify(db: &Db, tenant: &str, scope: &AuditScope) -> Result<AuditReport> {
    const HEADS: &str = "SELECT id, code, last_seq, audit_head FROM dossiers WHERE tenant_id = $1";
    let rows = match scope {
        AuditScope::Dossier(code) => {
            let rows = sqlx::query(&format!("{HEADS} AND code = $2"))
                .bind(tenant)
                .bind(code.to_string())
                .fetch_all(&db.pool)
                .await?;
            if rows.is_empty() {
                return Err(StoreError::NotFound(format!("dossier {code}")));
            }
            rows
        }
        AuditScope::AllDossiers => {
            sqlx::query(&format!("{HEADS} ORDER BY created_at, id"))
                .bind(tenant)
                .fetch_all(&db.pool)
                .await?
        }
    };
    let mut report = AuditReport {
        dossiers_checked: 0,
        entries_checked: 0,
        first_break: None,
    };
    for row in &rows {
        let head = head_from_row(row)?;
        let (entries, fault) = check(db, tenant, &head).await?;
        report.dossiers_checked += 1;
        report.entries_checked += entries;
        if let Some(fault) = fault {
            report.first_break = Some(AuditFailure {
                dossier_code: head.code,
                fault,
            });
            break;
        }
    }
    Ok(report)
}
