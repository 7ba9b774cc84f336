//! Effective-dated activation: a tenant admin schedules a deployed version
//! to take over at a local time (a council resolution effective 2027-01-01
//! 00:00); the schedule stays editable until then. Fees follow it from that
//! moment whatever a host is doing ([`super::versions`]); each host applies
//! due schedules to what it serves ([`PluginAdmin::apply_due`]), and of
//! several hosts on one database one applies each schedule and the others
//! follow the change.

use std::collections::BTreeSet;
use std::sync::Mutex;
use std::time::Duration;

use motcua_domain::tenancy::User;
use motcua_domain::time::LocalDateTime;
use serde::Deserialize;

use super::plugins::{MANAGE_PLUGINS, PluginAdmin};
use crate::app::access::ensure_admin;
use crate::app::error::AppError;
use crate::app::ports::{Shadow, Switch};

/// `POST /tenants/{t}/plugins/{id}/schedule`.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleVersion {
    /// A deployed version of the plugin.
    pub version: String,
    /// Local time in Viet Nam, later than now, e.g. `2027-01-01T00:00:00`.
    pub effective_at: LocalDateTime,
}

/// `PATCH /tenants/{t}/plugin-schedules/{id}`.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Reschedule {
    pub effective_at: LocalDateTime,
}

/// `PUT /tenants/{t}/plugins/{id}/shadow`.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShadowVersion {
    /// A deployed version of the plugin, not the serving one.
    pub version: String,
}

/// How often a host looks for schedules that came due.
pub const SCHEDULE_CHECK_INTERVAL: Duration = Duration::from_secs(1);

impl PluginAdmin {
    /// Schedule a deployed version to take over at `effective_at`. The
    /// version is loaded now (its signature checked), so a package that
    /// would not load is refused today rather than failing at midnight.
    pub async fn schedule(
        &self,
        user: &User,
        tenant: &str,
        plugin_id: &str,
        request: ScheduleVersion,
    ) -> Result<Switch, AppError> {
        ensure_admin(user, tenant, MANAGE_PLUGINS)?;
        self.ensure_future(request.effective_at)?;
        let _switching = self.switching.lock().await;
        self.versions()
            .load(tenant, plugin_id, &request.version)
            .await?;
        let scheduled = self
            .deployments
            .schedule(
                tenant,
                plugin_id,
                &request.version,
                request.effective_at,
                self.by(user),
            )
            .await?;
        tracing::info!(
            tenant,
            plugin = plugin_id,
            version = %request.version,
            effective_at = %request.effective_at,
            by = %user.id,
            "plugin version scheduled"
        );
        Ok(scheduled)
    }

    /// Move a schedule that has not taken effect.
    pub async fn reschedule(
        &self,
        user: &User,
        tenant: &str,
        id: i64,
        request: Reschedule,
    ) -> Result<Switch, AppError> {
        ensure_admin(user, tenant, MANAGE_PLUGINS)?;
        self.ensure_future(request.effective_at)?;
        let _switching = self.switching.lock().await;
        let moved = self
            .deployments
            .reschedule(tenant, id, request.effective_at)
            .await?;
        tracing::info!(tenant, schedule = id, effective_at = %request.effective_at, by = %user.id, "plugin schedule moved");
        Ok(moved)
    }

    /// Drop a schedule that has not taken effect.
    pub async fn cancel_schedule(
        &self,
        user: &User,
        tenant: &str,
        id: i64,
    ) -> Result<Switch, AppError> {
        ensure_admin(user, tenant, MANAGE_PLUGINS)?;
        let _switching = self.switching.lock().await;
        let cancelled = self.deployments.cancel_schedule(tenant, id).await?;
        tracing::info!(tenant, schedule = id, by = %user.id, "plugin schedule cancelled");
        Ok(cancelled)
    }

    /// Run deployed `version` of `plugin_id` in shadow beside the serving
    /// version (replacing another candidate), or stop the shadow (`None`).
    /// The version is loaded now, so one that would not run is refused.
    pub async fn set_shadow(
        &self,
        user: &User,
        tenant: &str,
        plugin_id: &str,
        version: Option<String>,
    ) -> Result<Option<Shadow>, AppError> {
        ensure_admin(user, tenant, MANAGE_PLUGINS)?;
        if let Some(version) = &version {
            self.versions().load(tenant, plugin_id, version).await?;
        }
        let shadow = self
            .deployments
            .set_shadow(tenant, plugin_id, version.as_deref(), self.by(user))
            .await?;
        tracing::info!(tenant, plugin = plugin_id, shadow = ?shadow.as_ref().map(|s| &s.version), by = %user.id, "plugin shadow changed");
        Ok(shadow)
    }

    fn ensure_future(&self, effective_at: LocalDateTime) -> Result<(), AppError> {
        let now = self.clock.now();
        if effective_at <= now {
            return Err(AppError::invalid(
                "effective_at",
                format!(
                    "must be later than now ({now}); activate the version to put it in service at once"
                ),
            ));
        }
        Ok(())
    }

    /// Put every schedule due now in service here: the one host that
    /// applies it in the store swaps it in; the others follow the change.
    /// A version that does not load is reported once and left pending (its
    /// dossiers' fees fall back to the statutory ones, noting why).
    /// `id@version`s now serving.
    pub async fn apply_due(
        &self,
        reported: &Mutex<BTreeSet<i64>>,
    ) -> Result<Vec<String>, AppError> {
        let now = self.clock.now();
        let mut applied = Vec::new();
        for due in self.deployments.due_schedules(now).await? {
            let _switching = self.switching.lock().await;
            let (tenant, plugin_id) = (due.tenant.as_str(), due.plugin_id.as_str());
            let version = due.version.clone().unwrap_or_default();
            let Some(deployment) = self
                .deployments
                .deployment_of(tenant, plugin_id, &version)
                .await?
            else {
                continue;
            };
            let trust = self.trust.roots_for(tenant).await?;
            let prepared = match self
                .versions()
                .prepare(tenant, &deployment.deployment, trust)
                .await
            {
                Ok(prepared) => prepared,
                Err(error) => {
                    let mut reported = reported.lock().unwrap_or_else(|p| p.into_inner());
                    if reported.insert(due.id) {
                        tracing::error!(tenant, plugin = plugin_id, %version, %error, "a scheduled plugin version does not load; it stays pending");
                    }
                    continue;
                }
            };
            if self
                .deployments
                .apply_schedule(tenant, due.id, now)
                .await?
                .is_some()
            {
                let replaced = prepared.go_live();
                tracing::info!(
                    tenant,
                    plugin = plugin_id,
                    %version,
                    effective_at = %due.effective_at,
                    replaced = replaced.as_deref().unwrap_or("-"),
                    "scheduled plugin version in service"
                );
                applied.push(format!("{plugin_id}@{version}"));
            }
        }
        Ok(applied)
    }

    /// Apply due schedules every `interval` until `stop` resolves.
    pub async fn keep_schedules(
        self,
        interval: Duration,
        stop: impl std::future::Future<Output = ()>,
    ) {
        let reported = Mutex::new(BTreeSet::new());
        tokio::pin!(stop);
        loop {
            if let Err(error) = self.apply_due(&reported).await {
                tracing::warn!(%error, "plugin schedules not applied this time");
            }
            tokio::select! {
                _ = &mut stop => return,
                _ = tokio::time::sleep(interval) => {}
            }
        }
    }
}
