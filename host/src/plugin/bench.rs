//! `motcua plugin bench`: the cost of a call, fresh sandbox vs reused instance.
//!
//! The production path is the fresh sandbox (no state survives a call); the
//! reused-instance figure shows what isolation costs on top of the work itself,
//! and the breakdown shows where that cost goes.

use std::time::{Duration, Instant};

use motcua_domain::dossier::DossierView;
use wasmtime::Store;

use super::bindings::Pres;
use super::convert;
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
    // The breakdown drives the generated bindings directly, so it measures
    // plugins of the newest contract; the path of a call is the same for all.
    let Pres::V0_2(pres) = &plugin.0.pres else {
        return Err(BenchError::Workload(format!(
            "the breakdown measures contract 0.2.0 plugins; this one is built for {}",
            plugin.manifest().contract
        )));
    };
    let pre = pres
        .fee_policy
        .as_ref()
        .ok_or_else(|| BenchError::Workload("the plugin is not a fee policy".into()))?;

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

    let wit_dossier = convert::dossier_view(&dossier);
    let (mut store_t, mut inst_t, mut first_t, mut drop_t) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..calls {
        let started = Instant::now();
        let mut store = plugin
            .new_store(&ctx, plugin.deadline(&ctx))
            .map_err(|f| BenchError::Workload(f.to_string()))?;
        let created = Instant::now();
        let instance = pre
            .instantiate(&mut store)
            .map_err(|e| BenchError::Wasm(format!("{e:#}")))?;
        let instantiated = Instant::now();
        call_once(&instance, &mut store, &wit_dossier)?;
        let done = Instant::now();
        drop(store);
        drop_t.push(done.elapsed());
        store_t.push(created - started);
        inst_t.push(instantiated - created);
        first_t.push(done - instantiated);
    }

    let mut store = plugin
        .new_store(&ctx, plugin.deadline(&ctx))
        .map_err(|f| BenchError::Workload(f.to_string()))?;
    let instance = pre
        .instantiate(&mut store)
        .map_err(|e| BenchError::Wasm(format!("{e:#}")))?;
    let mut reused = Vec::with_capacity(calls);
    for _ in 0..calls {
        plugin.rearm(&mut store, plugin.deadline(&ctx));
        let started = Instant::now();
        call_once(&instance, &mut store, &wit_dossier)?;
        reused.push(started.elapsed());
    }

    Ok(BenchReport {
        case,
        calls,
        fresh_median_us: percentile(&mut fresh, 50),
        fresh_p90_us: percentile(&mut fresh, 90),
        reused_median_us: percentile(&mut reused, 50),
        store_median_us: percentile(&mut store_t, 50),
        instantiate_median_us: percentile(&mut inst_t, 50),
        first_call_median_us: percentile(&mut first_t, 50),
        teardown_median_us: percentile(&mut drop_t, 50),
        fuel_per_call,
    })
}

fn call_once(
    instance: &super::bindings::v0_2::fee_policy::FeePolicyPlugin,
    store: &mut Store<PluginState>,
    dossier: &super::bindings::wit::DossierView,
) -> Result<(), BenchError> {
    let lines = instance
        .motcua_plugin_fee_policy()
        .call_fee_lines(&mut *store, dossier)
        .map_err(|e| BenchError::Wasm(format!("{e:#}")))?
        .map_err(|e| BenchError::Wasm(format!("refused: {}", e.message)))?;
    for line in lines {
        std::hint::black_box(convert::fee_line_out(line).map_err(|m| BenchError::Wasm(m.0))?);
    }
    Ok(())
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
