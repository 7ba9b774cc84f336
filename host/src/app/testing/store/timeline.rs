//! The plugin timeline in memory: entries recorded with the switches the
//! deployment port makes, and schedules applied once.

use motcua_domain::time::LocalDateTime;

use super::{Inner, versions_of};
use crate::app::ports::{Deployment, StoreError, StoreResult, Switch, SwitchBy, SwitchKind};

impl Inner {
    /// A switch made at `by.at`, or (`scheduled_for`) one to come.
    pub(super) fn record_switch(
        &mut self,
        (tenant, plugin_id): (&str, &str),
        version: Option<&str>,
        kind: SwitchKind,
        by: SwitchBy<'_>,
        scheduled_for: Option<LocalDateTime>,
    ) -> Switch {
        let (effective_at, applied_at) = match scheduled_for {
            Some(at) => (at, None),
            None => (by.at, Some(by.at)),
        };
        let switch = Switch {
            id: self.next_id(),
            tenant: tenant.to_owned(),
            plugin_id: plugin_id.to_owned(),
            version: version.map(str::to_owned),
            effective_at,
            kind,
            recorded_by: by.user.to_owned(),
            recorded_at: by.at,
            applied_at,
        };
        self.timeline.push(switch.clone());
        switch
    }

    /// The schedule `id` of `tenant`, not applied yet.
    pub(super) fn pending_schedule(&mut self, tenant: &str, id: i64) -> StoreResult<&mut Switch> {
        self.timeline
            .iter_mut()
            .find(|s| {
                s.tenant == tenant
                    && s.id == id
                    && s.kind == SwitchKind::Scheduled
                    && s.applied_at.is_none()
            })
            .ok_or_else(|| StoreError::NotFound(format!("a schedule {id} not yet in effect")))
    }

    pub(super) fn timeline_of(&self, tenant: &str, plugin_id: Option<&str>) -> Vec<Switch> {
        let mut found: Vec<Switch> = self
            .timeline
            .iter()
            .filter(|s| s.tenant == tenant && plugin_id.is_none_or(|id| s.plugin_id == id))
            .cloned()
            .collect();
        found.sort_by(|a, b| {
            (&a.plugin_id, a.effective_at, a.id).cmp(&(&b.plugin_id, b.effective_at, b.id))
        });
        found
    }

    pub(super) fn due(&self, now: LocalDateTime) -> Vec<Switch> {
        let mut due: Vec<Switch> = self
            .timeline
            .iter()
            .filter(|s| {
                s.kind == SwitchKind::Scheduled && s.applied_at.is_none() && s.effective_at <= now
            })
            .cloned()
            .collect();
        due.sort_by_key(|s| (s.effective_at, s.id));
        due
    }

    pub(super) fn apply_schedule(
        &mut self,
        tenant: &str,
        id: i64,
        now: LocalDateTime,
    ) -> StoreResult<Option<Deployment>> {
        let pending = match self.pending_schedule(tenant, id) {
            Ok(pending) if pending.effective_at <= now => pending,
            Ok(_) | Err(StoreError::NotFound(_)) => return Ok(None),
            Err(other) => return Err(other),
        };
        pending.applied_at = Some(now);
        let (plugin_id, version, effective_at) = (
            pending.plugin_id.clone(),
            pending.version.clone().unwrap_or_default(),
            pending.effective_at,
        );
        let versions = versions_of(self, tenant, &plugin_id);
        let target = versions
            .iter()
            .position(|d| d.deployment.version == version)
            .ok_or_else(|| StoreError::NotFound(format!("plugin {plugin_id} version {version}")))?;
        if versions[target].active {
            return Ok(Some(versions[target].clone()));
        }
        let previous = versions
            .iter()
            .find(|d| d.active)
            .map(|d| d.deployment.version.clone());
        Ok(Some(super::switch_to(
            versions,
            target,
            effective_at,
            Some(previous),
        )))
    }
}
