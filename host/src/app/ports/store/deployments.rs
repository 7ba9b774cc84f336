//! Tenants' plugin deployments and activations.

use async_trait::async_trait;
use motcua_domain::time::LocalDateTime;
use serde::Serialize;

use super::StoreResult;

// --- plugin deployments ---------------------------------------------------------

/// A plugin version uploaded by a tenant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct NewDeployment {
    pub plugin_id: String,
    pub version: String,
    /// sha256 of the component.
    pub digest: String,
    /// Where the package was stored on disk.
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
    async fn active_deployment(
        &self,
        tenant: &str,
        plugin_id: &str,
    ) -> StoreResult<Option<Deployment>>;
    /// Makes `version` the only active version of the plugin, remembering
    /// the version it replaces. NotFound if not deployed.
    async fn activate(
        &self,
        tenant: &str,
        plugin_id: &str,
        version: &str,
    ) -> StoreResult<Deployment>;
    /// Re-activates the version the active one replaced; repeated rollbacks
    /// walk back through the activation history. NotFound if there is
    /// nothing to roll back to.
    async fn rollback(&self, tenant: &str, plugin_id: &str) -> StoreResult<Deployment>;
    /// Leaves no version of the plugin active (the operator's directory
    /// serves it again); returns the version that was active, if any.
    async fn deactivate(&self, tenant: &str, plugin_id: &str) -> StoreResult<Option<Deployment>>;
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
