//! This host's copies of tenants' package archives, under the data
//! directory, named by the sha256 of their bytes: a cache of what the store
//! holds for every host. A copy is checked against its name whenever it is
//! read, so a damaged or edited file is never loaded: it is removed and the
//! use case fetches the archive from the store again.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::package::{self, ArchiveFormat};
use crate::app::ports::{PackageArchive, PackageError, PackageFormat};

/// The directory of copies (`<data-dir>/deployed`).
pub(super) struct Copies {
    dir: PathBuf,
}

impl Copies {
    pub(super) fn new(dir: PathBuf) -> Copies {
        Copies { dir }
    }

    /// Where the copy of the archive `digest` lives.
    pub(super) fn path(&self, digest: &str, format: PackageFormat) -> PathBuf {
        self.dir
            .join(format!("{digest}.{}", archive_format(format).extension()))
    }

    /// Keeps a copy of `archive` once its bytes match its digest.
    pub(super) fn keep(&self, archive: &PackageArchive) -> Result<(), PackageError> {
        if package::archive_digest(&archive.bytes) != archive.digest {
            return Err(PackageError::Host(format!(
                "the stored package {} does not match its digest",
                archive.digest
            )));
        }
        store_once(&self.path(&archive.digest, archive.format), &archive.bytes)
            .map_err(|e| PackageError::Host(format!("keeping a copy of the package: {e}")))
    }

    /// The bytes of the copy of `digest`, and where they were read;
    /// [`PackageError::NotCached`] when there is none or it no longer
    /// matches its digest (then it is removed).
    pub(super) fn read(
        &self,
        digest: &str,
    ) -> Result<(Vec<u8>, ArchiveFormat, PathBuf), PackageError> {
        let not_cached = || PackageError::NotCached {
            digest: digest.to_owned(),
        };
        for format in [PackageFormat::TarGz, PackageFormat::Tar] {
            let path = self.path(digest, format);
            let Some(bytes) = read_if_there(&path)? else {
                continue;
            };
            if package::archive_digest(&bytes) != digest {
                tracing::warn!(package = %path.display(), "the copy of a package does not match its digest; fetching it again");
                let _ = std::fs::remove_file(&path);
                return Err(not_cached());
            }
            return Ok((bytes, archive_format(format), path));
        }
        Err(not_cached())
    }
}

/// An archive recorded by its path before the store kept packages, if this
/// host has it.
pub(super) fn read_legacy(path: &Path) -> Result<Option<PackageArchive>, PackageError> {
    Ok(read_if_there(path)?.map(|bytes| PackageArchive {
        digest: package::archive_digest(&bytes),
        format: package_format(format_of(path)),
        bytes: bytes.into(),
    }))
}

fn read_if_there(path: &Path) -> Result<Option<Vec<u8>>, PackageError> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(PackageError::Host(format!(
            "cannot read {}: {error}",
            path.display()
        ))),
    }
}

pub(super) fn archive_format(format: PackageFormat) -> ArchiveFormat {
    match format {
        PackageFormat::Tar => ArchiveFormat::Tar,
        PackageFormat::TarGz => ArchiveFormat::TarGz,
    }
}

pub(super) fn package_format(format: ArchiveFormat) -> PackageFormat {
    match format {
        ArchiveFormat::Tar => PackageFormat::Tar,
        ArchiveFormat::TarGz => PackageFormat::TarGz,
    }
}

/// An archive's format by its name (how archives were stored on disk).
pub(super) fn format_of(path: &Path) -> ArchiveFormat {
    if path.to_string_lossy().ends_with(".tar") {
        ArchiveFormat::Tar
    } else {
        ArchiveFormat::TarGz
    }
}

/// Write `bytes` to `path` unless it is there already (its name is its
/// digest, so an existing file holds the same bytes); atomic via rename.
pub(super) fn store_once(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if path.is_file() {
        return Ok(());
    }
    let dir = path.parent().expect("archives live in a directory");
    std::fs::create_dir_all(dir)?;
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    file.write_all(bytes)?;
    file.as_file().sync_all()?;
    file.persist(path).map_err(|error| error.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_that_no_longer_matches_its_digest_is_removed_and_asked_for_again() {
        let dir = tempfile::tempdir().unwrap();
        let copies = Copies::new(dir.path().join("deployed"));
        let bytes = b"an archive".to_vec();
        let archive = PackageArchive {
            digest: package::archive_digest(&bytes),
            format: PackageFormat::TarGz,
            bytes: bytes.clone().into(),
        };
        let not_cached = |copies: &Copies| {
            matches!(
                copies.read(&archive.digest),
                Err(PackageError::NotCached { .. })
            )
        };
        assert!(not_cached(&copies));
        copies.keep(&archive).unwrap();
        let (read, format, _) = copies.read(&archive.digest).unwrap();
        assert_eq!((read, format), (bytes, ArchiveFormat::TarGz));

        let path = copies.path(&archive.digest, PackageFormat::TarGz);
        std::fs::write(&path, b"edited by hand").unwrap();
        assert!(not_cached(&copies));
        assert!(!path.exists(), "the bad copy is gone");

        let lying = PackageArchive {
            bytes: b"other bytes".to_vec().into(),
            ..archive.clone()
        };
        assert!(matches!(copies.keep(&lying), Err(PackageError::Host(_))));
        assert!(not_cached(&copies), "nothing kept under a wrong digest");
    }
}
