//! A loaded plugin and the path of one call through a fresh sandbox.

use std::io::Write;
use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;
use wasmtime::component::ResourceTableError;
use wasmtime::{Store, Trap, UpdateDeadline};

use super::bindings::Pres;
use super::call_metrics;
use super::capabilities::egress::replay::Replay;
use super::capabilities::registry::{NoRegistry, Registry};
use super::convert::{GuestRefusal, Malformed};
use super::error::{Failure, HostResource, PluginError};
use super::manifest::Manifest;
use super::ready::ReadyQueue;
use super::runtime::Shared;
use super::slots::Crowding;
use super::state::{PluginState, SandboxSpec};
use super::stats::{Outcome, PluginStats, StatsSnapshot};

/// Who a call is made for.
#[derive(Clone)]
pub struct CallContext {
    /// The tenant whose dossier is concerned.
    pub tenant: String,
    /// Where a form plugin's registry lookups go.
    pub registry: Arc<dyn Registry>,
    /// A deadline the call must meet even before its own: that of the call
    /// that made this one (a registry lookup runs inside a form's call).
    pub not_after: Option<Instant>,
    /// Recorded exchanges answering the call's HTTP requests (golden cases).
    pub replay: Option<Arc<Replay>>,
    /// Where the call reports what it cost, for a call whose decision is
    /// recorded with the dossier.
    pub usage: Option<Arc<CallUsage>>,
}

/// What one call cost: fuel and wall time.
#[derive(Debug, Default)]
pub struct CallUsage {
    fuel: std::sync::atomic::AtomicU64,
    micros: std::sync::atomic::AtomicU64,
}

impl CallUsage {
    fn record(&self, fuel: u64, micros: u64) {
        use std::sync::atomic::Ordering::Relaxed;
        self.fuel.store(fuel, Relaxed);
        self.micros.store(micros, Relaxed);
    }

    /// (fuel, microseconds) of the call.
    pub fn get(&self) -> (u64, u64) {
        use std::sync::atomic::Ordering::Relaxed;
        (self.fuel.load(Relaxed), self.micros.load(Relaxed))
    }
}

impl CallContext {
    pub fn new(tenant: impl Into<String>) -> Self {
        Self {
            tenant: tenant.into(),
            registry: Arc::new(NoRegistry),
            not_after: None,
            replay: None,
            usage: None,
        }
    }

    /// Report the call's cost to `usage`.
    pub fn measured(mut self, usage: Arc<CallUsage>) -> Self {
        self.usage = Some(usage);
        self
    }

    /// Answer the call's HTTP requests from `replay`, never the network.
    pub fn replaying(mut self, replay: Arc<Replay>) -> Self {
        self.replay = Some(replay);
        self
    }

    /// End the call by `deadline` at the latest.
    pub fn not_after(mut self, deadline: Instant) -> Self {
        self.not_after = Some(self.not_after.map_or(deadline, |d| d.min(deadline)));
        self
    }

    pub fn with_registry(mut self, registry: Arc<dyn Registry>) -> Self {
        self.registry = registry;
        self
    }
}

pub(crate) struct PluginInner {
    pub(crate) shared: Arc<Shared>,
    pub(crate) manifest: Manifest,
    pub(crate) digest: String,
    pub(crate) spec: SandboxSpec,
    /// Compiled once; kept to cache an accepted upload.
    pub(crate) component: wasmtime::component::Component,
    pub(crate) pres: Pres,
    pub(crate) stats: PluginStats,
    /// Sandboxes made ahead of this plugin's calls.
    pub(crate) ready: Arc<ReadyQueue>,
    /// Its labels in the call metrics.
    pub(crate) labels: call_metrics::PluginLabels,
}

/// A loaded plugin: cheap to clone, safe to call from many threads at once.
/// Calls are synchronous and CPU-bound (or wait on egress): async callers run
/// them on a blocking thread.
#[derive(Clone)]
pub struct Plugin(pub(crate) Arc<PluginInner>);

impl std::fmt::Debug for Plugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plugin")
            .field("plugin", &self.0.manifest.reference())
            .field("digest", &self.0.digest)
            .finish()
    }
}

/// Result of the wasm side of a call: the guest's answer or refusal (in its
/// contract version's error type), or a wasmtime error.
pub(crate) type GuestResult<R, E> = wasmtime::Result<Result<R, E>>;

/// How a world's instance is made from its pre-instance: a plain function
/// (not a closure) so that the keeper can make one ahead of a call.
pub(crate) type Instantiate<P, I> = fn(&P, &mut Store<PluginState>) -> wasmtime::Result<I>;

impl Plugin {
    pub(crate) fn new(inner: PluginInner) -> Self {
        Self(Arc::new(inner))
    }

    pub fn manifest(&self) -> &Manifest {
        &self.0.manifest
    }

    /// sha256 of the component: recorded with every decision for replay.
    pub fn digest(&self) -> &str {
        &self.0.digest
    }

    pub fn stats(&self) -> StatsSnapshot {
        self.0.stats.snapshot()
    }

    /// Calls served by a sandbox made ahead of them (see `ready`), so far.
    pub fn served_ready(&self) -> u64 {
        self.0.ready.served()
    }

    /// Sandboxes made ahead of this plugin's calls, waiting now.
    pub fn ready_waiting(&self) -> usize {
        self.0.ready.waiting()
    }

    /// When a call starting now must end: its own deadline, or the one of
    /// the call it serves if that comes first.
    pub(crate) fn deadline(&self, ctx: &CallContext) -> Instant {
        let own = Instant::now() + self.0.spec.limits.deadline;
        ctx.not_after.map_or(own, |outer| outer.min(own))
    }

    /// A store for one call: fresh state, fuel and deadline.
    pub(crate) fn new_store(
        &self,
        ctx: &CallContext,
        deadline: Instant,
    ) -> Result<Store<PluginState>, Failure> {
        let mut state = PluginState::new(&self.0.spec, &ctx.tenant, ctx.registry.clone(), deadline)
            .map_err(|error| Failure::Instantiation {
                detail: format!("preparing the sandbox: {error}"),
            })?;
        if let Some(replay) = &ctx.replay {
            state.egress.replaying(replay.clone());
        }
        Ok(self.store_with(state, deadline))
    }

    fn store_with(&self, state: PluginState, deadline: Instant) -> Store<PluginState> {
        let mut store = Store::new(&self.0.shared.engine, state);
        store.limiter(|state| &mut state.limiter);
        self.rearm(&mut store, deadline);
        store
    }

    /// Give a ready sandbox's store to the call made for `ctx`.
    fn bind(&self, store: &mut Store<PluginState>, ctx: &CallContext, deadline: Instant) {
        let state = store.data_mut();
        state.bind(&self.0.spec, &ctx.tenant, ctx.registry.clone(), deadline);
        if let Some(replay) = &ctx.replay {
            state.egress.replaying(replay.clone());
        }
        // Armed when it was made.
        self.refuel(store, deadline);
    }

    /// What the keeper runs to make a ready sandbox of this plugin: a store
    /// for no tenant yet and an instance no guest code has run in.
    fn maker<P, I>(
        &self,
        pre: &P,
        instantiate: Instantiate<P, I>,
    ) -> impl FnOnce() -> Option<(Store<PluginState>, I)> + Send + 'static
    where
        P: Clone + Send + 'static,
        I: 'static,
    {
        let plugin = Arc::downgrade(&self.0);
        let pre = pre.clone();
        move || {
            let plugin = Plugin(plugin.upgrade()?);
            let deadline = Instant::now() + plugin.0.spec.limits.deadline;
            let state = PluginState::unbound(&plugin.0.spec, deadline).ok()?;
            let mut store = plugin.store_with(state, deadline);
            let instance = instantiate(&pre, &mut store).ok()?;
            Some((store, instance))
        }
    }

    /// Give a store a full budget of fuel, and time until `deadline`, for
    /// the next call.
    pub(crate) fn rearm(&self, store: &mut Store<PluginState>, deadline: Instant) {
        self.refuel(store, deadline);
        let shared = self.0.shared.clone();
        // The epoch only says a deadline may have come; the wall clock
        // decides, so a late or early tick neither stretches nor cuts a call.
        store.epoch_deadline_callback(move |store| {
            let left = store
                .data()
                .deadline
                .saturating_duration_since(Instant::now());
            if left.is_zero() {
                Err(Trap::Interrupt.into())
            } else {
                Ok(UpdateDeadline::Continue(shared.deadline_ticks(left)))
            }
        });
    }

    /// Fuel and deadline of a store already armed (its epoch callback
    /// reads the deadline from the store's data).
    fn refuel(&self, store: &mut Store<PluginState>, deadline: Instant) {
        store
            .set_fuel(self.0.spec.limits.fuel)
            .expect("fuel is enabled in the engine configuration");
        store.data_mut().deadline = deadline;
        let left = deadline.saturating_duration_since(Instant::now());
        store.set_epoch_deadline(self.0.shared.deadline_ticks(left));
    }

    /// Run one call in a fresh sandbox: instantiate, invoke, convert, check.
    pub(crate) fn call<P, I, R, E, T>(
        &self,
        ctx: &CallContext,
        call: &'static str,
        pre: Option<&P>,
        instantiate: Instantiate<P, I>,
        invoke: impl FnOnce(&I, &mut Store<PluginState>) -> GuestResult<R, E>,
        convert: impl FnOnce(R) -> Result<T, Malformed>,
    ) -> Result<T, PluginError>
    where
        P: Clone + Send + 'static,
        I: Send + 'static,
        E: GuestRefusal,
        T: Serialize,
    {
        let manifest = &self.0.manifest;
        let span = tracing::info_span!(
            "motcua.plugin.call",
            tenant = %ctx.tenant,
            plugin = %manifest.id,
            version = %manifest.version,
            call,
        );
        let _entered = span.enter();
        let started = Instant::now();
        let error = |failure| PluginError {
            plugin: manifest.reference(),
            call,
            failure,
        };
        let Some(pre) = pre else {
            return Err(error(Failure::NotImplemented { kind: call }));
        };
        let limits = &self.0.spec.limits;
        let deadline = self.deadline(ctx);
        let patience = deadline.saturating_duration_since(started);
        let slot = match self.0.shared.slots.acquire(&ctx.tenant, patience) {
            Ok(slot) => slot,
            Err(crowding) => {
                let quota = match crowding {
                    Crowding::TenantShare { .. } => "sandbox-share",
                    Crowding::Pool { .. } => "sandbox-pool",
                };
                let failure = Failure::NoSandbox {
                    waited: started.elapsed(),
                    crowding,
                };
                tracing::warn!(failure = failure.label(), %failure, "plugin call not started");
                call_metrics::quota_refused(&ctx.tenant, quota);
                call_metrics::record(
                    &ctx.tenant,
                    &self.0.labels,
                    call,
                    failure.label(),
                    0,
                    started.elapsed().as_secs_f64(),
                );
                return Err(error(failure));
            }
        };
        let ready = self.0.ready.take::<(Store<PluginState>, I)>();
        let (mut store, instance) = match ready {
            Some((mut store, instance)) => {
                self.bind(&mut store, ctx, deadline);
                (store, Ok(instance))
            }
            None => {
                let mut store = self.new_store(ctx, deadline).map_err(error)?;
                let instance = instantiate(pre, &mut store);
                (store, instance)
            }
        };
        self.0
            .ready
            .called(&self.0.shared.keeper, || self.maker(pre, instantiate));
        let outcome = match instance {
            Ok(instance) => {
                invoke(&instance, &mut store).map_err(|e| self.classify(e, store.data()))
            }
            Err(e) if e.downcast_ref::<Trap>().is_some() => Err(self.classify(e, store.data())),
            Err(e) => Err(Failure::Instantiation {
                detail: format!("{e:#}"),
            }),
        };
        let fuel = limits.fuel - store.get_fuel().unwrap_or(0);
        let result = match outcome {
            Ok(Ok(output)) => convert(output)
                .map_err(|Malformed(detail)| Failure::MalformedOutput { detail })
                .and_then(|output| self.check_size(output)),
            Ok(Err(refusal)) => match refusal.refusal_out() {
                Ok(refusal) => Err(Failure::Refused(refusal)),
                Err(Malformed(detail)) => Err(Failure::MalformedOutput { detail }),
            },
            Err(failure) => Err(failure),
        };
        // Whatever the guest made of a refused host resource, the call failed.
        let result = match store.data().host_limit_exceeded() {
            Some(failure) => Err(failure),
            None => result,
        };
        // A plugin may have met a secret (a server echoing a header), or
        // put line breaks in its text: neither reaches the error or the log.
        let result = result.map_err(|failure| failure.sanitised(store.data().redactor()));
        let dropped_logs = store.data().log.dropped();
        let memory = store.data().limiter.linear_memory_bytes as u64;
        let elapsed = started.elapsed();
        let micros = elapsed.as_micros() as u64;
        let outcome = match &result {
            Ok(_) => "succeeded",
            Err(failure) => failure.label(),
        };
        if let Some(usage) = &ctx.usage {
            usage.record(fuel, micros);
        }
        call_metrics::record(
            &ctx.tenant,
            &self.0.labels,
            call,
            outcome,
            fuel,
            elapsed.as_secs_f64(),
        );
        match &result {
            Ok(_) => {
                self.0
                    .stats
                    .record(Outcome::Succeeded, fuel, micros, memory);
                tracing::debug!(fuel, micros, dropped_logs, "plugin call succeeded");
            }
            Err(Failure::Refused(refusal)) => {
                self.0.stats.record(Outcome::Refused, fuel, micros, memory);
                // A refusal is an answer (a golden case may expect one),
                // counted in the plugin's statistics; not an incident.
                tracing::debug!(fuel, micros, code = %refusal.code, "plugin refused the call");
            }
            Err(failure) => {
                self.0.stats.record(Outcome::Failed, fuel, micros, memory);
                tracing::warn!(fuel, micros, failure = failure.label(), %failure, "plugin call failed");
            }
        }
        // The pool resets the store's memory when it is dropped: that, and
        // releasing the slot after it (a tuple drops in order), happen after
        // the answer has gone.
        self.0.shared.keeper.retire(Box::new((store, slot)));
        result.map_err(error)
    }

    /// Name the limit or fault behind a wasmtime error.
    pub(crate) fn classify(&self, error: wasmtime::Error, state: &PluginState) -> Failure {
        let limits = &self.0.spec.limits;
        if state.limiter.memory_denied {
            return Failure::MemoryExceeded {
                limit_bytes: limits.memory_bytes,
            };
        }
        if let Some(ResourceTableError::Full) = error.downcast_ref::<ResourceTableError>() {
            return Failure::HostLimitExceeded {
                resource: HostResource::OpenHandles,
                limit: limits.open_handles.into(),
            };
        }
        match error.downcast_ref::<Trap>() {
            Some(Trap::OutOfFuel) => Failure::OutOfFuel { limit: limits.fuel },
            Some(Trap::Interrupt) => Failure::DeadlineExceeded {
                limit: limits.deadline,
            },
            Some(trap) => {
                let stderr = state.stderr_tail();
                let message = if stderr.is_empty() {
                    trap.to_string()
                } else {
                    format!("{trap}; the plugin reported: {stderr}")
                };
                Failure::Trapped { message }
            }
            None => Failure::Trapped {
                message: format!("{error:#}"),
            },
        }
    }

    fn check_size<T: Serialize>(&self, output: T) -> Result<T, Failure> {
        let limit = self.0.spec.limits.output_bytes;
        let mut counter = ByteCounter(0);
        serde_json::to_writer(&mut counter, &output).map_err(|error| Failure::MalformedOutput {
            detail: error.to_string(),
        })?;
        if counter.0 > limit {
            Err(Failure::OutputTooLarge {
                size: counter.0,
                limit,
            })
        } else {
            Ok(output)
        }
    }
}

/// Counts the bytes of an output's JSON form without allocating it.
struct ByteCounter(usize);

impl Write for ByteCounter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
