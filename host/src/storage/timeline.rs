//! The timeline of what serves each tenant plugin (`plugin_timeline`):
//! entries written in the same transaction as the switch they record, and
//! schedules a host applies once due. Applying takes the tenant's plugin
//! lock and marks the entry applied, so of several hosts exactly one
//! applies it; the others follow the announced change.

use sqlx::any::AnyRow;

use super::dossiers::Tx;
use super::rows::{Result, get, get_opt_time, get_time, time_text};
use crate::app::ports::{Shadow, StoreError, Switch, SwitchBy, SwitchKind};
use motcua_domain::time::LocalDateTime;

const COLUMNS: &str = "id, tenant_id, plugin_id, version, effective_at, kind, recorded_by, \
     recorded_at, applied_at";

fn switch_from_row(row: &AnyRow) -> Result<Switch> {
    let kind: String = get(row, "kind")?;
    Ok(Switch {
        id: get(row, "id")?,
        tenant: get(row, "tenant_id")?,
        plugin_id: get(row, "plugin_id")?,
        version: get(row, "version")?,
        effective_at: get_time(row, "effective_at")?,
        kind: SwitchKind::from_label(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("plugin_timeline.kind `{kind}`")))?,
        recorded_by: get(row, "recorded_by")?,
        recorded_at: get_time(row, "recorded_at")?,
        applied_at: get_opt_time(row, "applied_at")?,
    })
}

/// Records a switch made now (applied as it is recorded).
pub(super) async fn record(
    tx: &mut Tx,
    tenant: &str,
    plugin_id: &str,
    version: Option<&str>,
    kind: SwitchKind,
    by: SwitchBy<'_>,
) -> Result<Switch> {
    insert(tx, (tenant, plugin_id), version, kind, by, None).await
}

/// Records a version to serve from `effective_at`, not applied yet.
pub(super) async fn schedule(
    tx: &mut Tx,
    tenant: &str,
    plugin_id: &str,
    version: &str,
    effective_at: LocalDateTime,
    by: SwitchBy<'_>,
) -> Result<Switch> {
    let kind = SwitchKind::Scheduled;
    insert(
        tx,
        (tenant, plugin_id),
        Some(version),
        kind,
        by,
        Some(effective_at),
    )
    .await
}

/// A switch made at `by.at`, or (`scheduled_for`) one to come.
async fn insert(
    tx: &mut Tx,
    (tenant, plugin_id): (&str, &str),
    version: Option<&str>,
    kind: SwitchKind,
    by: SwitchBy<'_>,
    scheduled_for: Option<LocalDateTime>,
) -> Result<Switch> {
    let (effective_at, applied_at) = match scheduled_for {
        Some(at) => (at, None),
        None => (by.at, Some(by.at)),
    };
    let row = sqlx::query(&format!(
        "INSERT INTO plugin_timeline \
         (tenant_id, plugin_id, version, effective_at, kind, recorded_by, recorded_at, applied_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {COLUMNS}"
    ))
    .bind(tenant)
    .bind(plugin_id)
    .bind(version)
    .bind(time_text(effective_at))
    .bind(kind.label())
    .bind(by.user)
    .bind(time_text(by.at))
    .bind(applied_at.map(time_text))
    .fetch_one(&mut **tx)
    .await?;
    switch_from_row(&row)
}

/// A schedule of `tenant` not applied yet, locked by the caller's
/// transaction (the tenant's plugin lock).
pub(super) async fn pending(tx: &mut Tx, tenant: &str, id: i64) -> Result<Switch> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM plugin_timeline \
         WHERE tenant_id = $1 AND id = $2 AND kind = 'scheduled' AND applied_at IS NULL"
    ))
    .bind(tenant)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    match row {
        Some(row) => switch_from_row(&row),
        None => Err(StoreError::NotFound(format!(
            "a schedule {id} not yet in effect"
        ))),
    }
}

pub(super) async fn move_to(tx: &mut Tx, id: i64, effective_at: LocalDateTime) -> Result<()> {
    sqlx::query("UPDATE plugin_timeline SET effective_at = $1 WHERE id = $2")
        .bind(time_text(effective_at))
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub(super) async fn delete(tx: &mut Tx, id: i64) -> Result<()> {
    sqlx::query("DELETE FROM plugin_timeline WHERE id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub(super) async fn mark_applied(tx: &mut Tx, id: i64, at: LocalDateTime) -> Result<()> {
    sqlx::query("UPDATE plugin_timeline SET applied_at = $1 WHERE id = $2")
        .bind(time_text(at))
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub(super) async fn list(
    pool: &sqlx::AnyPool,
    tenant: &str,
    plugin_id: Option<&str>,
) -> Result<Vec<Switch>> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM plugin_timeline \
         WHERE tenant_id = $1 AND ($2 IS NULL OR plugin_id = $2) \
         ORDER BY plugin_id, effective_at, id"
    ))
    .bind(tenant)
    .bind(plugin_id)
    .fetch_all(pool)
    .await?
    .iter()
    .map(switch_from_row)
    .collect()
}

pub(super) async fn due(pool: &sqlx::AnyPool, now: LocalDateTime) -> Result<Vec<Switch>> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM plugin_timeline \
         WHERE applied_at IS NULL AND kind = 'scheduled' AND effective_at <= $1 \
         ORDER BY effective_at, id"
    ))
    .bind(time_text(now))
    .fetch_all(pool)
    .await?
    .iter()
    .map(switch_from_row)
    .collect()
}

/// The candidate in shadow for a tenant plugin.
pub(super) async fn shadow(
    pool: &sqlx::AnyPool,
    tenant: &str,
    plugin_id: &str,
) -> Result<Option<Shadow>> {
    let row = sqlx::query(
        "SELECT tenant_id, plugin_id, version, started_by, started_at FROM plugin_shadows \
         WHERE tenant_id = $1 AND plugin_id = $2",
    )
    .bind(tenant)
    .bind(plugin_id)
    .fetch_optional(pool)
    .await?;
    row.map(|row| {
        Ok(Shadow {
            tenant: get(&row, "tenant_id")?,
            plugin_id: get(&row, "plugin_id")?,
            version: get(&row, "version")?,
            started_by: get(&row, "started_by")?,
            started_at: get_time(&row, "started_at")?,
        })
    })
    .transpose()
}

/// Replaces the shadow of a tenant plugin (`None`: stops it).
pub(super) async fn set_shadow(
    tx: &mut Tx,
    tenant: &str,
    plugin_id: &str,
    version: Option<&str>,
    by: SwitchBy<'_>,
) -> Result<Option<Shadow>> {
    sqlx::query("DELETE FROM plugin_shadows WHERE tenant_id = $1 AND plugin_id = $2")
        .bind(tenant)
        .bind(plugin_id)
        .execute(&mut **tx)
        .await?;
    let Some(version) = version else {
        return Ok(None);
    };
    sqlx::query(
        "INSERT INTO plugin_shadows (tenant_id, plugin_id, version, started_by, started_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(tenant)
    .bind(plugin_id)
    .bind(version)
    .bind(by.user)
    .bind(time_text(by.at))
    .execute(&mut **tx)
    .await?;
    Ok(Some(Shadow {
        tenant: tenant.to_owned(),
        plugin_id: plugin_id.to_owned(),
        version: version.to_owned(),
        started_by: by.user.to_owned(),
        started_at: by.at,
    }))
}
