//! Which agencies an officer belongs to: what the access rule
//! ([`motcua_domain::access`]) scopes an officer's dossiers by.

use async_trait::async_trait;
use motcua_domain::code::AgencyCode;

use super::StoreResult;

/// Officers' agency memberships, per tenant.
#[async_trait]
pub trait MembershipStore: Send + Sync {
    /// The agencies `user_id` belongs to in `tenant`, ordered by code.
    async fn agencies_of(&self, tenant: &str, user_id: &str) -> StoreResult<Vec<AgencyCode>>;
    /// Replaces the memberships of `user_id` in `tenant` by `agencies`, in
    /// one transaction. The caller checked that the user and every agency
    /// are the tenant's.
    async fn set_agencies(
        &self,
        tenant: &str,
        user_id: &str,
        agencies: &[AgencyCode],
    ) -> StoreResult<()>;
}
