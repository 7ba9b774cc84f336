//! Plugins written in Python and JavaScript (docs/python-and-javascript-plugins.md).
//!
//! A plugin directory with `plugin.toml` and `app.py` is built with
//! componentize-py, one with `app.js` with componentize-js, against the WIT
//! of the contract its manifest names. The tools are pinned in
//! `xtask/polyglot/` and installed under `target/plugin-tools/` the first
//! time they are needed (PyPI and the npm registry). A component is rebuilt
//! only when its source, the contract's WIT or the pinned tools change: the
//! interpreters' builds take 15-30 s each.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::plugins::PluginManifest;
use crate::run;

/// The language a non-Rust plugin is written in, told by its entry file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Language {
    Python,
    JavaScript,
}

impl Language {
    /// The entry file of a plugin in this language.
    pub fn entry(self) -> &'static str {
        match self {
            Language::Python => "app.py",
            Language::JavaScript => "app.js",
        }
    }

    fn of(dir: &Path) -> Option<Language> {
        [Language::Python, Language::JavaScript]
            .into_iter()
            .find(|language| dir.join(language.entry()).is_file())
    }
}

/// A plugin directory with `plugin.toml` and an `app.py` or `app.js`.
pub struct PolyglotPlugin {
    pub dir: PathBuf,
    pub manifest: PluginManifest,
    pub language: Language,
}

pub fn polyglot_plugins(root: &Path) -> Result<Vec<PolyglotPlugin>> {
    let mut plugins = Vec::new();
    for parent in ["plugins", "examples"] {
        let Ok(entries) = std::fs::read_dir(root.join(parent)) else {
            continue;
        };
        for entry in entries {
            let dir = entry?.path();
            if dir.join("Cargo.toml").is_file() || !dir.join("plugin.toml").is_file() {
                continue;
            }
            let Some(language) = Language::of(&dir) else {
                bail!(
                    "{}: a plugin directory needs Cargo.toml (Rust), app.py (Python) or app.js (JavaScript)",
                    dir.display()
                );
            };
            let manifest: PluginManifest =
                toml::from_str(&std::fs::read_to_string(dir.join("plugin.toml"))?)
                    .with_context(|| format!("{}/plugin.toml", dir.display()))?;
            plugins.push(PolyglotPlugin {
                dir,
                manifest,
                language,
            });
        }
    }
    plugins.sort_by(|a, b| a.dir.cmp(&b.dir));
    Ok(plugins)
}

/// The world a plugin of `kind` implements (the manifest's first kind).
fn world(manifest: &PluginManifest) -> Result<String> {
    let kind = manifest
        .plugin
        .kinds
        .first()
        .context("plugin.toml names no kind")?;
    Ok(format!("{kind}-plugin"))
}

/// Build `plugin`'s component into `component`, unless the one there was
/// built from the same source, WIT and tools.
pub fn build(root: &Path, plugin: &PolyglotPlugin, component: &Path) -> Result<()> {
    let wit = root
        .join("wit")
        .join(format!("motcua-plugin@{}", plugin.manifest.plugin.contract));
    if !wit.is_dir() {
        bail!(
            "{}/plugin.toml: contract {} has no WIT under wit/",
            plugin.dir.display(),
            plugin.manifest.plugin.contract
        );
    }
    let world = world(&plugin.manifest)?;
    let stamp = fingerprint(root, plugin, &wit, &world)?;
    let cached = root
        .join("target/plugin-tools/built")
        .join(format!("{}.wasm", plugin.manifest.plugin.id));
    let stamp_file = cached.with_extension("stamp");
    if std::fs::read_to_string(&stamp_file).is_ok_and(|s| s == stamp) && cached.is_file() {
        std::fs::copy(&cached, component)?;
        return Ok(());
    }
    std::fs::create_dir_all(cached.parent().expect("under target"))?;
    match plugin.language {
        Language::Python => {
            let tool = python_tool(root)?;
            run(Command::new(tool)
                .arg("-d")
                .arg(&wit)
                .args(["-w", &world, "componentize", "-p"])
                .arg(&plugin.dir)
                .args(["app", "-o"])
                .arg(&cached))?;
        }
        Language::JavaScript => {
            let tool = javascript_tool(root)?;
            // No outgoing HTTP in any world but the connector's, and never
            // the fetch event (the plugin is called, it serves nothing).
            run(Command::new(tool)
                .arg(plugin.dir.join("app.js"))
                .arg("--wit")
                .arg(&wit)
                .args(["-n", &world, "-d", "http", "-d", "fetch-event", "-o"])
                .arg(&cached))?;
        }
    }
    std::fs::write(&stamp_file, stamp)?;
    std::fs::copy(&cached, component)?;
    Ok(())
}

/// What a built component depends on: the tools' pins, the world, the WIT
/// files and the plugin's source files (not its golden cases or data).
fn fingerprint(root: &Path, plugin: &PolyglotPlugin, wit: &Path, world: &str) -> Result<String> {
    let mut files = Vec::new();
    collect_files(wit, &mut files)?;
    for entry in std::fs::read_dir(&plugin.dir)? {
        let path = entry?.path();
        if path.is_file()
            && path
                .extension()
                .is_some_and(|e| e == "py" || e == "js" || e == "mjs")
        {
            files.push(path);
        }
    }
    files.push(root.join("xtask/polyglot/requirements.txt"));
    files.push(root.join("xtask/polyglot/package-lock.json"));
    files.sort();
    let mut text = format!("world {world}\n");
    for file in files {
        let bytes = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
        text.push_str(&format!(
            "{} {:016x}\n",
            file.strip_prefix(root).unwrap_or(&file).display(),
            fnv1a(&bytes)
        ));
    }
    Ok(text)
}

fn collect_files(dir: &Path, files: &mut Vec<PathBuf>) -> Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_files(&path, files)?;
        } else {
            files.push(path);
        }
    }
    Ok(())
}

/// A 64-bit FNV-1a hash: enough to notice an edit, no dependency.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// `componentize-py` from a virtual environment under
/// `target/plugin-tools/python`, installed from `xtask/polyglot/requirements.txt`.
pub fn python_tool(root: &Path) -> Result<PathBuf> {
    let venv = root.join("target/plugin-tools/python");
    let tool = venv.join("bin/componentize-py");
    let requirements = root.join("xtask/polyglot/requirements.txt");
    let pins = std::fs::read_to_string(&requirements)?;
    let stamp = venv.join("installed-requirements.txt");
    if tool.is_file() && std::fs::read_to_string(&stamp).is_ok_and(|s| s == pins) {
        return Ok(tool);
    }
    run(Command::new("python3").args(["-m", "venv"]).arg(&venv))
        .context("Python plugins need python3 (with venv) to install componentize-py")?;
    run(Command::new(venv.join("bin/pip"))
        .args(["install", "--quiet", "--disable-pip-version-check", "-r"])
        .arg(&requirements))
    .context("installing componentize-py from PyPI")?;
    std::fs::write(&stamp, pins)?;
    Ok(tool)
}

/// `componentize-js` from `target/plugin-tools/node`, installed with `npm
/// ci` from `xtask/polyglot/package-lock.json`.
pub fn javascript_tool(root: &Path) -> Result<PathBuf> {
    let dir = root.join("target/plugin-tools/node");
    let tool = dir.join("node_modules/.bin/componentize-js");
    let lock = std::fs::read_to_string(root.join("xtask/polyglot/package-lock.json"))?;
    let installed = dir.join("installed-lock.json");
    if tool.is_file() && std::fs::read_to_string(&installed).is_ok_and(|s| s == lock) {
        return Ok(tool);
    }
    std::fs::create_dir_all(&dir)?;
    std::fs::copy(
        root.join("xtask/polyglot/package.json"),
        dir.join("package.json"),
    )?;
    std::fs::copy(
        root.join("xtask/polyglot/package-lock.json"),
        dir.join("package-lock.json"),
    )?;
    run(Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(&dir))
    .context("installing componentize-js from the npm registry (needs node and npm)")?;
    // Written last: a failed install is retried next time.
    std::fs::write(dir.join("installed-lock.json"), &lock)?;
    Ok(tool)
}
