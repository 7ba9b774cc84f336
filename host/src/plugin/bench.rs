//! `motcua plugin bench`: the cost of a call in a sandbox nobody used before.
//!
//! The production path makes sandboxes ahead of a busy plugin's calls and
//! drops them after, off the request path (`ready`): the request waits for
//! the call alone, and the CPU figure counts the rest wherever it ran. The
//! inline figures do everything on the request path; the breakdown shows
//! where an inline call's time goes, and the reused-instance figure what
//! isolation costs on top of the work itself.

use std::sync::Arc;
use std::time::{Duration, Instant};

use motcua_domain::dossier::DossierView;
use motcua_domain::initiative::DossierEvent;
use wasmtime::Store;

use super::bindings::by_contract;
use super::capabilities::registry::Registry;
use super::convert::{self, GuestRefusal};
use super::error::PluginError;
use super::golden::{self, GoldenCall};
use super::instance::{CallContext, Plugin};
use super::state::PluginState;

/// Figures of one benchmark run, in microseconds unless named otherwise.
#[derive(Debug, serde::Serialize)]
pub struct BenchReport {
    /// `id@version` of the plugin.
    pub plugin: String,
    /// The call benchmarked, as in the call metrics (`fee-policy.fee-lines`).
    pub call: &'static str,
    pub case: String,
    pub calls: usize,
    /// The production path: every call in a sandbox nobody used before,
    /// made ahead of it when the plugin is busy, dropped after it, both off
    /// the request path. What the request waits for.
    pub request_p50_us: f64,
    pub request_p99_us: f64,
    /// Of those calls, the share a ready sandbox served (the rest
    /// instantiated on the request path: the keeper fell behind).
    pub served_ready_percent: f64,
    /// CPU of every thread of the process per call (the call, and the
    /// instantiation and teardown wherever they ran).
    pub cpu_per_call_us: f64,
    /// The same calls with no sandbox made ahead: each instantiates on the
    /// request path (its teardown still comes after the answer).
    pub cold_p50_us: f64,
    pub cold_p99_us: f64,
    pub cold_cpu_per_call_us: f64,
    pub fuel_per_call: u64,
    /// The linear memory one sandbox holds (all its memories, initial size
    /// included), in KiB: what each ready sandbox and each call costs of
    /// the pool.
    pub memory_per_sandbox_kib: u64,
    /// How long the package took to load (set by the command, which loads
    /// it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub load: Option<LoadTimes>,
    /// Where the time of a call done wholly inline goes (fee policies):
    /// store, instantiation, call and teardown one after the other.
    pub breakdown: Option<StepMedians>,
}

/// Loading a package: compiling its component (the first start of a host
/// with it), and again from the compiled-code cache (every later start).
#[derive(Debug, serde::Serialize)]
pub struct LoadTimes {
    pub compile_ms: f64,
    pub cached_ms: f64,
    pub component_kib: u64,
}

/// Medians of each step of a call done wholly inline (what a request waited
/// for before sandboxes were made ahead and dropped after), and of a call
/// on one instance reused across calls (what isolation costs on top of the
/// work).
#[derive(Debug, serde::Serialize)]
pub struct StepMedians {
    pub store_us: f64,
    pub instantiate_us: f64,
    pub first_call_us: f64,
    /// Dropping the store: the instance goes back to the pool, memory reset.
    pub teardown_us: f64,
    /// The four steps together.
    pub total_us: f64,
    pub reused_us: f64,
}

/// What a benchmark calls, from one of the plugin's golden cases.
enum Workload {
    FeeLines(DossierView),
    Validate(DossierView, Arc<dyn Registry>),
    OnEvent(DossierEvent),
}

impl Workload {
    fn call_name(&self) -> &'static str {
        match self {
            Workload::FeeLines(_) => "fee-policy.fee-lines",
            Workload::Validate(..) => "form.validate",
            Workload::OnEvent(_) => "initiative.on-event",
        }
    }

    fn run(&self, plugin: &Plugin, ctx: &CallContext) -> Result<(), PluginError> {
        match self {
            Workload::FeeLines(dossier) => {
                std::hint::black_box(plugin.fee_lines(ctx, dossier)?);
            }
            Workload::Validate(dossier, registry) => {
                let ctx = ctx.clone().with_registry(registry.clone());
                std::hint::black_box(plugin.validate(&ctx, dossier)?);
            }
            Workload::OnEvent(event) => {
                std::hint::black_box(plugin.on_event(ctx, event)?);
            }
        }
        Ok(())
    }
}

/// The golden case named `case`, or the plugin's first one a benchmark can
/// call (`fee_lines`, `validate`, `on_event`).
fn workload(plugin: &Plugin, case: Option<&str>) -> Result<(String, Workload), String> {
    let cases = golden::case_files(&plugin.manifest().package_dir).map_err(|e| e.to_string())?;
    for (name, path) in cases {
        if case.is_some_and(|wanted| wanted != name) {
            continue;
        }
        let Ok((call, _)) = golden::read_case(&path) else {
            continue;
        };
        let workload = match call {
            GoldenCall::FeeLines { dossier } => Workload::FeeLines(dossier),
            GoldenCall::Validate {
                dossier,
                operations,
            } => Workload::Validate(
                dossier,
                Arc::new(golden::MapRegistry {
                    people: Default::default(),
                    operations,
                }),
            ),
            GoldenCall::OnEvent { event } => Workload::OnEvent(event),
            _ => continue,
        };
        return Ok((name, workload));
    }
    Err(match case {
        Some(case) => {
            format!("no `fee_lines`, `validate` or `on_event` golden case named `{case}`")
        }
        None => "bench needs a `fee_lines`, `validate` or `on_event` golden case".into(),
    })
}

/// Run `calls` calls on the production path with `plugin` (loaded in a
/// runtime that makes sandboxes ahead), the same on `cold` (the same
/// package in a runtime that does not), and report.
pub fn run(
    plugin: &Plugin,
    cold: &Plugin,
    case: Option<&str>,
    calls: usize,
) -> Result<BenchReport, BenchError> {
    let (case, workload) = workload(plugin, case).map_err(BenchError::Workload)?;
    let ctx = CallContext::new(
        plugin
            .manifest()
            .tenant
            .clone()
            .unwrap_or_else(|| "bench".into()),
    );
    let calls = calls.max(1);

    let before = plugin.stats();
    let production = timed(plugin, &ctx, &workload, calls)?;
    let served = production.served_ready as f64 * 100.0 / calls as f64;
    let after = plugin.stats();
    let fuel_per_call = (after.fuel_consumed - before.fuel_consumed) / calls as u64;
    let mut cold_run = timed(cold, &ctx, &workload, calls)?;
    let mut request = production.latencies;

    let breakdown = match &workload {
        Workload::FeeLines(dossier) => Some(fee_breakdown(cold, &ctx, dossier, calls)?),
        _ => None,
    };
    Ok(BenchReport {
        plugin: plugin.manifest().reference(),
        call: workload.call_name(),
        case,
        calls,
        request_p50_us: percentile(&mut request, 50),
        request_p99_us: percentile(&mut request, 99),
        served_ready_percent: served,
        cpu_per_call_us: production.cpu_per_call_us,
        cold_p50_us: percentile(&mut cold_run.latencies, 50),
        cold_p99_us: percentile(&mut cold_run.latencies, 99),
        cold_cpu_per_call_us: cold_run.cpu_per_call_us,
        fuel_per_call,
        memory_per_sandbox_kib: after.peak_memory_bytes / 1024,
        load: None,
        breakdown,
    })
}

/// One timed run: each call's latency, and the CPU it cost.
struct Timed {
    latencies: Vec<Duration>,
    cpu_per_call_us: f64,
    served_ready: u64,
}

fn timed(
    plugin: &Plugin,
    ctx: &CallContext,
    workload: &Workload,
    calls: usize,
) -> Result<Timed, BenchError> {
    // Warm up: page in code, fill the pool's slots, get the keeper going.
    for _ in 0..calls.min(500) {
        workload.run(plugin, ctx)?;
    }
    // Let the keeper finish what the warm-up left, so that its CPU is not
    // counted against these calls.
    std::thread::sleep(Duration::from_millis(50));
    let served = plugin.served_ready();
    let mut latencies = Vec::with_capacity(calls);
    let cpu = process_cpu();
    for _ in 0..calls {
        let started = Instant::now();
        workload.run(plugin, ctx)?;
        latencies.push(started.elapsed());
    }
    // The keeper's teardown of the last calls belongs to them.
    std::thread::sleep(Duration::from_millis(50));
    let cpu = process_cpu().saturating_sub(cpu);
    Ok(Timed {
        latencies,
        cpu_per_call_us: cpu.as_nanos() as f64 / 1000.0 / calls as f64,
        served_ready: plugin.served_ready() - served,
    })
}

/// CPU time of every thread of this process so far (Linux schedstat,
/// nanoseconds); zero where it cannot be read.
fn process_cpu() -> Duration {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return Duration::ZERO;
    };
    let nanos: u64 = tasks
        .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("schedstat")).ok())
        .filter_map(|stat| stat.split_whitespace().next()?.parse::<u64>().ok())
        .sum();
    Duration::from_nanos(nanos)
}

/// Where a wholly inline fee call's time goes. It drives the generated bindings
/// directly, in the plugin's own contract version; the path of a call is
/// the same for all.
fn fee_breakdown(
    plugin: &Plugin,
    ctx: &CallContext,
    dossier: &DossierView,
    calls: usize,
) -> Result<StepMedians, BenchError> {
    let wit_dossier = convert::dossier_view(dossier);
    let mut times = by_contract!(&plugin.0.pres, |pres, v| {
        let pre = pres
            .fee_policy
            .as_ref()
            .ok_or_else(|| BenchError::Workload("the plugin is not a fee policy".into()))?;
        breakdown(
            plugin,
            ctx,
            calls,
            |store| pre.instantiate(store),
            |instance, store| {
                let lines = v::call_fee_lines(instance, store, &wit_dossier)
                    .map_err(|e| BenchError::Wasm(format!("{e:#}")))?
                    .map_err(|refusal| match refusal.refusal_out() {
                        Ok(refusal) => BenchError::Wasm(format!("refused: {refusal}")),
                        Err(malformed) => BenchError::Wasm(malformed.0),
                    })?;
                for line in lines {
                    std::hint::black_box(
                        convert::fee_line_out(line).map_err(|m| BenchError::Wasm(m.0))?,
                    );
                }
                Ok(())
            },
        )
    })?;
    Ok(StepMedians {
        store_us: percentile(&mut times.store, 50),
        instantiate_us: percentile(&mut times.instantiate, 50),
        first_call_us: percentile(&mut times.first_call, 50),
        teardown_us: percentile(&mut times.teardown, 50),
        total_us: percentile(&mut times.total, 50),
        reused_us: percentile(&mut times.reused, 50),
    })
}

/// Each step's durations over the calls of a breakdown.
struct Breakdown {
    store: Vec<Duration>,
    instantiate: Vec<Duration>,
    first_call: Vec<Duration>,
    teardown: Vec<Duration>,
    total: Vec<Duration>,
    reused: Vec<Duration>,
}

/// Time each step of `calls` fresh calls, then `calls` calls on one reused
/// instance.
fn breakdown<I>(
    plugin: &Plugin,
    ctx: &CallContext,
    calls: usize,
    instantiate: impl Fn(&mut Store<PluginState>) -> wasmtime::Result<I>,
    call_once: impl Fn(&I, &mut Store<PluginState>) -> Result<(), BenchError>,
) -> Result<Breakdown, BenchError> {
    let mut times = Breakdown {
        store: Vec::with_capacity(calls),
        instantiate: Vec::with_capacity(calls),
        first_call: Vec::with_capacity(calls),
        teardown: Vec::with_capacity(calls),
        total: Vec::with_capacity(calls),
        reused: Vec::with_capacity(calls),
    };
    let new_store = || {
        plugin
            .new_store(ctx, plugin.deadline(ctx))
            .map_err(|f| BenchError::Workload(f.to_string()))
    };
    for _ in 0..calls {
        let started = Instant::now();
        let mut store = new_store()?;
        let created = Instant::now();
        let instance = instantiate(&mut store).map_err(|e| BenchError::Wasm(format!("{e:#}")))?;
        let instantiated = Instant::now();
        call_once(&instance, &mut store)?;
        let done = Instant::now();
        drop(store);
        times.teardown.push(done.elapsed());
        times.total.push(started.elapsed());
        times.store.push(created - started);
        times.instantiate.push(instantiated - created);
        times.first_call.push(done - instantiated);
    }

    let mut store = new_store()?;
    let instance = instantiate(&mut store).map_err(|e| BenchError::Wasm(format!("{e:#}")))?;
    for _ in 0..calls {
        plugin.rearm(&mut store, plugin.deadline(ctx));
        let started = Instant::now();
        call_once(&instance, &mut store)?;
        times.reused.push(started.elapsed());
    }
    Ok(times)
}

fn percentile(samples: &mut [Duration], pct: usize) -> f64 {
    samples.sort_unstable();
    let index = ((samples.len() - 1) * pct) / 100;
    samples[index].as_nanos() as f64 / 1000.0
}

#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error("{0}")]
    Workload(String),
    #[error(transparent)]
    Plugin(#[from] PluginError),
    #[error("wasm: {0}")]
    Wasm(String),
}
