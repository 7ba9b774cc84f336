//! `motcua plugin check` (and `--bless`) and `motcua plugin bench`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;

use super::build::PluginCrate;
use crate::plugin::{
    Manifest, Plugin, PluginRuntime, RuntimeConfig, bench, bench_deadline, golden, package,
};

#[derive(Debug, clap::Args)]
pub struct PackageArgs {
    /// A package directory, a package archive (.tar, .tar.gz), a plugin
    /// crate (its component as `motcua plugin build` built it), or a .wasm
    /// component (its manifest is then `--manifest`, or plugin.toml beside it).
    path: PathBuf,
    /// Use this component instead of the one the manifest names.
    #[arg(long)]
    wasm: Option<PathBuf>,
    /// The manifest of a bare .wasm component.
    #[arg(long)]
    manifest: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    #[command(flatten)]
    package: PackageArgs,
    /// Write the answer of every case that differs or has no
    /// `<case>.expected.json` as that file (pretty JSON), and list the files
    /// written for review. Needs a directory, not an archive.
    #[arg(long)]
    bless: bool,
}

#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    #[command(flatten)]
    package: PackageArgs,
    /// Calls to make each way.
    #[arg(long, default_value_t = 10_000)]
    calls: usize,
    /// The golden case to call: a `fee_lines`, `validate` or `on_event`
    /// one (default: the first of these).
    #[arg(long)]
    case: Option<String>,
    /// Print the figures as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
pub struct DeadlinesArgs {
    #[command(flatten)]
    package: PackageArgs,
    /// Procedure codes that make the fee policy misbehave, used in turn
    /// (the `sleeper` test fixture's: spin, sleep-hour, sleep-forever).
    #[arg(long = "procedure", default_values_t = ["spin".to_string(), "sleep-hour".to_string()])]
    procedures: Vec<String>,
    /// Calls running at once.
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// Calls in all.
    #[arg(long, default_value_t = 512)]
    calls: usize,
    /// The plugin's deadline for the run, in milliseconds (default: its manifest's).
    #[arg(long)]
    deadline_ms: Option<u64>,
}

/// Resolve the arguments to a package directory and an optional component
/// override; archives are unpacked into `scratch`.
fn locate(args: &PackageArgs, scratch: &Path) -> anyhow::Result<(PathBuf, Option<PathBuf>)> {
    let path = &args.path;
    if path.extension().is_some_and(|ext| ext == "wasm") {
        let manifest = args
            .manifest
            .clone()
            .unwrap_or_else(|| path.with_file_name("plugin.toml"));
        let dir = manifest
            .parent()
            .map(Path::to_path_buf)
            .context("the manifest path has no directory")?;
        if manifest
            .file_name()
            .is_some_and(|name| name != "plugin.toml")
        {
            anyhow::bail!("--manifest must name a file called plugin.toml inside its package");
        }
        return Ok((dir, Some(path.clone())));
    }
    let dir = package::open(path, scratch)?;
    Ok((dir, args.wasm.clone()))
}

fn load(args: &PackageArgs) -> anyhow::Result<(Plugin, tempfile::TempDir)> {
    load_with(args, sized(16), |_| {})
}

/// A runtime of `calls` sandboxes, otherwise as a host's.
fn sized(calls: u32) -> RuntimeConfig {
    RuntimeConfig {
        max_concurrent_calls: calls,
        ..RuntimeConfig::default()
    }
}

fn load_with(
    args: &PackageArgs,
    config: RuntimeConfig,
    adjust: impl FnOnce(&mut Manifest),
) -> anyhow::Result<(Plugin, tempfile::TempDir)> {
    let scratch = tempfile::tempdir().context("creating a scratch directory")?;
    let (dir, wasm) = locate(args, scratch.path())?;
    let runtime = PluginRuntime::new(config)?;
    let mut manifest = Manifest::load(&dir)?;
    if let Some(wasm) = wasm {
        manifest.component = wasm;
    } else if !manifest.component.exists() && dir.join("Cargo.toml").is_file() {
        // A plugin crate: its component is where `plugin build` had cargo put it.
        manifest.component = PluginCrate::read(&dir)?.component()?;
    } else if !manifest.component.exists()
        && super::polyglot::Language::of(&dir).is_some()
        && let Some(name) = manifest.component.file_name()
    {
        // A Python or JavaScript plugin: `plugin build` wrote it to target/.
        manifest.component = dir.join("target").join(name);
    }
    adjust(&mut manifest);
    let plugin = runtime.load_manifest(manifest)?;
    Ok((plugin, scratch))
}

pub fn check(args: CheckArgs) -> anyhow::Result<ExitCode> {
    if args.bless && package::is_archive(&args.package.path) {
        anyhow::bail!(
            "--bless writes into the package's golden/: give the plugin's directory, not an archive"
        );
    }
    let started = std::time::Instant::now();
    let (plugin, _scratch) = match load(&args.package) {
        Ok(loaded) => loaded,
        Err(error) => {
            println!("FAIL  load: {error:#}");
            return Ok(ExitCode::FAILURE);
        }
    };
    let manifest = plugin.manifest();
    let kinds: Vec<String> = manifest.kinds.iter().map(|k| k.to_string()).collect();
    println!(
        "plugin {} ({}; contract motcua:plugin@{}; sha256 {})",
        manifest.reference(),
        kinds.join(", "),
        manifest.contract,
        plugin.digest()
    );
    println!(
        "ok    load: component implements {} ({} ms)",
        kinds
            .iter()
            .map(|k| format!("motcua:plugin/{k}@{}", manifest.contract))
            .collect::<Vec<_>>()
            .join(", "),
        started.elapsed().as_millis()
    );
    let reports = golden::run_all(&plugin)?;
    if reports.is_empty() {
        println!("note  the package ships no golden cases (golden/<case>.input.json)");
    }
    let (mut failed, mut blessed) = (0, Vec::new());
    for report in &reports {
        let written = if args.bless {
            golden::bless(&manifest.package_dir, report)?
        } else {
            None
        };
        if report.passed {
            println!("PASS  {} ({} us)", report.name, report.micros);
        } else if let Some(path) = written {
            println!("BLESS {}: wrote {}", report.name, path.display());
            blessed.push(path);
        } else {
            failed += 1;
            println!(
                "FAIL  {}: {}",
                report.name,
                report.detail.as_deref().unwrap_or("")
            );
        }
    }
    let passed = reports.len() - failed - blessed.len();
    if args.bless {
        println!(
            "golden: {passed} passed, {} blessed, {failed} failed",
            blessed.len()
        );
        if !blessed.is_empty() {
            println!("review the files written before committing them (git diff golden/)");
        }
    } else {
        println!("golden: {passed} passed, {failed} failed");
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

pub fn bench(args: BenchArgs) -> anyhow::Result<ExitCode> {
    // Calls are counted in the host's metrics as they are when it serves.
    crate::http::install_metrics();
    // Loaded twice through one compiled-code cache, as a host loads a
    // package the first time and at every later start.
    let cache = tempfile::tempdir().context("creating a scratch cache")?;
    let cached = |mut config: RuntimeConfig| {
        config.cache_dir = Some(cache.path().to_path_buf());
        config
    };
    let started = std::time::Instant::now();
    let (plugin, _scratch) = load_with(&args.package, cached(sized(16)), |_| {})?;
    let compile = started.elapsed();
    // The same package in a runtime that makes no sandbox ahead of calls.
    let mut cold_config = cached(sized(16));
    cold_config.budget.ready_sandboxes = 0;
    let started = std::time::Instant::now();
    let (cold, _cold_scratch) = load_with(&args.package, cold_config, |_| {})?;
    let from_cache = started.elapsed();
    let mut report = bench::run(&plugin, &cold, args.case.as_deref(), args.calls)?;
    report.load = Some(bench::LoadTimes {
        compile_ms: compile.as_secs_f64() * 1000.0,
        cached_ms: from_cache.as_secs_f64() * 1000.0,
        component_kib: std::fs::metadata(&plugin.manifest().component)
            .map_or(0, |m| m.len() / 1024),
    });
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "plugin {}, {} case {}, {} calls each way",
        report.plugin, report.call, report.case, report.calls
    );
    println!(
        "request-path-us: p50 {:.2}, p99 {:.2}   (sandboxes made ahead: {:.0}% of calls served by one)",
        report.request_p50_us, report.request_p99_us, report.served_ready_percent
    );
    println!(
        "cpu-per-call-us: {:.2}   (every thread: instantiate, call, teardown)",
        report.cpu_per_call_us
    );
    println!(
        "cold-us: p50 {:.2}, p99 {:.2}, cpu {:.2}   (no sandbox made ahead: instantiation on the request path)",
        report.cold_p50_us, report.cold_p99_us, report.cold_cpu_per_call_us
    );
    println!("fuel-per-call: {}", report.fuel_per_call);
    println!(
        "memory-per-sandbox-kib: {}   (every linear memory of one sandbox)",
        report.memory_per_sandbox_kib
    );
    if let Some(load) = &report.load {
        println!(
            "load-ms: compiled {:.0}, from the compiled-code cache {:.0}   (component {} KiB)",
            load.compile_ms, load.cached_ms, load.component_kib
        );
    }
    if let Some(steps) = &report.breakdown {
        println!(
            "all inline (medians, us): {:.2} = store {:.2}, instantiate {:.2}, call {:.2}, teardown {:.2}; reused instance {:.2}",
            steps.total_us,
            steps.store_us,
            steps.instantiate_us,
            steps.first_call_us,
            steps.teardown_us,
            steps.reused_us
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub fn deadlines(args: DeadlinesArgs) -> anyhow::Result<ExitCode> {
    let pool = u32::try_from(args.concurrency.max(1)).unwrap_or(u32::MAX);
    let (plugin, _scratch) = load_with(&args.package, sized(pool), |manifest| {
        if let Some(ms) = args.deadline_ms {
            manifest.limits.deadline = std::time::Duration::from_millis(ms);
        }
    })?;
    let report = bench_deadline::run(&plugin, &args.procedures, args.concurrency, args.calls);
    println!(
        "plugin {}, deadline {} ms, {} calls, {} at once ({})",
        plugin.manifest().reference(),
        report.deadline_ms,
        report.calls,
        report.concurrency,
        args.procedures.join(", ")
    );
    println!(
        "deadline-exceeded: {}; other outcomes: {}",
        report.deadline_exceeded,
        report.other.len()
    );
    println!(
        "overshoot past the deadline (ms): p50 {:.1}, p99 {:.1}, max {:.1}",
        report.overshoot_p50_ms, report.overshoot_p99_ms, report.overshoot_max_ms
    );
    Ok(if report.other.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
