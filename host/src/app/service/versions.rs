//! Which version of a tenant's fee plugin decides for a dossier: the one in
//! force at its receipt by the plugin timeline, schedules included whether
//! a host has applied them yet or not, so every host prices a dossier the
//! same way whenever it is priced. A version that no longer serves here is
//! loaded on demand (its signature checked again) and held beside the
//! serving one.

use std::sync::Arc;

use motcua_domain::time::LocalDateTime;

use crate::app::error::AppError;
use crate::app::hooks::{FeeVersion, HookFailure, HookOutcome};
use crate::app::ports::{
    DeploymentStore, NewDeployment, PackageError, PackageRef, PluginPackages, PreparedPlugin,
    StoreError, Switch,
};
use crate::app::service::TrustKeys;
use motcua_domain::signing::TrustedKey;

/// Why a version cannot decide here.
#[derive(Debug, thiserror::Error)]
pub enum VersionUnavailable {
    #[error("version {version} of `{plugin}` is not deployed")]
    NotDeployed { plugin: String, version: String },
    #[error("version {version} of `{plugin}` does not load: {source}")]
    DoesNotLoad {
        plugin: String,
        version: String,
        #[source]
        source: AppError,
    },
    /// The store or the trust roots could not be read.
    #[error(transparent)]
    Host(#[from] AppError),
}

impl From<VersionUnavailable> for AppError {
    fn from(error: VersionUnavailable) -> Self {
        match error {
            VersionUnavailable::NotDeployed { plugin, version } => {
                AppError::NotFound(format!("plugin {plugin} version {version}"))
            }
            VersionUnavailable::DoesNotLoad { source, .. } => source,
            VersionUnavailable::Host(error) => error,
        }
    }
}

/// The call whose version is chosen, as failures name it.
const CALL: &str = "fee-policy.fee-lines";

/// The version in force at `at` by `timeline` (one plugin's entries): the
/// latest entry effective at or before `at`. Before its first entry the
/// directory's version served; a plugin without entries never had a
/// deployed version, so whatever serves decides.
pub fn in_force(timeline: &[Switch], at: LocalDateTime) -> FeeVersion {
    if timeline.is_empty() {
        return FeeVersion::Serving;
    }
    let entry = timeline
        .iter()
        .filter(|switch| switch.effective_at <= at)
        .max_by_key(|switch| (switch.effective_at, switch.id));
    match entry.and_then(|switch| switch.version.clone()) {
        Some(version) => FeeVersion::Deployed(version),
        None => FeeVersion::Directory,
    }
}

/// Chooses and loads the version of a fee plugin a dossier is priced by.
#[derive(Clone)]
pub struct PluginVersions {
    deployments: Arc<dyn DeploymentStore>,
    packages: Arc<dyn PluginPackages>,
    trust: TrustKeys,
}

impl PluginVersions {
    pub fn new(
        deployments: Arc<dyn DeploymentStore>,
        packages: Arc<dyn PluginPackages>,
        trust: TrustKeys,
    ) -> Self {
        Self {
            deployments,
            packages,
            trust,
        }
    }

    /// The version of `plugin` in force for `tenant` at `received_at`,
    /// loaded here. A version that cannot be loaded (a revoked key, a
    /// missing package) is a failure the caller reports like any failed
    /// call: the statutory fees apply and the note says why.
    pub async fn fee_version(
        &self,
        tenant: &str,
        plugin: &str,
        received_at: LocalDateTime,
    ) -> Result<FeeVersion, HookFailure> {
        let fail = |message: String| HookFailure {
            plugin: plugin.to_owned(),
            call: CALL.into(),
            outcome: HookOutcome::InstantiationFailed,
            message,
        };
        let timeline = self
            .deployments
            .timeline(tenant, Some(plugin))
            .await
            .map_err(|error| fail(format!("the plugin timeline cannot be read: {error}")))?;
        match in_force(&timeline, received_at) {
            FeeVersion::Directory if !self.packages.has_baseline(tenant, plugin) => {
                Ok(FeeVersion::Serving)
            }
            FeeVersion::Deployed(version) => {
                self.load(tenant, plugin, &version)
                    .await
                    .map_err(|error| fail(error.to_string()))?;
                Ok(FeeVersion::Deployed(version))
            }
            other => Ok(other),
        }
    }

    /// `deployment`'s package loaded for `tenant`, ready to go live or to
    /// be held: from this host's copy, or from the store when the host has
    /// none (another host received the upload, or this host's data
    /// directory is new).
    pub async fn prepare(
        &self,
        tenant: &str,
        deployment: &NewDeployment,
        trust: Vec<TrustedKey>,
    ) -> Result<Box<dyn PreparedPlugin>, AppError> {
        let package = match &deployment.package_digest {
            Some(digest) => PackageRef::Stored {
                digest: digest.clone(),
            },
            None => PackageRef::Path(deployment.package_path.clone()),
        };
        match self.packages.prepare(tenant, &package, trust.clone()).await {
            Err(PackageError::NotCached { digest }) => {
                let archive = self.deployments.package(&digest).await?.ok_or_else(|| {
                    StoreError::Corrupt(format!(
                        "{}@{} names package {digest}, which is not stored",
                        deployment.plugin_id, deployment.version
                    ))
                })?;
                self.packages.cache(archive).await?;
                Ok(self.packages.prepare(tenant, &package, trust).await?)
            }
            prepared => Ok(prepared?),
        }
    }

    /// The version of `plugin` running in shadow for `tenant`, loaded; `None`
    /// when there is none, or it cannot run here (logged: the serving
    /// version's decision stands either way).
    pub async fn shadow(&self, tenant: &str, plugin: &str) -> Option<String> {
        let shadow = match self.deployments.shadow(tenant, plugin).await {
            Ok(shadow) => shadow?,
            Err(error) => {
                tracing::warn!(tenant, plugin, %error, "the shadow candidate cannot be read");
                return None;
            }
        };
        match self.load(tenant, plugin, &shadow.version).await {
            Ok(()) => Some(shadow.version),
            Err(error) => {
                tracing::warn!(tenant, plugin, version = %shadow.version, %error, "the shadow candidate does not run");
                None
            }
        }
    }

    /// What runs in shadow for `plugin`, as stored.
    pub async fn current_shadow(
        &self,
        tenant: &str,
        plugin: &str,
    ) -> Result<Option<crate::app::ports::Shadow>, AppError> {
        Ok(self.deployments.shadow(tenant, plugin).await?)
    }

    /// Loads `tenant`'s deployed `version` of `plugin` to decide, unless
    /// it is loaded already.
    pub async fn load(
        &self,
        tenant: &str,
        plugin: &str,
        version: &str,
    ) -> Result<(), VersionUnavailable> {
        if self.packages.holds(tenant, plugin, version) {
            return Ok(());
        }
        let deployment = self
            .deployments
            .deployment_of(tenant, plugin, version)
            .await
            .map_err(AppError::from)?
            .ok_or_else(|| VersionUnavailable::NotDeployed {
                plugin: plugin.to_owned(),
                version: version.to_owned(),
            })?;
        let trust = self.trust.roots_for(tenant).await?;
        let prepared = self
            .prepare(tenant, &deployment.deployment, trust)
            .await
            .map_err(|source| VersionUnavailable::DoesNotLoad {
                plugin: plugin.to_owned(),
                version: version.to_owned(),
                source,
            })?;
        tracing::info!(
            tenant,
            plugin,
            version,
            "plugin version loaded to price dossiers received while it was in force"
        );
        prepared.hold();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::ports::SwitchKind;

    fn at(text: &str) -> LocalDateTime {
        LocalDateTime::parse(text).expect("a local time")
    }

    fn switch(id: i64, version: Option<&str>, effective_at: &str) -> Switch {
        Switch {
            id,
            tenant: "bac-ninh".into(),
            plugin_id: "bac-ninh-fees".into(),
            version: version.map(str::to_owned),
            effective_at: at(effective_at),
            kind: SwitchKind::Activation,
            recorded_by: "admin".into(),
            recorded_at: at("2026-12-01T08:00:00"),
            applied_at: None,
        }
    }

    #[test]
    fn a_plugin_never_deployed_by_its_tenant_is_decided_by_what_serves() {
        assert_eq!(
            in_force(&[], at("2027-01-01T00:00:00")),
            FeeVersion::Serving
        );
    }

    #[test]
    fn the_entry_in_force_at_receipt_decides_even_when_a_later_one_exists() {
        let timeline = [
            switch(1, Some("1.1.0"), "2026-12-01T08:00:00"),
            switch(2, Some("2.0.0"), "2027-01-01T00:00:00"),
        ];
        let version = |text| in_force(&timeline, at(text));
        assert_eq!(version("2026-11-30T23:59:59"), FeeVersion::Directory);
        assert_eq!(
            version("2026-12-31T23:59:59"),
            FeeVersion::Deployed("1.1.0".into())
        );
        assert_eq!(
            version("2027-01-01T00:00:00"),
            FeeVersion::Deployed("2.0.0".into())
        );
    }

    #[test]
    fn a_withdrawal_gives_the_directory_back_and_the_later_of_two_entries_at_one_time_wins() {
        let timeline = [
            switch(1, Some("1.1.0"), "2026-12-01T08:00:00"),
            switch(2, None, "2026-12-02T08:00:00"),
            switch(3, Some("1.2.0"), "2026-12-03T08:00:00"),
            switch(4, Some("1.3.0"), "2026-12-03T08:00:00"),
        ];
        assert_eq!(
            in_force(&timeline, at("2026-12-02T09:00:00")),
            FeeVersion::Directory
        );
        assert_eq!(
            in_force(&timeline, at("2026-12-03T09:00:00")),
            FeeVersion::Deployed("1.3.0".into())
        );
    }
}
