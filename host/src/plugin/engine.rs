//! The one wasmtime `Engine` of a host process: its configuration, its
//! instance pool and the epoch ticker that enforces wall-clock deadlines.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::budget::HostBudget;
use super::settings::HostSettings;
use wasmtime::{Config, Enabled, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

/// Sizing of the plugin runtime for a deployment.
#[derive(Clone, Debug)]
pub struct RuntimeConfig {
    /// Plugin calls that may run at the same time (each holds one pooled instance).
    pub max_concurrent_calls: u32,
    /// The largest linear memory any plugin may be granted, in bytes.
    pub max_memory_bytes: usize,
    /// Where compiled artifacts are cached; `None` compiles on every start.
    pub cache_dir: Option<std::path::PathBuf>,
    /// Granularity of deadlines.
    pub epoch_tick: Duration,
    /// The operator's plugin settings (`motcua.toml`): per-tenant config and
    /// secrets, egress destinations allowed to be private.
    pub settings: Arc<HostSettings>,
    /// Per-tenant share of the pool and what an upload may cost.
    pub budget: HostBudget,
    /// How a used sandbox's memory is reset for the next one.
    pub memory_reset: MemoryReset,
    /// A plugin not called for this long loses the sandboxes made ahead of
    /// its calls (`budget.ready_sandboxes`).
    pub ready_quiet: Duration,
}

/// How the pool resets a used sandbox's linear memory.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum MemoryReset {
    /// `fast` unless the machine has swap on, then `safe`.
    #[default]
    Auto,
    /// Zero only the pages the call dirtied, found with Linux's
    /// PAGEMAP_SCAN. A dirty page the kernel swapped out is not seen by the
    /// scan (wasmtime pull request 14357), so the next sandbox in that slot
    /// could read it: only for hosts without swap.
    Fast,
    /// Zero the first pages in place and give the rest back to the kernel,
    /// whatever the page's state: a few microseconds more per call.
    Safe,
}

impl MemoryReset {
    /// The mode to run: `Auto` looks at `/proc/swaps`.
    pub fn resolve(self) -> MemoryReset {
        match self {
            MemoryReset::Auto if swap_is_on() => MemoryReset::Safe,
            MemoryReset::Auto => MemoryReset::Fast,
            chosen => chosen,
        }
    }
}

/// Whether any swap area is active (`/proc/swaps` lists one below its
/// header); unknown counts as on.
fn swap_is_on() -> bool {
    match std::fs::read_to_string("/proc/swaps") {
        Ok(swaps) => swaps.lines().skip(1).any(|line| !line.trim().is_empty()),
        Err(_) => cfg!(target_os = "linux"),
    }
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        Self {
            max_concurrent_calls: 128,
            max_memory_bytes: 256 * 1024 * 1024,
            cache_dir: None,
            epoch_tick: Duration::from_millis(1),
            settings: Arc::default(),
            budget: HostBudget::default(),
            memory_reset: MemoryReset::Auto,
            ready_quiet: super::ready::QUIET,
        }
    }
}

/// Core instances of one component: a Rust one has the module itself, the
/// WASI adapter and the shim/fixup modules wit-component adds; a
/// componentize-js one 4; componentize-py links libc, libpython, its
/// runtime and their adapters as modules of their own: 14.
const CORE_INSTANCES_PER_COMPONENT: u32 = 16;

/// Bytes of each linear memory kept mapped between instances.
const KEEP_RESIDENT_BYTES: usize = 4 * 1024 * 1024;

pub(crate) fn build_engine(config: &RuntimeConfig) -> wasmtime::Result<Engine> {
    let reset = config.memory_reset.resolve();
    tracing::info!(
        ?reset,
        chosen = ?config.memory_reset,
        "sandbox memory reset (see `--sandbox-reset`)"
    );
    let mut pool = PoolingAllocationConfig::new();
    // Each call holds one instance; each ready sandbox one more (`ready`).
    let instances = config.max_concurrent_calls.max(1) + config.budget.ready_sandboxes;
    // Every sandbox may be a component of the most core instances allowed:
    // a Python or JavaScript plugin links an interpreter, its libc and
    // adapters as a dozen modules, and a ready sandbox of one must never
    // find the pool out of core instances (their slots are virtual memory
    // until used).
    pool.total_component_instances(instances)
        .max_core_instances_per_component(CORE_INSTANCES_PER_COMPONENT)
        .total_core_instances(instances * CORE_INSTANCES_PER_COMPONENT)
        .total_memories(instances * 2)
        .total_tables(instances * 4)
        .max_memory_size(config.max_memory_bytes)
        // Reset memory by zeroing the first pages in place instead of
        // unmapping them: a fresh instance per call then costs microseconds,
        // not a page-fault storm. A Rust guest's stack, data and first heap
        // pages sit within the first few MiB.
        .linear_memory_keep_resident(KEEP_RESIDENT_BYTES)
        .table_keep_resident(64 * 1024)
        // Fast: zero only the pages the call dirtied (see `MemoryReset`).
        .pagemap_scan(match reset {
            MemoryReset::Safe => Enabled::No,
            _ => Enabled::Auto,
        });

    let mut wasm = Config::new();
    wasm.wasm_component_model(true)
        .consume_fuel(true)
        .epoch_interruption(true)
        // No component-model async features are used; leaving this on costs
        // about a third of a microsecond per call.
        .concurrency_support(false)
        .allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    Engine::new(&wasm)
}

/// Advances the engine's epoch every tick so that deadlines fire; stops on drop.
pub(crate) struct EpochTicker {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl EpochTicker {
    pub(crate) fn start(engine: Engine, tick: Duration) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name("motcua-epoch".into())
            .spawn(move || {
                // Epochs follow the wall clock, not the count of sleeps: under
                // load a 1 ms sleep lasts longer, and one increment per sleep
                // stretched a 10 s deadline to 14-21 s. A late wake-up
                // catches up with the ticks it missed.
                let started = Instant::now();
                let mut ticks: u128 = 0;
                while !flag.load(Ordering::Relaxed) {
                    std::thread::sleep(tick);
                    let due = started.elapsed().as_nanos() / tick.as_nanos().max(1);
                    while ticks < due {
                        engine.increment_epoch();
                        ticks += 1;
                    }
                }
            })
            .expect("spawning the epoch ticker thread");
        Self {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for EpochTicker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Deadline in epoch ticks, rounded up, never zero.
pub(crate) fn deadline_ticks(deadline: Duration, tick: Duration) -> u64 {
    let ticks = deadline.as_nanos().div_ceil(tick.as_nanos().max(1));
    (ticks as u64).max(1)
}
