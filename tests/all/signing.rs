//! A publisher's signing tools as a vendor runs them: `motcua plugin
//! keygen`, `sign` and `verify` on a package directory and on an archive,
//! and `verify` refusing a package changed after signing, naming the file.

use std::path::Path;

use motcua_tests::cli::{run, stdout};
use motcua_tests::{copy_dir, package};

/// `motcua plugin keygen --out <dir>/<name>`: the private key file and the
/// public key it printed.
fn keygen(dir: &Path, name: &str) -> (std::path::PathBuf, String) {
    let key = dir.join(name);
    let made = run(
        [
            "plugin".as_ref(),
            "keygen".as_ref(),
            "--out".as_ref(),
            key.as_os_str(),
        ],
        &[],
    );
    assert!(made.status.success());
    let text = stdout(&made);
    let public = text
        .lines()
        .find_map(|line| line.strip_prefix("public key:"))
        .expect("the public key is printed")
        .trim()
        .to_owned();
    (key, public)
}

#[test]
fn a_package_signed_with_a_new_key_verifies_and_a_tampered_one_is_named() {
    let scratch = tempfile::tempdir().unwrap();
    let (key, public) = keygen(scratch.path(), "vendor.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the private key is owner-only");
    }
    let again = run(
        [
            "plugin".as_ref(),
            "keygen".as_ref(),
            "--out".as_ref(),
            key.as_os_str(),
        ],
        &[],
    );
    assert!(!again.status.success(), "an existing key is never replaced");

    let dir = scratch.path().join("bac-ninh-fees");
    copy_dir(&package("bac-ninh-fees"), &dir);
    let signed = run(
        [
            "plugin".as_ref(),
            "sign".as_ref(),
            "--key".as_ref(),
            key.as_os_str(),
            dir.as_os_str(),
        ],
        &[],
    );
    assert!(signed.status.success());
    assert!(dir.join("signature.toml").is_file());
    let verify = |path: &Path, public: Option<&str>| {
        let mut args = vec!["plugin".to_owned(), "verify".to_owned()];
        if let Some(public) = public {
            args.extend(["--public-key".to_owned(), public.to_owned()]);
        }
        args.push(path.display().to_string());
        run(args, &[])
    };
    let verified = verify(&dir, Some(&public));
    assert!(verified.status.success());
    assert!(stdout(&verified).starts_with("OK: signed by key"));

    let (_, other) = keygen(scratch.path(), "other.key");
    let wrong_key = verify(&dir, Some(&other));
    assert_eq!(wrong_key.status.code(), Some(1));

    let manifest = dir.join("plugin.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(&manifest, text.replace("1.0.0", "1.0.1")).unwrap();
    let tampered = verify(&dir, None);
    assert_eq!(tampered.status.code(), Some(1));
    assert!(
        stdout(&tampered).contains("changed after it was signed: `plugin.toml` was changed"),
        "{}",
        stdout(&tampered)
    );
}

#[test]
fn a_signed_archive_carries_its_signature_and_verifies() {
    let scratch = tempfile::tempdir().unwrap();
    let (key, public) = keygen(scratch.path(), "vendor.key");
    let dir = scratch.path().join("bac-ninh-fees");
    copy_dir(&package("bac-ninh-fees"), &dir);
    let archive = scratch.path().join("bac-ninh-fees.tar.gz");
    let bytes = motcua::plugin::package::pack_tree(
        &dir,
        "bac-ninh-fees",
        motcua::plugin::package::ArchiveFormat::TarGz,
    )
    .unwrap();
    std::fs::write(&archive, bytes).unwrap();
    let signed = run(
        [
            "plugin".as_ref(),
            "sign".as_ref(),
            "--key".as_ref(),
            key.as_os_str(),
            archive.as_os_str(),
        ],
        &[],
    );
    assert!(signed.status.success());
    let verified = run(
        [
            "plugin".as_ref(),
            "verify".as_ref(),
            "--public-key".as_ref(),
            public.as_ref(),
            archive.as_os_str(),
        ],
        &[],
    );
    assert!(verified.status.success());
    let unsigned_dir = scratch.path().join("unsigned");
    copy_dir(&package("bac-ninh-fees"), &unsigned_dir);
    let unsigned = run(
        [
            "plugin".as_ref(),
            "verify".as_ref(),
            unsigned_dir.as_os_str(),
        ],
        &[],
    );
    assert_eq!(unsigned.status.code(), Some(1));
    assert!(stdout(&unsigned).contains("not signed"));
}
