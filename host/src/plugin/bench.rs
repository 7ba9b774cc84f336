//! `motcua plugin bench`: the cost of a call, fresh sandbox vs reused instance.
//!
//! The production path is the fresh sandbox (no state survives a call); the
//! reused-instance figure shows what isolation costs on top of the work itself,
//! and the breakdown shows where that cost goes.

use std::time::{Duration, Instant};

use motcua_domain::dossier::DossierView;
use wasmtime::Store;

use super::bindings::by_contract;
use super::convert::{self, GuestRefusal};
use super::error::PluginError;
use super::golden::{self, GoldenCall};
use super::instance::{CallContext, Plugin};
use super::state::PluginState;

/// Figures of one benchmark run, in microseconds unless named otherwise.
#[derive(Debug, serde::Serialize)]
pub struct BenchReport {
    pub case: String,
    pub calls: usize,
    /// Median of a whole call through a fresh sandbox (the production path).
    pub fresh_median_us: f64,
    pub fresh_p90_us: f64,
    /// Median of a call on one instance reused across calls.
    pub reused_median_us: f64,
    /// Where a fresh call's time goes.
    pub store_median_us: f64,
    pub instantiate_median_us: f64,
    pub first_call_median_us: f64,
    /// Dropping the store: the instance goes back to the pool, memory reset.
    pub teardown_median_us: f64,
    pub fuel_per_call: u64,
}

/// What the benchmark calls: a fee policy's `fee_lines` golden case named
/// `case`, or its first one.
pub fn workload(plugin: &Plugin, case: Option<&str>) -> Result<(String, DossierView), String> {
    let cases = golden::case_files(&plugin.manifest().package_dir).map_err(|e| e.to_string())?;
    for (name, path) in cases {
        if case.is_some_and(|wanted| wanted != name) {
            continue;
        }
        let text = std::fs::read_to_string(&path).map_err(|e| e.to_string())?;
        if let Ok(GoldenCall::FeeLines { dossier }) = serde_json::from_str(&text) {
            return Ok((name, dossier));
        }
    }
    Err(match case {
        Some(case) => format!("no `fee_lines` golden case named `{case}`"),
        None => "bench needs a fee policy with at least one `fee_lines` golden case".into(),
    })
}

/// Run `calls` calls each way and report medians.
pub fn run(plugin: &Plugin, case: Option<&str>, calls: usize) -> Result<BenchReport, BenchError> {
    let (case, dossier) = workload(plugin, case).map_err(BenchError::Workload)?;
    let ctx = CallContext::new(
        plugin
            .manifest()
            .tenant
            .clone()
            .unwrap_or_else(|| "bench".into()),
    );
    let calls = calls.max(1);
    // Warm up: page in code, fill the pool's slots.
    for _ in 0..calls.min(200) {
        plugin.fee_lines(&ctx, &dossier)?;
    }

    let before = plugin.stats();
    let mut fresh = Vec::with_capacity(calls);
    for _ in 0..calls {
        let started = Instant::now();
        let lines = plugin.fee_lines(&ctx, &dossier)?;
        fresh.push(started.elapsed());
        std::hint::black_box(lines);
    }
    let after = plugin.stats();
    let fuel_per_call = (after.fuel_consumed - before.fuel_consumed) / calls as u64;

    // The breakdown drives the generated bindings directly, in the plugin's
    // own contract version; the path of a call is the same for all.
    let wit_dossier = convert::dossier_view(&dossier);
    let mut times = by_contract!(&plugin.0.pres, |pres, v| {
        let pre = pres
            .fee_policy
            .as_ref()
            .ok_or_else(|| BenchError::Workload("the plugin is not a fee policy".into()))?;
        breakdown(
            plugin,
            &ctx,
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

    Ok(BenchReport {
        case,
        calls,
        fresh_median_us: percentile(&mut fresh, 50),
        fresh_p90_us: percentile(&mut fresh, 90),
        reused_median_us: percentile(&mut times.reused, 50),
        store_median_us: percentile(&mut times.store, 50),
        instantiate_median_us: percentile(&mut times.instantiate, 50),
        first_call_median_us: percentile(&mut times.first_call, 50),
        teardown_median_us: percentile(&mut times.teardown, 50),
        fuel_per_call,
    })
}

/// Each step's durations over the calls of a breakdown.
struct Breakdown {
    store: Vec<Duration>,
    instantiate: Vec<Duration>,
    first_call: Vec<Duration>,
    teardown: Vec<Duration>,
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
