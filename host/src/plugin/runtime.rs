//! `PluginRuntime`: the engine, and loading plugin packages into it.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use wasmtime::Engine;
use wasmtime::component::{Component, Linker};

use super::bindings::Contract;
use super::cache;
use super::capabilities::egress::EgressPolicy;
use super::capabilities::egress::grants::{EgressGrants, NeedsGrant};
use super::engine::{self, EpochTicker, RuntimeConfig};
use super::error::LoadError;
use super::instance::{Plugin, PluginInner};
use super::manifest::{Kind, Manifest};
use super::ready::Keeper;
use super::settings::{HostSettings, Overlays};
use super::slots::Slots;
use super::state::{PluginState, SandboxSpec};
use super::stats::PluginStats;
use crate::app::error::FieldProblem;

/// Loads plugins and hands out [`Plugin`] handles. One per process: it owns the
/// engine, its instance pool and the epoch ticker.
#[derive(Clone)]
pub struct PluginRuntime {
    shared: Arc<Shared>,
}

/// Who put a plugin on the host: the operator (its directory, a test's
/// manifest) or a tenant admin (an upload being verified, a stored
/// deployment); a tenant's plugin reaches only what the operator granted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Origin {
    Operator,
    Upload,
    Deployed,
}

pub(crate) struct Shared {
    pub(crate) engine: Engine,
    pub(crate) config: RuntimeConfig,
    pub(crate) slots: Arc<Slots>,
    /// What the operator granted tenants' deployed connectors.
    pub(crate) grants: Arc<EgressGrants>,
    /// Makes sandboxes ahead of calls and drops used ones.
    pub(crate) keeper: Keeper,
    _ticker: EpochTicker,
}

impl Shared {
    pub(crate) fn deadline_ticks(&self, deadline: Duration) -> u64 {
        engine::deadline_ticks(deadline, self.config.epoch_tick)
    }
}

impl PluginRuntime {
    pub fn new(config: RuntimeConfig) -> anyhow::Result<Self> {
        let engine = engine::build_engine(&config)?;
        let ticker = EpochTicker::start(engine.clone(), config.epoch_tick);
        Ok(Self {
            shared: Arc::new(Shared {
                engine,
                slots: Arc::new(Slots::new(
                    config.max_concurrent_calls.max(1),
                    config.budget.calls_per_tenant,
                )),
                keeper: Keeper::start(config.budget.ready_sandboxes, config.ready_quiet),
                config,
                grants: Arc::default(),
                _ticker: ticker,
            }),
        })
    }

    /// Sandboxes made ahead of calls, waiting in the whole host now (at
    /// most the budget's `ready_sandboxes`).
    pub fn ready_sandboxes(&self) -> u32 {
        self.shared.keeper.ready_now()
    }

    /// The operator's settings the runtime was started with.
    pub fn settings(&self) -> &HostSettings {
        &self.shared.config.settings
    }

    /// Load the package in `dir` (its `plugin.toml` and component).
    pub fn load(&self, dir: &Path) -> Result<Plugin, LoadError> {
        self.load_with_component(dir, None)
    }

    /// Load a package, taking the component from `wasm` instead of the path its
    /// manifest names (to check a freshly built artifact against its package).
    pub fn load_with_component(
        &self,
        dir: &Path,
        wasm: Option<&Path>,
    ) -> Result<Plugin, LoadError> {
        let mut manifest = Manifest::load(dir)?;
        if let Some(wasm) = wasm {
            manifest.component = wasm.to_path_buf();
        }
        self.load_manifest(manifest)
    }

    /// Load a plugin from an already validated manifest, with the operator
    /// settings of the runtime's configuration.
    pub fn load_manifest(&self, manifest: Manifest) -> Result<Plugin, LoadError> {
        let settings = self.shared.config.settings.clone();
        self.load_manifest_with(manifest, &settings)
    }

    /// Load a plugin from an already validated manifest with these operator
    /// settings (per-tenant config and secrets, `allow_private`).
    pub fn load_manifest_with(
        &self,
        manifest: Manifest,
        settings: &HostSettings,
    ) -> Result<Plugin, LoadError> {
        self.load_inner(manifest, settings, Origin::Operator)
    }

    /// Load a package a tenant admin deployed (stored, verified before):
    /// its egress needs the operator's grants.
    pub fn load_deployed(&self, manifest: Manifest) -> Result<Plugin, LoadError> {
        let settings = self.shared.config.settings.clone();
        self.load_inner(manifest, &settings, Origin::Deployed)
    }

    /// What the operator granted tenants' deployed connectors; a change
    /// applies from the next request.
    pub fn egress_grants(&self) -> &Arc<EgressGrants> {
        &self.shared.grants
    }

    /// Load a tenant's uploaded package within the host's budget: a
    /// component over `max_component_bytes` is refused before compiling, one
    /// that compiles for longer than `compile_time` after, and nothing is
    /// cached until [`PluginRuntime::keep_compiled`] says the upload was
    /// accepted.
    pub fn load_upload(&self, manifest: Manifest) -> Result<Plugin, LoadError> {
        let settings = self.shared.config.settings.clone();
        self.load_inner(manifest, &settings, Origin::Upload)
    }

    /// Cache an accepted upload's compiled component.
    pub fn keep_compiled(&self, plugin: &Plugin) {
        cache::keep(
            &self.shared.engine,
            self.shared.config.cache_dir.as_deref(),
            plugin.digest(),
            &plugin.0.component,
        );
    }

    /// The budget this host gives tenants' plugins.
    pub fn budget(&self) -> &super::budget::HostBudget {
        &self.shared.config.budget
    }

    fn load_inner(
        &self,
        manifest: Manifest,
        settings: &HostSettings,
        origin: Origin,
    ) -> Result<Plugin, LoadError> {
        let upload = origin == Origin::Upload;
        let plugin_ref = manifest.reference();
        let _span = tracing::info_span!("motcua.plugin.load", plugin = %plugin_ref).entered();
        // A manifest is checked when read; one built in code may name anything.
        let contract =
            Contract::parse(&manifest.contract).map_err(|problem| LoadError::Manifest {
                path: manifest.component.clone(),
                problem,
            })?;
        let io = |source| LoadError::Io {
            path: manifest.component.clone(),
            source,
        };
        let size = component_size(&manifest.component).map_err(io)?;
        let budget = &self.shared.config.budget;
        if upload && size > budget.max_component_bytes {
            super::call_metrics::quota_refused(
                manifest.tenant.as_deref().unwrap_or("-"),
                "component-size",
            );
            return Err(LoadError::OverHostLimit {
                plugin: plugin_ref,
                problem: FieldProblem::new(
                    "plugin.component",
                    format!(
                        "the component is {} bytes; this host compiles at most {} bytes ({} MiB) for a tenant",
                        size,
                        budget.max_component_bytes,
                        budget.max_component_bytes >> 20
                    ),
                ),
            });
        }
        let bytes = std::fs::read(&manifest.component).map_err(io)?;
        let digest = cache::artifact_digest(&bytes);
        let started = std::time::Instant::now();
        let cache_dir = self.shared.config.cache_dir.as_deref();
        let not_a_component = |error: wasmtime::Error| LoadError::NotAComponent {
            plugin: plugin_ref.clone(),
            path: manifest.component.clone(),
            message: format!("{error:#}"),
        };
        let component = if upload {
            match cache::cached(&self.shared.engine, cache_dir, &digest) {
                Some(component) => component,
                None => Component::new(&self.shared.engine, &bytes).map_err(not_a_component)?,
            }
        } else {
            cache::load_component(&self.shared.engine, cache_dir, &digest, &bytes)
                .map_err(not_a_component)?
        };
        let compiled_in = started.elapsed();
        if upload && compiled_in > budget.compile_time {
            return Err(LoadError::OverHostLimit {
                plugin: plugin_ref,
                problem: FieldProblem::new(
                    "plugin.component",
                    format!(
                        "compiling took {:.1} s, over this host's budget of {} s",
                        compiled_in.as_secs_f64(),
                        budget.compile_time.as_secs()
                    ),
                ),
            });
        }
        check_exports(&self.shared.engine, &component, &manifest)?;
        if let Some(dir) = &manifest.data_dir
            && !dir.is_dir()
        {
            return Err(LoadError::DataDir {
                plugin: plugin_ref,
                path: dir.clone(),
                message: "is not a directory".into(),
            });
        }
        let linker =
            linker_for(&self.shared.engine, contract, &manifest.kinds).map_err(|error| {
                LoadError::Engine {
                    plugin: plugin_ref.clone(),
                    message: format!("{error:#}"),
                }
            })?;
        let pre =
            linker
                .instantiate_pre(&component)
                .map_err(|error| LoadError::ImportNotGranted {
                    plugin: plugin_ref.clone(),
                    kinds: kinds_label(&manifest.kinds),
                    message: format!("{error:#}"),
                })?;
        let binding_error = |error: wasmtime::Error| LoadError::WrongWorld {
            plugin: plugin_ref.clone(),
            kind: kinds_label(&manifest.kinds),
            expected: "the world's functions".into(),
            found: format!("functions of other types ({error:#})"),
        };
        let has = |kind| manifest.kinds.contains(&kind);
        let pres = contract
            .pres(&pre, &manifest.kinds)
            .map_err(binding_error)?;
        // `serve` prints the loaded plugins; the digest and time are detail.
        tracing::debug!(
            digest = %digest,
            load_ms = started.elapsed().as_millis() as u64,
            kinds = %kinds_label(&manifest.kinds),
            "plugin loaded"
        );
        let spec = SandboxSpec {
            limits: manifest.limits,
            deterministic: has(Kind::FeePolicy),
            data_dir: manifest.data_dir.clone(),
            overlays: Arc::new(Overlays::new(&manifest.id, &manifest.config, settings)),
            egress: Arc::new(EgressPolicy {
                allow: manifest.egress.clone(),
                allow_private: settings.allow_private.clone(),
                limits: manifest.egress_limits,
                secrets: manifest.egress_secrets.clone(),
                needs_grant: (origin != Origin::Operator).then(|| NeedsGrant {
                    tenant: manifest.tenant.clone().unwrap_or_default(),
                    plugin: manifest.id.clone(),
                    grants: self.shared.grants.clone(),
                }),
            }),
            fees: settings.fees,
        };
        if spec.limits.memory_bytes > self.shared.config.max_memory_bytes {
            return Err(LoadError::OverHostLimit {
                plugin: plugin_ref,
                problem: FieldProblem::new(
                    "limits.memory_mib",
                    format!(
                        "asks for {} MiB; this host grants at most {} MiB",
                        spec.limits.memory_bytes >> 20,
                        self.shared.config.max_memory_bytes >> 20
                    ),
                ),
            });
        }
        Ok(Plugin::new(PluginInner {
            labels: super::call_metrics::PluginLabels::of(&manifest),
            shared: self.shared.clone(),
            manifest,
            digest,
            spec,
            component,
            pres,
            stats: PluginStats::default(),
            ready: self.shared.keeper.queue(),
        }))
    }
}

/// The size of a component file, refusing anything but a regular file (a
/// FIFO would block the read).
fn component_size(path: &Path) -> std::io::Result<u64> {
    let metadata = std::fs::metadata(path)?;
    if !metadata.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "the component is not a regular file",
        ));
    }
    Ok(metadata.len())
}

fn kinds_label(kinds: &[Kind]) -> String {
    kinds
        .iter()
        .map(|k| k.as_str())
        .collect::<Vec<_>>()
        .join("+")
}

/// The component must export, at the manifest's contract version, the
/// interface of every kind its manifest claims.
fn check_exports(
    engine: &Engine,
    component: &Component,
    manifest: &Manifest,
) -> Result<(), LoadError> {
    let exports: Vec<String> = component
        .component_type()
        .exports(engine)
        .map(|(name, _)| name.to_string())
        .collect();
    for kind in &manifest.kinds {
        let expected = format!(
            "motcua:plugin/{}@{}",
            kind.export_interface(),
            manifest.contract
        );
        if !exports.contains(&expected) {
            let found = if exports.is_empty() {
                "nothing".to_string()
            } else {
                exports.join(", ")
            };
            return Err(LoadError::WrongWorld {
                plugin: manifest.reference(),
                kind: kind.to_string(),
                expected,
                found,
            });
        }
    }
    Ok(())
}

/// The imports a plugin of these kinds is given. WASI is linked for every
/// plugin because language runtimes import it, but its context grants nothing
/// (see `PluginState::new`); `wasi:http` only for connectors and the registry
/// only for forms, so a fee policy importing `wasi:http` is refused at load.
fn linker_for(
    engine: &Engine,
    contract: Contract,
    kinds: &[Kind],
) -> wasmtime::Result<Linker<PluginState>> {
    let mut linker = Linker::new(engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
    super::capabilities::deadline::add_to_linker(&mut linker)?;
    contract.add_to_linker(&mut linker, kinds)?;
    if kinds.contains(&Kind::Connector) {
        wasmtime_wasi_http::p2::add_only_http_to_linker_sync(&mut linker)?;
    }
    Ok(linker)
}
