//! Tenants, agencies, users and API tokens.

use async_trait::async_trait;
use motcua_domain::code::AgencyCode;
use motcua_domain::tenancy::{Agency, Tenant, TenantStatus, User};
use motcua_domain::time::LocalDateTime;
use serde::Serialize;

use super::StoreResult;

// --- tenancy ----------------------------------------------------------------

/// An API token as stored: never the secret, only its sha256
/// ([`motcua_domain::tenancy::token_hash`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ApiToken {
    pub id: String,
    pub user_id: String,
    /// `None` for a platform operator's token.
    pub tenant: Option<String>,
    pub token_hash: String,
    pub label: String,
    pub created_at: LocalDateTime,
    pub revoked_at: Option<LocalDateTime>,
}

/// Tenants, agencies, users and API tokens.
#[async_trait]
pub trait TenantStore: Send + Sync {
    /// [`StoreError::Duplicate`] if the id is taken.
    async fn create_tenant(&self, tenant: &Tenant) -> StoreResult<()>;
    async fn tenant(&self, id: &str) -> StoreResult<Option<Tenant>>;
    /// Every tenant, whatever its status, by id.
    async fn tenants(&self) -> StoreResult<Vec<Tenant>>;
    /// Suspends, resumes or finishes onboarding a tenant (nothing else
    /// changes); NotFound if there is no such tenant.
    async fn set_tenant_status(&self, id: &str, status: TenantStatus) -> StoreResult<()>;

    /// Creates or renames the agency `agency.code` of `agency.tenant`.
    async fn put_agency(&self, agency: &Agency) -> StoreResult<()>;
    async fn agency(&self, tenant: &str, code: &AgencyCode) -> StoreResult<Option<Agency>>;
    async fn agencies(&self, tenant: &str) -> StoreResult<Vec<Agency>>;

    /// Creates or updates a user. A user's tenant never changes:
    /// [`StoreError::Duplicate`] if the id exists in another tenant.
    async fn put_user(&self, user: &User) -> StoreResult<()>;
    /// A user of `tenant` (`None` = platform operators).
    async fn user(&self, tenant: Option<&str>, id: &str) -> StoreResult<Option<User>>;
    async fn users(&self, tenant: &str) -> StoreResult<Vec<User>>;

    /// Stores a token for `user_id`, given the sha256 of its secret; returns
    /// the stored token. [`StoreError::NotFound`] if the user does not exist.
    async fn create_token(
        &self,
        user_id: &str,
        token_hash: &str,
        label: &str,
    ) -> StoreResult<ApiToken>;
    /// The live (not revoked) token with this hash and its user: how a
    /// request is authenticated. Not tenant-scoped: the token tells the tenant.
    async fn token_by_hash(&self, token_hash: &str) -> StoreResult<Option<(ApiToken, User)>>;
    /// Revokes a token of `tenant` (`None` = platform); NotFound if none.
    async fn revoke_token(&self, tenant: Option<&str>, token_id: &str) -> StoreResult<()>;
}
