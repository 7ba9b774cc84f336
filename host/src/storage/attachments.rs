//! What hangs off a dossier: fee lines, payments, documents (with
//! content-addressed blobs) and queued notifications. Writes happen inside
//! the commit transaction; reads are scoped by tenant and dossier.

use std::collections::HashMap;

use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;

use super::Db;
use super::dossiers::Tx;
use super::rows::{
    Result, get, get_bool, get_json, get_name, get_time, get_u64, int, name, now, time_text,
    to_json,
};
use crate::app::ports::{
    ChangeTarget, DossierChange, FeeSource, NewDocument, NewNotification, PaymentRecord,
    PaymentRefund, PaymentWrite, StoreError, StoredDocument, StoredFeeLine, StoredNotification,
    StoredPayment,
};
use crate::domain::fee::FeeLine;

/// Writes the attachments of `change` to the dossier `dossier_id`.
pub(super) async fn write(
    tx: &mut Tx,
    tenant: &str,
    dossier_id: &str,
    change: &DossierChange,
) -> Result<()> {
    if let Some(lines) = &change.fee_lines {
        // A dossier being created has no lines to replace.
        let created = matches!(change.target, ChangeTarget::Create(_));
        replace_fee_lines(tx, tenant, dossier_id, lines, !created).await?;
    }
    for document in &change.documents {
        add_document(tx, tenant, dossier_id, document).await?;
    }
    for payment in &change.payments {
        write_payment(tx, tenant, dossier_id, payment).await?;
    }
    for notification in &change.notifications {
        queue_notification(tx, tenant, dossier_id, notification).await?;
    }
    Ok(())
}

async fn replace_fee_lines(
    tx: &mut Tx,
    tenant: &str,
    dossier_id: &str,
    lines: &[StoredFeeLine],
    existing: bool,
) -> Result<()> {
    if existing {
        sqlx::query("DELETE FROM fee_lines WHERE tenant_id = $1 AND dossier_id = $2")
            .bind(tenant)
            .bind(dossier_id)
            .execute(&mut **tx)
            .await?;
    }
    for (position, stored) in lines.iter().enumerate() {
        let line = &stored.line;
        let (plugin, fallback_note) = match &stored.source {
            FeeSource::Plugin {
                plugin_id,
                plugin_version,
                artifact_digest,
            } => (Some((plugin_id, plugin_version, artifact_digest)), None),
            FeeSource::Fallback { note } => (None, Some(note)),
            // No plugin and no fallback: the note says where it came from.
            FeeSource::Imported { note } => (None, Some(note)),
        };
        sqlx::query(
            "INSERT INTO fee_lines (tenant_id, dossier_id, position, code, label, kind, \
             base_amount_vnd, amount_vnd, collection, reason, plugin_id, plugin_version, \
             artifact_digest, fallback, fallback_note) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
        )
        .bind(tenant)
        .bind(dossier_id)
        .bind(int(position as u64)?)
        .bind(&line.code)
        .bind(to_json(&line.label)?)
        .bind(name(&line.kind)?)
        .bind(int(line.base_amount_vnd)?)
        .bind(int(line.amount_vnd)?)
        .bind(name(&line.collection)?)
        .bind(line.reason.as_deref())
        .bind(plugin.map(|p| p.0.as_str()))
        .bind(plugin.map(|p| p.1.as_str()))
        .bind(plugin.map(|p| p.2.as_str()))
        .bind(i64::from(fallback_note.is_some()))
        .bind(fallback_note.map(String::as_str))
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Stores the bytes once per tenant (keyed by sha256), then the document.
async fn add_document(
    tx: &mut Tx,
    tenant: &str,
    dossier_id: &str,
    document: &NewDocument,
) -> Result<()> {
    let digest = hex::encode(Sha256::digest(&document.content));
    let size = int(document.content.len() as u64)?;
    let at = time_text(now());
    sqlx::query(
        "INSERT INTO blobs (tenant_id, digest, size, content, created_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant_id, digest) DO NOTHING",
    )
    .bind(tenant)
    .bind(&digest)
    .bind(size)
    .bind(document.content.as_slice())
    .bind(&at)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO documents (tenant_id, id, dossier_id, kind, title, media_type, digest, \
         size, source_plugin, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(tenant)
    .bind(&document.id)
    .bind(dossier_id)
    .bind(&document.kind)
    .bind(&document.title)
    .bind(&document.media_type)
    .bind(&digest)
    .bind(size)
    .bind(document.source_plugin.as_deref())
    .bind(&at)
    .execute(&mut **tx)
    .await
    .map_err(|e| match StoreError::from(e) {
        StoreError::Duplicate { .. } => StoreError::Duplicate {
            what: format!("document {}", document.id),
        },
        other => other,
    })?;
    Ok(())
}

async fn write_payment(
    tx: &mut Tx,
    tenant: &str,
    dossier_id: &str,
    write: &PaymentWrite,
) -> Result<()> {
    let at = time_text(now());
    let (PaymentWrite::Insert(record)
    | PaymentWrite::Update(record)
    | PaymentWrite::Refund { record, .. }) = write;
    let payment = &record.payment;
    let columns = (
        int(payment.amount_due_vnd())?,
        name(&payment.status())?,
        payment.channel().as_ref().map(name).transpose()?,
        int(payment.paid_vnd())?,
        int(payment.refunded_vnd())?,
        to_json(payment)?,
    );
    match write {
        PaymentWrite::Insert(_) => {
            sqlx::query(
                "INSERT INTO payments (tenant_id, id, dossier_id, amount_due_vnd, status, \
                 channel, paid_vnd, refunded_vnd, reference, payment, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)",
            )
            .bind(tenant)
            .bind(&record.id)
            .bind(dossier_id)
            .bind(columns.0)
            .bind(columns.1)
            .bind(columns.2)
            .bind(columns.3)
            .bind(columns.4)
            .bind(record.reference.as_deref())
            .bind(columns.5)
            .bind(at)
            .execute(&mut **tx)
            .await
            .map_err(|e| match StoreError::from(e) {
                StoreError::Duplicate { .. } => StoreError::Duplicate {
                    what: format!("payment {}", record.id),
                },
                other => other,
            })?;
        }
        PaymentWrite::Update(_) | PaymentWrite::Refund { .. } => {
            let done = sqlx::query(
                "UPDATE payments SET amount_due_vnd = $1, status = $2, channel = $3, \
                 paid_vnd = $4, refunded_vnd = $5, reference = $6, payment = $7, \
                 updated_at = $8 WHERE tenant_id = $9 AND id = $10 AND dossier_id = $11",
            )
            .bind(columns.0)
            .bind(columns.1)
            .bind(columns.2)
            .bind(columns.3)
            .bind(columns.4)
            .bind(record.reference.as_deref())
            .bind(columns.5)
            .bind(at)
            .bind(tenant)
            .bind(&record.id)
            .bind(dossier_id)
            .execute(&mut **tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound(format!("payment {}", record.id)));
            }
        }
    }
    if let PaymentWrite::Refund { refund, .. } = write {
        append_refund(tx, tenant, &record.id, refund).await?;
    }
    Ok(())
}

/// Appends `refund` to the payment's refunds, numbered after the last one.
/// The dossier's version check of the same commit keeps two refunds of one
/// payment from taking the same number.
async fn append_refund(
    tx: &mut Tx,
    tenant: &str,
    payment_id: &str,
    refund: &PaymentRefund,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO payment_refunds (tenant_id, payment_id, seq, amount_vnd, reason, \
         refunded_by, refunded_at) SELECT $1, $2, COALESCE(MAX(seq), 0) + 1, $3, $4, $5, $6 \
         FROM payment_refunds WHERE tenant_id = $1 AND payment_id = $2",
    )
    .bind(tenant)
    .bind(payment_id)
    .bind(int(refund.amount_vnd)?)
    .bind(&refund.reason)
    .bind(&refund.refunded_by)
    .bind(time_text(refund.refunded_at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn queue_notification(
    tx: &mut Tx,
    tenant: &str,
    dossier_id: &str,
    notification: &NewNotification,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO notifications (tenant_id, dossier_id, channel, recipient, subject, body, \
         status, created_at) VALUES ($1, $2, $3, $4, $5, $6, 'queued', $7)",
    )
    .bind(tenant)
    .bind(dossier_id)
    .bind(&notification.channel)
    .bind(&notification.recipient)
    .bind(&notification.subject)
    .bind(&notification.body)
    .bind(time_text(now()))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn fee_line_from_row(row: &AnyRow) -> Result<StoredFeeLine> {
    let source = if get_bool(row, "fallback")? {
        FeeSource::Fallback {
            note: get::<Option<String>>(row, "fallback_note")?.unwrap_or_default(),
        }
    } else if get::<Option<String>>(row, "plugin_id")?.is_none() {
        FeeSource::Imported {
            note: get::<Option<String>>(row, "fallback_note")?.unwrap_or_default(),
        }
    } else {
        let text = |column: &str| -> Result<String> {
            get::<Option<String>>(row, column)?
                .ok_or_else(|| StoreError::Corrupt(format!("{column}: NULL for a plugin fee")))
        };
        FeeSource::Plugin {
            plugin_id: text("plugin_id")?,
            plugin_version: text("plugin_version")?,
            artifact_digest: text("artifact_digest")?,
        }
    };
    Ok(StoredFeeLine {
        line: FeeLine {
            code: get(row, "code")?,
            label: get_json(row, "label")?,
            kind: get_name(row, "kind")?,
            base_amount_vnd: get_u64(row, "base_amount_vnd")?,
            amount_vnd: get_u64(row, "amount_vnd")?,
            collection: get_name(row, "collection")?,
            reason: get(row, "reason")?,
        },
        source,
    })
}

pub(super) async fn fee_lines(
    db: &Db,
    tenant: &str,
    dossier_id: &str,
) -> Result<Vec<StoredFeeLine>> {
    db.dossier_rows(
        "SELECT code, label, kind, base_amount_vnd, amount_vnd, collection, reason, plugin_id, \
         plugin_version, artifact_digest, fallback, fallback_note FROM fee_lines \
         WHERE tenant_id = $1 AND dossier_id = $2 ORDER BY position",
        tenant,
        dossier_id,
    )
    .await?
    .iter()
    .map(fee_line_from_row)
    .collect()
}

pub(super) async fn payments(
    db: &Db,
    tenant: &str,
    dossier_id: &str,
) -> Result<Vec<StoredPayment>> {
    let mut refunds: HashMap<String, Vec<PaymentRefund>> = HashMap::new();
    for row in db
        .dossier_rows(
            "SELECT r.payment_id, r.amount_vnd, r.reason, r.refunded_by, r.refunded_at \
         FROM payment_refunds r JOIN payments p \
         ON p.tenant_id = r.tenant_id AND p.id = r.payment_id \
         WHERE p.tenant_id = $1 AND p.dossier_id = $2 ORDER BY r.payment_id, r.seq",
            tenant,
            dossier_id,
        )
        .await?
    {
        refunds
            .entry(get(&row, "payment_id")?)
            .or_default()
            .push(PaymentRefund {
                amount_vnd: get_u64(&row, "amount_vnd")?,
                reason: get(&row, "reason")?,
                refunded_by: get(&row, "refunded_by")?,
                refunded_at: get_time(&row, "refunded_at")?,
            });
    }
    db.dossier_rows(
        "SELECT id, reference, payment, created_at, updated_at FROM payments \
         WHERE tenant_id = $1 AND dossier_id = $2 ORDER BY created_at, id",
        tenant,
        dossier_id,
    )
    .await?
    .iter()
    .map(|row| {
        let id: String = get(row, "id")?;
        Ok(StoredPayment {
            refunds: refunds.remove(&id).unwrap_or_default(),
            record: PaymentRecord {
                id,
                payment: get_json(row, "payment")?,
                reference: get(row, "reference")?,
            },
            created_at: get_time(row, "created_at")?,
            updated_at: get_time(row, "updated_at")?,
        })
    })
    .collect()
}

pub(super) async fn documents(
    db: &Db,
    tenant: &str,
    dossier_id: &str,
) -> Result<Vec<StoredDocument>> {
    db.dossier_rows(
        "SELECT id, kind, title, media_type, digest, size, source_plugin, created_at \
         FROM documents WHERE tenant_id = $1 AND dossier_id = $2 ORDER BY created_at, id",
        tenant,
        dossier_id,
    )
    .await?
    .iter()
    .map(|row| {
        Ok(StoredDocument {
            id: get(row, "id")?,
            kind: get(row, "kind")?,
            title: get(row, "title")?,
            media_type: get(row, "media_type")?,
            digest: get(row, "digest")?,
            size: get_u64(row, "size")?,
            source_plugin: get(row, "source_plugin")?,
            created_at: get_time(row, "created_at")?,
        })
    })
    .collect()
}

pub(super) async fn blob(db: &Db, tenant: &str, digest: &str) -> Result<Option<Vec<u8>>> {
    let row = sqlx::query("SELECT content FROM blobs WHERE tenant_id = $1 AND digest = $2")
        .bind(tenant)
        .bind(digest)
        .fetch_optional(&db.pool)
        .await?;
    row.map(|row| get::<Vec<u8>>(&row, "content")).transpose()
}

pub(super) async fn notifications(
    db: &Db,
    tenant: &str,
    dossier_id: &str,
) -> Result<Vec<StoredNotification>> {
    db.dossier_rows(
        "SELECT id, channel, recipient, subject, body, status, created_at FROM notifications \
         WHERE tenant_id = $1 AND dossier_id = $2 ORDER BY id",
        tenant,
        dossier_id,
    )
    .await?
    .iter()
    .map(|row| {
        Ok(StoredNotification {
            id: get(row, "id")?,
            notification: NewNotification {
                channel: get(row, "channel")?,
                recipient: get(row, "recipient")?,
                subject: get(row, "subject")?,
                body: get(row, "body")?,
            },
            status: get(row, "status")?,
            created_at: get_time(row, "created_at")?,
        })
    })
    .collect()
}
