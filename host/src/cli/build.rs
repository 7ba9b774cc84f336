//! `motcua plugin build`: a plugin's component and package archive.
//!
//! The component is built as the house builds its own plugins (`cargo
//! xtask plugins`): `cargo build --release --target wasm32-wasip2`, the
//! crate's `<crate_name>.wasm` packaged under the manifest's `component`
//! name. A crate whose Cargo.toml says `[package.metadata.motcua] build =
//! "lean"` is built for `wasm32-unknown-unknown` and made a component here
//! (docs/lean-plugins.md). A directory with `app.py` or `app.js` and no
//! Cargo.toml is built with componentize-py or componentize-js
//! (`polyglot`). The archive is written by [`package::pack`] and opened
//! again with the reader the host loads packages with, so what is printed
//! is a package `motcua plugin check` and the deploy API accept.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{Context, bail};
use serde::Deserialize;

use crate::plugin::{Manifest, package};

/// The target plugins are built for: a WebAssembly component (WASI 0.2).
pub const WASM_TARGET: &str = "wasm32-wasip2";
/// The target of lean plugins: Rust std without wasi-libc, a core module
/// made a component after the build.
pub const LEAN_TARGET: &str = "wasm32-unknown-unknown";

/// How lean plugins are linked: a 256 KiB stack (std's default is 1 MiB)
/// inside 1 MiB of initial memory, so that the SDK's allocator serves a
/// call from the memory the instance starts with and the host changes no
/// page protection per call (docs/lean-plugins.md).
pub const LEAN_RUSTFLAGS: &str =
    "-C link-arg=-zstack-size=262144 -C link-arg=--initial-memory=1048576";

#[derive(Debug, clap::Args)]
pub struct BuildArgs {
    /// The plugin crate: a directory with Cargo.toml and plugin.toml.
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// Where to write the package archive (default:
    /// `<cargo target dir>/motcua-packages/<id>-<version>.tar.gz`).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Sign the package with this private key (`motcua plugin keygen`), as
    /// `motcua plugin sign` would after the build.
    #[arg(long, value_name = "FILE", env = "MOTCUA_SIGNING_KEY")]
    key: Option<PathBuf>,
}

pub fn run(args: BuildArgs) -> anyhow::Result<ExitCode> {
    let dir = &args.dir;
    // The manifest first: a field at fault is named before minutes of build.
    let manifest =
        Manifest::load(dir).with_context(|| format!("{} is not a plugin", dir.display()))?;
    // And the key: a wrong path is named before the build too.
    let key = args
        .key
        .as_deref()
        .map(super::signing::read_key)
        .transpose()?;
    let (component, default_out) = match super::polyglot::Language::of(dir) {
        Some(language) if !dir.join("Cargo.toml").is_file() => {
            // No cargo target directory: the plugin's own `target/`, as
            // `plugin check DIR` looks for it.
            let target = dir.join("target");
            std::fs::create_dir_all(&target)
                .with_context(|| format!("creating {}", target.display()))?;
            let name = manifest
                .component
                .file_name()
                .context("plugin.toml: component names no file")?;
            let component = target.join(name);
            super::polyglot::build(dir, &manifest, language, &component)?;
            (component, target.join("motcua-packages"))
        }
        _ => {
            let krate = build_crate(dir)?;
            let component = krate.component()?;
            (component, krate.target_directory.join("motcua-packages"))
        }
    };
    let out = args.out.unwrap_or_else(|| {
        default_out.join(format!("{}-{}.tar.gz", manifest.id, manifest.version))
    });
    let mut bytes = package::pack(&manifest, &component)?;
    verify(&bytes, &out)?;
    if let Some(key) = &key {
        let (signed, signature) = crate::plugin::signature::sign_archive(
            &bytes,
            package::ArchiveFormat::TarGz,
            key,
            &out,
        )?;
        println!("signed:  key {}", signature.key_id);
        bytes = signed;
    }
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    std::fs::write(&out, &bytes).with_context(|| format!("writing {}", out.display()))?;
    println!("package: {}", out.display());
    println!("sha256:  {}", package::archive_digest(&bytes));
    Ok(ExitCode::SUCCESS)
}

/// `cargo build` of a plugin crate, lean or std as its Cargo.toml says.
fn build_crate(dir: &Path) -> anyhow::Result<PluginCrate> {
    let krate = PluginCrate::read(dir)?;
    let target = krate.target();
    let status = cargo()
        .args(["build", "--release", "--target", target, "--manifest-path"])
        .arg(dir.join("Cargo.toml"))
        .env(
            "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS",
            LEAN_RUSTFLAGS,
        )
        .status()
        .context("running cargo")?;
    if !status.success() {
        bail!(
            "`cargo build --release --target {target}` failed ({status}); if the target is \
             missing: rustup target add {target}"
        );
    }
    Ok(krate)
}

/// Open the archive as the host does and load its manifest: a package that
/// would be refused is not written.
fn verify(bytes: &[u8], out: &Path) -> anyhow::Result<()> {
    let scratch = tempfile::tempdir().context("creating a scratch directory")?;
    let dir = package::unpack(bytes, package::ArchiveFormat::TarGz, scratch.path(), out)?;
    let manifest = Manifest::load(&dir)?;
    anyhow::ensure!(
        manifest.component.is_file(),
        "the archive lacks its component {}",
        manifest.component.display()
    );
    Ok(())
}

fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// What cargo says about a plugin crate: its name and where it builds.
#[derive(Debug)]
pub struct PluginCrate {
    name: String,
    target_directory: PathBuf,
    /// Built for [`LEAN_TARGET`] and made a component afterwards.
    lean: bool,
}

#[derive(Deserialize)]
struct Metadata {
    packages: Vec<MetadataPackage>,
    target_directory: PathBuf,
}

#[derive(Deserialize)]
struct MetadataPackage {
    name: String,
    manifest_path: PathBuf,
    #[serde(default)]
    metadata: Option<CrateMetadata>,
}

/// `[package.metadata.motcua]` of a plugin crate.
#[derive(Deserialize, Default)]
struct CrateMetadata {
    #[serde(default)]
    motcua: Option<MotcuaMetadata>,
}

#[derive(Deserialize, Default)]
struct MotcuaMetadata {
    build: Option<String>,
}

impl PluginCrate {
    /// Ask `cargo metadata` (which knows workspaces and `CARGO_TARGET_DIR`).
    pub fn read(dir: &Path) -> anyhow::Result<Self> {
        let manifest_path = dir.join("Cargo.toml");
        let output = cargo()
            .args([
                "metadata",
                "--format-version",
                "1",
                "--no-deps",
                "--manifest-path",
            ])
            .arg(&manifest_path)
            .output()
            .context("running cargo metadata")?;
        if !output.status.success() {
            bail!(
                "cargo metadata of {}: {}",
                manifest_path.display(),
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        let metadata: Metadata =
            serde_json::from_slice(&output.stdout).context("reading cargo metadata")?;
        let manifest_path = std::fs::canonicalize(&manifest_path)?;
        let package = metadata
            .packages
            .into_iter()
            .find(|p| std::fs::canonicalize(&p.manifest_path).is_ok_and(|p| p == manifest_path))
            .with_context(|| format!("{} names no package", manifest_path.display()))?;
        let build = package
            .metadata
            .and_then(|m| m.motcua)
            .and_then(|m| m.build);
        let lean = match build.as_deref() {
            None | Some("std") => false,
            Some("lean") => true,
            Some(other) => bail!(
                "{}: [package.metadata.motcua] build = {other:?}; expected \"std\" or \"lean\"",
                manifest_path.display()
            ),
        };
        Ok(Self {
            name: package.name,
            target_directory: metadata.target_directory,
            lean,
        })
    }

    /// The target cargo builds the crate for.
    pub fn target(&self) -> &'static str {
        if self.lean { LEAN_TARGET } else { WASM_TARGET }
    }

    /// What cargo writes: `<crate_name>.wasm` of the release profile.
    fn artifact(&self) -> PathBuf {
        self.target_directory
            .join(self.target())
            .join("release")
            .join(format!("{}.wasm", self.name.replace('-', "_")))
    }

    /// The component to package: cargo's artifact, or for a lean crate its
    /// core module made a component (written beside it as
    /// `<crate_name>.component.wasm`).
    pub fn component(&self) -> anyhow::Result<PathBuf> {
        let artifact = self.artifact();
        if !self.lean {
            return Ok(artifact);
        }
        let module =
            std::fs::read(&artifact).with_context(|| format!("reading {}", artifact.display()))?;
        let component = componentize(&module)
            .with_context(|| format!("making {} a component", artifact.display()))?;
        let out = artifact.with_extension("component.wasm");
        std::fs::write(&out, component).with_context(|| format!("writing {}", out.display()))?;
        Ok(out)
    }
}

/// A core module built with the SDK (its bindings embed the world it
/// implements) made a component importing only what the module calls.
fn componentize(module: &[u8]) -> anyhow::Result<Vec<u8>> {
    wit_component::ComponentEncoder::default()
        .module(module)?
        .validate(true)
        .encode()
}
