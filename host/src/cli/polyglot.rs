//! `motcua plugin build` for plugins written in Python (`app.py`, built with
//! componentize-py) and JavaScript (`app.js`, built with componentize-js),
//! and `motcua plugin wit`, which writes the contract's WIT for a vendor's
//! bindings (docs/python-and-javascript-plugins.md).
//!
//! The WIT ships inside the binary, so a vendor needs the `motcua` binary and
//! the language's tool, not a checkout of this repository. The tools are the
//! vendor's: found on `PATH`, or named by `MOTCUA_COMPONENTIZE_PY` and
//! `MOTCUA_COMPONENTIZE_JS`.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

use crate::plugin::Manifest;

/// The contract version whose WIT the binary carries for these builds.
pub const CONTRACT: &str = "0.3.0";

/// `wit/motcua-plugin@0.3.0/`, file by file (path inside the folder, text).
const WIT: [(&str, &str); 16] = [
    (
        "README.md",
        include_str!("../../../wit/motcua-plugin@0.3.0/README.md"),
    ),
    (
        "connector.wit",
        include_str!("../../../wit/motcua-plugin@0.3.0/connector.wit"),
    ),
    (
        "errors.wit",
        include_str!("../../../wit/motcua-plugin@0.3.0/errors.wit"),
    ),
    (
        "fee-policy.wit",
        include_str!("../../../wit/motcua-plugin@0.3.0/fee-policy.wit"),
    ),
    (
        "form.wit",
        include_str!("../../../wit/motcua-plugin@0.3.0/form.wit"),
    ),
    (
        "host.wit",
        include_str!("../../../wit/motcua-plugin@0.3.0/host.wit"),
    ),
    (
        "initiative.wit",
        include_str!("../../../wit/motcua-plugin@0.3.0/initiative.wit"),
    ),
    (
        "types.wit",
        include_str!("../../../wit/motcua-plugin@0.3.0/types.wit"),
    ),
    (
        "worlds.wit",
        include_str!("../../../wit/motcua-plugin@0.3.0/worlds.wit"),
    ),
    (
        "deps/cli.wit",
        include_str!("../../../wit/motcua-plugin@0.3.0/deps/cli.wit"),
    ),
    (
        "deps/clocks.wit",
        include_str!("../../../wit/motcua-plugin@0.3.0/deps/clocks.wit"),
    ),
    (
        "deps/filesystem.wit",
        include_str!("../../../wit/motcua-plugin@0.3.0/deps/filesystem.wit"),
    ),
    (
        "deps/http.wit",
        include_str!("../../../wit/motcua-plugin@0.3.0/deps/http.wit"),
    ),
    (
        "deps/io.wit",
        include_str!("../../../wit/motcua-plugin@0.3.0/deps/io.wit"),
    ),
    (
        "deps/random.wit",
        include_str!("../../../wit/motcua-plugin@0.3.0/deps/random.wit"),
    ),
    (
        "deps/sockets.wit",
        include_str!("../../../wit/motcua-plugin@0.3.0/deps/sockets.wit"),
    ),
];

#[derive(Debug, clap::Args)]
pub struct WitArgs {
    /// The directory to write into (created if missing).
    #[arg(long, default_value = "wit")]
    out: PathBuf,
}

pub fn wit(args: WitArgs) -> anyhow::Result<std::process::ExitCode> {
    write_wit(&args.out)?;
    println!(
        "wrote motcua:plugin@{CONTRACT} to {} (worlds: fee-policy-plugin, form-plugin, initiative-plugin, connector-plugin)",
        args.out.display()
    );
    Ok(std::process::ExitCode::SUCCESS)
}

/// Writes the contract's WIT into `dir` (created if missing).
pub fn write_wit(dir: &Path) -> anyhow::Result<()> {
    for (path, text) in WIT {
        let file = dir.join(path);
        if let Some(parent) = file.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        std::fs::write(&file, text).with_context(|| format!("writing {}", file.display()))?;
    }
    Ok(())
}

/// The language of a plugin directory without Cargo.toml, told by its
/// entry file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Language {
    Python,
    JavaScript,
}

impl Language {
    pub fn of(dir: &Path) -> Option<Language> {
        if dir.join("app.py").is_file() {
            Some(Language::Python)
        } else if dir.join("app.js").is_file() {
            Some(Language::JavaScript)
        } else {
            None
        }
    }

    fn tool(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Language::Python => (
                "componentize-py",
                "MOTCUA_COMPONENTIZE_PY",
                "pip install componentize-py==0.25.1",
            ),
            Language::JavaScript => (
                "componentize-js",
                "MOTCUA_COMPONENTIZE_JS",
                "npm install @bytecodealliance/componentize-js@0.23.0 @bytecodealliance/preview2-shim@0.25.0",
            ),
        }
    }
}

/// Builds the component of the plugin in `dir` into `out`.
pub fn build(
    dir: &Path,
    manifest: &Manifest,
    language: Language,
    out: &Path,
) -> anyhow::Result<()> {
    if manifest.contract != CONTRACT {
        bail!(
            "plugin.toml: contract {:?}: Python and JavaScript plugins are built against {CONTRACT}",
            manifest.contract
        );
    }
    let kind = manifest
        .kinds
        .first()
        .context("plugin.toml: kinds names no world")?;
    let world = format!("{kind}-plugin");
    let scratch = tempfile::tempdir().context("creating a scratch directory")?;
    let wit = scratch.path().join("wit");
    write_wit(&wit)?;
    let (program, variable, install) = language.tool();
    let program = std::env::var_os(variable)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(program));
    let mut command = Command::new(&program);
    match language {
        Language::Python => {
            command
                .arg("-d")
                .arg(&wit)
                .args(["-w", &world, "componentize", "-p"])
                .arg(dir)
                .args(["app", "-o"])
                .arg(out);
        }
        Language::JavaScript => {
            // Outgoing HTTP only through the host's egress (connectors'
            // world import), and no fetch event: the plugin is called.
            command
                .arg(dir.join("app.js"))
                .arg("--wit")
                .arg(&wit)
                .args(["-n", &world, "-d", "http", "-d", "fetch-event", "-o"])
                .arg(out);
        }
    }
    let status = match command.status() {
        Ok(status) => status,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => bail!(
            "{} not found: install it ({install}) or name it in {variable}",
            program.display()
        ),
        Err(error) => return Err(error).with_context(|| format!("running {}", program.display())),
    };
    if !status.success() {
        bail!("{} failed ({status})", program.display());
    }
    Ok(())
}
