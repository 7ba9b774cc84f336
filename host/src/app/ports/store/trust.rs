//! The signing keys trusted to vouch for plugin packages: the platform's
//! (the operator's, for shared plugins and any tenant's) and each tenant's
//! (the province's own and its vendors').

use async_trait::async_trait;
use motcua_domain::time::LocalDateTime;
use serde::Serialize;

use super::StoreResult;

/// A key to register as a trust root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewTrustKey {
    /// `None`: platform-wide.
    pub tenant: Option<String>,
    /// Derived from the public key (`motcua_domain::signing::PublicKey::id`).
    pub key_id: String,
    /// Base64 of the Ed25519 public key's 32 bytes.
    pub public_key: String,
    /// Whose key it is, in words ("Sở Tài chính Bắc Ninh", "vendor X 2026").
    pub label: String,
    pub added_by: String,
}

/// A registered key, revoked or not.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct TrustKey {
    /// `None`: platform-wide.
    pub tenant: Option<String>,
    pub key_id: String,
    pub public_key: String,
    pub label: String,
    pub added_by: String,
    pub added_at: LocalDateTime,
    pub revoked_by: Option<String>,
    /// From then on the key vouches for nothing: its packages stop loading
    /// at their next activation or start.
    pub revoked_at: Option<LocalDateTime>,
}

/// Where the trust roots are kept.
#[async_trait]
pub trait TrustStore: Send + Sync {
    /// Registers a key; Duplicate when the scope has it already (revoked
    /// or not: a revoked key stays revoked).
    async fn add_key(&self, key: &NewTrustKey) -> StoreResult<TrustKey>;
    /// The keys of one scope (`None`: the platform's), oldest first.
    async fn keys(&self, tenant: Option<&str>) -> StoreResult<Vec<TrustKey>>;
    /// Every key of every scope.
    async fn all_keys(&self) -> StoreResult<Vec<TrustKey>>;
    /// Marks a key revoked (NotFound if the scope has no such key; a key
    /// revoked already keeps its first revocation).
    async fn revoke_key(
        &self,
        tenant: Option<&str>,
        key_id: &str,
        revoked_by: &str,
    ) -> StoreResult<TrustKey>;
}
