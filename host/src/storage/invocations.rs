//! Plugin calls recorded with the dossier whose answer they decided
//! (`plugin_invocations`), written in the dossier's transaction.

use super::Db;
use super::dossiers::Tx;
use super::rows::{Result, get, get_time, get_u64, int, time_text};
use crate::app::ports::{DossierDecision, NewInvocation, StoredInvocation};
use motcua_domain::time::LocalDateTime;
use sqlx::any::AnyRow;

const COLUMNS: &str = "i.id, i.call, i.plugin_id, i.version, i.digest, i.contract, i.input, \
     i.output_hash, i.fuel, i.micros, i.outcome, i.recorded_at, i.output";

pub(super) async fn write(
    tx: &mut Tx,
    tenant: &str,
    dossier_id: &str,
    invocations: &[NewInvocation],
) -> Result<()> {
    for invocation in invocations {
        sqlx::query(
            "INSERT INTO plugin_invocations (tenant_id, dossier_id, call, plugin_id, version, \
             digest, contract, input, output_hash, fuel, micros, outcome, recorded_at, output) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        )
        .bind(tenant)
        .bind(dossier_id)
        .bind(&invocation.call)
        .bind(&invocation.plugin_id)
        .bind(&invocation.version)
        .bind(&invocation.digest)
        .bind(&invocation.contract)
        .bind(&invocation.input)
        .bind(&invocation.output_hash)
        .bind(int(invocation.fuel)?)
        .bind(int(invocation.micros)?)
        .bind(&invocation.outcome)
        .bind(time_text(invocation.decided_at))
        .bind(&invocation.output)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

pub(super) async fn list(db: &Db, tenant: &str, dossier_id: &str) -> Result<Vec<StoredInvocation>> {
    db.dossier_rows(
        &format!(
            "SELECT {COLUMNS} FROM plugin_invocations i \
             WHERE i.tenant_id = $1 AND i.dossier_id = $2 ORDER BY i.id"
        ),
        tenant,
        dossier_id,
    )
    .await?
    .iter()
    .map(invocation_from_row)
    .collect()
}

pub(super) async fn between(
    db: &Db,
    tenant: &str,
    (plugin_id, call, outcome): (&str, &str, &str),
    (from, to): (LocalDateTime, LocalDateTime),
    limit: usize,
) -> Result<Vec<DossierDecision>> {
    sqlx::query(&format!(
        "SELECT {COLUMNS}, d.code FROM plugin_invocations i \
         JOIN dossiers d ON d.id = i.dossier_id AND d.tenant_id = i.tenant_id \
         WHERE i.tenant_id = $1 AND i.plugin_id = $2 AND i.call = $3 AND i.outcome = $4 \
         AND i.recorded_at >= $5 AND i.recorded_at < $6 ORDER BY i.id LIMIT $7"
    ))
    .bind(tenant)
    .bind(plugin_id)
    .bind(call)
    .bind(outcome)
    .bind(time_text(from))
    .bind(time_text(to))
    .bind(int(limit as u64)?)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|row| {
        let code: String = get(row, "code")?;
        Ok(DossierDecision {
            dossier: code.parse().map_err(|_| {
                crate::app::ports::StoreError::Corrupt(format!("dossier code {code}"))
            })?,
            invocation: invocation_from_row(row)?,
        })
    })
    .collect()
}

fn invocation_from_row(row: &AnyRow) -> Result<StoredInvocation> {
    Ok(StoredInvocation {
        id: get(row, "id")?,
        invocation: NewInvocation {
            call: get(row, "call")?,
            plugin_id: get(row, "plugin_id")?,
            version: get(row, "version")?,
            digest: get(row, "digest")?,
            contract: get(row, "contract")?,
            input: get(row, "input")?,
            output_hash: get(row, "output_hash")?,
            fuel: get_u64(row, "fuel")?,
            micros: get_u64(row, "micros")?,
            outcome: get(row, "outcome")?,
            decided_at: get_time(row, "recorded_at")?,
            output: get(row, "output")?,
        },
    })
}
