//! Plugin packages: a directory, or a `.tar` / `.tar.gz` archive of one.
//!
//! An archive is unpacked into a directory the host owns (named by the
//! archive's digest, so the same archive is unpacked once) and loaded from
//! there. Archives come from tenant admins over HTTP as well as from the
//! operator's plugins directory, so unpacking takes only regular files and
//! directories (no links or devices), refuses entries that would land outside
//! that directory, and stops at a total unpacked size.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::error::LoadError;

/// Largest total size of the files of one unpacked archive: a small
/// compressed body must not expand into a full disk.
pub const MAX_UNPACKED_BYTES: u64 = 512 * 1024 * 1024;

/// How an archive's bytes are encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArchiveFormat {
    Tar,
    TarGz,
}

impl ArchiveFormat {
    /// The file extension an archive of this format is stored under.
    pub fn extension(self) -> &'static str {
        match self {
            ArchiveFormat::Tar => "tar",
            ArchiveFormat::TarGz => "tar.gz",
        }
    }
}

/// Whether `path` names a package archive.
pub fn is_archive(path: &Path) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    name.ends_with(".tar") || name.ends_with(".tar.gz") || name.ends_with(".tgz")
}

/// The sha256 of an archive's bytes, hex: names where it is stored and
/// unpacked.
pub fn archive_digest(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The directory to load a package from: `path` itself, or where its archive
/// was unpacked under `unpack_root`.
pub fn open(path: &Path, unpack_root: &Path) -> Result<PathBuf, LoadError> {
    if !is_archive(path) {
        return Ok(path.to_path_buf());
    }
    let mut bytes = Vec::new();
    File::open(path)
        .and_then(|mut f| f.read_to_end(&mut bytes))
        .map_err(|source| LoadError::Io {
            path: path.to_path_buf(),
            source,
        })?;
    let format = if path.to_string_lossy().ends_with(".tar") {
        ArchiveFormat::Tar
    } else {
        ArchiveFormat::TarGz
    };
    unpack(&bytes, format, unpack_root, path)
}

/// Unpack an archive's bytes under `unpack_root` (once per digest) and return
/// the package directory; `source` names the archive in errors.
pub fn unpack(
    bytes: &[u8],
    format: ArchiveFormat,
    unpack_root: &Path,
    source: &Path,
) -> Result<PathBuf, LoadError> {
    let io = |error| LoadError::Io {
        path: source.to_path_buf(),
        source: error,
    };
    let digest = archive_digest(bytes);
    let target = unpack_root.join(&digest[..16]);
    if target.join("plugin.toml").is_file() {
        return Ok(target);
    }
    let staging = unpack_root.join(format!(".unpack-{}-{}", &digest[..16], unique()));
    std::fs::create_dir_all(&staging).map_err(io)?;
    let unpacked = match format {
        ArchiveFormat::TarGz => extract(flate2::read::GzDecoder::new(bytes), &staging).map_err(io),
        ArchiveFormat::Tar => extract(bytes, &staging).map_err(io),
    }
    .and_then(|()| package_root(&staging, source));
    let root = match unpacked {
        Ok(root) => root,
        Err(error) => {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(error);
        }
    };
    // Another request may have unpacked the same archive meanwhile: its
    // copy is identical, so either one will do.
    let moved = std::fs::rename(&root, &target);
    let _ = std::fs::remove_dir_all(&staging);
    match moved {
        Ok(()) => Ok(target),
        Err(_) if target.join("plugin.toml").is_file() => Ok(target),
        Err(error) => Err(io(error)),
    }
}

/// Unpack regular files and directories only, within the size budget.
fn extract(reader: impl Read, into: &Path) -> std::io::Result<()> {
    let invalid = |message: String| std::io::Error::new(std::io::ErrorKind::InvalidData, message);
    let mut archive = tar::Archive::new(reader);
    let mut total: u64 = 0;
    for entry in archive.entries()? {
        let mut entry = entry?;
        let kind = entry.header().entry_type();
        let name = entry.path()?.display().to_string();
        if !(kind.is_file() || kind.is_dir()) {
            return Err(invalid(format!(
                "archive entry `{name}` is a {kind:?}; a package holds only files and directories"
            )));
        }
        total = total.saturating_add(entry.size());
        if total > MAX_UNPACKED_BYTES {
            return Err(invalid(format!(
                "the archive unpacks to more than {} MiB",
                MAX_UNPACKED_BYTES >> 20
            )));
        }
        // `unpack_in` refuses absolute paths and `..` (returns false).
        if !entry.unpack_in(into)? {
            return Err(invalid(format!(
                "archive entry `{name}` would land outside the package"
            )));
        }
    }
    Ok(())
}

/// An archive may hold the package at its root or in one top-level folder.
fn package_root(staging: &Path, source: &Path) -> Result<PathBuf, LoadError> {
    if staging.join("plugin.toml").is_file() {
        return Ok(staging.to_path_buf());
    }
    let mut dirs = std::fs::read_dir(staging)
        .map_err(|error| LoadError::Io {
            path: source.to_path_buf(),
            source: error,
        })?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join("plugin.toml").is_file());
    match (dirs.next(), dirs.next()) {
        (Some(dir), None) => Ok(dir),
        _ => Err(LoadError::Manifest {
            path: source.to_path_buf(),
            message: "the archive holds no plugin.toml at its root or in one top-level folder"
                .into(),
        }),
    }
}

/// Keeps concurrent unpackings of one archive out of each other's way.
fn unique() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}
