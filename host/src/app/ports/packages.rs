//! Plugin packages deployed by tenant admins: verified by the plugin
//! runtime, stored (content-addressed) by the store, made live (or taken
//! back) on the runtime's command. The use case moves an archive's bytes
//! between the two, so every host of one database can serve it.

use std::sync::Arc;

use async_trait::async_trait;
use motcua_domain::signing::TrustedKey;
use serde::Serialize;

use super::PluginSummary;

/// How an uploaded package is encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PackageFormat {
    Tar,
    TarGz,
}

impl PackageFormat {
    /// How the format is stored (`tar`, `tar.gz`).
    pub fn name(self) -> &'static str {
        match self {
            PackageFormat::Tar => "tar",
            PackageFormat::TarGz => "tar.gz",
        }
    }

    /// The format stored as `name`.
    pub fn from_name(name: &str) -> Option<PackageFormat> {
        match name {
            "tar" => Some(PackageFormat::Tar),
            "tar.gz" => Some(PackageFormat::TarGz),
            _ => None,
        }
    }
}

/// A package archive as uploaded, content-addressed: what the store keeps
/// once for every host, and what a host loads a deployed version from.
#[derive(Clone, PartialEq, Eq)]
pub struct PackageArchive {
    /// sha256 of `bytes`, hex: the key it is stored under.
    pub digest: String,
    pub format: PackageFormat,
    pub bytes: Arc<[u8]>,
}

impl std::fmt::Debug for PackageArchive {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Megabytes of archive help nobody reading a log.
        f.debug_struct("PackageArchive")
            .field("digest", &self.digest)
            .field("format", &self.format)
            .field("len", &self.bytes.len())
            .finish()
    }
}

/// What a tenant's stored packages take, weighed against its storage quota.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PackageUsage {
    /// Bytes of the distinct archives its deployments name.
    pub bytes: u64,
    /// Their digests: storing one of them again costs nothing.
    pub digests: Vec<String>,
}

/// Where a deployed version's package is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PackageRef {
    /// In the store under this archive digest; the runtime keeps a copy
    /// and asks for the bytes ([`PackageError::NotCached`]) when it has
    /// none that matches.
    Stored { digest: String },
    /// A deployment recorded before packages were kept in the store: an
    /// archive on the disk of the host that received it.
    Path(String),
}

/// A package that passed verification: its archive is for the store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedPackage {
    pub plugin_id: String,
    pub version: String,
    pub kinds: Vec<String>,
    /// sha256 of the component.
    pub digest: String,
    /// The archive as uploaded (its digest names it).
    pub archive: PackageArchive,
    /// Golden cases the package ships, all of which passed.
    pub golden_cases: usize,
}

/// Why a package cannot be deployed or made live.
#[derive(Debug, thiserror::Error)]
pub enum PackageError {
    /// The package itself is wrong; `field` names the manifest field
    /// (`plugin.version`), `plugin.component`, a golden case
    /// (`golden/<case>`) or `body`.
    #[error("{field}: {message}")]
    Rejected { field: String, message: String },
    /// The host could not store or read a package (disk, permissions).
    #[error("{0}")]
    Host(String),
    /// The runtime holds no copy of the stored archive `digest` (or its
    /// copy no longer matches the digest): hand it the bytes
    /// ([`PluginPackages::cache`]) and ask again.
    #[error("package {digest} is not cached on this host")]
    NotCached { digest: String },
}

impl PackageError {
    pub fn rejected(field: impl Into<String>, message: impl Into<String>) -> Self {
        PackageError::Rejected {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// A stored package loaded and ready to serve, not serving yet: the swap
/// happens only once the activation is persisted.
pub trait PreparedPlugin: Send {
    fn plugin_id(&self) -> &str;
    fn version(&self) -> &str;
    /// Becomes the live version of its id for its tenant, atomically:
    /// calls already running finish on the version they started with.
    /// Returns the `id@version` it replaces, if any.
    fn go_live(self: Box<Self>) -> Option<String>;
    /// Stays loaded without serving, to decide for dossiers received while
    /// it served or from its scheduled time on.
    fn hold(self: Box<Self>);
}

/// Where a live plugin of a tenant comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PluginSource {
    /// The operator's plugins directory, loaded at start.
    Directory,
    /// A version a tenant admin deployed over the API.
    Deployment,
}

/// A plugin serving a tenant.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct LivePlugin {
    #[serde(flatten)]
    pub summary: PluginSummary,
    pub source: PluginSource,
    /// The platform purposes (`national-sync`, `population-registry`) the
    /// operator assigned this plugin for the tenant.
    pub purposes: Vec<String>,
    /// The destinations (`host:port`) its manifest declares it reaches.
    pub egress_declared: Vec<String>,
    /// What a platform operator granted of them: a tenant's deployed plugin
    /// reaches only these. `None` for the operator's own plugins, which
    /// reach what they declare.
    pub egress_granted: Option<Vec<String>>,
    /// Who signed it and where their key stands now (`None`: unsigned,
    /// loaded because the host allows unsigned packages).
    pub signature: Option<SignatureStatus>,
}

/// The key a serving plugin was signed with, against today's trust roots:
/// a key revoked since it loaded keeps serving until the next activation or
/// start, which refuses it; this is how an admin sees that coming.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SignatureStatus {
    pub key_id: String,
    /// A key of the tenant or the platform, not revoked, vouches for it.
    pub trusted: bool,
    /// The key was revoked.
    pub revoked: bool,
}

/// The plugin runtime's side of tenant deployments.
#[async_trait]
pub trait PluginPackages: Send + Sync {
    /// Verify an uploaded archive as the host does at start (signature
    /// against `trust`, the tenant's and the platform's keys; strict
    /// manifest, world and contract version, golden cases) for `tenant`,
    /// within its storage quota given what its packages take already
    /// (`usage`), and keep a copy. A package naming another tenant is
    /// rejected; one naming none becomes the tenant's own.
    async fn verify(
        &self,
        tenant: &str,
        format: PackageFormat,
        bytes: Arc<[u8]>,
        trust: Vec<TrustedKey>,
        usage: PackageUsage,
    ) -> Result<VerifiedPackage, PackageError>;

    /// Keep a copy of a stored archive on this host, once its bytes match
    /// its digest (refused otherwise).
    async fn cache(&self, archive: PackageArchive) -> Result<(), PackageError>;

    /// Load a deployed package for `tenant`, ready to go live; its
    /// signature is checked again against `trust` (a key revoked since it
    /// was deployed refuses it). [`PackageError::NotCached`] when the
    /// host has no matching copy of a stored archive.
    async fn prepare(
        &self,
        tenant: &str,
        package: &PackageRef,
        trust: Vec<TrustedKey>,
    ) -> Result<Box<dyn PreparedPlugin>, PackageError>;

    /// Whether `tenant`'s own `version` of `id` is loaded here (serving or
    /// held to decide).
    fn holds(&self, tenant: &str, id: &str, version: &str) -> bool;
    /// The archive of a deployment recorded before packages were kept in
    /// the store, read from this host's disk, to be stored; `None` when
    /// this host does not have it.
    async fn read_legacy(&self, package_path: &str)
    -> Result<Option<PackageArchive>, PackageError>;

    /// Whether the operator's directory provides `id` for `tenant` (its
    /// own or platform-wide): what serves once no deployed version is
    /// active.
    fn has_baseline(&self, tenant: &str, id: &str) -> bool;

    /// Put the directory's version of `id` back in service for `tenant`;
    /// returns the `id@version` now serving, if any.
    fn restore_baseline(&self, tenant: &str, id: &str) -> Option<String>;

    /// Every plugin serving `tenant`: its own, then platform-wide ones.
    fn serving(&self, tenant: &str) -> Vec<LivePlugin>;

    /// Let `plugin` of `tenant` reach `destinations` (`host:port`, declared
    /// in its manifest) from its next request on, and nothing else it
    /// declares. Rejected, naming `granted[i]`, when one is not `host:port`.
    fn grant_egress(
        &self,
        tenant: &str,
        plugin: &str,
        destinations: &[String],
    ) -> Result<(), PackageError>;
}
