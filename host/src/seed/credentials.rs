//! API token secrets, console passwords and the demo credentials file.
//!
//! Secrets come from the operating system's CSPRNG and are shown once: the
//! database keeps only their sha256 ([`crate::domain::tenancy::token_hash`]),
//! and the plaintext goes to the terminal and to
//! `<data dir>/demo-credentials.json`, readable by its owner only.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::SeedError;

/// The name of the credentials file in the data directory.
pub const CREDENTIALS_FILE: &str = "demo-credentials.json";

/// Prefix of every token secret, so a leaked one is recognisable (secret
/// scanners, logs) and cannot be mistaken for another system's key.
pub const TOKEN_PREFIX: &str = "motcua_";

/// A fresh API token secret: [`TOKEN_PREFIX`] and 32 random bytes in hex
/// (256 bits, from the OS generator).
pub fn new_token_secret() -> Result<String, SeedError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| SeedError::Random(e.to_string()))?;
    Ok(format!("{TOKEN_PREFIX}{}", hex::encode(bytes)))
}

/// A fresh console password: 12 random hex digits (48 bits, from the OS
/// generator), short enough to type from the terminal.
pub fn new_password() -> Result<String, SeedError> {
    let mut bytes = [0u8; 6];
    getrandom::fill(&mut bytes).map_err(|e| SeedError::Random(e.to_string()))?;
    Ok(hex::encode(bytes))
}

/// One user's demo login.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credential {
    pub user_id: String,
    pub name: String,
    /// The secret to send as `Authorization: Bearer <token>`.
    pub token: String,
    /// The stored token's id; the next `motcua demo` revokes it.
    pub token_id: String,
    /// The console password (sign in with `user_id` at `/console`); stored
    /// hashed, replaced by every run.
    #[serde(default)]
    pub password: String,
    /// The officer's agency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agency: Option<String>,
}

/// The demo logins: tenant id (or [`super::PLATFORM`] for platform
/// operators) → role (`citizen`, `officer`, `tenant_admin`,
/// `platform_operator`) → credential. This map is the file's content.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CredentialMap(pub BTreeMap<String, BTreeMap<String, Credential>>);

/// What [`super::seed_demo`] hands back: the logins and where they were
/// written.
#[derive(Clone, Debug)]
pub struct DemoCredentials {
    pub path: PathBuf,
    pub logins: CredentialMap,
}

impl CredentialMap {
    /// Every credential with its tenant (`None` for platform operators).
    pub fn iter(&self) -> impl Iterator<Item = (Option<&str>, &str, &Credential)> {
        self.0.iter().flat_map(|(tenant, roles)| {
            let tenant = (tenant != super::PLATFORM).then_some(tenant.as_str());
            roles
                .iter()
                .map(move |(role, credential)| (tenant, role.as_str(), credential))
        })
    }

    /// Reads a previous run's file. A missing or unreadable file yields
    /// `None`: its tokens then simply stay valid (nothing else knows them).
    pub fn read(path: &Path) -> Option<CredentialMap> {
        let text = std::fs::read_to_string(path).ok()?;
        match serde_json::from_str(&text) {
            Ok(map) => Some(map),
            Err(error) => {
                tracing::warn!(path = %path.display(), %error, "ignoring an unreadable credentials file");
                None
            }
        }
    }

    /// Writes the file atomically (temporary file, then rename) with mode
    /// 0600 on unix: it holds live secrets.
    pub fn write(&self, path: &Path) -> Result<(), SeedError> {
        let io = |source| SeedError::Io {
            path: path.to_owned(),
            source,
        };
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let mut file = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
        restrict_to_owner(file.as_file()).map_err(io)?;
        let json = serde_json::to_string_pretty(self).expect("credentials serialise");
        file.write_all(json.as_bytes()).map_err(io)?;
        file.write_all(b"\n").map_err(io)?;
        file.as_file().sync_all().map_err(io)?;
        file.persist(path).map_err(|e| io(e.error))?;
        Ok(())
    }
}

#[cfg(unix)]
fn restrict_to_owner(file: &std::fs::File) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(std::fs::Permissions::from_mode(0o600))
}

#[cfg(not(unix))]
fn restrict_to_owner(_file: &std::fs::File) -> std::io::Result<()> {
    Ok(())
}
