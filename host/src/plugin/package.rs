//! Plugin packages: a directory, or a `.tar` / `.tar.gz` archive of one.
//!
//! An archive is unpacked into a directory the host owns (named by the
//! archive's digest, so the same archive is unpacked once) and loaded from
//! there. Unpacking refuses entries that would land outside that directory.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::error::LoadError;

/// Whether `path` names a package archive.
pub fn is_archive(path: &Path) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    name.ends_with(".tar") || name.ends_with(".tar.gz") || name.ends_with(".tgz")
}

/// The directory to load a package from: `path` itself, or where its archive
/// was unpacked under `unpack_root`.
pub fn open(path: &Path, unpack_root: &Path) -> Result<PathBuf, LoadError> {
    if !is_archive(path) {
        return Ok(path.to_path_buf());
    }
    let io = |source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut bytes = Vec::new();
    File::open(path)
        .and_then(|mut f| f.read_to_end(&mut bytes))
        .map_err(io)?;
    let digest = hex::encode(Sha256::digest(&bytes));
    let target = unpack_root.join(&digest[..16]);
    if target.join("plugin.toml").is_file() {
        return Ok(target);
    }
    let staging = unpack_root.join(format!(".unpack-{}", &digest[..16]));
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(&staging).map_err(io)?;
    let gzipped = !path.to_string_lossy().ends_with(".tar");
    let result = if gzipped {
        tar::Archive::new(flate2::read::GzDecoder::new(bytes.as_slice())).unpack(&staging)
    } else {
        tar::Archive::new(bytes.as_slice()).unpack(&staging)
    };
    result.map_err(io)?;
    // An archive may hold the package at its root or in one top-level folder.
    let root = if staging.join("plugin.toml").is_file() {
        staging.clone()
    } else {
        let mut dirs = std::fs::read_dir(&staging)
            .map_err(io)?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.join("plugin.toml").is_file());
        match (dirs.next(), dirs.next()) {
            (Some(dir), None) => dir,
            _ => {
                return Err(LoadError::Manifest {
                    path: path.to_path_buf(),
                    message:
                        "the archive holds no plugin.toml at its root or in one top-level folder"
                            .into(),
                });
            }
        }
    };
    let _ = std::fs::remove_dir_all(&target);
    std::fs::rename(&root, &target).map_err(io)?;
    let _ = std::fs::remove_dir_all(&staging);
    Ok(target)
}
