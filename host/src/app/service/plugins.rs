//! Tenant admins deploy their own plugin versions, activate one, roll back.
//!
//! A version is verified and stored before anything is recorded, so a bad
//! package leaves no trace. Its archive is stored once in the store, keyed
//! by its digest, so every host of the database loads it from there (the
//! runtime keeps a copy and asks for the bytes when it has none).
//! Activation loads the version first, persists it, and only then swaps it
//! in: the live set never runs a version the store does not name as
//! active. Activations of one host are serialised so the
//! order they are persisted in is the order they go live in.

use std::collections::BTreeMap;
use std::sync::Arc;

use motcua_domain::tenancy::User;
use motcua_domain::time::LocalDateTime;
use serde::Serialize;
use tokio::sync::Mutex;

use crate::app::access::{ensure_admin, ensure_operator};
use crate::app::clock::Clock;
use crate::app::error::{AppError, FieldProblem};
use crate::app::ports::{
    Deployment, DeploymentStore, EgressGrant, LivePlugin, NewDeployment, PackageError,
    PackageFormat, PluginLoadFailure, PluginPackages, PluginSource, PluginSummary, PreparedPlugin,
    SignatureStatus, StoreError, Switch, SwitchBy, TenantStore,
};
use crate::app::service::TrustKeys;
use crate::app::service::versions::PluginVersions;
use motcua_domain::signing::{KeyScope, TrustedKey};

/// Largest package accepted unless configured otherwise.
pub const DEFAULT_MAX_PACKAGE_BYTES: usize = 32 * 1024 * 1024;

/// A deployed version as its tenant sees it (the host's storage path is
/// the host's business).
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct DeployedVersion {
    pub plugin_id: String,
    pub version: String,
    /// sha256 of the component.
    pub digest: String,
    pub deployed_by: String,
    pub deployed_at: LocalDateTime,
    pub active: bool,
    pub activated_at: Option<LocalDateTime>,
    /// Where a rollback from this version goes (`None`: the operator's
    /// directory version, if there is one).
    pub previous_version: Option<String>,
}

impl From<Deployment> for DeployedVersion {
    fn from(d: Deployment) -> Self {
        Self {
            plugin_id: d.deployment.plugin_id,
            version: d.deployment.version,
            digest: d.deployment.digest,
            deployed_by: d.deployment.deployed_by,
            deployed_at: d.deployed_at,
            active: d.active,
            activated_at: d.activated_at,
            previous_version: d.previous_version,
        }
    }
}

/// The answer to a deployment.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Deployed {
    #[serde(flatten)]
    pub deployment: DeployedVersion,
    pub kinds: Vec<String>,
    /// Golden cases the package ships; all passed.
    pub golden_cases: usize,
    /// What serves now, when the deployment was activated at once.
    pub activation: Option<Activation>,
}

/// What serves a plugin of a tenant after an activation or a rollback.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Activation {
    pub plugin_id: String,
    /// `id@version` now serving, `None` when nothing does any more.
    pub serving: Option<String>,
    pub source: PluginSource,
    /// `id@version` it replaced.
    pub replaced: Option<String>,
    /// The active deployed version (`None` after a rollback to the
    /// directory's version).
    pub deployment: Option<DeployedVersion>,
}

/// One plugin of a tenant: what serves, and its deployed versions.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct TenantPlugin {
    pub id: String,
    pub serving: Option<LivePlugin>,
    pub active_version: Option<String>,
    /// Oldest first.
    pub versions: Vec<DeployedVersion>,
    /// What served and will serve, by effective time: activations,
    /// rollbacks, withdrawals, and versions scheduled to take over (not
    /// applied yet while `applied_at` is empty).
    pub timeline: Vec<Switch>,
}

/// `GET /tenants/{t}/plugins`.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct TenantPlugins {
    /// The tenant's own plugins, deployed or from the operator's directory.
    pub plugins: Vec<TenantPlugin>,
    /// Platform-wide plugins the tenant uses.
    pub platform: Vec<LivePlugin>,
}

#[derive(Clone)]
pub struct PluginAdmin {
    pub(super) deployments: Arc<dyn DeploymentStore>,
    pub(super) packages: Arc<dyn PluginPackages>,
    /// The signing keys packages are checked against.
    pub(super) trust: TrustKeys,
    max_package_bytes: usize,
    /// Serialises activation, rollback and the swap that follows.
    pub(super) switching: Arc<Mutex<()>>,
    pub(super) clock: Arc<dyn Clock>,
}

/// What the plugin administrators do.
pub(super) const MANAGE_PLUGINS: &str = "manage the tenant's plugins";

impl From<PackageError> for AppError {
    fn from(error: PackageError) -> Self {
        match error {
            PackageError::Rejected { field, message } => AppError::invalid(field, message),
            PackageError::Host(message) => {
                AppError::Store(StoreError::Invalid(format!("plugin package: {message}")))
            }
            // The use case fetches the archive and asks again; reaching
            // here means the runtime refused the bytes it was handed.
            error @ PackageError::NotCached { .. } => {
                AppError::Store(StoreError::Invalid(error.to_string()))
            }
        }
    }
}

impl PluginAdmin {
    pub fn new(
        deployments: Arc<dyn DeploymentStore>,
        packages: Arc<dyn PluginPackages>,
        trust: TrustKeys,
        max_package_bytes: usize,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            deployments,
            packages,
            trust,
            max_package_bytes,
            switching: Arc::default(),
            clock,
        }
    }

    /// Who switches now, for the timeline.
    pub(super) fn by<'a>(&self, user: &'a User) -> SwitchBy<'a> {
        SwitchBy {
            user: &user.id,
            at: self.clock.now(),
        }
    }

    /// The versions fees are decided by, over the same stores.
    pub fn versions(&self) -> PluginVersions {
        PluginVersions::new(
            self.deployments.clone(),
            self.packages.clone(),
            self.trust.clone(),
        )
    }

    /// The largest package body accepted.
    pub fn max_package_bytes(&self) -> usize {
        self.max_package_bytes
    }

    /// Whether `user` may manage `tenant`'s plugins: checked before a
    /// large body is read.
    pub fn authorize(&self, user: &User, tenant: &str) -> Result<(), AppError> {
        ensure_admin(user, tenant, MANAGE_PLUGINS)
    }

    /// Verify, store and record a package; activate it too when asked.
    pub async fn deploy(
        &self,
        user: &User,
        tenant: &str,
        format: PackageFormat,
        bytes: Vec<u8>,
        activate: bool,
    ) -> Result<Deployed, AppError> {
        ensure_admin(user, tenant, MANAGE_PLUGINS)?;
        if bytes.is_empty() {
            return Err(AppError::invalid("body", "the package is empty"));
        }
        if bytes.len() > self.max_package_bytes {
            return Err(AppError::invalid(
                "body",
                format!(
                    "the package is larger than the limit of {} bytes",
                    self.max_package_bytes
                ),
            ));
        }
        let trust = self.trust.roots_for(tenant).await?;
        let usage = self.deployments.package_usage(tenant).await?;
        let package = self
            .packages
            .verify(tenant, format, bytes.into(), trust, usage)
            .await?;
        // Stored for every host before the deployment names it.
        self.deployments.store_package(&package.archive).await?;
        let recorded = self
            .deployments
            .record_deployment(
                tenant,
                &NewDeployment {
                    plugin_id: package.plugin_id.clone(),
                    version: package.version.clone(),
                    digest: package.digest.clone(),
                    package_digest: Some(package.archive.digest.clone()),
                    package_path: String::new(),
                    deployed_by: user.id.clone(),
                },
            )
            .await?;
        tracing::info!(
            tenant,
            plugin = %package.plugin_id,
            version = %package.version,
            digest = %package.digest,
            by = %user.id,
            "plugin version deployed"
        );
        let activation = if activate {
            Some(
                self.activate(user, tenant, &package.plugin_id, &package.version)
                    .await?,
            )
        } else {
            None
        };
        let mut deployment = DeployedVersion::from(recorded);
        if let Some(Activation {
            deployment: Some(active),
            ..
        }) = &activation
        {
            deployment = active.clone();
        }
        Ok(Deployed {
            deployment,
            kinds: package.kinds,
            golden_cases: package.golden_cases,
            activation,
        })
    }

    /// The plugins serving `tenant` now (its own, then platform-wide ones),
    /// as a catalog binding is checked against them.
    pub fn served(&self, tenant: &str) -> Vec<PluginSummary> {
        self.packages
            .serving(tenant)
            .into_iter()
            .map(|plugin| plugin.summary)
            .collect()
    }

    /// The tenant's plugins with their versions, and the platform-wide
    /// plugins it uses.
    pub async fn list(&self, user: &User, tenant: &str) -> Result<TenantPlugins, AppError> {
        ensure_admin(user, tenant, MANAGE_PLUGINS)?;
        let deployments = self.deployments.deployments(tenant, None).await?;
        let timeline = self.deployments.timeline(tenant, None).await?;
        let roots = self.trust.roots_for(tenant).await?;
        let serving = self.packages.serving(tenant).into_iter().map(|mut plugin| {
            plugin.signature = signature_status(&plugin.summary, &roots);
            plugin
        });
        let (own, platform): (Vec<LivePlugin>, Vec<LivePlugin>) =
            serving.partition(|plugin| plugin.summary.tenant.as_deref() == Some(tenant));
        let mut ids: Vec<String> = own
            .iter()
            .map(|plugin| plugin.summary.id.clone())
            .chain(deployments.iter().map(|d| d.deployment.plugin_id.clone()))
            .collect();
        ids.extend(timeline.iter().map(|switch| switch.plugin_id.clone()));
        ids.sort();
        ids.dedup();
        let plugins = ids
            .into_iter()
            .map(|id| {
                let versions: Vec<DeployedVersion> = deployments
                    .iter()
                    .filter(|d| d.deployment.plugin_id == id)
                    .cloned()
                    .map(DeployedVersion::from)
                    .collect();
                TenantPlugin {
                    serving: own.iter().find(|p| p.summary.id == id).cloned(),
                    active_version: versions
                        .iter()
                        .find(|v| v.active)
                        .map(|v| v.version.clone()),
                    versions,
                    timeline: timeline
                        .iter()
                        .filter(|switch| switch.plugin_id == id)
                        .cloned()
                        .collect(),
                    id,
                }
            })
            .collect();
        Ok(TenantPlugins { plugins, platform })
    }

    /// Make a deployed version the live one, persisted.
    pub async fn activate(
        &self,
        user: &User,
        tenant: &str,
        plugin_id: &str,
        version: &str,
    ) -> Result<Activation, AppError> {
        ensure_admin(user, tenant, MANAGE_PLUGINS)?;
        let _switching = self.switching.lock().await;
        let target = self
            .deployments
            .deployment_of(tenant, plugin_id, version)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("plugin {plugin_id} version {version}")))?;
        let prepared = self
            .load(
                tenant,
                &target.deployment,
                self.trust.roots_for(tenant).await?,
            )
            .await?;
        let active = self
            .deployments
            .activate(tenant, plugin_id, version, self.by(user))
            .await?;
        let serving = format!("{}@{}", prepared.plugin_id(), prepared.version());
        let replaced = prepared.go_live();
        tracing::info!(
            tenant,
            plugin = plugin_id,
            version,
            replaced = replaced.as_deref().unwrap_or("-"),
            by = %user.id,
            "plugin version activated"
        );
        Ok(Activation {
            plugin_id: plugin_id.to_string(),
            serving: Some(serving),
            source: PluginSource::Deployment,
            replaced,
            deployment: Some(active.into()),
        })
    }

    /// Go back to the version the active one replaced: an earlier deployed
    /// version, or the operator's directory version.
    pub async fn rollback(
        &self,
        user: &User,
        tenant: &str,
        plugin_id: &str,
    ) -> Result<Activation, AppError> {
        ensure_admin(user, tenant, MANAGE_PLUGINS)?;
        let _switching = self.switching.lock().await;
        let versions = self
            .deployments
            .deployments(tenant, Some(plugin_id))
            .await?;
        if versions.is_empty() {
            return Err(AppError::NotFound(format!("deployed plugin {plugin_id}")));
        }
        let current = versions.iter().find(|d| d.active).ok_or_else(|| {
            AppError::Conflict(format!(
                "no deployed version of {plugin_id} is active: nothing to roll back"
            ))
        })?;
        let from = format!("{plugin_id}@{}", current.deployment.version);
        let activation = match &current.previous_version {
            Some(previous) => {
                let target = versions
                    .iter()
                    .find(|d| &d.deployment.version == previous)
                    .ok_or_else(|| {
                        AppError::NotFound(format!("plugin {plugin_id} version {previous}"))
                    })?;
                let trust = self.trust.roots_for(tenant).await?;
                let prepared = self.load(tenant, &target.deployment, trust.clone()).await?;
                let active = self
                    .deployments
                    .rollback(tenant, plugin_id, self.by(user))
                    .await?;
                let prepared = if active.deployment.version == prepared.version() {
                    prepared
                } else {
                    // Another host moved the history meanwhile: serve what
                    // the store now names.
                    self.load(tenant, &active.deployment, trust).await?
                };
                let serving = format!("{}@{}", prepared.plugin_id(), prepared.version());
                let replaced = prepared.go_live();
                Activation {
                    plugin_id: plugin_id.to_string(),
                    serving: Some(serving),
                    source: PluginSource::Deployment,
                    replaced,
                    deployment: Some(active.into()),
                }
            }
            None if self.packages.has_baseline(tenant, plugin_id) => {
                self.deployments
                    .deactivate(tenant, plugin_id, self.by(user))
                    .await?;
                let serving = self.packages.restore_baseline(tenant, plugin_id);
                Activation {
                    plugin_id: plugin_id.to_string(),
                    serving,
                    source: PluginSource::Directory,
                    replaced: Some(from.clone()),
                    deployment: None,
                }
            }
            None => {
                return Err(AppError::Conflict(format!(
                    "{from} replaced no other version: nothing to roll back to"
                )));
            }
        };
        tracing::info!(
            tenant,
            plugin = plugin_id,
            from = %from,
            to = activation.serving.as_deref().unwrap_or("-"),
            by = %user.id,
            "plugin version rolled back"
        );
        Ok(activation)
    }

    /// A platform operator grants `tenant`'s deployed plugin `plugin_id` the
    /// destinations it may reach: the second key of a connector's egress
    /// (its manifest declared them). Replaces what it was granted; an empty
    /// list revokes everything. Effective from the next request.
    pub async fn grant_egress(
        &self,
        user: &User,
        tenant: &str,
        plugin_id: &str,
        destinations: Vec<String>,
    ) -> Result<Vec<EgressGrant>, AppError> {
        ensure_operator(user, "grant a tenant's plugin network egress")?;
        let live = self
            .packages
            .serving(tenant)
            .into_iter()
            .find(|p| p.summary.id == plugin_id && p.source == PluginSource::Deployment)
            .ok_or_else(|| {
                AppError::NotFound(format!("deployed plugin {plugin_id} of tenant {tenant}"))
            })?;
        let destinations: Vec<String> = destinations
            .iter()
            .map(|d| d.trim().to_ascii_lowercase())
            .collect();
        let problems: Vec<FieldProblem> = destinations
            .iter()
            .enumerate()
            .filter(|(_, d)| !live.egress_declared.contains(d))
            .map(|(i, d)| {
                FieldProblem::new(
                    format!("granted[{i}]"),
                    format!(
                        "`{d}` is not declared in the plugin's [egress] allow (it declares: {})",
                        match live.egress_declared.is_empty() {
                            true => "nothing".to_string(),
                            false => live.egress_declared.join(", "),
                        }
                    ),
                )
            })
            .collect();
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        let grants = self
            .deployments
            .set_egress_grants(tenant, plugin_id, &destinations, &user.id)
            .await?;
        self.packages
            .grant_egress(tenant, plugin_id, &destinations)?;
        tracing::info!(tenant, plugin = plugin_id, granted = ?destinations, by = %user.id, "egress grants changed");
        Ok(grants)
    }

    /// Make what serves `tenant` on this host match what the store names
    /// active, after another host activated, rolled back or deactivated a
    /// version or changed egress grants: an active version not serving
    /// here goes live, a deployed version no longer active gives way to
    /// the directory's, and every deployed plugin reaches what the store
    /// grants it. Serialised with this host's own switches. What changed
    /// (`id@version`, `id egress`); a version that does not load here is
    /// reported and skipped.
    pub async fn follow(&self, tenant: &str) -> Result<Vec<String>, AppError> {
        let _switching = self.switching.lock().await;
        let active: Vec<Deployment> = self
            .deployments
            .deployments(tenant, None)
            .await?
            .into_iter()
            .filter(|d| d.active)
            .collect();
        let deployed_here: Vec<PluginSummary> = self
            .packages
            .serving(tenant)
            .into_iter()
            .filter(|p| p.source == PluginSource::Deployment)
            .map(|p| p.summary)
            .collect();
        let mut changed = Vec::new();
        for deployment in &active {
            let (id, version) = (
                &deployment.deployment.plugin_id,
                &deployment.deployment.version,
            );
            if deployed_here
                .iter()
                .any(|p| &p.id == id && &p.version == version)
            {
                continue;
            }
            let trust = self.trust.roots_for(tenant).await?;
            match self.load(tenant, &deployment.deployment, trust).await {
                Ok(prepared) => {
                    prepared.go_live();
                    tracing::info!(tenant, plugin = %id, version = %version, "followed another host: plugin version live");
                    changed.push(format!("{id}@{version}"));
                }
                Err(error) => {
                    tracing::error!(tenant, plugin = %id, version = %version, %error, "followed another host: plugin version does not load here");
                }
            }
        }
        for plugin in &deployed_here {
            if !active.iter().any(|d| d.deployment.plugin_id == plugin.id) {
                let serving = self.packages.restore_baseline(tenant, &plugin.id);
                tracing::info!(tenant, plugin = %plugin.id, serving = serving.as_deref().unwrap_or("-"), "followed another host: deployed version withdrawn");
                changed.push(serving.unwrap_or_else(|| plugin.id.clone()));
            }
        }
        changed.extend(self.follow_grants(tenant).await?);
        Ok(changed)
    }

    /// [`PluginAdmin::follow`]'s egress part: each deployed plugin of
    /// `tenant` reaches exactly what the store grants it (nothing once
    /// revoked), also one not serving yet.
    async fn follow_grants(&self, tenant: &str) -> Result<Vec<String>, AppError> {
        let mut stored: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for grant in self.deployments.egress_grants(Some(tenant)).await? {
            stored
                .entry(grant.plugin_id)
                .or_default()
                .push(grant.destination);
        }
        let mut changed = Vec::new();
        let deployed_here = self
            .packages
            .serving(tenant)
            .into_iter()
            .filter(|p| p.source == PluginSource::Deployment);
        for live in deployed_here {
            let granted = stored.remove(&live.summary.id).unwrap_or_default();
            let mut here = live.egress_granted.unwrap_or_default();
            here.sort();
            let mut wanted = granted.clone();
            wanted.sort();
            if here != wanted {
                self.packages
                    .grant_egress(tenant, &live.summary.id, &granted)?;
                tracing::info!(tenant, plugin = %live.summary.id, granted = ?granted, "followed another host: egress grants");
                changed.push(format!("{} egress", live.summary.id));
            }
        }
        for (plugin, destinations) in stored {
            self.packages.grant_egress(tenant, &plugin, &destinations)?;
        }
        Ok(changed)
    }

    /// `deployment`'s package loaded for `tenant`, ready to go live
    /// ([`PluginVersions::prepare`]).
    async fn load(
        &self,
        tenant: &str,
        deployment: &NewDeployment,
        trust: Vec<TrustedKey>,
    ) -> Result<Box<dyn PreparedPlugin>, AppError> {
        self.versions().prepare(tenant, deployment, trust).await
    }

    /// Deployments recorded before packages were kept in the store name an
    /// archive on the disk of the host that received it: that host stores
    /// it, so every other host can load it too. Another host's archive is
    /// left to that host (this one keeps loading nothing it cannot read);
    /// a failure is logged and retried at the next start.
    async fn store_legacy_packages(&self, tenant: &str, deployments: &mut [Deployment]) {
        for deployment in deployments
            .iter_mut()
            .filter(|d| d.deployment.package_digest.is_none())
        {
            let path = deployment.deployment.package_path.clone();
            let stored = async {
                let Some(archive) = self.packages.read_legacy(&path).await? else {
                    return Ok::<_, AppError>(None);
                };
                self.deployments.store_package(&archive).await?;
                self.deployments
                    .attach_package(&path, &archive.digest)
                    .await?;
                Ok(Some(archive.digest))
            };
            match stored.await {
                Ok(Some(digest)) => {
                    tracing::info!(tenant, plugin = %deployment.deployment.plugin_id, version = %deployment.deployment.version, %digest, "package of an earlier deployment stored for every host");
                    deployment.deployment.package_digest = Some(digest);
                }
                Ok(None) => {}
                Err(error) => {
                    tracing::warn!(tenant, package = %path, %error, "could not store the package of an earlier deployment");
                }
            }
        }
    }

    /// At start: put every tenant's active deployed version in service, over
    /// the directory's. A version that no longer loads is reported and the
    /// directory's version keeps serving.
    pub async fn resume_active(
        &self,
        tenants: &dyn TenantStore,
    ) -> Result<Vec<PluginLoadFailure>, AppError> {
        let mut failures = Vec::new();
        let mut grants: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
        for grant in self.deployments.egress_grants(None).await? {
            grants
                .entry((grant.tenant, grant.plugin_id))
                .or_default()
                .push(grant.destination);
        }
        for ((tenant, plugin), destinations) in grants {
            self.packages
                .grant_egress(&tenant, &plugin, &destinations)?;
        }
        for tenant in tenants.tenants().await? {
            let trust = self.trust.roots_for(&tenant.id).await?;
            let mut deployments = self.deployments.deployments(&tenant.id, None).await?;
            self.store_legacy_packages(&tenant.id, &mut deployments)
                .await;
            let active = deployments.into_iter().filter(|d| d.active);
            for deployment in active {
                let reference = format!(
                    "{}@{}",
                    deployment.deployment.plugin_id, deployment.deployment.version
                );
                match self
                    .load(&tenant.id, &deployment.deployment, trust.clone())
                    .await
                {
                    Ok(prepared) => {
                        prepared.go_live();
                        tracing::info!(tenant = %tenant.id, plugin = %reference, "deployed plugin version resumed");
                    }
                    Err(error) => {
                        tracing::error!(tenant = %tenant.id, plugin = %reference, %error, "deployed plugin version not resumed");
                        failures.push(PluginLoadFailure {
                            source: format!("tenant {} deployment {reference}", tenant.id),
                            error: error.to_string(),
                        });
                    }
                }
            }
        }
        Ok(failures)
    }
}

/// Where the key that signed `plugin` stands among `roots` (the tenant's
/// and the platform's keys); `None` for an unsigned plugin.
fn signature_status(plugin: &PluginSummary, roots: &[TrustedKey]) -> Option<SignatureStatus> {
    let key_id = plugin.signed_by.clone()?;
    let package_of = KeyScope::of(plugin.tenant.as_deref());
    let vouching: Vec<&TrustedKey> =
        motcua_domain::signing::vouching(&key_id, &package_of, roots).collect();
    Some(SignatureStatus {
        trusted: vouching.iter().any(|key| key.revoked_at.is_none()),
        revoked: vouching.iter().any(|key| key.revoked_at.is_some()),
        key_id,
    })
}
