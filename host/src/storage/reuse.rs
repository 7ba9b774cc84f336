//! Which values of a dossier were reused from a registry: written once, in
//! the transaction that creates the dossier.

use super::Db;
use super::dossiers::Tx;
use super::rows::{Result, get, get_name, int, name};
use crate::domain::reuse::ReusedField;

pub(super) async fn write(
    tx: &mut Tx,
    tenant: &str,
    dossier_id: &str,
    reused: &[ReusedField],
) -> Result<()> {
    for (position, field) in reused.iter().enumerate() {
        sqlx::query(
            "INSERT INTO dossier_reused_fields (tenant_id, dossier_id, target, field, source, \
             position) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(tenant)
        .bind(dossier_id)
        .bind(name(&field.target)?)
        .bind(&field.field)
        .bind(&field.source)
        .bind(int(position as u64)?)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

pub(super) async fn reused_fields(
    db: &Db,
    tenant: &str,
    dossier_id: &str,
) -> Result<Vec<ReusedField>> {
    db.dossier_rows(
        "SELECT target, field, source FROM dossier_reused_fields \
         WHERE tenant_id = $1 AND dossier_id = $2 ORDER BY position",
        tenant,
        dossier_id,
    )
    .await?
    .iter()
    .map(|row| {
        Ok(ReusedField {
            target: get_name(row, "target")?,
            field: get(row, "field")?,
            source: get(row, "source")?,
        })
    })
    .collect()
}
