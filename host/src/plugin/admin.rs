//! Tenant deployments on the runtime side: verify an uploaded package as the
//! host verifies its directory at start, keep a copy of each archive this
//! host loads under the data directory (named by its digest, checked again
//! whenever it is read back: the store holds the archive for every host),
//! and swap live versions in the [`PluginSet`].
//!
//! The operator's plugins directory stays the baseline: a tenant's deployed
//! version overrides the directory's for that tenant only, and taking it
//! back puts the directory's version (or the platform-wide one) in service.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use motcua_domain::signing::{KeyScope, TrustedKey};

use super::copies::{self, Copies, archive_format, format_of, package_format, store_once};
use super::deploy::Deployment;
use super::error::LoadError;
use super::golden;
use super::instance::Plugin;
use super::manifest::{EgressRule, Manifest};
use super::package::{self, ArchiveFormat};
use super::runtime::PluginRuntime;
use super::set::PluginSet;
use super::signature;
use crate::app::ports::{
    LivePlugin, PackageArchive, PackageError, PackageFormat, PackageRef, PackageUsage,
    PluginDirectory, PluginLoadFailure, PluginPackages, PluginSource, PluginSummary,
    PreparedPlugin, VerifiedPackage,
};

/// Where an upload is named in errors before it has a name of its own.
const BODY: &str = "body";

/// The live plugins of a host and the tenants' packages behind them.
#[derive(Clone)]
pub struct TenantPlugins {
    inner: Arc<Inner>,
}

struct Inner {
    runtime: PluginRuntime,
    set: PluginSet,
    /// What the operator's directory deployed at start.
    baseline: Arc<Deployment>,
    /// This host's copies of stored archives, `<sha256>.<ext>` (and, from
    /// before the store kept them, `<tenant>/<sha256>.<ext>`).
    copies: Copies,
    /// Where archives are unpacked, one directory per archive digest.
    unpacked: PathBuf,
    /// (tenant, id) served by a tenant's deployment rather than the directory.
    deployed: Mutex<BTreeSet<(String, String)>>,
    /// Active deployments that could not be loaded at start.
    failures: Mutex<Vec<PluginLoadFailure>>,
}

impl TenantPlugins {
    /// `set` starts with the directory's plugins; copies of packages live
    /// under `data_dir` (`deployed/` for archives, `packages/` unpacked).
    pub fn new(
        runtime: PluginRuntime,
        set: PluginSet,
        baseline: Arc<Deployment>,
        data_dir: &Path,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                runtime,
                set,
                baseline,
                copies: Copies::new(data_dir.join("deployed")),
                unpacked: data_dir.join("packages"),
                deployed: Mutex::default(),
                failures: Mutex::default(),
            }),
        }
    }

    /// Remember an active deployment that failed to load at start, so
    /// `GET /api/v1/plugins` shows it next to the directory's failures.
    pub fn record_failure(&self, failure: PluginLoadFailure) {
        lock(&self.inner.failures).push(failure);
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Loading compiles components and golden cases run plugins: keep both off
/// the async workers.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, PackageError> + Send + 'static,
) -> Result<T, PackageError> {
    tokio::task::spawn_blocking(work)
        .await
        .unwrap_or_else(|join| {
            Err(PackageError::Host(format!(
                "the loading thread failed: {join}"
            )))
        })
}

impl Inner {
    fn verify(
        &self,
        tenant: &str,
        format: PackageFormat,
        bytes: Arc<[u8]>,
        trust: &[TrustedKey],
        usage: &PackageUsage,
    ) -> Result<VerifiedPackage, PackageError> {
        let host = |context: &str, error: std::io::Error| {
            PackageError::Host(format!("{context}: {error}"))
        };
        let package_digest = package::archive_digest(&bytes);
        let path = self.copies.path(&package_digest, format);
        check_quota(
            self.runtime.budget().tenant_storage_bytes,
            tenant,
            &package_digest,
            bytes.len() as u64,
            usage,
        )?;
        let format = archive_format(format);
        std::fs::create_dir_all(&self.unpacked)
            .map_err(|e| host("creating the unpack directory", e))?;
        let staging = tempfile::Builder::new()
            .prefix(".upload-")
            .tempdir_in(&self.unpacked)
            .map_err(|e| host("creating a staging directory", e))?;
        let dir = package::unpack(&bytes, format, staging.path(), Path::new(BODY))
            .map_err(|error| rejection(error, staging.path(), format))?;
        let manifest = Manifest::load(&dir).map_err(|error| rejection(error, &dir, format))?;
        let manifest = own_manifest(manifest, tenant)?;
        let manifest = self.signed(manifest, tenant, trust, format)?;
        let plugin = self
            .runtime
            .load_upload(manifest)
            .map_err(|error| rejection(error, &dir, format))?;
        let reports = golden::run_within(&plugin, self.runtime.budget().golden_time)
            .map_err(|e| host("reading the golden cases", e))?;
        if let Some(failed) = reports.iter().find(|report| !report.passed) {
            return Err(PackageError::rejected(
                format!("golden/{}", failed.name),
                format!(
                    "the golden case fails: {}",
                    failed.detail.as_deref().unwrap_or("no detail")
                ),
            ));
        }
        // This host's copy, so its own activation needs no trip to the store.
        store_once(&path, &bytes).map_err(|e| host("keeping a copy of the package", e))?;
        self.runtime.keep_compiled(&plugin);
        let manifest = plugin.manifest();
        Ok(VerifiedPackage {
            plugin_id: manifest.id.clone(),
            version: manifest.version.clone(),
            kinds: manifest.kinds.iter().map(|k| k.to_string()).collect(),
            digest: plugin.digest().to_string(),
            archive: PackageArchive {
                digest: package_digest,
                format: package_format(format),
                bytes,
            },
            golden_cases: reports.len(),
        })
    }

    /// This host's copy of the stored archive `digest`, unpacked (see
    /// [`Copies::read`]).
    fn open_cached(&self, digest: &str) -> Result<(PathBuf, ArchiveFormat), PackageError> {
        let (bytes, format, path) = self.copies.read(digest)?;
        let dir = package::unpack(&bytes, format, &self.unpacked, &path)
            .map_err(|error| rejection(error, Path::new(""), format))?;
        Ok((dir, format))
    }

    /// `manifest` once its package's signature passed against `trust`,
    /// naming who signed it.
    fn signed(
        &self,
        mut manifest: Manifest,
        tenant: &str,
        trust: &[TrustedKey],
        format: ArchiveFormat,
    ) -> Result<Manifest, PackageError> {
        let dir = manifest.package_dir.clone();
        signature::sign_off(
            &mut manifest,
            &KeyScope::Tenant(tenant.to_owned()),
            trust,
            self.runtime.settings().allow_unsigned,
        )
        .map_err(|error| rejection(error, &dir, format))?;
        Ok(manifest)
    }

    fn prepare(
        &self,
        tenant: &str,
        package: &PackageRef,
        trust: &[TrustedKey],
    ) -> Result<Plugin, PackageError> {
        let (dir, format) = match package {
            PackageRef::Stored { digest } => self.open_cached(digest)?,
            PackageRef::Path(path) => {
                let path = Path::new(path);
                let format = format_of(path);
                let dir = package::open(path, &self.unpacked).map_err(|error| match error {
                    LoadError::Io { path, source } => {
                        PackageError::Host(format!("cannot read {}: {source}", path.display()))
                    }
                    other => rejection(other, Path::new(""), format),
                })?;
                (dir, format)
            }
        };
        let manifest = Manifest::load(&dir).map_err(|error| rejection(error, &dir, format))?;
        let manifest = own_manifest(manifest, tenant)?;
        let manifest = self.signed(manifest, tenant, trust, format)?;
        self.runtime
            .load_deployed(manifest)
            .map_err(|error| rejection(error, &dir, format))
    }
}

/// A package names the tenant deploying it, or none (then it becomes the
/// tenant's own): never another tenant.
fn own_manifest(mut manifest: Manifest, tenant: &str) -> Result<Manifest, PackageError> {
    match &manifest.tenant {
        Some(named) if named != tenant => Err(PackageError::rejected(
            "plugin.tenant",
            format!("the package is for tenant `{named}`, not `{tenant}`"),
        )),
        Some(_) => Ok(manifest),
        None => {
            manifest.tenant = Some(tenant.to_string());
            Ok(manifest)
        }
    }
}

/// A tenant's stored packages may take `quota` bytes together (`usage`:
/// what the store holds for it); checked before an upload is unpacked or
/// compiled. An archive stored already costs nothing more.
fn check_quota(
    quota: u64,
    tenant: &str,
    digest: &str,
    size: u64,
    usage: &PackageUsage,
) -> Result<(), PackageError> {
    if usage.digests.iter().any(|stored| stored == digest) {
        return Ok(());
    }
    let used = usage.bytes;
    if used.saturating_add(size) > quota {
        super::call_metrics::quota_refused(tenant, "storage");
        return Err(PackageError::rejected(
            BODY,
            format!(
                "the tenant's packages already take {used} bytes; this one ({size} bytes) \
                 would pass its storage quota of {quota} bytes ({} MiB)",
                quota >> 20
            ),
        ));
    }
    Ok(())
}

/// A load error as the deploying admin should read it: the field at fault,
/// and the message without the host's directories.
fn rejection(error: LoadError, package_dir: &Path, format: ArchiveFormat) -> PackageError {
    let strip = |message: String| {
        let prefix = format!("{}/", package_dir.display());
        if package_dir.as_os_str().is_empty() {
            message
        } else {
            message.replace(&prefix, "")
        }
    };
    match error {
        LoadError::Io { path, source } if path == Path::new(BODY) => PackageError::rejected(
            BODY,
            format!(
                "not a readable `.{}` plugin package: {source}",
                format.extension()
            ),
        ),
        LoadError::Io { path, source } => {
            let field = if path.ends_with("plugin.toml") {
                "plugin.toml"
            } else {
                "plugin.component"
            };
            let shown = path
                .strip_prefix(package_dir)
                .unwrap_or(&path)
                .display()
                .to_string();
            PackageError::rejected(field, format!("cannot read `{shown}`: {source}"))
        }
        LoadError::Manifest { path, problem } if path == Path::new(BODY) => {
            PackageError::rejected(BODY, problem.message)
        }
        LoadError::Manifest { problem, .. } => {
            PackageError::rejected(problem.field, strip(problem.message))
        }
        LoadError::OverHostLimit { plugin, problem } => PackageError::rejected(
            problem.field,
            format!("plugin {plugin}: {}", problem.message),
        ),
        error @ LoadError::WrongWorld { .. } => {
            PackageError::rejected("plugin.kinds", strip(error.to_string()))
        }
        error @ (LoadError::NotAComponent { .. } | LoadError::ImportNotGranted { .. }) => {
            PackageError::rejected("plugin.component", strip(error.to_string()))
        }
        error @ LoadError::DataDir { .. } => {
            PackageError::rejected("plugin.data_dir", strip(error.to_string()))
        }
        LoadError::Signature { refusal, .. } => {
            use motcua_domain::signing::SignatureRefusal;
            let field = match refusal {
                SignatureRefusal::Untrusted { .. } | SignatureRefusal::Revoked { .. } => {
                    "signature.key_id"
                }
                _ => "signature",
            };
            PackageError::rejected(field, refusal.to_string())
        }
        LoadError::Engine { plugin, message } => {
            PackageError::rejected("plugin", format!("plugin {plugin}: {}", strip(message)))
        }
    }
}

/// A stored package, loaded and waiting for its activation to be persisted.
struct Prepared {
    inner: Arc<Inner>,
    tenant: String,
    plugin: Plugin,
}

impl PreparedPlugin for Prepared {
    fn plugin_id(&self) -> &str {
        &self.plugin.manifest().id
    }

    fn version(&self) -> &str {
        &self.plugin.manifest().version
    }

    fn go_live(self: Box<Self>) -> Option<String> {
        let key = (self.tenant.clone(), self.plugin.manifest().id.clone());
        let replaced = self.inner.set.activate(self.plugin);
        lock(&self.inner.deployed).insert(key);
        replaced.map(|plugin| {
            let reference = plugin.manifest().reference();
            // Dossiers received while it served are still priced by it.
            self.inner.set.hold(plugin);
            reference
        })
    }

    fn hold(self: Box<Self>) {
        self.inner.set.hold(self.plugin);
    }
}

#[async_trait]
impl PluginPackages for TenantPlugins {
    async fn verify(
        &self,
        tenant: &str,
        format: PackageFormat,
        bytes: Arc<[u8]>,
        trust: Vec<TrustedKey>,
        usage: PackageUsage,
    ) -> Result<VerifiedPackage, PackageError> {
        let (inner, tenant) = (self.inner.clone(), tenant.to_string());
        blocking(move || inner.verify(&tenant, format, bytes, &trust, &usage)).await
    }

    async fn cache(&self, archive: PackageArchive) -> Result<(), PackageError> {
        let inner = self.inner.clone();
        blocking(move || inner.copies.keep(&archive)).await
    }

    async fn prepare(
        &self,
        tenant: &str,
        package: &PackageRef,
        trust: Vec<TrustedKey>,
    ) -> Result<Box<dyn PreparedPlugin>, PackageError> {
        let (inner, tenant) = (self.inner.clone(), tenant.to_string());
        let package = package.clone();
        blocking(move || {
            let plugin = inner.prepare(&tenant, &package, &trust)?;
            Ok(Box::new(Prepared {
                inner: inner.clone(),
                tenant,
                plugin,
            }) as Box<dyn PreparedPlugin>)
        })
        .await
    }

    fn holds(&self, tenant: &str, id: &str, version: &str) -> bool {
        self.inner.set.version(tenant, id, version).is_some()
    }

    async fn read_legacy(
        &self,
        package_path: &str,
    ) -> Result<Option<PackageArchive>, PackageError> {
        let path = PathBuf::from(package_path);
        blocking(move || copies::read_legacy(&path)).await
    }

    fn has_baseline(&self, tenant: &str, id: &str) -> bool {
        self.inner.baseline.plugins.iter().any(|plugin| {
            let manifest = plugin.manifest();
            manifest.id == id && manifest.tenant.as_deref().is_none_or(|t| t == tenant)
        })
    }

    fn restore_baseline(&self, tenant: &str, id: &str) -> Option<String> {
        let own = self.inner.baseline.plugins.iter().find(|plugin| {
            let manifest = plugin.manifest();
            manifest.id == id && manifest.tenant.as_deref() == Some(tenant)
        });
        let withdrawn = match own {
            Some(plugin) => self.inner.set.activate(plugin.clone()),
            None => self.inner.set.remove(tenant, id),
        };
        if let Some(plugin) = withdrawn {
            self.inner.set.hold(plugin);
        }
        lock(&self.inner.deployed).remove(&(tenant.to_string(), id.to_string()));
        self.inner
            .set
            .get(tenant, id)
            .map(|plugin| plugin.manifest().reference())
    }

    fn grant_egress(
        &self,
        tenant: &str,
        plugin: &str,
        destinations: &[String],
    ) -> Result<(), PackageError> {
        let rules = destinations
            .iter()
            .enumerate()
            .map(|(i, d)| {
                EgressRule::parse(d).map_err(|e| PackageError::rejected(format!("granted[{i}]"), e))
            })
            .collect::<Result<Vec<_>, _>>()?;
        self.inner
            .runtime
            .egress_grants()
            .set(tenant, plugin, rules);
        Ok(())
    }

    fn serving(&self, tenant: &str) -> Vec<LivePlugin> {
        let deployed = lock(&self.inner.deployed);
        let purposes = &self.inner.runtime.settings().purposes;
        self.inner
            .set
            .serving(tenant)
            .iter()
            .map(|plugin| {
                let manifest = plugin.manifest();
                let from_deployment = manifest.tenant.as_deref() == Some(tenant)
                    && deployed.contains(&(tenant.to_string(), manifest.id.clone()));
                LivePlugin {
                    summary: plugin.summary(),
                    source: if from_deployment {
                        PluginSource::Deployment
                    } else {
                        PluginSource::Directory
                    },
                    purposes: purposes.served_by(plugin, tenant),
                    egress_declared: manifest.egress.iter().map(ToString::to_string).collect(),
                    egress_granted: from_deployment
                        .then(|| self.inner.runtime.egress_grants().of(tenant, &manifest.id)),
                    // The use case weighs the key against today's trust roots.
                    signature: None,
                }
            })
            .collect()
    }
}

impl PluginDirectory for TenantPlugins {
    fn plugins(&self) -> Vec<PluginSummary> {
        self.inner.set.all().iter().map(Plugin::summary).collect()
    }

    fn failures(&self) -> Vec<PluginLoadFailure> {
        let mut failures = self.inner.baseline.failures();
        failures.extend(lock(&self.inner.failures).iter().cloned());
        failures
    }
}
