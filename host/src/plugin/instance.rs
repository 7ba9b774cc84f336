//! A loaded plugin and the path of one call through a fresh sandbox.

use std::io::Write;
use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;
use wasmtime::{Store, Trap};

use super::bindings::{Pres, wit};
use super::capabilities::registry::{NoRegistry, Registry};
use super::convert::Malformed;
use super::error::{Failure, PluginError};
use super::manifest::Manifest;
use super::runtime::Shared;
use super::state::{PluginState, SandboxSpec};
use super::stats::{Outcome, PluginStats, StatsSnapshot};

/// Who a call is made for.
#[derive(Clone)]
pub struct CallContext {
    /// The tenant whose dossier is concerned.
    pub tenant: String,
    /// Where a form plugin's registry lookups go.
    pub registry: Arc<dyn Registry>,
}

impl CallContext {
    pub fn new(tenant: impl Into<String>) -> Self {
        Self {
            tenant: tenant.into(),
            registry: Arc::new(NoRegistry),
        }
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
    pub(crate) pres: Pres,
    pub(crate) stats: PluginStats,
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

/// Result of the wasm side of a call: the guest's answer, or a wasmtime error.
pub(crate) type GuestResult<R> = wasmtime::Result<Result<R, wit::PluginError>>;

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

    /// A store for one call: fresh state, fuel and deadline.
    pub(crate) fn new_store(&self, ctx: &CallContext) -> Result<Store<PluginState>, Failure> {
        let state =
            PluginState::new(&self.0.spec, &ctx.tenant, ctx.registry.clone()).map_err(|error| {
                Failure::Instantiation {
                    detail: format!("preparing the sandbox: {error}"),
                }
            })?;
        let mut store = Store::new(&self.0.shared.engine, state);
        store.limiter(|state| &mut state.limiter);
        self.rearm(&mut store);
        Ok(store)
    }

    /// Give a store a full budget of fuel and time for the next call.
    pub(crate) fn rearm(&self, store: &mut Store<PluginState>) {
        let limits = &self.0.spec.limits;
        store
            .set_fuel(limits.fuel)
            .expect("fuel is enabled in the engine configuration");
        store.set_epoch_deadline(self.0.shared.deadline_ticks(limits.deadline));
    }

    /// Run one call in a fresh sandbox: instantiate, invoke, convert, check.
    pub(crate) fn call<P, I, R, T>(
        &self,
        ctx: &CallContext,
        call: &'static str,
        pre: Option<&P>,
        instantiate: impl FnOnce(&P, &mut Store<PluginState>) -> wasmtime::Result<I>,
        invoke: impl FnOnce(&I, &mut Store<PluginState>) -> GuestResult<R>,
        convert: impl FnOnce(R) -> Result<T, Malformed>,
    ) -> Result<T, PluginError>
    where
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
        let Some(_slot) = self.0.shared.slots.acquire(limits.deadline) else {
            let failure = Failure::Instantiation {
                detail: format!(
                    "no sandbox became free within the deadline ({} calls already running)",
                    self.0.shared.config.max_concurrent_calls
                ),
            };
            tracing::warn!(failure = failure.label(), %failure, "plugin call not started");
            return Err(error(failure));
        };
        let mut store = self.new_store(ctx).map_err(error)?;
        let outcome = match instantiate(pre, &mut store) {
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
            Ok(Err(refusal)) => Err(Failure::Refused(super::convert::refusal(refusal))),
            Err(failure) => Err(failure),
        };
        // A plugin may have met a secret (a server echoing a header): it
        // never reaches the error or the log line.
        let result = result.map_err(|failure| failure.redacted(store.data().redactor()));
        let dropped_logs = store.data().log.dropped();
        let micros = started.elapsed().as_micros() as u64;
        match &result {
            Ok(_) => {
                self.0.stats.record(Outcome::Succeeded, fuel);
                tracing::debug!(fuel, micros, dropped_logs, "plugin call succeeded");
            }
            Err(Failure::Refused(refusal)) => {
                self.0.stats.record(Outcome::Refused, fuel);
                // A refusal is an answer (a golden case may expect one),
                // counted in the plugin's statistics; not an incident.
                tracing::debug!(fuel, micros, code = %refusal.code, "plugin refused the call");
            }
            Err(failure) => {
                self.0.stats.record(Outcome::Failed, fuel);
                tracing::warn!(fuel, micros, failure = failure.label(), %failure, "plugin call failed");
            }
        }
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
