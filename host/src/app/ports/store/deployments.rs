//! Tenants' plugin deployments and activations.

use async_trait::async_trait;
use motcua_domain::time::LocalDateTime;
use serde::Serialize;

use super::StoreResult;
use crate::app::ports::{PackageArchive, PackageUsage};

// --- plugin deployments ---------------------------------------------------------

/// A plugin version uploaded by a tenant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct NewDeployment {
    pub plugin_id: String,
    pub version: String,
    /// sha256 of the component.
    pub digest: String,
    /// sha256 of the package archive, stored once in the store for every
    /// host; `None` for a deployment recorded before packages were.
    pub package_digest: Option<String>,
    /// Where a deployment recorded before packages were kept in the store
    /// found its archive, on the disk of the host that received it (empty
    /// once `package_digest` names it).
    pub package_path: String,
    pub deployed_by: String,
}

/// A deployment as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Deployment {
    pub tenant: String,
    #[serde(flatten)]
    pub deployment: NewDeployment,
    pub deployed_at: LocalDateTime,
    pub active: bool,
    pub activated_at: Option<LocalDateTime>,
    /// The version that was active when this one was activated: where a
    /// rollback goes.
    pub previous_version: Option<String>,
}

/// A destination (`host:port`) a platform operator granted a tenant's
/// deployed connector, which its manifest declared.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct EgressGrant {
    pub tenant: String,
    pub plugin_id: String,
    pub destination: String,
    pub granted_by: String,
    pub granted_at: LocalDateTime,
}

// --- the timeline of what serves -----------------------------------------------

/// How a version came to serve.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SwitchKind {
    /// An admin activated it at once.
    Activation,
    /// An admin scheduled it for `effective_at`.
    Scheduled,
    /// A rollback went back to it.
    Rollback,
    /// No deployed version serves any more: the directory's does.
    Withdrawal,
}

impl SwitchKind {
    pub fn label(self) -> &'static str {
        match self {
            SwitchKind::Activation => "activation",
            SwitchKind::Scheduled => "scheduled",
            SwitchKind::Rollback => "rollback",
            SwitchKind::Withdrawal => "withdrawal",
        }
    }

    pub fn from_label(label: &str) -> Option<Self> {
        [
            SwitchKind::Activation,
            SwitchKind::Scheduled,
            SwitchKind::Rollback,
            SwitchKind::Withdrawal,
        ]
        .into_iter()
        .find(|kind| kind.label() == label)
    }
}

/// From `effective_at` on, `version` of a tenant's plugin decides (`None`:
/// the operator's directory version). Fees of a dossier follow the entry
/// in force at its receipt, applied yet or not.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Switch {
    pub id: i64,
    pub tenant: String,
    pub plugin_id: String,
    pub version: Option<String>,
    /// Local time in Viet Nam.
    pub effective_at: LocalDateTime,
    pub kind: SwitchKind,
    pub recorded_by: String,
    pub recorded_at: LocalDateTime,
    /// When a host put it in service (`None`: a schedule still to come).
    pub applied_at: Option<LocalDateTime>,
}

/// Who switches and when, for the timeline.
#[derive(Clone, Copy, Debug)]
pub struct SwitchBy<'a> {
    pub user: &'a str,
    pub at: LocalDateTime,
}

/// Which plugin versions each tenant has deployed and which one is active.
#[async_trait]
pub trait DeploymentStore: Send + Sync {
    /// Records an uploaded version, inactive. Duplicate if (plugin, version)
    /// exists for the tenant.
    async fn record_deployment(
        &self,
        tenant: &str,
        deployment: &NewDeployment,
    ) -> StoreResult<Deployment>;
    /// All versions, optionally of one plugin, oldest first.
    async fn deployments(
        &self,
        tenant: &str,
        plugin_id: Option<&str>,
    ) -> StoreResult<Vec<Deployment>>;
    /// Version `version` of the plugin, if deployed.
    async fn deployment_of(
        &self,
        tenant: &str,
        plugin_id: &str,
        version: &str,
    ) -> StoreResult<Option<Deployment>> {
        Ok(self
            .deployments(tenant, Some(plugin_id))
            .await?
            .into_iter()
            .find(|d| d.deployment.version == version))
    }
    async fn active_deployment(
        &self,
        tenant: &str,
        plugin_id: &str,
    ) -> StoreResult<Option<Deployment>>;
    /// Makes `version` the only active version of the plugin, remembering
    /// the version it replaces, and enters it in the timeline from `by.at`.
    /// NotFound if not deployed.
    async fn activate(
        &self,
        tenant: &str,
        plugin_id: &str,
        version: &str,
        by: SwitchBy<'_>,
    ) -> StoreResult<Deployment>;
    /// Re-activates the version the active one replaced; repeated rollbacks
    /// walk back through the activation history. NotFound if there is
    /// nothing to roll back to.
    async fn rollback(
        &self,
        tenant: &str,
        plugin_id: &str,
        by: SwitchBy<'_>,
    ) -> StoreResult<Deployment>;
    /// Leaves no version of the plugin active (the operator's directory
    /// serves it again); returns the version that was active, if any.
    async fn deactivate(
        &self,
        tenant: &str,
        plugin_id: &str,
        by: SwitchBy<'_>,
    ) -> StoreResult<Option<Deployment>>;
    /// What served and will serve `tenant`'s plugins (or one of them):
    /// by plugin, then effective time, then entry.
    async fn timeline(&self, tenant: &str, plugin_id: Option<&str>) -> StoreResult<Vec<Switch>>;
    /// Schedules deployed `version` to serve from `effective_at`. NotFound
    /// if not deployed.
    async fn schedule(
        &self,
        tenant: &str,
        plugin_id: &str,
        version: &str,
        effective_at: LocalDateTime,
        by: SwitchBy<'_>,
    ) -> StoreResult<Switch>;
    /// Moves a schedule not applied yet; NotFound if there is none `id`
    /// (or it was applied).
    async fn reschedule(
        &self,
        tenant: &str,
        id: i64,
        effective_at: LocalDateTime,
    ) -> StoreResult<Switch>;
    /// Drops a schedule not applied yet; NotFound as for `reschedule`.
    async fn cancel_schedule(&self, tenant: &str, id: i64) -> StoreResult<Switch>;
    /// The candidate running in shadow for `plugin_id`, if any.
    async fn shadow(&self, tenant: &str, plugin_id: &str) -> StoreResult<Option<super::Shadow>>;
    /// Runs deployed `version` in shadow (replacing another candidate), or
    /// with `None` stops the shadow; what runs in shadow now. NotFound if
    /// the version is not deployed.
    async fn set_shadow(
        &self,
        tenant: &str,
        plugin_id: &str,
        version: Option<&str>,
        by: SwitchBy<'_>,
    ) -> StoreResult<Option<super::Shadow>>;
    /// Schedules of every tenant due at `now` and not applied yet.
    async fn due_schedules(&self, now: LocalDateTime) -> StoreResult<Vec<Switch>>;
    /// Puts a due schedule in service (as `activate` does, the version it
    /// replaces remembered) and marks it applied at `now`. `None` when
    /// another host applied it first or it was cancelled.
    async fn apply_schedule(
        &self,
        tenant: &str,
        id: i64,
        now: LocalDateTime,
    ) -> StoreResult<Option<Deployment>>;
    /// Stores a package archive under its digest, once: storing the same
    /// bytes again changes nothing.
    async fn store_package(&self, archive: &PackageArchive) -> StoreResult<()>;
    /// The archive stored under `digest`, if any.
    async fn package(&self, digest: &str) -> StoreResult<Option<PackageArchive>>;
    /// What the archives `tenant`'s deployments name take together.
    async fn package_usage(&self, tenant: &str) -> StoreResult<PackageUsage>;
    /// Names the stored archive `digest` as the package of every
    /// deployment recorded with `package_path` before packages were kept
    /// in the store; how many it named.
    async fn attach_package(&self, package_path: &str, digest: &str) -> StoreResult<u64>;
    /// The egress grants of `tenant`'s plugins, or of every tenant.
    async fn egress_grants(&self, tenant: Option<&str>) -> StoreResult<Vec<EgressGrant>>;
    /// Replaces what `plugin_id` of `tenant` is granted with `destinations`
    /// (kept grants keep their time and grantor); the grants now in force.
    async fn set_egress_grants(
        &self,
        tenant: &str,
        plugin_id: &str,
        destinations: &[String],
        granted_by: &str,
    ) -> StoreResult<Vec<EgressGrant>>;
}
