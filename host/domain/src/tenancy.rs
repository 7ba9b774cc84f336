//! Who the system serves: tenants (provinces and centrally-run cities), their
//! agencies, and the users who act for them.
//!
//! Every stored row belongs to one tenant; a user belongs to one tenant,
//! except platform operators, who run the platform and belong to none.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::code::AgencyCode;
use crate::lifecycle::Role;

/// A locality running the system, identified by a URL-safe slug such as
/// `da-nang`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Tenant {
    pub id: String,
    pub name: String,
    /// Whether the tenant serves: see [`TenantStatus`].
    #[serde(default)]
    pub status: TenantStatus,
}

/// Where a tenant stands. Only an [`TenantStatus::Active`] tenant's users
/// reach the API and the console, and only its plugins are called; the
/// other states keep every row (nothing is ever deleted by them).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TenantStatus {
    /// Serving.
    #[default]
    Active,
    /// Stopped by a platform operator; resuming makes it active again.
    Suspended,
    /// Created by an onboarding that has not finished: its agencies,
    /// calendar, catalog and users are being written. Running the same
    /// onboarding again completes it.
    Onboarding,
}

impl TenantStatus {
    /// The stored and displayed name, e.g. `suspended`.
    pub fn as_str(self) -> &'static str {
        match self {
            TenantStatus::Active => "active",
            TenantStatus::Suspended => "suspended",
            TenantStatus::Onboarding => "onboarding",
        }
    }

    /// The status with this name.
    pub fn parse(text: &str) -> Option<Self> {
        [
            TenantStatus::Active,
            TenantStatus::Suspended,
            TenantStatus::Onboarding,
        ]
        .into_iter()
        .find(|status| status.as_str() == text)
    }
}

impl std::fmt::Display for TenantStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Tenant {
    pub fn new(id: impl Into<String>, name: impl Into<String>) -> Self {
        Tenant {
            id: id.into(),
            name: name.into(),
            status: TenantStatus::Active,
        }
    }

    /// A slug is 1 to 63 lowercase ASCII letters, digits and inner hyphens:
    /// it appears in URLs (`/api/v1/tenants/{tenant}/...`) unescaped.
    pub fn is_valid_id(id: &str) -> bool {
        !id.is_empty()
            && id.len() <= 63
            && !id.starts_with('-')
            && !id.ends_with('-')
            && id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    }
}

/// An agency (co quan) of a tenant, which receives and decides dossiers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Agency {
    pub tenant: String,
    pub code: AgencyCode,
    pub name: String,
}

/// A person or system account acting through the API.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    pub id: String,
    /// `None` only for platform operators.
    pub tenant: Option<String>,
    pub name: String,
    pub role: Role,
    /// The agency an officer works for.
    #[serde(default)]
    pub agency: Option<AgencyCode>,
    /// A citizen account's 12-digit personal ID, as verified by the national
    /// identity account (VNeID) the citizen signed in with: the only person
    /// the registry may be asked about on that account's behalf.
    #[serde(default)]
    pub personal_id: Option<String>,
}

/// The sha256 (lowercase hex) of an API token's secret: the only form in
/// which tokens are stored, so a leaked database grants no access.
pub fn token_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_slugs_are_url_safe() {
        assert!(Tenant::is_valid_id("da-nang"));
        assert!(Tenant::is_valid_id("bac-ninh2"));
        assert!(!Tenant::is_valid_id(""));
        assert!(!Tenant::is_valid_id("Da-Nang"));
        assert!(!Tenant::is_valid_id("-x"));
        assert!(!Tenant::is_valid_id("a/b"));
    }

    #[test]
    fn tenant_statuses_round_trip_by_name() {
        for status in [
            TenantStatus::Active,
            TenantStatus::Suspended,
            TenantStatus::Onboarding,
        ] {
            assert_eq!(TenantStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(TenantStatus::parse("deleted"), None);
    }

    #[test]
    fn token_hash_is_sha256_hex() {
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
