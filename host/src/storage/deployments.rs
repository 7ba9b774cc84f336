//! Plugin versions deployed by each tenant, which one is active, and the
//! activation history that rollbacks walk back through.
//!
//! Each row remembers the version that was active when it was activated
//! (`previous_version`); a rollback re-activates that one without touching
//! its own `previous_version`, so repeated rollbacks keep going back. A
//! partial unique index guarantees at most one active version per plugin.
//! Every switch and every change of egress grants is announced to the
//! other hosts when it commits (`changes`), so they serve the same version
//! with the same grants without a restart; the packages themselves are in
//! `packages`.

use async_trait::async_trait;
use sqlx::any::AnyRow;

use super::Db;
use super::changes::announce;
use super::dossiers::Tx;
use super::packages;
use super::rows::{Result, get, get_bool, get_opt_time, get_time, now, time_text};
use super::timeline;
use crate::app::ports::{
    Change, Deployment, DeploymentStore, EgressGrant, NewDeployment, PackageArchive, PackageUsage,
    Shadow, StoreError, Switch, SwitchBy, SwitchKind,
};
use motcua_domain::time::LocalDateTime;

const COLUMNS: &str = "tenant_id, plugin_id, version, digest, package_path, deployed_by, \
     deployed_at, active, activated_at, previous_version, package_digest";

fn deployment_from_row(row: &AnyRow) -> Result<Deployment> {
    Ok(Deployment {
        tenant: get(row, "tenant_id")?,
        deployment: NewDeployment {
            plugin_id: get(row, "plugin_id")?,
            version: get(row, "version")?,
            digest: get(row, "digest")?,
            package_digest: get(row, "package_digest")?,
            package_path: get(row, "package_path")?,
            deployed_by: get(row, "deployed_by")?,
        },
        deployed_at: get_time(row, "deployed_at")?,
        active: get_bool(row, "active")?,
        activated_at: get_opt_time(row, "activated_at")?,
        previous_version: get(row, "previous_version")?,
    })
}

const GRANT_COLUMNS: &str = "tenant_id, plugin_id, destination, granted_by, granted_at";

fn grant_from_row(row: &AnyRow) -> Result<EgressGrant> {
    Ok(EgressGrant {
        tenant: get(row, "tenant_id")?,
        plugin_id: get(row, "plugin_id")?,
        destination: get(row, "destination")?,
        granted_by: get(row, "granted_by")?,
        granted_at: get_time(row, "granted_at")?,
    })
}

/// Serialises activations and rollbacks of a tenant's plugins (from any
/// host) by locking the tenant's row until the transaction ends, so each
/// sees what the previous one committed. Without it two PostgreSQL
/// transactions could each deactivate the old version and activate their
/// own (hitting the one-active index) or deadlock on the version rows.
/// One row, always the first lock taken: no lock-order deadlock possible.
async fn lock_tenant_plugins(tx: &mut Tx, tenant: &str) -> Result<()> {
    let locked = sqlx::query("UPDATE tenants SET name = name WHERE id = $1")
        .bind(tenant)
        .execute(&mut **tx)
        .await?;
    if locked.rows_affected() == 0 {
        return Err(StoreError::NotFound(format!("tenant {tenant}")));
    }
    Ok(())
}

async fn find(tx: &mut Tx, tenant: &str, plugin_id: &str, version: &str) -> Result<Deployment> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM plugin_deployments \
         WHERE tenant_id = $1 AND plugin_id = $2 AND version = $3"
    ))
    .bind(tenant)
    .bind(plugin_id)
    .bind(version)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| StoreError::NotFound(format!("plugin {plugin_id} version {version}")))?;
    deployment_from_row(&row)
}

async fn active_in(tx: &mut Tx, tenant: &str, plugin_id: &str) -> Result<Option<Deployment>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM plugin_deployments \
         WHERE tenant_id = $1 AND plugin_id = $2 AND active = 1"
    ))
    .bind(tenant)
    .bind(plugin_id)
    .fetch_optional(&mut **tx)
    .await?;
    row.map(|row| deployment_from_row(&row)).transpose()
}

/// What activating a version does to its `previous_version`.
enum Previous<'a> {
    /// An activation records the version it replaces (`None`: nothing was
    /// active).
    Set(Option<&'a str>),
    /// A rollback keeps the history of the version it goes back to.
    Keep,
}

/// Deactivates whatever is active and activates `version`.
async fn switch_to(
    tx: &mut Tx,
    tenant: &str,
    plugin_id: &str,
    version: &str,
    previous: Previous<'_>,
    at: LocalDateTime,
) -> Result<Deployment> {
    let (keep, previous) = match previous {
        Previous::Set(version) => (0_i64, version),
        Previous::Keep => (1, None),
    };
    sqlx::query(
        "UPDATE plugin_deployments SET active = 0 \
         WHERE tenant_id = $1 AND plugin_id = $2 AND active = 1",
    )
    .bind(tenant)
    .bind(plugin_id)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "UPDATE plugin_deployments SET active = 1, activated_at = $1, \
         previous_version = CASE WHEN $2 = 1 THEN previous_version ELSE $3 END \
         WHERE tenant_id = $4 AND plugin_id = $5 AND version = $6",
    )
    .bind(time_text(at))
    .bind(keep)
    .bind(previous)
    .bind(tenant)
    .bind(plugin_id)
    .bind(version)
    .execute(&mut **tx)
    .await?;
    find(tx, tenant, plugin_id, version).await
}

/// Activates `target` in place of the active version, which it remembers.
async fn activate_in(tx: &mut Tx, target: &Deployment, at: LocalDateTime) -> Result<Deployment> {
    let (tenant, plugin_id) = (&target.tenant, &target.deployment.plugin_id);
    let current = active_in(tx, tenant, plugin_id).await?;
    let previous = current.as_ref().map(|d| d.deployment.version.as_str());
    let version = &target.deployment.version;
    switch_to(tx, tenant, plugin_id, version, Previous::Set(previous), at).await
}

#[async_trait]
impl DeploymentStore for Db {
    async fn record_deployment(
        &self,
        tenant: &str,
        deployment: &NewDeployment,
    ) -> Result<Deployment> {
        let row = sqlx::query(&format!(
            "INSERT INTO plugin_deployments ({COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 0, NULL, NULL, $8) RETURNING {COLUMNS}"
        ))
        .bind(tenant)
        .bind(&deployment.plugin_id)
        .bind(&deployment.version)
        .bind(&deployment.digest)
        .bind(&deployment.package_path)
        .bind(&deployment.deployed_by)
        .bind(time_text(now()))
        .bind(&deployment.package_digest)
        .fetch_one(&self.writer)
        .await
        .map_err(|e| match StoreError::from(e) {
            StoreError::Duplicate { .. } => StoreError::Duplicate {
                what: format!(
                    "plugin {} version {}",
                    deployment.plugin_id, deployment.version
                ),
            },
            other => other,
        })?;
        deployment_from_row(&row)
    }

    async fn deployments(&self, tenant: &str, plugin_id: Option<&str>) -> Result<Vec<Deployment>> {
        sqlx::query(&format!(
            "SELECT {COLUMNS} FROM plugin_deployments \
             WHERE tenant_id = $1 AND ($2 IS NULL OR plugin_id = $2) \
             ORDER BY plugin_id, deployed_at, version"
        ))
        .bind(tenant)
        .bind(plugin_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(deployment_from_row)
        .collect()
    }

    async fn active_deployment(&self, tenant: &str, plugin_id: &str) -> Result<Option<Deployment>> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM plugin_deployments \
             WHERE tenant_id = $1 AND plugin_id = $2 AND active = 1"
        ))
        .bind(tenant)
        .bind(plugin_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| deployment_from_row(&row)).transpose()
    }

    async fn activate(
        &self,
        tenant: &str,
        plugin_id: &str,
        version: &str,
        by: SwitchBy<'_>,
    ) -> Result<Deployment> {
        let (tenant, plugin_id, version) = owned3(tenant, plugin_id, version);
        let (user, at) = (by.user.to_owned(), by.at);
        self.write("plugin.activate", |db| async move {
            let by = SwitchBy { user: &user, at };
            let mut tx = db.begin_write().await?;
            lock_tenant_plugins(&mut tx, &tenant).await?;
            let target = find(&mut tx, &tenant, &plugin_id, &version).await?;
            if target.active {
                return Ok(target);
            }
            let activated = activate_in(&mut tx, &target, by.at).await?;
            let kind = SwitchKind::Activation;
            timeline::record(&mut tx, &tenant, &plugin_id, Some(&version), kind, by).await?;
            announce(&mut tx, db.backend, &Change::Plugins { tenant }).await?;
            tx.commit().await?;
            Ok(activated)
        })
        .await
    }

    async fn rollback(
        &self,
        tenant: &str,
        plugin_id: &str,
        by: SwitchBy<'_>,
    ) -> Result<Deployment> {
        let (tenant, plugin_id, user) = owned3(tenant, plugin_id, by.user);
        let at = by.at;
        self.write("plugin.rollback", |db| async move {
            let by = SwitchBy { user: &user, at };
            let mut tx = db.begin_write().await?;
            lock_tenant_plugins(&mut tx, &tenant).await?;
            let current = active_in(&mut tx, &tenant, &plugin_id)
                .await?
                .ok_or_else(|| StoreError::NotFound(format!("an active version of {plugin_id}")))?;
            let target = current.previous_version.ok_or_else(|| {
                StoreError::NotFound(format!("a version of {plugin_id} to roll back to"))
            })?;
            let activated =
                switch_to(&mut tx, &tenant, &plugin_id, &target, Previous::Keep, at).await?;
            let kind = SwitchKind::Rollback;
            timeline::record(&mut tx, &tenant, &plugin_id, Some(&target), kind, by).await?;
            announce(&mut tx, db.backend, &Change::Plugins { tenant }).await?;
            tx.commit().await?;
            Ok(activated)
        })
        .await
    }

    async fn deactivate(
        &self,
        tenant: &str,
        plugin_id: &str,
        by: SwitchBy<'_>,
    ) -> Result<Option<Deployment>> {
        let (tenant, plugin_id, user) = owned3(tenant, plugin_id, by.user);
        let at = by.at;
        self.write("plugin.deactivate", |db| async move {
            let by = SwitchBy { user: &user, at };
            let mut tx = db.begin_write().await?;
            lock_tenant_plugins(&mut tx, &tenant).await?;
            let Some(current) = active_in(&mut tx, &tenant, &plugin_id).await? else {
                return Ok(None);
            };
            sqlx::query(
                "UPDATE plugin_deployments SET active = 0 \
                 WHERE tenant_id = $1 AND plugin_id = $2 AND active = 1",
            )
            .bind(&tenant)
            .bind(&plugin_id)
            .execute(&mut *tx)
            .await?;
            let kind = SwitchKind::Withdrawal;
            timeline::record(&mut tx, &tenant, &plugin_id, None, kind, by).await?;
            announce(&mut tx, db.backend, &Change::Plugins { tenant }).await?;
            tx.commit().await?;
            Ok(Some(Deployment {
                active: false,
                ..current
            }))
        })
        .await
    }

    async fn timeline(&self, tenant: &str, plugin_id: Option<&str>) -> Result<Vec<Switch>> {
        timeline::list(&self.pool, tenant, plugin_id).await
    }

    async fn schedule(
        &self,
        tenant: &str,
        plugin_id: &str,
        version: &str,
        effective_at: LocalDateTime,
        by: SwitchBy<'_>,
    ) -> Result<Switch> {
        let (tenant, plugin_id, version) = owned3(tenant, plugin_id, version);
        let (user, at) = (by.user.to_owned(), by.at);
        self.write("plugin.schedule", |db| async move {
            let by = SwitchBy { user: &user, at };
            let mut tx = db.begin_write().await?;
            lock_tenant_plugins(&mut tx, &tenant).await?;
            find(&mut tx, &tenant, &plugin_id, &version).await?;
            let scheduled =
                timeline::schedule(&mut tx, &tenant, &plugin_id, &version, effective_at, by)
                    .await?;
            announce(&mut tx, db.backend, &Change::Plugins { tenant }).await?;
            tx.commit().await?;
            Ok(scheduled)
        })
        .await
    }

    async fn reschedule(
        &self,
        tenant: &str,
        id: i64,
        effective_at: LocalDateTime,
    ) -> Result<Switch> {
        let tenant = tenant.to_owned();
        self.write("plugin.reschedule", move |db| async move {
            let mut tx = db.begin_write().await?;
            lock_tenant_plugins(&mut tx, &tenant).await?;
            let pending = timeline::pending(&mut tx, &tenant, id).await?;
            timeline::move_to(&mut tx, id, effective_at).await?;
            announce(&mut tx, db.backend, &Change::Plugins { tenant }).await?;
            tx.commit().await?;
            Ok(Switch {
                effective_at,
                ..pending
            })
        })
        .await
    }

    async fn cancel_schedule(&self, tenant: &str, id: i64) -> Result<Switch> {
        let tenant = tenant.to_owned();
        self.write("plugin.cancel-schedule", move |db| async move {
            let mut tx = db.begin_write().await?;
            lock_tenant_plugins(&mut tx, &tenant).await?;
            let pending = timeline::pending(&mut tx, &tenant, id).await?;
            timeline::delete(&mut tx, id).await?;
            announce(&mut tx, db.backend, &Change::Plugins { tenant }).await?;
            tx.commit().await?;
            Ok(pending)
        })
        .await
    }

    async fn shadow(&self, tenant: &str, plugin_id: &str) -> Result<Option<Shadow>> {
        timeline::shadow(&self.pool, tenant, plugin_id).await
    }

    async fn set_shadow(
        &self,
        tenant: &str,
        plugin_id: &str,
        version: Option<&str>,
        by: SwitchBy<'_>,
    ) -> Result<Option<Shadow>> {
        let (tenant, plugin_id, user) = owned3(tenant, plugin_id, by.user);
        let (version, at) = (version.map(str::to_owned), by.at);
        self.write("plugin.shadow", move |db| async move {
            let by = SwitchBy { user: &user, at };
            let mut tx = db.begin_write().await?;
            lock_tenant_plugins(&mut tx, &tenant).await?;
            if let Some(version) = &version {
                find(&mut tx, &tenant, &plugin_id, version).await?;
            }
            let shadow =
                timeline::set_shadow(&mut tx, &tenant, &plugin_id, version.as_deref(), by).await?;
            tx.commit().await?;
            Ok(shadow)
        })
        .await
    }

    async fn due_schedules(&self, now: LocalDateTime) -> Result<Vec<Switch>> {
        timeline::due(&self.pool, now).await
    }

    async fn apply_schedule(
        &self,
        tenant: &str,
        id: i64,
        now: LocalDateTime,
    ) -> Result<Option<Deployment>> {
        let tenant = tenant.to_owned();
        self.write("plugin.apply-schedule", move |db| async move {
            let mut tx = db.begin_write().await?;
            lock_tenant_plugins(&mut tx, &tenant).await?;
            let pending = match timeline::pending(&mut tx, &tenant, id).await {
                Ok(pending) if pending.effective_at <= now => pending,
                // Applied by another host, cancelled or moved later.
                Ok(_) | Err(StoreError::NotFound(_)) => return Ok(None),
                Err(other) => return Err(other),
            };
            let version = pending.version.clone().unwrap_or_default();
            let target = find(&mut tx, &tenant, &pending.plugin_id, &version).await?;
            let activated = match target.active {
                true => target,
                false => activate_in(&mut tx, &target, pending.effective_at).await?,
            };
            timeline::mark_applied(&mut tx, id, now).await?;
            announce(&mut tx, db.backend, &Change::Plugins { tenant }).await?;
            tx.commit().await?;
            Ok(Some(activated))
        })
        .await
    }

    async fn store_package(&self, archive: &PackageArchive) -> Result<()> {
        packages::store(self, archive).await
    }

    async fn package(&self, digest: &str) -> Result<Option<PackageArchive>> {
        packages::load(self, digest).await
    }

    async fn package_usage(&self, tenant: &str) -> Result<PackageUsage> {
        packages::usage(self, tenant).await
    }

    async fn attach_package(&self, package_path: &str, digest: &str) -> Result<u64> {
        packages::attach(self, package_path, digest).await
    }

    async fn egress_grants(&self, tenant: Option<&str>) -> Result<Vec<EgressGrant>> {
        sqlx::query(&format!(
            "SELECT {GRANT_COLUMNS} FROM egress_grants \
             WHERE ($1 IS NULL OR tenant_id = $1) ORDER BY tenant_id, plugin_id, destination"
        ))
        .bind(tenant)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(grant_from_row)
        .collect()
    }

    async fn set_egress_grants(
        &self,
        tenant: &str,
        plugin_id: &str,
        destinations: &[String],
        granted_by: &str,
    ) -> Result<Vec<EgressGrant>> {
        let mut tx = self.begin_write().await?;
        lock_tenant_plugins(&mut tx, tenant).await?;
        let kept: Vec<String> = sqlx::query(
            "SELECT destination FROM egress_grants WHERE tenant_id = $1 AND plugin_id = $2",
        )
        .bind(tenant)
        .bind(plugin_id)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|row| get(row, "destination"))
        .collect::<Result<_>>()?;
        for gone in kept.iter().filter(|d| !destinations.contains(d)) {
            sqlx::query(
                "DELETE FROM egress_grants \
                 WHERE tenant_id = $1 AND plugin_id = $2 AND destination = $3",
            )
            .bind(tenant)
            .bind(plugin_id)
            .bind(gone)
            .execute(&mut *tx)
            .await?;
        }
        let at = time_text(now());
        for new in destinations.iter().filter(|d| !kept.contains(d)) {
            sqlx::query(&format!(
                "INSERT INTO egress_grants ({GRANT_COLUMNS}) VALUES ($1, $2, $3, $4, $5)"
            ))
            .bind(tenant)
            .bind(plugin_id)
            .bind(new)
            .bind(granted_by)
            .bind(&at)
            .execute(&mut *tx)
            .await?;
        }
        let grants = sqlx::query(&format!(
            "SELECT {GRANT_COLUMNS} FROM egress_grants \
             WHERE tenant_id = $1 AND plugin_id = $2 ORDER BY destination"
        ))
        .bind(tenant)
        .bind(plugin_id)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(grant_from_row)
        .collect::<Result<Vec<_>>>()?;
        let change = Change::Plugins {
            tenant: tenant.to_owned(),
        };
        announce(&mut tx, self.backend, &change).await?;
        tx.commit().await?;
        Ok(grants)
    }
}

/// Owned copies of a call's names, for a unit of work run by [`Db::write`].
fn owned3(a: &str, b: &str, c: &str) -> (String, String, String) {
    (a.to_owned(), b.to_owned(), c.to_owned())
}
