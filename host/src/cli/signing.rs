//! `motcua plugin keygen | sign | verify`: a publisher's signing key, and
//! the signature a package carries (`signature.toml`, docs/signing.md).
//!
//! The private key never leaves the publisher's machine: it is written
//! owner-only, and only its public half and id are printed, to be handed
//! to the operator or the tenant admin who registers it.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use motcua_domain::signing::{PublicKey, SigningKey};
use serde::{Deserialize, Serialize};

use crate::plugin::package::{self, ArchiveFormat};
use crate::plugin::signature;

#[derive(Debug, clap::Args)]
pub struct KeygenArgs {
    /// Where to write the private key (owner-only, 0600); refused if the
    /// file exists.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct SignArgs {
    /// The private key file `motcua plugin keygen` wrote.
    #[arg(long, value_name = "FILE", env = "MOTCUA_SIGNING_KEY")]
    key: PathBuf,
    /// The package: a directory with plugin.toml (signature.toml is
    /// written into it), or a .tar/.tar.gz archive (rewritten in place
    /// with its signature inside).
    package: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// Also check the signature was made with this public key (base64, as
    /// `keygen` printed it); without it, only that the files are those the
    /// signature lists.
    #[arg(long, value_name = "BASE64")]
    public_key: Option<String>,
    /// The package: a directory or a .tar/.tar.gz archive.
    package: PathBuf,
}

/// The private key file.
#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct KeyFile {
    algorithm: String,
    key_id: String,
    public_key: String,
    private_key: String,
}

pub fn keygen(args: KeygenArgs) -> anyhow::Result<ExitCode> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    let key = SigningKey::from_seed(seed);
    let public = key.public();
    write_key(&args.out, &key)?;
    println!("private key: {} (keep it secret)", args.out.display());
    println!("key id:      {}", public.id());
    println!("public key:  {}", public.to_base64());
    println!(
        "register it: motcua keys add --tenant <tenant> --label \"...\" {}",
        public.to_base64()
    );
    Ok(ExitCode::SUCCESS)
}

/// Write `key` to `path`, created owner-only: never over an existing file.
pub fn write_key(path: &Path, key: &SigningKey) -> anyhow::Result<()> {
    let public = key.public();
    let text = format!(
        "# motcua package signing key: keep it secret, never commit it.\n{}",
        toml::to_string(&KeyFile {
            algorithm: "ed25519".to_owned(),
            key_id: public.id(),
            public_key: public.to_base64(),
            private_key: key.to_base64(),
        })?
    );
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).with_context(|| {
        format!(
            "creating {} (an existing key is never replaced)",
            path.display()
        )
    })?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("writing {}", path.display()))
}

/// Read a private key file.
pub fn read_key(path: &Path) -> anyhow::Result<SigningKey> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let file: KeyFile =
        toml::from_str(&text).with_context(|| format!("{} is not a key file", path.display()))?;
    let key = SigningKey::parse(&file.private_key)
        .with_context(|| format!("{}: private_key", path.display()))?;
    if key.public().id() != file.key_id {
        bail!(
            "{}: key_id {} is not the id of its private key",
            path.display(),
            file.key_id
        );
    }
    Ok(key)
}

pub fn sign(args: SignArgs) -> anyhow::Result<ExitCode> {
    let key = read_key(&args.key)?;
    let signed = sign_package(&args.package, &key)?;
    println!(
        "signed {} with key {} ({} files)",
        args.package.display(),
        signed.key_id,
        signed.signed.files().len()
    );
    Ok(ExitCode::SUCCESS)
}

/// Sign a package directory or archive in place.
pub fn sign_package(
    path: &Path,
    key: &SigningKey,
) -> anyhow::Result<motcua_domain::signing::PackageSignature> {
    if !package::is_archive(path) {
        return signature::sign_dir(path, key)
            .with_context(|| format!("signing {}", path.display()));
    }
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let format = if path.to_string_lossy().ends_with(".tar") {
        ArchiveFormat::Tar
    } else {
        ArchiveFormat::TarGz
    };
    let (signed, signature) = signature::sign_archive(&bytes, format, key, path)
        .with_context(|| format!("signing {}", path.display()))?;
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty());
    let mut file = tempfile::NamedTempFile::new_in(dir.unwrap_or(Path::new(".")))?;
    file.write_all(&signed)?;
    file.persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(signature)
}

pub fn verify(args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let key = args
        .public_key
        .as_deref()
        .map(PublicKey::parse)
        .transpose()
        .context("--public-key")?;
    let (_scratch, dir) = signature::open_scratch(&args.package)
        .with_context(|| format!("opening {}", args.package.display()))?;
    match signature::verify_with(&dir, key.as_ref()) {
        Ok(key_id) => {
            match &key {
                Some(_) => println!("OK: signed by key {key_id}, every file as signed"),
                None => println!(
                    "OK: every file as signed by key {key_id} (give --public-key to check the key too)"
                ),
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(crate::plugin::LoadError::Signature { refusal, .. }) => {
            println!("REFUSED: {refusal}");
            Ok(ExitCode::from(1))
        }
        Err(other) => Err(other.into()),
    }
}
