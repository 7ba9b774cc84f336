//! Loading every package of a plugins directory, keeping the good ones.
//!
//! One broken package must not keep a province's other plugins (or other
//! provinces) from serving: it is reported and skipped.

use std::path::{Path, PathBuf};

use motcua_domain::signing::{KeyScope, TrustedKey};

use crate::app::ports::{PluginDirectory, PluginLoadFailure, PluginSummary};

use super::error::LoadError;
use super::instance::Plugin;
use super::manifest::Manifest;
use super::package;
use super::runtime::PluginRuntime;

/// The plugins loaded from a directory, and the packages that failed.
pub struct Deployment {
    pub plugins: Vec<Plugin>,
    pub failures: Vec<(PathBuf, LoadError)>,
}

impl Deployment {
    /// Load every package (sub-directory with a `plugin.toml`, or archive) in
    /// `dir`; archives are unpacked under `unpack_root`. Each must be signed
    /// by a key of `trust` that vouches for it (a tenant's package: the
    /// tenant's or the platform's; a shared one: the platform's), unless the
    /// runtime's settings allow unsigned packages.
    pub fn load_dir(
        runtime: &PluginRuntime,
        dir: &Path,
        unpack_root: &Path,
        trust: &[TrustedKey],
    ) -> std::io::Result<Self> {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| path.join("plugin.toml").is_file() || package::is_archive(path))
            .collect();
        entries.sort();
        let mut deployment = Self {
            plugins: Vec::new(),
            failures: Vec::new(),
        };
        for path in entries {
            let loaded = package::open(&path, unpack_root)
                .and_then(|dir| signed_manifest(runtime, &dir, trust))
                .and_then(|manifest| runtime.load_manifest(manifest));
            match loaded {
                Ok(plugin) => deployment.plugins.push(plugin),
                Err(error) => {
                    tracing::error!(package = %path.display(), %error, "plugin not deployed");
                    deployment.failures.push((path, error));
                }
            }
        }
        Ok(deployment)
    }

    /// The plugin with this id.
    pub fn get(&self, id: &str) -> Option<&Plugin> {
        self.plugins
            .iter()
            .find(|plugin| plugin.manifest().id == id)
    }
}

/// The manifest of the package in `dir` once its signature passed.
fn signed_manifest(
    runtime: &PluginRuntime,
    dir: &Path,
    trust: &[TrustedKey],
) -> Result<Manifest, super::error::LoadError> {
    let mut manifest = Manifest::load(dir)?;
    let package_of = KeyScope::of(manifest.tenant.as_deref());
    super::signature::sign_off(
        &mut manifest,
        &package_of,
        trust,
        runtime.settings().allow_unsigned,
    )?;
    Ok(manifest)
}

impl Plugin {
    pub fn summary(&self) -> PluginSummary {
        let manifest = self.manifest();
        let stats = self.stats();
        PluginSummary {
            id: manifest.id.clone(),
            version: manifest.version.clone(),
            name: manifest.name.clone(),
            tenant: manifest.tenant.clone(),
            kinds: manifest.kinds.iter().map(|k| k.to_string()).collect(),
            contract: manifest.contract.clone(),
            procedures: manifest.procedures.clone(),
            digest: self.digest().to_string(),
            calls: stats.calls,
            succeeded: stats.succeeded,
            refused: stats.refused,
            failed: stats.failed,
            fuel_consumed: stats.fuel_consumed,
            peak_memory_bytes: stats.peak_memory_bytes,
            p50_micros: stats.p50_micros,
            p99_micros: stats.p99_micros,
            signed_by: manifest.signed_by.clone(),
        }
    }
}

impl PluginDirectory for Deployment {
    fn plugins(&self) -> Vec<PluginSummary> {
        self.plugins.iter().map(Plugin::summary).collect()
    }

    fn failures(&self) -> Vec<PluginLoadFailure> {
        self.failures
            .iter()
            .map(|(path, error)| PluginLoadFailure {
                source: path.display().to_string(),
                error: error.to_string(),
            })
            .collect()
    }
}
