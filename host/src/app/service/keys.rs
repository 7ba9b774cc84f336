//! The signing keys a tenant trusts, managed by the operator and the
//! tenant's admins; and the trust roots the plugin runtime checks packages
//! against.
//!
//! Rotating a key is adding the new one, deploying packages signed with it,
//! then revoking the old one: the two steps are separate on purpose, so
//! nothing stops loading between them.

use std::sync::Arc;

use motcua_domain::signing::{KeyScope, PublicKey, TrustedKey};
use serde::Deserialize;

use crate::app::access::ensure_keys;
use crate::app::error::AppError;
use crate::app::ports::{NewTrustKey, StoreError, TenantStore, TrustKey, TrustStore};
use crate::app::service::Authority;

/// Who a change by someone with the database in hand is recorded as.
const DATABASE_ACCESS: &str = "motcua keys (database access)";

/// `by` may manage the keys of `scope`; the name the change is recorded
/// under.
fn allowed(by: Authority<'_>, scope: Option<&str>) -> Result<String, AppError> {
    match by {
        Authority::User(user) => {
            ensure_keys(user, scope)?;
            Ok(user.id.clone())
        }
        Authority::DatabaseAccess => Ok(DATABASE_ACCESS.to_owned()),
    }
}

/// `POST .../keys`: a publisher's public key to trust.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddKey {
    // Defaults: a missing field is named by the use case (422), after the
    // caller's right to add keys was checked.
    /// Base64 of the Ed25519 public key's 32 bytes, as `motcua plugin
    /// keygen` prints it.
    #[serde(default)]
    pub public_key: String,
    /// Whose key it is, in words.
    #[serde(default)]
    pub label: String,
}

/// Lists, adds and revokes trust roots.
#[derive(Clone)]
pub struct TrustKeys {
    store: Arc<dyn TrustStore>,
    tenants: Arc<dyn TenantStore>,
}

impl TrustKeys {
    pub fn new(store: Arc<dyn TrustStore>, tenants: Arc<dyn TenantStore>) -> Self {
        Self { store, tenants }
    }

    /// The keys of `scope` (`None`: the platform's).
    pub async fn list(
        &self,
        by: Authority<'_>,
        scope: Option<&str>,
    ) -> Result<Vec<TrustKey>, AppError> {
        allowed(by, scope)?;
        self.ensure_tenant(scope).await?;
        Ok(self.store.keys(scope).await?)
    }

    /// Trust `key` for `scope`; its id is derived from the key.
    pub async fn add(
        &self,
        by: Authority<'_>,
        scope: Option<&str>,
        key: AddKey,
    ) -> Result<TrustKey, AppError> {
        let who = allowed(by, scope)?;
        self.ensure_tenant(scope).await?;
        let public = PublicKey::parse(&key.public_key)
            .map_err(|error| AppError::invalid("public_key", error.to_string()))?;
        let label = key.label.trim();
        if label.is_empty() || label.chars().count() > 200 {
            return Err(AppError::invalid(
                "label",
                "say whose key it is, in 1 to 200 characters",
            ));
        }
        let added = self
            .store
            .add_key(&NewTrustKey {
                tenant: scope.map(ToOwned::to_owned),
                key_id: public.id(),
                public_key: public.to_base64(),
                label: label.to_owned(),
                added_by: who.clone(),
            })
            .await?;
        tracing::info!(scope = ?scope, key = %added.key_id, by = %who, "signing key trusted");
        Ok(added)
    }

    /// Revoke the key `key_id` of `scope`: the packages it signed stop
    /// loading at their next activation or start.
    pub async fn revoke(
        &self,
        by: Authority<'_>,
        scope: Option<&str>,
        key_id: &str,
    ) -> Result<TrustKey, AppError> {
        let who = allowed(by, scope)?;
        self.ensure_tenant(scope).await?;
        let revoked = self.store.revoke_key(scope, key_id, &who).await?;
        tracing::warn!(scope = ?scope, key = %key_id, by = %who, "signing key revoked");
        Ok(revoked)
    }

    /// What vouches for `tenant`'s packages: its keys and the platform's,
    /// revoked ones included (a package they signed is refused naming the
    /// revocation).
    pub async fn roots_for(&self, tenant: &str) -> Result<Vec<TrustedKey>, AppError> {
        let mut keys = self.store.keys(None).await?;
        keys.extend(self.store.keys(Some(tenant)).await?);
        trusted(keys)
    }

    /// Every registered key, for the packages loaded at start.
    pub async fn all_roots(&self) -> Result<Vec<TrustedKey>, AppError> {
        trusted(self.store.all_keys().await?)
    }

    async fn ensure_tenant(&self, scope: Option<&str>) -> Result<(), AppError> {
        if let Some(tenant) = scope
            && self.tenants.tenant(tenant).await?.is_none()
        {
            return Err(AppError::NotFound(format!("tenant {tenant}")));
        }
        Ok(())
    }
}

/// Stored keys as the signing rule takes them.
pub fn trusted(keys: Vec<TrustKey>) -> Result<Vec<TrustedKey>, AppError> {
    keys.into_iter()
        .map(|key| {
            let public = PublicKey::parse(&key.public_key).map_err(|error| {
                AppError::Store(StoreError::Corrupt(format!(
                    "trust key {}: {error}",
                    key.key_id
                )))
            })?;
            Ok(TrustedKey {
                scope: KeyScope::of(key.tenant.as_deref()),
                key: public,
                revoked_at: key.revoked_at,
            })
        })
        .collect()
}
