//! The data of one plugin call's `Store`: everything the sandbox can touch.
//!
//! A fresh `PluginState` (and store, and instance) is built for every call, so
//! nothing of one dossier, citizen or tenant survives into the next call.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use wasmtime::component::ResourceTable;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

use super::bindings::wit;
use super::capabilities::deadline::DeadlineWait;
use super::capabilities::determinism::{FixedRandom, StoppedClock};
use super::capabilities::egress::{Egress, EgressPolicy};
use super::capabilities::limiter::CallLimiter;
use super::capabilities::log::LogBudget;
use super::capabilities::registry::{NoRegistry, Registry};
use super::capabilities::spending::Spending;
use super::limits::Limits;
use super::secrets::{Redactor, TenantSecrets};
use super::settings::Overlays;

/// Bytes of a guest's stderr kept to explain a trap (a Rust panic message).
const STDERR_CAPTURE_BYTES: usize = 4096;

/// What every call of one plugin is given; built once at load.
#[derive(Clone)]
pub(crate) struct SandboxSpec {
    pub(crate) limits: Limits,
    pub(crate) deterministic: bool,
    pub(crate) data_dir: Option<PathBuf>,
    /// The manifest's `[config]` and the operator's per-tenant settings.
    pub(crate) overlays: Arc<Overlays>,
    pub(crate) egress: Arc<EgressPolicy>,
    /// The operator's `[fees]` ranges, checked on a fee policy's lines.
    pub(crate) fees: motcua_domain::fee::bounds::FeeBounds,
}

pub(crate) struct PluginState {
    wasi: WasiCtx,
    table: ResourceTable,
    http: WasiHttpCtx,
    pub(crate) egress: Egress,
    pub(crate) limiter: CallLimiter,
    pub(crate) log: LogBudget,
    pub(crate) config: Arc<BTreeMap<String, String>>,
    /// The calling tenant's secrets: injected by egress, and redacted from
    /// whatever the plugin logs or answers.
    secrets: Arc<TenantSecrets>,
    pub(crate) registry: Arc<dyn Registry>,
    pub(crate) stderr: MemoryOutputPipe,
    /// When the call must end: epoch checks, waits in host calls and
    /// nested calls (registry lookups) are all held to it.
    pub(crate) deadline: Instant,
    /// What the call spent of the host's resources, against its limits.
    pub(crate) spending: Spending,
}

impl PluginState {
    /// The state of one call for `tenant`: no environment, no arguments, no
    /// stdin, no sockets, and no files except the plugin's own data
    /// directory, read-only.
    pub(crate) fn new(
        spec: &SandboxSpec,
        tenant: &str,
        registry: Arc<dyn Registry>,
        deadline: Instant,
    ) -> std::io::Result<Self> {
        let overlay = spec.overlays.for_tenant(tenant);
        let stderr = MemoryOutputPipe::new(STDERR_CAPTURE_BYTES);
        let mut wasi = WasiCtxBuilder::new();
        wasi.stderr(stderr.clone());
        if spec.deterministic {
            wasi.wall_clock(StoppedClock)
                .monotonic_clock(StoppedClock)
                .secure_random(FixedRandom::new())
                .insecure_random(FixedRandom::new())
                .insecure_random_seed(0);
        }
        if let Some(dir) = &spec.data_dir {
            wasi.preopened_dir(dir, "/data", FsPerms::ReadOnly)
                .map_err(std::io::Error::other)?;
        }
        let mut table = ResourceTable::new();
        // Every open file or directory is a host descriptor.
        table.set_max_capacity(spec.limits.open_handles as usize);
        Ok(Self {
            wasi: wasi.build(),
            table,
            http: WasiHttpCtx::new(),
            egress: Egress::new(
                spec.egress.clone(),
                tenant,
                overlay.secrets.clone(),
                deadline,
            )
            .with_request_limit(spec.limits.egress_requests),
            limiter: CallLimiter::new(spec.limits.memory_bytes),
            log: LogBudget::new(spec.limits.log_lines, spec.limits.log_bytes),
            config: overlay.config.clone(),
            secrets: overlay.secrets.clone(),
            registry,
            stderr,
            deadline,
            spending: Spending::new(&spec.limits),
        })
    }

    /// The state of a sandbox made before its call's tenant is known (see
    /// `ready`). Nothing of it depends on a tenant but the configuration,
    /// secrets, egress and registry, which are every tenant's (no tenant's
    /// id is empty) until [`PluginState::bind`] replaces them; no guest
    /// code runs before.
    pub(crate) fn unbound(spec: &SandboxSpec, deadline: Instant) -> std::io::Result<Self> {
        Self::new(spec, "", Arc::new(NoRegistry), deadline)
    }

    /// Give the sandbox to `tenant`'s call: its configuration, secrets,
    /// egress, registry and deadline.
    pub(crate) fn bind(
        &mut self,
        spec: &SandboxSpec,
        tenant: &str,
        registry: Arc<dyn Registry>,
        deadline: Instant,
    ) {
        let overlay = spec.overlays.for_tenant(tenant);
        self.egress = Egress::new(
            spec.egress.clone(),
            tenant,
            overlay.secrets.clone(),
            deadline,
        )
        .with_request_limit(spec.limits.egress_requests);
        self.config = overlay.config.clone();
        self.secrets = overlay.secrets.clone();
        self.registry = registry;
        self.deadline = deadline;
    }

    /// The host limit the call went past, if any.
    pub(crate) fn host_limit_exceeded(&self) -> Option<super::error::Failure> {
        (self.spending.registry_calls.exceeded())
            .or_else(|| self.log.exceeded())
            .or_else(|| self.egress.exceeded())
    }

    /// The call's pollables, for waits bounded by its deadline.
    pub(crate) fn waits(&mut self) -> DeadlineWait<'_> {
        DeadlineWait {
            table: &mut self.table,
            deadline: self.deadline,
        }
    }

    pub(crate) fn redactor(&self) -> &Redactor {
        self.secrets.redactor()
    }

    /// The end of what the guest wrote to stderr, e.g. a panic message.
    pub(crate) fn stderr_tail(&self) -> String {
        let bytes = self.stderr.contents();
        String::from_utf8_lossy(&bytes).trim().to_string()
    }
}

impl WasiView for PluginState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for PluginState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.egress,
        }
    }
}

/// `motcua:plugin/types` defines only types; wasmtime still wants a `Host`.
impl wit::Host for PluginState {}
