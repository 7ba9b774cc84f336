//! A package's signature on disk: `signature.toml` at the package's root,
//! beside `plugin.toml`, so the directory form and the archive form (which
//! unpacks to a directory) both carry it.
//!
//! ```toml
//! format = "motcua-package-signature/1"
//! algorithm = "ed25519"
//! key_id = "3f2a..."
//! signature = "base64 of 64 bytes"
//! files = ["<sha256>  plugin.toml", "<sha256>  fees.wasm", ...]
//! ```
//!
//! This module reads files and writes the signature; whether a signature is
//! trusted is `motcua_domain::signing::judge`'s decision.

use std::path::{Path, PathBuf};

use motcua_domain::signing::{
    self, ALGORITHM, FileDigest, KeyScope, PackageSignature, PublicKey, SIGNATURE_FILE,
    STATEMENT_FORMAT, SignatureRefusal, Signer, SigningKey, Statement, TrustedKey,
};
use serde::{Deserialize, Serialize};

use super::error::LoadError;
use super::manifest::Manifest;
use super::package::{self, ArchiveFormat, Walked};

/// The signature file as written.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct SignatureFile {
    format: String,
    algorithm: String,
    key_id: String,
    signature: String,
    files: Vec<String>,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> LoadError + '_ {
    move |source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn refused(dir: &Path, refusal: SignatureRefusal) -> LoadError {
    LoadError::Signature {
        path: dir.to_path_buf(),
        refusal,
    }
}

/// The statement of the package in `dir` as it is now: every regular file
/// but the signature file, by its `/`-separated path inside the package.
/// The tree is held to [`package::check_tree`]'s rule first (no links).
pub fn statement(dir: &Path) -> Result<Statement, LoadError> {
    package::check_tree(dir)?;
    let mut files = Vec::new();
    package::walk_sorted(dir, |entry| {
        let Walked::File(path) = entry else {
            return Ok(());
        };
        let inside = path
            .strip_prefix(dir)
            .expect("walked from the package root")
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        if inside != SIGNATURE_FILE {
            let bytes = std::fs::read(path).map_err(io(path))?;
            files.push(FileDigest::of(inside, &bytes));
        }
        Ok(())
    })?;
    Statement::new(files).map_err(|error| {
        refused(
            dir,
            SignatureRefusal::Malformed(format!("the package cannot be listed: {error}")),
        )
    })
}

/// The package's signature, `None` when it has no signature file.
pub fn read(dir: &Path) -> Result<Option<PackageSignature>, LoadError> {
    let path = dir.join(SIGNATURE_FILE);
    if !path.is_file() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(&path).map_err(io(&path))?;
    let malformed = |message: String| refused(dir, SignatureRefusal::Malformed(message));
    let file: SignatureFile = toml::from_str(&text).map_err(|e| malformed(e.message().into()))?;
    if file.format != STATEMENT_FORMAT {
        return Err(malformed(format!(
            "format `{}` is not `{STATEMENT_FORMAT}`",
            file.format
        )));
    }
    PackageSignature::from_parts(&file.key_id, &file.algorithm, &file.files, &file.signature)
        .map(Some)
        .map_err(|e| malformed(e.to_string()))
}

/// Check the signature of the package `manifest` was loaded from, and
/// record its signer in the manifest (`signed_by`).
pub(crate) fn sign_off(
    manifest: &mut Manifest,
    package_of: &KeyScope,
    keys: &[TrustedKey],
    allow_unsigned: bool,
) -> Result<(), LoadError> {
    let signer = check(&manifest.package_dir, package_of, keys, allow_unsigned)?;
    manifest.signed_by = signer.map(|signer| signer.key_id);
    Ok(())
}

/// Whether the package in `dir`, of `package_of`, may load given the trust
/// roots `keys`: who signed it, or `None` for an unsigned package when
/// `allow_unsigned` (a signature that is there is checked in full anyway).
pub fn check(
    dir: &Path,
    package_of: &KeyScope,
    keys: &[TrustedKey],
    allow_unsigned: bool,
) -> Result<Option<Signer>, LoadError> {
    let signature = read(dir)?;
    if signature.is_none() && allow_unsigned {
        return Ok(None);
    }
    let on_disk = statement(dir)?;
    signing::judge(signature.as_ref(), &on_disk, package_of, keys)
        .map(Some)
        .map_err(|refusal| refused(dir, refusal))
}

/// A publisher's check of a package in `dir`: its files against the
/// listing it signed and, given `key`, the signature against that key.
/// Returns the signing key's id.
pub fn verify_with(dir: &Path, key: Option<&PublicKey>) -> Result<String, LoadError> {
    let signature = read(dir)?.ok_or_else(|| refused(dir, SignatureRefusal::Unsigned))?;
    let on_disk = statement(dir)?;
    signing::check_with(&signature, &on_disk, key).map_err(|refusal| refused(dir, refusal))?;
    Ok(signature.key_id)
}

/// Sign the package in `dir` with `key`: writes (or replaces) its
/// signature file.
pub fn sign_dir(dir: &Path, key: &SigningKey) -> Result<PackageSignature, LoadError> {
    let signature = key.sign(&statement(dir)?);
    let file = SignatureFile {
        format: STATEMENT_FORMAT.to_owned(),
        algorithm: ALGORITHM.to_owned(),
        key_id: signature.key_id.clone(),
        signature: signature.signature_base64(),
        files: signature
            .signed
            .files()
            .iter()
            .map(FileDigest::line)
            .collect(),
    };
    let text = format!(
        "# Signed with `motcua plugin sign`: any change to a listed file, or a file added,\n\
         # makes the host refuse the package.\n{}",
        toml::to_string(&file).expect("a signature file serialises")
    );
    let path = dir.join(SIGNATURE_FILE);
    std::fs::write(&path, text).map_err(io(&path))?;
    Ok(signature)
}

/// Sign a package archive: unpacked into a scratch directory, signed there,
/// and packed again (deterministically) with its signature inside. Returns
/// the new archive's bytes and the signature.
pub fn sign_archive(
    bytes: &[u8],
    format: ArchiveFormat,
    key: &SigningKey,
    source: &Path,
) -> Result<(Vec<u8>, PackageSignature), LoadError> {
    let scratch = tempfile::tempdir().map_err(io(source))?;
    let dir = package::unpack(bytes, format, scratch.path(), source)?;
    let signature = sign_dir(&dir, key)?;
    let top = archive_folder(&dir);
    let packed = package::pack_tree(&dir, &top, format)?;
    Ok((packed, signature))
}

/// The unpacked package of an archive at `path`, in a scratch directory
/// the caller keeps alive.
pub fn open_scratch(path: &Path) -> Result<(tempfile::TempDir, PathBuf), LoadError> {
    let scratch = tempfile::tempdir().map_err(io(path))?;
    let dir = package::open(path, scratch.path())?;
    Ok((scratch, dir))
}

/// The folder name the package is packed under again: the plugin's id when
/// the manifest reads, else a neutral one.
fn archive_folder(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("plugin.toml"))
        .ok()
        .and_then(|text| text.parse::<toml::Table>().ok())
        .and_then(|table| {
            table
                .get("plugin")?
                .get("id")?
                .as_str()
                .map(ToOwned::to_owned)
        })
        .unwrap_or_else(|| "package".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn package() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("plugin.toml"), "[plugin]\nid = \"fees\"\n").unwrap();
        std::fs::write(dir.path().join("fees.wasm"), b"\0asm").unwrap();
        std::fs::create_dir_all(dir.path().join("golden")).unwrap();
        std::fs::write(dir.path().join("golden/a.input.json"), "{}").unwrap();
        dir
    }

    fn platform(key: &SigningKey) -> Vec<TrustedKey> {
        vec![TrustedKey {
            scope: KeyScope::Platform,
            key: key.public(),
            revoked_at: None,
        }]
    }

    #[test]
    fn a_signed_directory_checks_and_a_changed_golden_case_is_named() {
        let dir = package();
        let key = SigningKey::from_seed([3; 32]);
        sign_dir(dir.path(), &key).unwrap();
        let signer = check(dir.path(), &KeyScope::Platform, &platform(&key), false)
            .unwrap()
            .unwrap();
        assert_eq!(signer.key_id, key.public().id());
        std::fs::write(dir.path().join("golden/a.input.json"), "{\"x\":1}").unwrap();
        let error = check(dir.path(), &KeyScope::Platform, &platform(&key), false)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("`golden/a.input.json` was changed"),
            "{error}"
        );
    }

    #[test]
    fn an_unsigned_package_loads_only_when_allowed() {
        let dir = package();
        assert_eq!(
            check(dir.path(), &KeyScope::Platform, &[], true).unwrap(),
            None
        );
        let error = check(dir.path(), &KeyScope::Platform, &[], false).unwrap_err();
        assert!(
            matches!(
                &error,
                LoadError::Signature {
                    refusal: SignatureRefusal::Unsigned,
                    ..
                }
            ),
            "{error}"
        );
    }

    #[test]
    fn a_signed_archive_unpacks_to_a_package_that_verifies() {
        let dir = package();
        let key = SigningKey::from_seed([4; 32]);
        let bytes = package::pack_tree(dir.path(), "fees", ArchiveFormat::TarGz).unwrap();
        let (signed, signature) =
            sign_archive(&bytes, ArchiveFormat::TarGz, &key, Path::new("p.tar.gz")).unwrap();
        let root = tempfile::tempdir().unwrap();
        let opened = package::unpack(
            &signed,
            ArchiveFormat::TarGz,
            root.path(),
            Path::new("p.tar.gz"),
        )
        .unwrap();
        assert_eq!(
            verify_with(&opened, Some(&key.public())).unwrap(),
            signature.key_id
        );
        let other = SigningKey::from_seed([5; 32]);
        assert!(verify_with(&opened, Some(&other.public())).is_err());
    }
}
