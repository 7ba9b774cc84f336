//! The plugins a catalog binding is checked against, as the command line
//! knows them without running the host (`motcua catalog load`, `motcua
//! tenant onboard`; the rule: `docs/onboarding.md`).

use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::app::ports::{DeploymentStore, PluginSummary};
use crate::plugin::{Manifest, package};
use crate::storage::Db;

/// The plugins that would serve `tenant`, as the command line can know
/// them without running the host: the packages of the operator's plugins
/// directory made for it or platform-wide, overridden by the tenant's
/// active deployed versions (read from their stored packages).
pub async fn served_plugins(
    plugins_dir: &Path,
    data_dir: &Path,
    db: &Db,
    tenant: &str,
) -> anyhow::Result<Vec<PluginSummary>> {
    let unpack = tempfile::tempdir_in(std::env::temp_dir()).context("a scratch directory")?;
    let mut served: Vec<PluginSummary> = Vec::new();
    if plugins_dir.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(plugins_dir)
            .with_context(|| format!("reading {}", plugins_dir.display()))?
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| path.join("plugin.toml").is_file() || package::is_archive(path))
            .collect();
        entries.sort();
        for path in entries {
            // A package that does not load is not served by the host either.
            if let Some(manifest) = manifest_of(&path, unpack.path()) {
                served.push(summary_of(&manifest));
            }
        }
    }
    let deployments = DeploymentStore::deployments(db, tenant, None).await?;
    for deployment in deployments.into_iter().filter(|d| d.active) {
        let path = match &deployment.deployment.package_digest {
            // Stored in the database: written out to read its manifest.
            Some(digest) => match DeploymentStore::package(db, digest).await? {
                Some(archive) => {
                    let path = unpack
                        .path()
                        .join(format!("{digest}.{}", archive.format.name()));
                    std::fs::write(&path, &archive.bytes[..])
                        .with_context(|| format!("writing {}", path.display()))?;
                    path
                }
                None => continue,
            },
            None => {
                let path = Path::new(&deployment.deployment.package_path);
                if path.is_absolute() {
                    path.to_path_buf()
                } else {
                    data_dir.join(path)
                }
            }
        };
        if let Some(manifest) = manifest_of(&path, unpack.path()) {
            served.retain(|p| p.id != manifest.id);
            served.push(summary_of(&manifest));
        }
    }
    served.retain(|p| p.tenant.as_deref().is_none_or(|t| t == tenant));
    Ok(served)
}

fn manifest_of(path: &Path, unpack_root: &Path) -> Option<Manifest> {
    let dir = package::open(path, unpack_root).ok()?;
    Manifest::load(&dir).ok()
}

fn summary_of(manifest: &Manifest) -> PluginSummary {
    PluginSummary {
        id: manifest.id.clone(),
        version: manifest.version.clone(),
        name: manifest.name.clone(),
        tenant: manifest.tenant.clone(),
        kinds: manifest.kinds.iter().map(ToString::to_string).collect(),
        contract: manifest.contract.clone(),
        procedures: manifest.procedures.clone(),
        digest: String::new(),
        calls: 0,
        succeeded: 0,
        refused: 0,
        failed: 0,
        fuel_consumed: 0,
        peak_memory_bytes: 0,
        p50_micros: None,
        p99_micros: None,
        signed_by: manifest.signed_by.clone(),
    }
}
