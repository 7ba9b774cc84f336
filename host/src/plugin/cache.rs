//! Compiled-artifact cache: each component is compiled once per engine build
//! and loaded precompiled afterwards (tens of microseconds instead of tens of
//! milliseconds or, for interpreted-language plugins, seconds).

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

/// The sha256 of a component's bytes, hex: the identity of an artifact, kept
/// with every decision a plugin makes so it can be replayed.
pub fn artifact_digest(wasm: &[u8]) -> String {
    hex::encode(Sha256::digest(wasm))
}

/// Load `wasm` as a component, from the cache when a compatible compiled copy
/// exists, compiling and storing it otherwise.
pub(crate) fn load_component(
    engine: &Engine,
    cache_dir: Option<&Path>,
    digest: &str,
    wasm: &[u8],
) -> wasmtime::Result<Component> {
    if let Some(component) = cached(engine, cache_dir, digest) {
        return Ok(component);
    }
    let component = Component::new(engine, wasm)?;
    keep(engine, cache_dir, digest, &component);
    Ok(component)
}

/// The compiled copy of `digest` in the cache, if there is a usable one.
pub(crate) fn cached(engine: &Engine, cache_dir: Option<&Path>, digest: &str) -> Option<Component> {
    let path = cache_path(engine, cache_dir?, digest);
    if !path.exists() {
        return None;
    }
    // SAFETY: the cache directory belongs to this host; entries are named
    // by the source's digest and the engine's compatibility hash, written
    // atomically, and wasmtime re-checks the engine compatibility header.
    match unsafe { Component::deserialize_file(engine, &path) } {
        Ok(component) => Some(component),
        Err(error) => {
            tracing::warn!(path = %path.display(), %error, "discarding unusable cached artifact");
            let _ = std::fs::remove_file(&path);
            None
        }
    }
}

/// Store a compiled component in the cache (a failure only costs a later
/// compilation).
pub(crate) fn keep(engine: &Engine, cache_dir: Option<&Path>, digest: &str, component: &Component) {
    let Some(dir) = cache_dir else {
        return;
    };
    let path = cache_path(engine, dir, digest);
    if path.exists() {
        return;
    }
    let stored = component
        .serialize()
        .map_err(|e| std::io::Error::other(format!("{e:#}")))
        .and_then(|bytes| store(&path, &bytes));
    if let Err(error) = stored {
        tracing::warn!(path = %path.display(), %error, "could not cache compiled artifact");
    }
}

fn cache_path(engine: &Engine, dir: &Path, digest: &str) -> PathBuf {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut hasher);
    dir.join(format!("{digest}-{:016x}.cwasm", hasher.finish()))
}

fn store(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().expect("cache entries live in a directory");
    std::fs::create_dir_all(dir)?;
    let tmp = tempfile_in(dir)?;
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

fn tempfile_in(dir: &Path) -> std::io::Result<PathBuf> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    Ok(dir.join(format!(".tmp-{}-{nanos}", std::process::id())))
}
