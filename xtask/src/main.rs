//! Project tasks, so that a fresh clone needs two commands:
//!
//! - `cargo xtask demo`: build the plugins and run the host with them.
//! - `cargo xtask test`: build the plugins, check formatting and lints, run
//!   every test (CI runs exactly this); installs Chromium and chromedriver
//!   with apt-get for the console's browser tests, and the API contract
//!   tests' Python tools into `target/api-tools`, when they are missing.
//!
//! Also `cargo xtask plugins` (build and package the plugins only) and
//! `cargo xtask bench <fees|intake|stats|import>` (the fee-policy call
//! benchmark; the sustained-intake benchmark with national delivery on; the
//! statistics benchmark; the import of a generated migration).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use serde::Deserialize;

const WASM_TARGET: &str = "wasm32-wasip2";

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
                "  bench fees    benchmark a fresh-sandbox fee-policy call (args go to `motcua plugin bench`)"
            );
            eprintln!(
                "  bench intake  sustained submissions with delivery on [--seconds N] [--rate R] \
                 [--concurrency C] [--database-url postgres://...]"
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

/// Make sure the wasm target is installed (a no-op when it already is).
fn ensure_wasm_target() -> Result<()> {
    let output = Command::new("rustc")
        .args(["--print", "sysroot"])
        .output()?;
    let sysroot = String::from_utf8_lossy(&output.stdout).trim().to_string();
    if Path::new(&sysroot)
        .join("lib/rustlib")
        .join(WASM_TARGET)
        .is_dir()
    {
        return Ok(());
    }
    run(Command::new("rustup").args(["target", "add", WASM_TARGET]))
        .with_context(|| format!("installing the {WASM_TARGET} target (is rustup on PATH?)"))
}

#[derive(Deserialize)]
struct CrateManifest {
    package: CratePackage,
}

#[derive(Deserialize)]
struct CratePackage {
    name: String,
}

#[derive(Deserialize)]
struct PluginManifest {
    plugin: PluginSection,
}

#[derive(Deserialize)]
struct PluginSection {
    id: String,
    component: String,
    data_dir: Option<String>,
}

/// A plugin crate: a directory with both Cargo.toml and plugin.toml.
struct PluginCrate {
    dir: PathBuf,
    crate_name: String,
    manifest: PluginManifest,
}

fn plugin_crates(root: &Path) -> Result<Vec<PluginCrate>> {
    let mut crates = Vec::new();
    for parent in ["plugins", "plugins/testing", "examples"] {
        let Ok(entries) = std::fs::read_dir(root.join(parent)) else {
            continue;
        };
        for entry in entries {
            let dir = entry?.path();
            if !(dir.join("Cargo.toml").is_file() && dir.join("plugin.toml").is_file()) {
                continue;
            }
            let cargo: CrateManifest =
                toml::from_str(&std::fs::read_to_string(dir.join("Cargo.toml"))?)
                    .with_context(|| format!("{}/Cargo.toml", dir.display()))?;
            let manifest: PluginManifest =
                toml::from_str(&std::fs::read_to_string(dir.join("plugin.toml"))?)
                    .with_context(|| format!("{}/plugin.toml", dir.display()))?;
            crates.push(PluginCrate {
                dir,
                crate_name: cargo.package.name,
                manifest,
            });
        }
    }
    crates.sort_by(|a, b| a.dir.cmp(&b.dir));
    Ok(crates)
}

/// Build every plugin for wasm32-wasip2 (release) and lay out its package in
/// `target/plugins/<id>/`: plugin.toml, golden/, data/ and the component.
fn build_plugins(root: &Path) -> Result<Vec<PathBuf>> {
    ensure_wasm_target()?;
    let crates = plugin_crates(root)?;
    let mut build = cargo();
    build.args(["build", "--release", "--target", WASM_TARGET]);
    for plugin in &crates {
        build.args(["-p", &plugin.crate_name]);
    }
    run(&mut build)?;
    let out = root.join("target/plugins");
    let mut packages = Vec::new();
    for plugin in &crates {
        let package = out.join(&plugin.manifest.plugin.id);
        let _ = std::fs::remove_dir_all(&package);
        std::fs::create_dir_all(&package)?;
        std::fs::copy(plugin.dir.join("plugin.toml"), package.join("plugin.toml"))?;
        let wasm = root
            .join("target")
            .join(WASM_TARGET)
            .join("release")
            .join(format!("{}.wasm", plugin.crate_name.replace('-', "_")));
        std::fs::copy(&wasm, package.join(&plugin.manifest.plugin.component))
            .with_context(|| format!("copying {}", wasm.display()))?;
        copy_dir(&plugin.dir.join("golden"), &package.join("golden"))?;
        if let Some(data) = &plugin.manifest.plugin.data_dir {
            copy_dir(&plugin.dir.join(data), &package.join(data))?;
        }
        packages.push(package);
    }
    eprintln!(
        "packaged {} plugins under {}",
        packages.len(),
        out.display()
    );
    Ok(packages)
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    if !from.is_dir() {
        return Ok(());
    }
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let path = entry?.path();
        let target = to.join(path.file_name().expect("directory entries have names"));
        if path.is_dir() {
            copy_dir(&path, &target)?;
        } else {
            std::fs::copy(&path, &target)?;
        }
    }
    Ok(())
}

/// The example deployment: the real plugins, not the testing fixtures.
fn demo(root: &Path, extra: &[String]) -> Result<()> {
    build_plugins(root)?;
    let demo_plugins = root.join("target/demo-plugins");
    let _ = std::fs::remove_dir_all(&demo_plugins);
    std::fs::create_dir_all(&demo_plugins)?;
    for plugin in plugin_crates(root)? {
        if plugin.dir.starts_with(root.join("plugins/testing")) {
            continue;
        }
        copy_dir(
            &root.join("target/plugins").join(&plugin.manifest.plugin.id),
            &demo_plugins.join(&plugin.manifest.plugin.id),
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
    let mut wasm_clippy = cargo();
    wasm_clippy.args(["clippy", "--release", "--target", WASM_TARGET]);
    for plugin in plugin_crates(root)? {
        wasm_clippy.args(["-p", &plugin.crate_name]);
    }
    run(wasm_clippy.args(["--", "-D", "warnings"]))?;
    ensure_browser()?;
    let tools = ensure_api_tools(root)?;
    // The command-line tests run the `motcua` binary, built with exactly
    // this command (tests/support/cli.rs). Built here, before the tests
    // start, it costs no test a compile of the host beside the running
    // suite, whose memory and disk it would compete for.
    run(cargo().args(["build", "--quiet", "-p", "motcua", "--bin", "motcua"]))?;
    report_free_space(root);
    // The console's browser tests must run here, not skip.
    run(cargo()
        .args(["test", "--workspace"])
        .env(API_TOOLS_ENV, tools)
        .env("MOTCUA_REQUIRE_BROWSER", "1"))
}

/// Prints the free space where the build writes: a suite that fails
/// because the disk filled up says so first in its log.
fn report_free_space(root: &Path) {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let _ = Command::new("df").arg("-h").arg(&target).status();
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
        Some("fees") => bench_fees(root, &args[1..]),
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
    build_plugins(root)?;
    let mut command = cargo();
    command
        .args([
            "run",
            "--release",
            "-p",
            "motcua-tests",
            "--bin",
            "intake-bench",
            "--",
        ])
        .args(extra);
    run(&mut command)
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
