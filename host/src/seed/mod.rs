//! Demo data and catalog import: what `motcua demo` puts in the database.
//!
//! [`seed_demo`] creates three tenants (Bắc Ninh, Đà Nẵng, Vĩnh Phúc) with
//! their agencies, their catalogs of real procedures, Viet Nam's 2025-2027
//! working calendar, a citizen, an officer and a tenant administrator each,
//! and a platform operator, all through the storage ports, so it works on
//! SQLite and PostgreSQL alike. The data lives in `host/demo/` (embedded in
//! the binary); [`load_catalog`] reads the same catalog format from any file.
//!
//! # Running it again
//! Seeding is idempotent, so `motcua demo` can restart on the same data
//! directory:
//! - tenants and users that exist are kept as they are (not renamed);
//! - agencies are upserted; the catalog's procedures and the calendar are
//!   replaced by the file's (procedures added over the API are left alone);
//! - every user gets a fresh token and a fresh console password (stored
//!   as an Argon2id hash); the tokens listed in the previous
//!   `demo-credentials.json` are revoked once the new file is written, so
//!   only the printed tokens work. If that file was deleted, its tokens stay
//!   valid: they are stored hashed and nothing else can name them.

mod credentials;
mod data;

#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

pub use credentials::{
    CREDENTIALS_FILE, Credential, CredentialMap, DemoCredentials, TOKEN_PREFIX, new_password,
    new_token_secret,
};
pub use data::{
    AgencySeed, CatalogFile, CatalogFormat, DemoData, DemoTenants, TenantSeed, UserSeed,
    demo_calendar, demo_catalog, demo_tenants, load_catalog, parse_catalog,
};

use crate::app::ports::{AccountStore, CatalogStore, MembershipStore, StoreError, TenantStore};
use crate::app::service::hash_password;
use crate::domain::tenancy::{Agency, Tenant, User, token_hash};

/// The key of platform operators in the credentials file (they have no
/// tenant; no tenant may use this id).
pub const PLATFORM: &str = "platform";

/// The label of tokens created by the demo, as stored with them.
pub const DEMO_TOKEN_LABEL: &str = "demo";

/// Why seeding failed.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    /// A data or catalog file is malformed or inconsistent.
    #[error("{source_name}: {message}")]
    Data {
        source_name: String,
        message: String,
    },
    #[error("reading or writing {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A storage call failed; `what` says which object.
    #[error("{what}")]
    Store {
        what: String,
        #[source]
        source: StoreError,
    },
    #[error("the system random number generator failed: {0}")]
    Random(String),
}

fn store_error(what: impl Into<String>) -> impl FnOnce(StoreError) -> SeedError {
    let what = what.into();
    move |source| SeedError::Store { what, source }
}

/// Seeds the demo into `store` and writes the fresh tokens to
/// `<data_dir>/demo-credentials.json` (see the module doc for what a second
/// run does).
pub async fn seed_demo<S>(store: &S, data_dir: &Path) -> Result<DemoCredentials, SeedError>
where
    S: TenantStore + CatalogStore + AccountStore + MembershipStore + ?Sized,
{
    let data = DemoData::embedded()?;
    for (tenant, catalog) in data.tenants.iter().zip(&data.catalogs) {
        seed_tenant(store, tenant).await?;
        for procedure in catalog {
            store
                .put_procedure(&tenant.id, procedure)
                .await
                .map_err(store_error(format!(
                    "storing procedure {} of {}",
                    procedure.code, tenant.id
                )))?;
        }
        store
            .put_calendar(&tenant.id, &data.calendar)
            .await
            .map_err(store_error(format!(
                "storing the calendar of {}",
                tenant.id
            )))?;
    }
    for operator in &data.operators {
        ensure_user(store, None, operator).await?;
    }

    let path = data_dir.join(CREDENTIALS_FILE);
    let previous = CredentialMap::read(&path);
    let mut logins = CredentialMap::default();
    let users = data
        .tenants
        .iter()
        .flat_map(|t| t.users.iter().map(move |u| (t.id.as_str(), u)))
        .chain(data.operators.iter().map(|u| (PLATFORM, u)));
    for (key, user) in users {
        let secret = new_token_secret()?;
        let token = store
            .create_token(&user.id, &token_hash(&secret), DEMO_TOKEN_LABEL)
            .await
            .map_err(store_error(format!(
                "creating a token for user {}",
                user.id
            )))?;
        let password = new_password()?;
        let phc = hash_password(&password).map_err(|e| SeedError::Random(e.to_string()))?;
        store
            .set_password(&user.id, &phc)
            .await
            .map_err(store_error(format!(
                "setting the password of user {}",
                user.id
            )))?;
        let credential = Credential {
            user_id: user.id.clone(),
            name: user.name.clone(),
            token: secret,
            token_id: token.id,
            password,
            agency: user.agency.as_ref().map(ToString::to_string),
        };
        logins
            .0
            .entry(key.to_owned())
            .or_default()
            .insert(user.role.to_string(), credential);
    }
    logins.write(&path)?;
    if let Some(previous) = previous {
        revoke_all(store, &previous).await?;
    }
    Ok(DemoCredentials { path, logins })
}

/// Creates the tenant if missing, upserts its agencies, creates missing
/// users (agencies first: an officer references one).
async fn seed_tenant<S>(store: &S, tenant: &TenantSeed) -> Result<(), SeedError>
where
    S: TenantStore + MembershipStore + ?Sized,
{
    let exists = store
        .tenant(&tenant.id)
        .await
        .map_err(store_error(format!("looking up tenant {}", tenant.id)))?
        .is_some();
    if !exists {
        store
            .create_tenant(&Tenant::new(&tenant.id, &tenant.name))
            .await
            .map_err(store_error(format!("creating tenant {}", tenant.id)))?;
    }
    for agency in &tenant.agencies {
        store
            .put_agency(&Agency {
                tenant: tenant.id.clone(),
                code: agency.code.clone(),
                name: agency.name.clone(),
            })
            .await
            .map_err(store_error(format!(
                "storing agency {} of {}",
                agency.code, tenant.id
            )))?;
    }
    for user in &tenant.users {
        ensure_user(store, Some(&tenant.id), user).await?;
    }
    Ok(())
}

/// Creates the user unless it exists in that tenant.
async fn ensure_user<S>(store: &S, tenant: Option<&str>, user: &UserSeed) -> Result<(), SeedError>
where
    S: TenantStore + MembershipStore + ?Sized,
{
    let found = store
        .user(tenant, &user.id)
        .await
        .map_err(store_error(format!("looking up user {}", user.id)))?;
    if found.is_none() {
        store
            .put_user(&User {
                id: user.id.clone(),
                tenant: tenant.map(str::to_owned),
                name: user.name.clone(),
                role: user.role,
                agency: user.agency.clone(),
                personal_id: user.personal_id.clone(),
            })
            .await
            .map_err(store_error(format!("creating user {}", user.id)))?;
        // An officer acts for the agency they work for (docs/access.md).
        if let (Some(tenant), Some(agency)) = (tenant, &user.agency) {
            store
                .set_agencies(tenant, &user.id, std::slice::from_ref(agency))
                .await
                .map_err(store_error(format!(
                    "assigning user {} to {agency}",
                    user.id
                )))?;
        }
    }
    Ok(())
}

/// Revokes the tokens of a previous credentials file; tokens already gone
/// (revoked, or from another database) are skipped.
async fn revoke_all<S>(store: &S, previous: &CredentialMap) -> Result<(), SeedError>
where
    S: TenantStore + ?Sized,
{
    for (tenant, _, credential) in previous.iter() {
        match store.revoke_token(tenant, &credential.token_id).await {
            Ok(()) | Err(StoreError::NotFound(_)) => {}
            Err(source) => {
                return Err(SeedError::Store {
                    what: format!("revoking the previous demo token of {}", credential.user_id),
                    source,
                });
            }
        }
    }
    Ok(())
}
