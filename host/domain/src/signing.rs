//! Signed plugin packages: what a publisher signs, and whether a tenant
//! trusts what it signed.
//!
//! A fee policy is law turned into code, and one platform hosts the code of
//! many provinces and their vendors: the host must know who built what it
//! runs. A publisher signs, with Ed25519, a [`Statement`] listing the
//! SHA-256 of every file of the package (manifest, component, golden cases,
//! data) but the signature file itself; a tenant trusts its own keys and
//! its vendors' (tenant keys) and the operator's (platform keys).
//!
//! The signature file carries the listing it signs, so a package changed
//! after signing is refused naming the file that differs, not just "bad
//! signature". The listing is canonical and versioned ([`STATEMENT_FORMAT`])
//! so a later format can be told apart from this one.
//!
//! Pure: the plugin runtime reads the files and the storage keeps the keys;
//! [`judge`] decides.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::{Signer as _, Verifier as _};
use sha2::{Digest, Sha256};

use crate::time::LocalDateTime;

/// The first line of every statement: the format a signature covers.
pub const STATEMENT_FORMAT: &str = "motcua-package-signature/1";

/// The one algorithm a signature is made with.
pub const ALGORITHM: &str = "ed25519";

/// The signature's file at the package's root, left out of the statement.
pub const SIGNATURE_FILE: &str = "signature.toml";

/// One file of a package: its path inside the package (`/`-separated) and
/// the hex SHA-256 of its bytes.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct FileDigest {
    pub path: String,
    pub sha256: String,
}

impl FileDigest {
    pub fn of(path: impl Into<String>, bytes: &[u8]) -> Self {
        Self {
            path: path.into(),
            sha256: hex::encode(Sha256::digest(bytes)),
        }
    }

    /// The listing's line: `<sha256>  <path>`, as `sha256sum` prints it.
    pub fn line(&self) -> String {
        format!("{}  {}", self.sha256, self.path)
    }

    /// Read back a listing line.
    pub fn parse_line(line: &str) -> Result<Self, SigningError> {
        let bad = || SigningError::Malformed(format!("`{line}` is not `<sha256>  <path>`"));
        let (sha256, path) = line.split_once("  ").ok_or_else(bad)?;
        if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad());
        }
        Ok(Self {
            path: path.to_owned(),
            sha256: sha256.to_ascii_lowercase(),
        })
    }
}

/// What a publisher signs: the package's files, sorted by path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement {
    files: Vec<FileDigest>,
}

impl Statement {
    /// The statement of these files; refuses a path that would make the
    /// listing ambiguous (empty, absolute, `..`, a control character) and
    /// a path listed twice.
    pub fn new(mut files: Vec<FileDigest>) -> Result<Self, SigningError> {
        for file in &files {
            let path = &file.path;
            if path.is_empty()
                || path.starts_with('/')
                || path.split('/').any(|part| part.is_empty() || part == "..")
                || path.chars().any(char::is_control)
            {
                return Err(SigningError::Malformed(format!(
                    "`{}` cannot be listed in a signature",
                    path.escape_debug()
                )));
            }
        }
        files.sort();
        if let Some(pair) = files.windows(2).find(|pair| pair[0].path == pair[1].path) {
            return Err(SigningError::Malformed(format!(
                "`{}` is listed twice",
                pair[0].path
            )));
        }
        Ok(Self { files })
    }

    pub fn files(&self) -> &[FileDigest] {
        &self.files
    }

    /// The exact bytes signed: the format line, then one line per file.
    pub fn text(&self) -> String {
        let mut text = format!("{STATEMENT_FORMAT}\n");
        for file in &self.files {
            text.push_str(&file.line());
            text.push('\n');
        }
        text
    }

    /// How this statement differs from `signed`: the first path added,
    /// removed or changed, `None` when they are the same.
    pub fn first_difference(&self, signed: &Statement) -> Option<Change> {
        let on_disk = &self.files;
        for file in on_disk {
            match signed.files.iter().find(|s| s.path == file.path) {
                None => return Some(Change::Added(file.path.clone())),
                Some(s) if s.sha256 != file.sha256 => {
                    return Some(Change::Changed(file.path.clone()));
                }
                Some(_) => {}
            }
        }
        signed
            .files
            .iter()
            .find(|s| !on_disk.iter().any(|f| f.path == s.path))
            .map(|s| Change::Removed(s.path.clone()))
    }
}

/// A file of a package that is not as it was signed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    Added(String),
    Removed(String),
    Changed(String),
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Change::Added(path) => write!(f, "`{path}` was added"),
            Change::Removed(path) => write!(f, "`{path}` was removed"),
            Change::Changed(path) => write!(f, "`{path}` was changed"),
        }
    }
}

/// A publisher's public key, and the id it is known by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicKey(ed25519_dalek::VerifyingKey);

impl PublicKey {
    /// A key given as base64 of its 32 bytes.
    pub fn parse(text: &str) -> Result<Self, SigningError> {
        let bytes = BASE64
            .decode(text.trim())
            .map_err(|e| SigningError::Malformed(format!("the public key is not base64: {e}")))?;
        let bytes: [u8; 32] = bytes.try_into().map_err(|bytes: Vec<u8>| {
            SigningError::Malformed(format!(
                "an Ed25519 public key is 32 bytes, not {}",
                bytes.len()
            ))
        })?;
        ed25519_dalek::VerifyingKey::from_bytes(&bytes)
            .map(PublicKey)
            .map_err(|_| SigningError::Malformed("not an Ed25519 public key".into()))
    }

    /// Base64 of the key's 32 bytes.
    pub fn to_base64(&self) -> String {
        BASE64.encode(self.0.as_bytes())
    }

    /// The key's id: the first 16 bytes of the SHA-256 of the key, hex.
    /// Derived, so a signature cannot name one key and be checked with
    /// another.
    pub fn id(&self) -> String {
        hex::encode(&Sha256::digest(self.0.as_bytes())[..16])
    }
}

/// A publisher's private key.
pub struct SigningKey(ed25519_dalek::SigningKey);

impl SigningKey {
    /// The key of a 32-byte secret seed.
    pub fn from_seed(seed: [u8; 32]) -> Self {
        Self(ed25519_dalek::SigningKey::from_bytes(&seed))
    }

    /// A key given as base64 of its 32-byte seed.
    pub fn parse(text: &str) -> Result<Self, SigningError> {
        let bytes = BASE64
            .decode(text.trim())
            .map_err(|e| SigningError::Malformed(format!("the private key is not base64: {e}")))?;
        let seed: [u8; 32] = bytes.try_into().map_err(|_| {
            SigningError::Malformed("an Ed25519 private key is a 32-byte seed".into())
        })?;
        Ok(Self::from_seed(seed))
    }

    /// Base64 of the seed: what a key file keeps.
    pub fn to_base64(&self) -> String {
        BASE64.encode(self.0.to_bytes())
    }

    pub fn public(&self) -> PublicKey {
        PublicKey(self.0.verifying_key())
    }

    /// Sign `statement`.
    pub fn sign(&self, statement: &Statement) -> PackageSignature {
        PackageSignature {
            key_id: self.public().id(),
            signature: self.0.sign(statement.text().as_bytes()).to_bytes(),
            signed: statement.clone(),
        }
    }
}

/// A package's signature: the key it names, the statement it covers and
/// the Ed25519 signature over that statement's text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PackageSignature {
    pub key_id: String,
    pub signed: Statement,
    pub signature: [u8; 64],
}

impl PackageSignature {
    /// The signature bytes as base64.
    pub fn signature_base64(&self) -> String {
        BASE64.encode(self.signature)
    }

    /// Read back a signature from its parts (as the signature file keeps
    /// them).
    pub fn from_parts(
        key_id: &str,
        algorithm: &str,
        files: &[String],
        signature: &str,
    ) -> Result<Self, SigningError> {
        if algorithm != ALGORITHM {
            return Err(SigningError::Malformed(format!(
                "algorithm `{algorithm}` is not supported (only `{ALGORITHM}`)"
            )));
        }
        let files = files
            .iter()
            .map(|line| FileDigest::parse_line(line))
            .collect::<Result<Vec<_>, _>>()?;
        let bytes = BASE64
            .decode(signature.trim())
            .map_err(|e| SigningError::Malformed(format!("the signature is not base64: {e}")))?;
        let signature: [u8; 64] = bytes
            .try_into()
            .map_err(|_| SigningError::Malformed("an Ed25519 signature is 64 bytes".to_string()))?;
        Ok(Self {
            key_id: key_id.to_owned(),
            signed: Statement::new(files)?,
            signature,
        })
    }

    /// Whether `key` made this signature over its statement.
    pub fn made_by(&self, key: &PublicKey) -> bool {
        let signature = ed25519_dalek::Signature::from_bytes(&self.signature);
        key.id() == self.key_id
            && key
                .0
                .verify(self.signed.text().as_bytes(), &signature)
                .is_ok()
    }
}

/// Whose packages a key vouches for.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyScope {
    /// The operator's: shared plugins, and any tenant's.
    Platform,
    /// One tenant's (the province's own, or one of its vendors').
    Tenant(String),
}

impl KeyScope {
    /// `None` is the platform.
    pub fn of(tenant: Option<&str>) -> Self {
        tenant.map_or(KeyScope::Platform, |t| KeyScope::Tenant(t.to_owned()))
    }

    pub fn tenant(&self) -> Option<&str> {
        match self {
            KeyScope::Platform => None,
            KeyScope::Tenant(tenant) => Some(tenant),
        }
    }
}

impl std::fmt::Display for KeyScope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyScope::Platform => f.write_str("the platform"),
            KeyScope::Tenant(tenant) => write!(f, "tenant `{tenant}`"),
        }
    }
}

/// A key registered as a trust root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrustedKey {
    pub scope: KeyScope,
    pub key: PublicKey,
    pub revoked_at: Option<LocalDateTime>,
}

/// Why a package's signature is not accepted. Each names the reason the
/// publisher or the operator has to act on.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureRefusal {
    #[error("the package is not signed (no `{SIGNATURE_FILE}`): sign it with `motcua plugin sign`")]
    Unsigned,
    #[error("`{SIGNATURE_FILE}` is malformed: {0}")]
    Malformed(String),
    #[error(
        "signed by key `{key_id}`, which {package_of} does not trust: register it (`motcua keys add`)"
    )]
    Untrusted {
        key_id: String,
        /// Whose packages it would have to vouch for.
        package_of: KeyScope,
    },
    #[error("signed by key `{key_id}`, revoked at {revoked_at}")]
    Revoked {
        key_id: String,
        revoked_at: LocalDateTime,
    },
    #[error("the signature does not verify with key `{key_id}`: `{SIGNATURE_FILE}` was altered")]
    BadSignature { key_id: String },
    #[error("the package was changed after it was signed: {0}")]
    Tampered(Change),
}

/// Errors of reading signing material.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SigningError {
    #[error("{0}")]
    Malformed(String),
}

/// Who signed a package and where their key stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signer {
    pub key_id: String,
    pub scope: KeyScope,
}

/// Whether a package of `package_of` (a tenant's, or shared) whose files
/// are `on_disk` and whose signature is `signature` may load, given the
/// registered `keys`.
///
/// A tenant's package is vouched for by its tenant's keys and the
/// platform's; a shared plugin only by the platform's. A revoked key
/// vouches for nothing. The signature is checked over the listing it
/// carries, then the listing against the files.
pub fn judge(
    signature: Option<&PackageSignature>,
    on_disk: &Statement,
    package_of: &KeyScope,
    keys: &[TrustedKey],
) -> Result<Signer, SignatureRefusal> {
    let signature = signature.ok_or(SignatureRefusal::Unsigned)?;
    let candidates: Vec<&TrustedKey> = vouching(&signature.key_id, package_of, keys).collect();
    let key = match candidates.iter().find(|k| k.revoked_at.is_none()) {
        Some(key) => key,
        None => match candidates.iter().find_map(|k| k.revoked_at) {
            Some(revoked_at) => {
                return Err(SignatureRefusal::Revoked {
                    key_id: signature.key_id.clone(),
                    revoked_at,
                });
            }
            None => {
                return Err(SignatureRefusal::Untrusted {
                    key_id: signature.key_id.clone(),
                    package_of: package_of.clone(),
                });
            }
        },
    };
    if !signature.made_by(&key.key) {
        return Err(SignatureRefusal::BadSignature {
            key_id: signature.key_id.clone(),
        });
    }
    if let Some(change) = on_disk.first_difference(&signature.signed) {
        return Err(SignatureRefusal::Tampered(change));
    }
    Ok(Signer {
        key_id: signature.key_id.clone(),
        scope: key.scope.clone(),
    })
}

/// The registered keys with id `key_id` that could vouch for a package of
/// `package_of` (the platform's, and that scope's own), revoked or not.
pub fn vouching<'a>(
    key_id: &'a str,
    package_of: &'a KeyScope,
    keys: &'a [TrustedKey],
) -> impl Iterator<Item = &'a TrustedKey> + 'a {
    keys.iter().filter(move |key| {
        key.key.id() == key_id && (key.scope == KeyScope::Platform || &key.scope == package_of)
    })
}

/// Check a signature against one public key the caller gives (what a
/// publisher's `motcua plugin verify --public-key` does), or only its
/// listing when none is given.
pub fn check_with(
    signature: &PackageSignature,
    on_disk: &Statement,
    key: Option<&PublicKey>,
) -> Result<(), SignatureRefusal> {
    if let Some(key) = key {
        if key.id() != signature.key_id {
            return Err(SignatureRefusal::Untrusted {
                key_id: signature.key_id.clone(),
                package_of: KeyScope::Platform,
            });
        }
        if !signature.made_by(key) {
            return Err(SignatureRefusal::BadSignature {
                key_id: signature.key_id.clone(),
            });
        }
    }
    match on_disk.first_difference(&signature.signed) {
        Some(change) => Err(SignatureRefusal::Tampered(change)),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files() -> Vec<FileDigest> {
        vec![
            FileDigest::of("plugin.toml", b"[plugin]\nid = \"fees\"\n"),
            FileDigest::of("fees.wasm", b"\0asm"),
            FileDigest::of("golden/a.input.json", b"{}"),
        ]
    }

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_seed([seed; 32])
    }

    fn trusted(key: &SigningKey, scope: KeyScope) -> TrustedKey {
        TrustedKey {
            scope,
            key: key.public(),
            revoked_at: None,
        }
    }

    fn tenant(t: &str) -> KeyScope {
        KeyScope::Tenant(t.into())
    }

    #[test]
    fn the_statement_is_versioned_and_lists_files_sorted_by_path() {
        let statement = Statement::new(files()).unwrap();
        let text = statement.text();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], STATEMENT_FORMAT);
        assert!(lines[1].ends_with("  fees.wasm"), "{text}");
        assert!(lines[2].ends_with("  golden/a.input.json"), "{text}");
        assert!(lines[3].ends_with("  plugin.toml"), "{text}");
        let mut shuffled = files();
        shuffled.reverse();
        assert_eq!(Statement::new(shuffled).unwrap().text(), text);
    }

    #[test]
    fn a_path_that_would_make_the_listing_ambiguous_is_refused() {
        for path in ["", "/etc/passwd", "a/../b", "a\nb", "a//b"] {
            let error = Statement::new(vec![FileDigest::of(path, b"")]).unwrap_err();
            assert!(matches!(error, SigningError::Malformed(_)), "{path:?}");
        }
        let twice = vec![FileDigest::of("a", b"1"), FileDigest::of("a", b"2")];
        assert!(Statement::new(twice).is_err());
    }

    #[test]
    fn a_listing_line_reads_back_as_written() {
        for file in files() {
            assert_eq!(FileDigest::parse_line(&file.line()).unwrap(), file);
        }
        assert!(FileDigest::parse_line("abc  plugin.toml").is_err());
    }

    #[test]
    fn a_package_signed_by_its_tenants_key_is_accepted_and_names_the_key() {
        let publisher = key(1);
        let statement = Statement::new(files()).unwrap();
        let signature = publisher.sign(&statement);
        let signer = judge(
            Some(&signature),
            &statement,
            &tenant("bac-ninh"),
            &[trusted(&publisher, tenant("bac-ninh"))],
        )
        .unwrap();
        assert_eq!(signer.key_id, publisher.public().id());
        assert_eq!(signer.scope, tenant("bac-ninh"));
    }

    #[test]
    fn a_tenants_key_vouches_for_no_other_tenant_and_no_shared_plugin() {
        let publisher = key(1);
        let statement = Statement::new(files()).unwrap();
        let signature = publisher.sign(&statement);
        let keys = [trusted(&publisher, tenant("bac-ninh"))];
        for scope in [tenant("da-nang"), KeyScope::Platform] {
            let refusal = judge(Some(&signature), &statement, &scope, &keys).unwrap_err();
            assert!(
                matches!(&refusal, SignatureRefusal::Untrusted { package_of, .. } if package_of == &scope),
                "{refusal}"
            );
        }
    }

    #[test]
    fn a_platform_key_vouches_for_every_tenant() {
        let operator = key(2);
        let statement = Statement::new(files()).unwrap();
        let signature = operator.sign(&statement);
        let keys = [trusted(&operator, KeyScope::Platform)];
        for scope in [tenant("da-nang"), tenant("bac-ninh"), KeyScope::Platform] {
            judge(Some(&signature), &statement, &scope, &keys).unwrap();
        }
    }

    #[test]
    fn an_unsigned_package_is_refused() {
        let statement = Statement::new(files()).unwrap();
        assert_eq!(
            judge(None, &statement, &KeyScope::Platform, &[]),
            Err(SignatureRefusal::Unsigned)
        );
    }

    #[test]
    fn a_revoked_key_is_refused_with_its_time() {
        let publisher = key(1);
        let statement = Statement::new(files()).unwrap();
        let signature = publisher.sign(&statement);
        let at = LocalDateTime::parse("2026-12-01T08:00:00").unwrap();
        let keys = [TrustedKey {
            revoked_at: Some(at),
            ..trusted(&publisher, tenant("bac-ninh"))
        }];
        let refusal = judge(Some(&signature), &statement, &tenant("bac-ninh"), &keys).unwrap_err();
        assert_eq!(
            refusal,
            SignatureRefusal::Revoked {
                key_id: publisher.public().id(),
                revoked_at: at
            }
        );
    }

    #[test]
    fn a_file_changed_added_or_removed_after_signing_is_named() {
        let publisher = key(1);
        let signed = Statement::new(files()).unwrap();
        let signature = publisher.sign(&signed);
        let keys = [trusted(&publisher, KeyScope::Platform)];
        let judge_files = |files: Vec<FileDigest>| {
            judge(
                Some(&signature),
                &Statement::new(files).unwrap(),
                &KeyScope::Platform,
                &keys,
            )
        };
        let mut changed = files();
        changed[1] = FileDigest::of("fees.wasm", b"\0asm-evil");
        assert_eq!(
            judge_files(changed),
            Err(SignatureRefusal::Tampered(Change::Changed(
                "fees.wasm".into()
            )))
        );
        let mut added = files();
        added.push(FileDigest::of("data/extra.json", b"{}"));
        assert_eq!(
            judge_files(added),
            Err(SignatureRefusal::Tampered(Change::Added(
                "data/extra.json".into()
            )))
        );
        let mut removed = files();
        removed.pop();
        assert_eq!(
            judge_files(removed),
            Err(SignatureRefusal::Tampered(Change::Removed(
                "golden/a.input.json".into()
            )))
        );
    }

    #[test]
    fn a_listing_edited_to_match_a_tampered_package_fails_the_signature() {
        let publisher = key(1);
        let signed = Statement::new(files()).unwrap();
        let mut signature = publisher.sign(&signed);
        let mut forged = files();
        forged[1] = FileDigest::of("fees.wasm", b"\0asm-evil");
        let forged = Statement::new(forged).unwrap();
        signature.signed = forged.clone();
        let refusal = judge(
            Some(&signature),
            &forged,
            &KeyScope::Platform,
            &[trusted(&publisher, KeyScope::Platform)],
        )
        .unwrap_err();
        assert!(
            matches!(refusal, SignatureRefusal::BadSignature { .. }),
            "{refusal}"
        );
    }

    #[test]
    fn keys_and_signatures_read_back_from_their_text() {
        let publisher = key(7);
        let again = SigningKey::parse(&publisher.to_base64()).unwrap();
        assert_eq!(again.public(), publisher.public());
        let public = PublicKey::parse(&publisher.public().to_base64()).unwrap();
        assert_eq!(public.id(), publisher.public().id());
        assert_eq!(public.id().len(), 32);
        let statement = Statement::new(files()).unwrap();
        let signature = publisher.sign(&statement);
        let lines: Vec<String> = statement.files().iter().map(FileDigest::line).collect();
        let read = PackageSignature::from_parts(
            &signature.key_id,
            ALGORITHM,
            &lines,
            &signature.signature_base64(),
        )
        .unwrap();
        assert_eq!(read, signature);
        assert!(PublicKey::parse("AAAA").is_err());
        assert!(PackageSignature::from_parts("k", "rsa", &lines, "").is_err());
    }
}
