//! The trust roots of plugin signatures, platform-wide (`tenant_id` NULL)
//! and per tenant.

use async_trait::async_trait;
use sqlx::any::AnyRow;

use super::Db;
use super::rows::{Result, get, get_opt_time, get_time, now, time_text};
use crate::app::ports::{NewTrustKey, StoreError, TrustKey, TrustStore};

const COLUMNS: &str =
    "tenant_id, key_id, public_key, label, added_by, added_at, revoked_by, revoked_at";

/// Matches the scope `$1` (NULL: the platform's keys).
const SCOPE: &str = "COALESCE(tenant_id, '') = COALESCE($1, '')";

fn key_from_row(row: &AnyRow) -> Result<TrustKey> {
    Ok(TrustKey {
        tenant: get(row, "tenant_id")?,
        key_id: get(row, "key_id")?,
        public_key: get(row, "public_key")?,
        label: get(row, "label")?,
        added_by: get(row, "added_by")?,
        added_at: get_time(row, "added_at")?,
        revoked_by: get(row, "revoked_by")?,
        revoked_at: get_opt_time(row, "revoked_at")?,
    })
}

fn scope_name(tenant: Option<&str>) -> String {
    tenant.map_or("the platform".to_owned(), |t| format!("tenant {t}"))
}

#[async_trait]
impl TrustStore for Db {
    async fn add_key(&self, key: &NewTrustKey) -> Result<TrustKey> {
        let row = sqlx::query(&format!(
            "INSERT INTO trust_keys ({COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, NULL, NULL) RETURNING {COLUMNS}"
        ))
        .bind(&key.tenant)
        .bind(&key.key_id)
        .bind(&key.public_key)
        .bind(&key.label)
        .bind(&key.added_by)
        .bind(time_text(now()))
        .fetch_one(&self.writer)
        .await
        .map_err(|e| match StoreError::from(e) {
            StoreError::Duplicate { .. } => StoreError::Duplicate {
                what: format!(
                    "key {} of {}",
                    key.key_id,
                    scope_name(key.tenant.as_deref())
                ),
            },
            other => other,
        })?;
        key_from_row(&row)
    }

    async fn keys(&self, tenant: Option<&str>) -> Result<Vec<TrustKey>> {
        sqlx::query(&format!(
            "SELECT {COLUMNS} FROM trust_keys WHERE {SCOPE} ORDER BY added_at, key_id"
        ))
        .bind(tenant)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(key_from_row)
        .collect()
    }

    async fn all_keys(&self) -> Result<Vec<TrustKey>> {
        sqlx::query(&format!(
            "SELECT {COLUMNS} FROM trust_keys ORDER BY tenant_id, added_at, key_id"
        ))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(key_from_row)
        .collect()
    }

    async fn revoke_key(
        &self,
        tenant: Option<&str>,
        key_id: &str,
        revoked_by: &str,
    ) -> Result<TrustKey> {
        sqlx::query(&format!(
            "UPDATE trust_keys SET revoked_by = $3, revoked_at = $4 \
             WHERE {SCOPE} AND key_id = $2 AND revoked_at IS NULL"
        ))
        .bind(tenant)
        .bind(key_id)
        .bind(revoked_by)
        .bind(time_text(now()))
        .execute(&self.writer)
        .await?;
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM trust_keys WHERE {SCOPE} AND key_id = $2"
        ))
        .bind(tenant)
        .bind(key_id)
        .fetch_optional(&self.writer)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("key {key_id} of {}", scope_name(tenant))))?;
        key_from_row(&row)
    }
}
