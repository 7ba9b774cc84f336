//! Building the repository's plugins and laying out their packages.
//!
//! Most plugins are built for `wasm32-wasip2`, whose linker makes the
//! component. A plugin whose Cargo.toml says `[package.metadata.motcua]
//! build = "lean"` is built for `wasm32-unknown-unknown` instead and made a
//! component here with `wit-component`, as `motcua plugin build` does: Rust
//! std without wasi-libc, so the component imports nothing and a fresh
//! instance runs no libc start-up (docs/lean-plugins.md).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};
use serde::Deserialize;

use crate::polyglot::polyglot_plugins;
use crate::{cargo, run};

/// The target of std plugins: a WebAssembly component (WASI 0.2).
pub const WASM_TARGET: &str = "wasm32-wasip2";
/// The target of lean plugins: a core module, made a component afterwards.
pub const LEAN_TARGET: &str = "wasm32-unknown-unknown";

/// How lean plugins are linked, as `motcua plugin build` links them
/// (`host/src/cli/build.rs`): a 256 KiB stack in 1 MiB of initial memory.
const LEAN_RUSTFLAGS: &str = "-C link-arg=-zstack-size=262144 -C link-arg=--initial-memory=1048576";

#[derive(Deserialize)]
struct CrateManifest {
    package: CratePackage,
}

#[derive(Deserialize)]
struct CratePackage {
    name: String,
    #[serde(default)]
    metadata: CrateMetadata,
}

#[derive(Deserialize, Default)]
struct CrateMetadata {
    #[serde(default)]
    motcua: MotcuaMetadata,
}

#[derive(Deserialize, Default)]
struct MotcuaMetadata {
    #[serde(default)]
    build: Option<String>,
}

#[derive(Deserialize)]
pub struct PluginManifest {
    pub plugin: PluginSection,
}

#[derive(Deserialize)]
pub struct PluginSection {
    pub id: String,
    pub component: String,
    pub data_dir: Option<String>,
    #[serde(default)]
    pub kinds: Vec<String>,
    pub contract: String,
}

/// A plugin crate: a directory with both Cargo.toml and plugin.toml.
pub struct PluginCrate {
    pub dir: PathBuf,
    pub crate_name: String,
    pub manifest: PluginManifest,
    lean: bool,
}

impl PluginCrate {
    /// The target the crate is built for.
    pub fn target(&self) -> &'static str {
        if self.lean { LEAN_TARGET } else { WASM_TARGET }
    }

    /// What cargo writes: a component for std plugins, a core module for
    /// lean ones.
    fn artifact(&self, root: &Path) -> PathBuf {
        root.join("target")
            .join(self.target())
            .join("release")
            .join(format!("{}.wasm", self.crate_name.replace('-', "_")))
    }
}

pub fn plugin_crates(root: &Path) -> Result<Vec<PluginCrate>> {
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
            let lean = match cargo.package.metadata.motcua.build.as_deref() {
                None | Some("std") => false,
                Some("lean") => true,
                Some(other) => anyhow::bail!(
                    "{}/Cargo.toml: [package.metadata.motcua] build = {other:?}; expected \"std\" or \"lean\"",
                    dir.display()
                ),
            };
            crates.push(PluginCrate {
                dir,
                crate_name: cargo.package.name,
                manifest,
                lean,
            });
        }
    }
    crates.sort_by(|a, b| a.dir.cmp(&b.dir));
    Ok(crates)
}

/// Make sure a wasm target is installed (a no-op when it already is).
fn ensure_target(target: &str) -> Result<()> {
    let output = Command::new("rustc")
        .args(["--print", "sysroot"])
        .output()?;
    let sysroot = String::from_utf8_lossy(&output.stdout).trim().to_string();
    if Path::new(&sysroot)
        .join("lib/rustlib")
        .join(target)
        .is_dir()
    {
        return Ok(());
    }
    run(Command::new("rustup").args(["target", "add", target]))
        .with_context(|| format!("installing the {target} target (is rustup on PATH?)"))
}

/// Build every plugin (release) and lay out its package in
/// `target/plugins/<id>/`: plugin.toml, golden/, data/ and the component.
pub fn build_plugins(root: &Path) -> Result<Vec<PathBuf>> {
    let crates = plugin_crates(root)?;
    for target in [WASM_TARGET, LEAN_TARGET] {
        let of_target: Vec<_> = crates.iter().filter(|c| c.target() == target).collect();
        if of_target.is_empty() {
            continue;
        }
        ensure_target(target)?;
        let mut build = cargo();
        build.args(["build", "--release", "--target", target]).env(
            "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS",
            LEAN_RUSTFLAGS,
        );
        for plugin in of_target {
            build.args(["-p", &plugin.crate_name]);
        }
        run(&mut build)?;
    }
    let out = root.join("target/plugins");
    let mut packages = Vec::new();
    for plugin in &crates {
        let package = out.join(&plugin.manifest.plugin.id);
        let _ = std::fs::remove_dir_all(&package);
        std::fs::create_dir_all(&package)?;
        std::fs::copy(plugin.dir.join("plugin.toml"), package.join("plugin.toml"))?;
        let wasm = plugin.artifact(root);
        let component = package.join(&plugin.manifest.plugin.component);
        if plugin.lean {
            let module =
                std::fs::read(&wasm).with_context(|| format!("reading {}", wasm.display()))?;
            std::fs::write(
                &component,
                componentize(&module)
                    .with_context(|| format!("making {} a component", wasm.display()))?,
            )?;
        } else {
            std::fs::copy(&wasm, &component)
                .with_context(|| format!("copying {}", wasm.display()))?;
        }
        copy_package_files(&plugin.dir, &plugin.manifest, &package)?;
        packages.push(package);
    }
    for plugin in polyglot_plugins(root)? {
        let package = out.join(&plugin.manifest.plugin.id);
        let _ = std::fs::remove_dir_all(&package);
        std::fs::create_dir_all(&package)?;
        std::fs::copy(plugin.dir.join("plugin.toml"), package.join("plugin.toml"))?;
        crate::polyglot::build(
            root,
            &plugin,
            &package.join(&plugin.manifest.plugin.component),
        )
        .with_context(|| format!("building {}", plugin.dir.display()))?;
        copy_package_files(&plugin.dir, &plugin.manifest, &package)?;
        packages.push(package);
    }
    eprintln!(
        "packaged {} plugins under {}",
        packages.len(),
        out.display()
    );
    Ok(packages)
}

/// The golden cases and the data directory of the plugin in `dir`.
fn copy_package_files(dir: &Path, manifest: &PluginManifest, package: &Path) -> Result<()> {
    copy_dir(&dir.join("golden"), &package.join("golden"))?;
    if let Some(data) = &manifest.plugin.data_dir {
        copy_dir(&dir.join(data), &package.join(data))?;
    }
    Ok(())
}

/// A core module built with the SDK (its bindings embed the world it
/// implements) made a component importing only what the module calls.
fn componentize(module: &[u8]) -> Result<Vec<u8>> {
    wit_component::ComponentEncoder::default()
        .module(module)?
        .validate(true)
        .encode()
}

pub fn copy_dir(from: &Path, to: &Path) -> Result<()> {
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
