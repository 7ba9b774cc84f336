//! Project tasks, so that a fresh clone needs two commands:
//!
//! - `cargo xtask demo`: build the plugins and run the host with them.
//! - `cargo xtask test`: build the plugins, check formatting and lints, run
//!   every test (CI runs exactly this); installs Chromium and chromedriver
//!   with apt-get for the console's browser tests, and the API contract
//!   tests' Python tools into `target/api-tools`, when they are missing.
//!
//! Also `cargo xtask plugins` (build and package the plugins only) and
//! `cargo xtask bench <plugins|fees|intake|platform|stats|import>` (every
//! plugin kind's call, lean and std, with a summary; the fee-policy call
//! alone; the sustained-intake benchmark with national delivery on; the
//! platform's performance suite; the statistics benchmark; the import of a
//! generated migration).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

mod plugins;
mod polyglot;

use plugins::{LEAN_TARGET, WASM_TARGET, build_plugins, copy_dir, plugin_crates};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = workspace_root();
    std::env::set_current_dir(&root)?;
    match args.first().map(String::as_str) {
        Some("plugins") => build_plugins(&root).map(|_| ()),
        Some("demo") => demo(&root, &args[1..]),
        Some("test") => test(&root),
        Some("bench") => bench(&root, &args[1..]),
        _ => {
            eprintln!("usage: cargo xtask <plugins|demo|test|bench> [args]");
            eprintln!(
                "  plugins  build every plugin for {WASM_TARGET} and package it under target/plugins"
            );
            eprintln!(
                "  demo     build the plugins and run the host with them (extra args go to `motcua demo`)"
            );
            eprintln!("  test     build the plugins, check fmt and clippy, run all tests");
            eprintln!(
                "  bench fees    benchmark a fee-policy call (args go to `motcua plugin bench`)"
            );
            eprintln!(
                "  bench plugins every plugin kind's call, lean and std, next to native Rust; a summary table"
            );
            eprintln!(
                "  bench intake  sustained submissions with delivery on [--seconds N] [--rate R] \
                 [--concurrency C] [--database-url postgres://...]"
            );
            eprintln!(
                "  bench platform the performance suite: submits/s on SQLite, PostgreSQL and 3 replicas, \
                 cold start of 34 tenants x 6 plugins, lists over 1M dossiers [--seconds N] \
                 [--concurrency 1,8,32,64] [--only sqlite,postgres,replicas,cold-start,lists] \
                 [--dossiers N] [--no-postgres]"
            );
            eprintln!(
                "  bench stats   the statistics benchmark on SQLite and PostgreSQL (args go to `motcua statistics bench`)"
            );
            eprintln!(
                "  bench import  a generated migration imported on SQLite and PostgreSQL [--dossiers N] \
                 [--no-sqlite] [--no-postgres]"
            );
            bail!("unknown task");
        }
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace root")
        .to_path_buf()
}

fn run(command: &mut Command) -> Result<()> {
    eprintln!("$ {}", describe(command));
    let status = command
        .status()
        .with_context(|| format!("starting {}", describe(command)))?;
    if !status.success() {
        bail!("`{}` failed with {status}", describe(command));
    }
    Ok(())
}

fn describe(command: &Command) -> String {
    std::iter::once(command.get_program())
        .chain(command.get_args())
        .map(|s| s.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

/// The example deployment: the real plugins, not the testing fixtures.
fn demo(root: &Path, extra: &[String]) -> Result<()> {
    build_plugins(root)?;
    let demo_plugins = root.join("target/demo-plugins");
    let _ = std::fs::remove_dir_all(&demo_plugins);
    std::fs::create_dir_all(&demo_plugins)?;
    let rust = plugin_crates(root)?
        .into_iter()
        .filter(|plugin| !plugin.dir.starts_with(root.join("plugins/testing")))
        .map(|plugin| plugin.manifest.plugin.id);
    let polyglot = polyglot::polyglot_plugins(root)?
        .into_iter()
        .map(|plugin| plugin.manifest.plugin.id);
    for id in rust.chain(polyglot) {
        copy_dir(
            &root.join("target/plugins").join(&id),
            &demo_plugins.join(&id),
        )?;
    }
    let mut command = cargo();
    command.args([
        "run",
        "--release",
        "-p",
        "motcua",
        "--",
        "demo",
        "--plugins",
    ]);
    command.arg(&demo_plugins).args(extra);
    run(&mut command)
}

fn test(root: &Path) -> Result<()> {
    build_plugins(root)?;
    run(cargo().args(["fmt", "--all", "--", "--check"]))?;
    run(cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    // Every plugin as built for WASI; lean ones also as built lean (the
    // SDK's own allocator is compiled only there).
    let crates = plugin_crates(root)?;
    let mut wasm_clippy = cargo();
    wasm_clippy.args(["clippy", "--release", "--target", WASM_TARGET]);
    for plugin in &crates {
        wasm_clippy.args(["-p", &plugin.crate_name]);
    }
    run(wasm_clippy.args(["--", "-D", "warnings"]))?;
    let lean: Vec<_> = crates
        .iter()
        .filter(|p| p.target() == LEAN_TARGET)
        .collect();
    if !lean.is_empty() {
        let mut lean_clippy = cargo();
        lean_clippy.args(["clippy", "--release", "--target", LEAN_TARGET]);
        for plugin in lean {
            lean_clippy.args(["-p", &plugin.crate_name]);
        }
        run(lean_clippy.args(["--", "-D", "warnings"]))?;
    }
    ensure_browser()?;
    let tools = ensure_api_tools(root)?;
    // The command-line tests run the `motcua` binary, built with exactly
    // this command (tests/support/cli.rs). Built here, before the tests
    // start, it costs no test a compile of the host beside the running
    // suite, whose memory and disk it would compete for.
    run(cargo().args(["build", "--quiet", "-p", "motcua", "--bin", "motcua"]))?;
    report_free_space(root);
    // The console's browser tests must run here, not skip; the command-line
    // tests take the binary just built instead of asking cargo again.
    run(cargo()
        .args(["test", "--workspace"])
        .env(API_TOOLS_ENV, tools)
        .env("MOTCUA_BIN", target_dir(root).join("debug/motcua"))
        .env("MOTCUA_REQUIRE_BROWSER", "1"))
}

/// Where cargo builds: `CARGO_TARGET_DIR` (relative to the workspace), or
/// `target/`.
fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(|dir| root.join(dir))
        .unwrap_or_else(|| root.join("target"))
}

/// Prints the free space where the build writes: a suite that fails
/// because the disk filled up says so first in its log.
fn report_free_space(root: &Path) {
    let _ = Command::new("df").arg("-h").arg(target_dir(root)).status();
}

/// Headless Chromium and its WebDriver for the console's browser tests:
/// Debian's `chromium` and `chromium-driver`, installed with apt-get when
/// missing (CI runs as root on Debian).
fn ensure_browser() -> Result<()> {
    let installed = |program: &str| {
        Command::new(program)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if installed("chromedriver") && installed("chromium") {
        return Ok(());
    }
    run(Command::new("apt-get").arg("update"))
        .context("updating the package lists to install chromium")?;
    run(Command::new("apt-get")
        .args([
            "install",
            "-y",
            "--no-install-recommends",
            "chromium",
            "chromium-driver",
            "fonts-dejavu-core",
        ])
        .env("DEBIAN_FRONTEND", "noninteractive"))
    .context("installing chromium and chromium-driver for the browser tests")
}

/// Where the API contract tests find the Python tools they run.
const API_TOOLS_ENV: &str = "MOTCUA_API_TOOLS";

/// The tools the API contract tests run against the live host: an
/// independent OpenAPI validator and the schemathesis fuzzer (PyPI),
/// pinned so a run today and a run next month test the same way.
const API_TOOLS: [&str; 2] = ["openapi-spec-validator==0.9.0", "schemathesis==4.32.5"];

/// A virtual environment under `target/api-tools` with [`API_TOOLS`],
/// created and filled when missing; returns its `bin` directory.
fn ensure_api_tools(root: &Path) -> Result<PathBuf> {
    let venv = root.join("target/api-tools");
    let bin = venv.join("bin");
    let installed = ["openapi-spec-validator", "st"]
        .iter()
        .all(|tool| bin.join(tool).is_file());
    if !installed {
        run(Command::new("python3").args(["-m", "venv"]).arg(&venv))
            .context("the API contract tests need python3 (with venv) to install their tools")?;
        run(Command::new(bin.join("pip"))
            .args(["install", "--quiet", "--disable-pip-version-check"])
            .args(API_TOOLS))?;
    }
    Ok(bin)
}

fn bench(root: &Path, args: &[String]) -> Result<()> {
    match args.first().map(String::as_str) {
        Some("intake") => bench_intake(root, &args[1..]),
        Some("platform") => bench_platform(root, &args[1..]),
        Some("fees") => bench_fees(root, &args[1..]),
        Some("plugins") => bench_plugins(root, &args[1..]),
        Some("stats") => bench_stats(&args[1..]),
        Some("import") => bench_import(&args[1..]),
        // Before `intake` existed, `bench` was the fee benchmark.
        _ => bench_fees(root, args),
    }
}

/// The statistics benchmark; it generates its own data, no plugins needed.
fn bench_stats(extra: &[String]) -> Result<()> {
    run(cargo()
        .args([
            "run",
            "--release",
            "-p",
            "motcua",
            "--",
            "statistics",
            "bench",
        ])
        .args(extra))
}

/// A generated migration imported on both backends (tests/bench/import.rs).
fn bench_import(extra: &[String]) -> Result<()> {
    run(cargo()
        .args([
            "run",
            "--release",
            "-p",
            "motcua-tests",
            "--bin",
            "import-bench",
            "--",
        ])
        .args(extra))
}

/// Sustained intake with delivery to the portal stand-in (tests/bench/intake.rs).
fn bench_intake(root: &Path, extra: &[String]) -> Result<()> {
    run_bench_binary(root, "intake-bench", extra)
}

/// The platform's performance suite (tests/bench/platform.rs): real hosts,
/// a summary table, the figures kept in `target/bench/platform-*.json`.
fn bench_platform(root: &Path, extra: &[String]) -> Result<()> {
    run_bench_binary(root, "platform-bench", extra)
}

/// Builds the plugins, the release benchmark binary `name` of the tests
/// crate and the `motcua` binary it starts (in one build, so their shared
/// crates are compiled once), then runs the benchmark with `extra`.
fn run_bench_binary(root: &Path, name: &str, extra: &[String]) -> Result<()> {
    build_plugins(root)?;
    run(cargo().args([
        "build",
        "--release",
        "-p",
        "motcua-tests",
        "--bin",
        name,
        "-p",
        "motcua",
        "--bin",
        "motcua",
    ]))?;
    let release = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
        .join("release");
    run(Command::new(release.join(name))
        .args(extra)
        .env("MOTCUA_BIN", release.join("motcua"))
        .current_dir(root))
}

/// The plugin call benchmark (`motcua plugin bench`) over each plugin kind:
/// the lean fee policy and the same rules built with std for WASI (before
/// and after), a form's validation, an initiative's event, next to the fee
/// rules compiled natively. Prints a summary and keeps the figures in
/// `target/bench/plugins-<unix time>.json`.
fn bench_plugins(root: &Path, extra: &[String]) -> Result<()> {
    build_plugins(root)?;
    // The lean plugins built with std for WASI too: the "before" rows.
    let lean = [
        (
            "fee policy",
            "bac-ninh-fees",
            "construction-permit-online-half",
        ),
        (
            "form validation",
            "vinh-phuc-forms",
            "validate-birth-complete",
        ),
        (
            "initiative event",
            "da-nang-initiatives",
            "received-priority-card-priority",
        ),
    ];
    let mut std_build = cargo();
    std_build.args(["build", "--release", "--target", WASM_TARGET]);
    for (_, krate, _) in lean {
        std_build.args(["-p", krate]);
    }
    run(&mut std_build)?;
    run(cargo().args(["build", "--release", "-p", "motcua"]))?;
    let native = cargo()
        .args([
            "run",
            "--quiet",
            "--release",
            "-p",
            "bac-ninh-fees",
            "--example",
            "native_bench",
        ])
        .output()
        .context("running the native fee benchmark")?;
    let native_us = String::from_utf8_lossy(&native.stdout)
        .split_whitespace()
        .nth(1)
        .and_then(|figure| figure.parse::<f64>().ok());
    let mut rows = Vec::new();
    for (kind, krate, case) in lean {
        let package = root.join("target/plugins").join(krate);
        let case = vec!["--case".to_string(), case.to_string()];
        rows.push((format!("{kind}, lean"), package.clone(), case.clone()));
        let std_wasm = root
            .join("target")
            .join(WASM_TARGET)
            .join("release")
            .join(format!("{}.wasm", krate.replace('-', "_")));
        let mut with_std = case;
        with_std.extend(["--wasm".to_string(), std_wasm.display().to_string()]);
        rows.push((format!("{kind}, std (wasip2)"), package, with_std));
    }
    // The same kinds written in interpreted languages (componentize-py,
    // componentize-js): the interpreter's start-up is pre-initialised into
    // the component, so a fresh sandbox maps it copy-on-write.
    for (label, id, case) in [
        (
            "fee policy, Python",
            "vinh-phuc-fees",
            "construction-permit-house-online-half",
        ),
        (
            "initiative event, JavaScript",
            "vinh-phuc-initiatives",
            "received-aged-80-priority",
        ),
    ] {
        rows.push((
            label.to_string(),
            root.join("target/plugins").join(id),
            vec!["--case".to_string(), case.to_string()],
        ));
    }
    let mut reports = Vec::new();
    for (label, package, args) in rows {
        let mut command = Command::new(root.join("target/release/motcua"));
        command
            .args(["plugin", "bench", "--json"])
            .arg(&package)
            .args(&args)
            .args(extra);
        eprintln!("$ {}", describe(&command));
        let output = command.output().context("running motcua plugin bench")?;
        if !output.status.success() {
            bail!(
                "{label}: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        let report: serde_json::Value = serde_json::from_slice(&output.stdout)
            .with_context(|| format!("{label}: reading the benchmark's JSON"))?;
        reports.push(serde_json::json!({ "row": label, "report": report }));
    }
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    print_plugin_summary(&reports, native_us, load.trim());
    let dir = root.join("target/bench");
    std::fs::create_dir_all(&dir)?;
    let unix = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs();
    let file = dir.join(format!("plugins-{unix}.json"));
    let figures = serde_json::json!({
        "load_average": load.trim(),
        "native_fee_rules_us": native_us,
        "rows": reports,
    });
    std::fs::write(&file, serde_json::to_string_pretty(&figures)?)?;
    println!("figures kept in {}", file.display());
    Ok(())
}

fn print_plugin_summary(reports: &[serde_json::Value], native_us: Option<f64>, load: &str) {
    let figure = |report: &serde_json::Value, name: &str| {
        report[name]
            .as_f64()
            .map_or_else(|| "-".to_string(), |v| format!("{v:.2}"))
    };
    println!();
    println!("plugin calls, microseconds (load average {load}):");
    println!(
        "  req: the request's wait, sandboxes made ahead; cpu: every thread per call; cold: no sandbox\n  \
         made ahead; inline: store, instantiate, call and teardown on the request path (fee policies);\n  \
         reused: one instance called again; ready%: calls served by a sandbox made ahead;\n  \
         mem: KiB of linear memory per sandbox; load: ms to compile / from the compiled-code cache"
    );
    println!(
        "{:<36} {:>9} {:>9} {:>8} {:>9} {:>9} {:>9} {:>7} {:>8} {:>13}",
        "", "req p50", "req p99", "cpu", "cold p50", "inline", "reused", "ready%", "mem", "load"
    );
    for row in reports {
        let report = &row["report"];
        let load = &report["load"];
        println!(
            "{:<36} {:>9} {:>9} {:>8} {:>9} {:>9} {:>9} {:>7} {:>8} {:>13}",
            row["row"].as_str().unwrap_or(""),
            figure(report, "request_p50_us"),
            figure(report, "request_p99_us"),
            figure(report, "cpu_per_call_us"),
            figure(report, "cold_p50_us"),
            figure(&report["breakdown"], "total_us"),
            figure(&report["breakdown"], "reused_us"),
            report["served_ready_percent"]
                .as_f64()
                .map_or_else(|| "-".into(), |v| format!("{v:.0}")),
            report["memory_per_sandbox_kib"]
                .as_u64()
                .map_or_else(|| "-".into(), |v| v.to_string()),
            match (load["compile_ms"].as_f64(), load["cached_ms"].as_f64()) {
                (Some(compile), Some(cached)) => format!("{compile:.0} / {cached:.0}"),
                _ => "-".into(),
            },
        );
    }
    if let Some(native) = native_us {
        println!("{:<36} {native:>9.3}", "fee rules compiled natively");
    }
}

fn bench_fees(root: &Path, extra: &[String]) -> Result<()> {
    build_plugins(root)?;
    let mut native = cargo();
    native.args([
        "run",
        "--release",
        "-p",
        "bac-ninh-fees",
        "--example",
        "native_bench",
    ]);
    if root
        .join("plugins/bac-ninh-fees/examples/native_bench.rs")
        .is_file()
    {
        run(&mut native)?;
    }
    let mut command = cargo();
    command.args(["run", "--release", "-p", "motcua", "--", "plugin", "bench"]);
    command
        .arg(root.join("target/plugins/bac-ninh-fees"))
        .args(["--case", "construction-permit-online-half"])
        .args(extra);
    run(&mut command)
}
