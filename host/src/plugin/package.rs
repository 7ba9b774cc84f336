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
use super::manifest::Manifest;
use crate::app::error::FieldProblem;

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

/// Most entries a package directory may hold (files and directories).
const MAX_TREE_ENTRIES: usize = 100_000;

/// Refuse a package directory holding anything but regular files and
/// directories, as unpacking refuses such archive entries: a symbolic link
/// (a `data` directory linked to `/` would hand the plugin every host file)
/// or a FIFO, socket or device (reading a FIFO in place of the component
/// blocks `plugin check` and `serve` forever). Links are not followed, and
/// nothing is opened.
pub fn check_tree(package_dir: &Path) -> Result<(), LoadError> {
    let refuse = |path: &Path, what: &str| LoadError::Manifest {
        path: path.to_path_buf(),
        problem: FieldProblem::new(
            "package",
            format!(
                "`{}` is {what}; a package holds only regular files and directories",
                path.strip_prefix(package_dir).unwrap_or(path).display()
            ),
        ),
    };
    let io = |path: &Path, source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut pending = vec![package_dir.to_path_buf()];
    let mut seen = 0usize;
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).map_err(|e| io(&dir, e))? {
            let entry = entry.map_err(|e| io(&dir, e))?;
            let path = entry.path();
            seen += 1;
            if seen > MAX_TREE_ENTRIES {
                return Err(refuse(package_dir, "a tree of too many entries"));
            }
            let kind = entry.file_type().map_err(|e| io(&path, e))?;
            if kind.is_symlink() {
                return Err(refuse(&path, "a symbolic link"));
            } else if kind.is_dir() {
                pending.push(path);
            } else if !kind.is_file() {
                return Err(refuse(&path, "a special file (FIFO, socket or device)"));
            }
        }
    }
    Ok(())
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
            problem: FieldProblem::new(
                "plugin.toml",
                "the archive holds no plugin.toml at its root or in one top-level folder",
            ),
        }),
    }
}

/// Pack a plugin crate's package as a `.tar.gz` in the layout [`open`]
/// reads: one top-level folder named by the plugin's id, holding
/// `plugin.toml`, `component` under the manifest's `component` name, the
/// `golden/` cases and the manifest's `data_dir`, if any. Entries are
/// sorted and stamped deterministically (no times, owners or modes of the
/// author's machine), so the same files give the same digest. The golden
/// and data directories are held to [`check_tree`]'s rule first: a link
/// would be packed as the file it points to on the author's machine.
pub fn pack(manifest: &Manifest, component: &Path) -> Result<Vec<u8>, LoadError> {
    let root = &manifest.package_dir;
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| LoadError::Io { path, source }
    };
    let inside = |path: &Path| {
        Path::new(&manifest.id).join(path.strip_prefix(root).expect("resolved in the package"))
    };
    let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::best(),
    ));
    builder.mode(tar::HeaderMode::Deterministic);
    builder
        .append_path_with_name(root.join("plugin.toml"), inside(&root.join("plugin.toml")))
        .map_err(io(&root.join("plugin.toml")))?;
    builder
        .append_path_with_name(component, inside(&manifest.component))
        .map_err(io(component))?;
    let golden = root.join("golden");
    for dir in std::iter::once(&golden).chain(manifest.data_dir.as_ref()) {
        if !dir.is_dir() {
            continue;
        }
        check_tree(dir)?;
        append_tree(&mut builder, dir, inside)?;
    }
    builder
        .into_inner()
        .and_then(|gz| gz.finish())
        .map_err(io(root))
}

/// Pack every file of the package directory `root` under one top-level
/// folder `top`, sorted and stamped deterministically as [`pack`] does: how
/// a signed package is packed again with its signature inside.
pub fn pack_tree(root: &Path, top: &str, format: ArchiveFormat) -> Result<Vec<u8>, LoadError> {
    check_tree(root)?;
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| LoadError::Io { path, source }
    };
    let mut builder = tar::Builder::new(Vec::new());
    builder.mode(tar::HeaderMode::Deterministic);
    append_tree(&mut builder, root, |path| {
        Path::new(top).join(path.strip_prefix(root).expect("walked from the root"))
    })?;
    let tar = builder.into_inner().map_err(io(root))?;
    match format {
        ArchiveFormat::Tar => Ok(tar),
        ArchiveFormat::TarGz => {
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            std::io::Write::write_all(&mut gz, &tar).map_err(io(root))?;
            gz.finish().map_err(io(root))
        }
    }
}

/// Append the tree under `root` to an archive in [`walk_sorted`]'s order,
/// each entry under the name `inside` gives it.
fn append_tree<W: std::io::Write>(
    builder: &mut tar::Builder<W>,
    root: &Path,
    inside: impl Fn(&Path) -> PathBuf,
) -> Result<(), LoadError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| LoadError::Io { path, source }
    };
    walk_sorted(root, |entry| match entry {
        Walked::Dir(path) => builder.append_dir(inside(path), path).map_err(io(path)),
        Walked::File(path) => builder
            .append_path_with_name(path, inside(path))
            .map_err(io(path)),
    })
}

/// What [`walk_sorted`] meets.
pub(crate) enum Walked<'a> {
    Dir(&'a Path),
    File(&'a Path),
}

/// Visit the tree under `root` in one stable order whatever the file
/// system's: each directory (the root first), then its files by name, then
/// its subdirectories by name, depth first. What packs and signs a package
/// must see its files in the same order on every machine.
pub(crate) fn walk_sorted(
    root: &Path,
    mut visit: impl FnMut(Walked<'_>) -> Result<(), LoadError>,
) -> Result<(), LoadError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| LoadError::Io { path, source }
    };
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        visit(Walked::Dir(&dir))?;
        let mut entries = std::fs::read_dir(&dir)
            .and_then(|entries| {
                entries
                    .map(|e| e.map(|e| e.path()))
                    .collect::<Result<Vec<_>, _>>()
            })
            .map_err(io(&dir))?;
        entries.sort();
        let (dirs, files): (Vec<_>, Vec<_>) = entries.into_iter().partition(|p| p.is_dir());
        for path in &files {
            visit(Walked::File(path))?;
        }
        // Popped in name order.
        pending.extend(dirs.into_iter().rev());
    }
    Ok(())
}

/// Keeps concurrent unpackings of one archive out of each other's way.
fn unique() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file_header(path: &[u8], size: usize) -> tar::Header {
        let mut header = tar::Header::new_old();
        // Written raw: `set_path` itself refuses the paths tested here.
        header.as_old_mut().name[..path.len()].copy_from_slice(path);
        header.set_size(size as u64);
        header.set_mode(0o644);
        header.set_entry_type(tar::EntryType::Regular);
        header.set_cksum();
        header
    }

    fn archive(entries: &[(tar::Header, &[u8])]) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        for (header, data) in entries {
            builder.append(header, *data).unwrap();
        }
        builder.into_inner().unwrap()
    }

    const MANIFEST: &[u8] = b"[plugin]\nid = \"x\"\n";

    #[test]
    fn a_package_in_one_top_level_folder_unpacks_to_that_folder() {
        let root = tempfile::tempdir().unwrap();
        let bytes = archive(&[(file_header(b"pkg/plugin.toml", MANIFEST.len()), MANIFEST)]);
        let dir = unpack(&bytes, ArchiveFormat::Tar, root.path(), Path::new("t.tar")).unwrap();
        assert_eq!(std::fs::read(dir.join("plugin.toml")).unwrap(), MANIFEST);
        assert_eq!(dir, root.path().join(&archive_digest(&bytes)[..16]));
        let again = unpack(&bytes, ArchiveFormat::Tar, root.path(), Path::new("t.tar")).unwrap();
        assert_eq!(again, dir, "the same archive is unpacked once");
    }

    #[test]
    fn an_entry_that_would_land_outside_the_package_is_refused() {
        let root = tempfile::tempdir().unwrap();
        let unpack_root = root.path().join("unpacked");
        let bytes = archive(&[
            (file_header(b"plugin.toml", MANIFEST.len()), MANIFEST),
            (file_header(b"../escaped.txt", 3), b"bad"),
        ]);
        let error = unpack(&bytes, ArchiveFormat::Tar, &unpack_root, Path::new("t.tar"))
            .unwrap_err()
            .to_string();
        assert!(error.contains("outside the package"), "{error}");
        assert!(!root.path().join("escaped.txt").exists());
        assert!(
            std::fs::read_dir(&unpack_root).unwrap().next().is_none(),
            "nothing is left behind"
        );
    }

    #[test]
    fn a_link_entry_is_refused() {
        let root = tempfile::tempdir().unwrap();
        let mut link = tar::Header::new_gnu();
        link.set_path("pkg/data").unwrap();
        link.set_link_name("/etc").unwrap();
        link.set_entry_type(tar::EntryType::Symlink);
        link.set_size(0);
        link.set_cksum();
        let bytes = archive(&[
            (file_header(b"pkg/plugin.toml", MANIFEST.len()), MANIFEST),
            (link, b""),
        ]);
        let error = unpack(&bytes, ArchiveFormat::Tar, root.path(), Path::new("t.tar"))
            .unwrap_err()
            .to_string();
        assert!(error.contains("only files and directories"), "{error}");
    }

    #[test]
    fn a_directory_package_with_a_link_inside_is_refused_by_its_path() {
        let root = tempfile::tempdir().unwrap();
        std::fs::write(root.path().join("plugin.toml"), MANIFEST).unwrap();
        std::fs::create_dir(root.path().join("golden")).unwrap();
        std::os::unix::fs::symlink("/etc", root.path().join("golden/etc")).unwrap();
        let error = check_tree(root.path()).unwrap_err().to_string();
        assert!(error.contains("`golden/etc` is a symbolic link"), "{error}");
    }

    /// An initiative's manifest, with `rest` (its component and data) after `contract`.
    fn write_manifest(dir: &Path, rest: &str) {
        let head = "[plugin]\nid = \"packed\"\nversion = \"0.1.0\"\nkinds = [\"initiative\"]\n\
                    contract = \"0.3.0\"\n";
        std::fs::write(dir.join("plugin.toml"), format!("{head}{rest}")).unwrap();
    }

    #[test]
    fn a_packed_crate_opens_as_its_package_and_packs_to_the_same_bytes_again() {
        let source = tempfile::tempdir().unwrap();
        let dir = source.path();
        write_manifest(
            dir,
            "component = \"bin/packed.wasm\"\ndata_dir = \"data\"\n",
        );
        std::fs::create_dir_all(dir.join("golden")).unwrap();
        std::fs::write(dir.join("golden/a.input.json"), "{}").unwrap();
        std::fs::create_dir_all(dir.join("data/letters")).unwrap();
        std::fs::write(dir.join("data/letters/thanks.txt"), "Cảm ơn").unwrap();
        std::fs::create_dir_all(dir.join("src")).unwrap();
        std::fs::write(dir.join("src/lib.rs"), "// not packed").unwrap();
        let built = dir.join("built.wasm");
        std::fs::write(&built, b"\0asm").unwrap();
        let manifest = Manifest::load(dir).unwrap();

        let bytes = pack(&manifest, &built).unwrap();
        assert_eq!(pack(&manifest, &built).unwrap(), bytes, "deterministic");
        let root = tempfile::tempdir().unwrap();
        let opened = unpack(
            &bytes,
            ArchiveFormat::TarGz,
            root.path(),
            Path::new("p.tar.gz"),
        )
        .unwrap();
        let loaded = Manifest::load(&opened).unwrap();
        assert_eq!(std::fs::read(&loaded.component).unwrap(), b"\0asm");
        assert_eq!(
            std::fs::read_to_string(opened.join("golden/a.input.json")).unwrap(),
            "{}"
        );
        assert_eq!(
            std::fs::read_to_string(opened.join("data/letters/thanks.txt")).unwrap(),
            "Cảm ơn"
        );
        assert!(!opened.join("src").exists(), "only the package is packed");
        assert!(!opened.join("built.wasm").exists());
    }

    #[test]
    fn a_link_among_the_golden_cases_is_refused_before_packing() {
        let source = tempfile::tempdir().unwrap();
        let dir = source.path();
        write_manifest(dir, "component = \"packed.wasm\"\n");
        std::fs::create_dir(dir.join("golden")).unwrap();
        std::os::unix::fs::symlink("/etc/passwd", dir.join("golden/x.input.json")).unwrap();
        let built = dir.join("built.wasm");
        std::fs::write(&built, b"\0asm").unwrap();
        let manifest = Manifest::parse(
            &std::fs::read_to_string(dir.join("plugin.toml")).unwrap(),
            dir,
        )
        .unwrap();
        let error = pack(&manifest, &built).unwrap_err().to_string();
        assert!(error.contains("is a symbolic link"), "{error}");
    }

    #[test]
    fn bytes_that_are_not_an_archive_are_refused_by_the_source_name() {
        let root = tempfile::tempdir().unwrap();
        let error = unpack(
            b"garbage",
            ArchiveFormat::TarGz,
            root.path(),
            Path::new("body"),
        )
        .unwrap_err();
        assert!(
            matches!(&error, LoadError::Io { path, .. } if path == Path::new("body")),
            "{error}"
        );
    }
}
