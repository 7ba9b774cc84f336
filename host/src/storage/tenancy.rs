//! Tenants, agencies, users and API tokens.

use async_trait::async_trait;
use sqlx::any::AnyRow;

use super::Db;
use super::rows::{Result, get, get_name, get_opt_time, get_time, name, now, time_text};
use crate::app::ports::{ApiToken, StoreError, TenantStore, new_id};
use crate::domain::code::AgencyCode;
use crate::domain::tenancy::{Agency, Tenant, TenantStatus, User};

/// Users and tokens of platform operators have no tenant; in `WHERE`
/// clauses they compare as the empty string (`COALESCE(tenant_id, '')`),
/// which no tenant slug can be.
fn tenant_key(tenant: Option<&str>) -> &str {
    tenant.unwrap_or("")
}

fn agency_code(text: String) -> Result<AgencyCode> {
    AgencyCode::new(text).map_err(|e| StoreError::Corrupt(format!("agency_code: {e}")))
}

pub(super) fn user_from_row(row: &AnyRow) -> Result<User> {
    Ok(User {
        id: get(row, "id")?,
        tenant: get(row, "tenant_id")?,
        name: get(row, "name")?,
        role: get_name(row, "role")?,
        agency: get::<Option<String>>(row, "agency_code")?
            .map(agency_code)
            .transpose()?,
        personal_id: get(row, "personal_id")?,
    })
}

fn token_from_row(row: &AnyRow) -> Result<ApiToken> {
    Ok(ApiToken {
        id: get(row, "token_id")?,
        user_id: get(row, "id")?,
        tenant: get(row, "tenant_id")?,
        token_hash: get(row, "token_hash")?,
        label: get(row, "label")?,
        created_at: get_time(row, "token_created_at")?,
        revoked_at: get_opt_time(row, "revoked_at")?,
    })
}

pub(super) const USER_COLUMNS: &str =
    "u.id, u.tenant_id, u.name, u.role, u.agency_code, u.personal_id";

#[async_trait]
impl TenantStore for Db {
    async fn create_tenant(&self, tenant: &Tenant) -> Result<()> {
        sqlx::query(
            "INSERT INTO tenants (id, name, created_at, status, status_changed_at) \
             VALUES ($1, $2, $3, $4, $3)",
        )
        .bind(&tenant.id)
        .bind(&tenant.name)
        .bind(time_text(now()))
        .bind(tenant.status.as_str())
        .execute(&self.writer)
        .await
        .map_err(|e| match StoreError::from(e) {
            StoreError::Duplicate { .. } => StoreError::Duplicate {
                what: format!("tenant {}", tenant.id),
            },
            other => other,
        })?;
        Ok(())
    }

    async fn tenant(&self, id: &str) -> Result<Option<Tenant>> {
        let row = sqlx::query("SELECT id, name, status FROM tenants WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| tenant_from_row(&row)).transpose()
    }

    async fn tenants(&self) -> Result<Vec<Tenant>> {
        let rows = sqlx::query("SELECT id, name, status FROM tenants ORDER BY id")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(tenant_from_row).collect()
    }

    async fn set_tenant_status(&self, id: &str, status: TenantStatus) -> Result<()> {
        let done =
            sqlx::query("UPDATE tenants SET status = $1, status_changed_at = $2 WHERE id = $3")
                .bind(status.as_str())
                .bind(time_text(now()))
                .bind(id)
                .execute(&self.writer)
                .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("tenant {id}")));
        }
        Ok(())
    }

    async fn put_agency(&self, agency: &Agency) -> Result<()> {
        sqlx::query(
            "INSERT INTO agencies (tenant_id, code, name) VALUES ($1, $2, $3) \
             ON CONFLICT (tenant_id, code) DO UPDATE SET name = excluded.name",
        )
        .bind(&agency.tenant)
        .bind(agency.code.as_str())
        .bind(&agency.name)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    async fn agency(&self, tenant: &str, code: &AgencyCode) -> Result<Option<Agency>> {
        let row = sqlx::query(
            "SELECT tenant_id, code, name FROM agencies WHERE tenant_id = $1 AND code = $2",
        )
        .bind(tenant)
        .bind(code.as_str())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| agency_from_row(&row)).transpose()
    }

    async fn agencies(&self, tenant: &str) -> Result<Vec<Agency>> {
        let rows = sqlx::query(
            "SELECT tenant_id, code, name FROM agencies WHERE tenant_id = $1 ORDER BY code",
        )
        .bind(tenant)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(agency_from_row).collect()
    }

    async fn put_user(&self, user: &User) -> Result<()> {
        let done = sqlx::query(
            "INSERT INTO users (id, tenant_id, name, role, agency_code, personal_id, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, role = excluded.role, \
             agency_code = excluded.agency_code, personal_id = excluded.personal_id \
             WHERE COALESCE(users.tenant_id, '') = COALESCE(excluded.tenant_id, '')",
        )
        .bind(&user.id)
        .bind(user.tenant.as_deref())
        .bind(&user.name)
        .bind(name(&user.role)?)
        .bind(user.agency.as_ref().map(AgencyCode::as_str))
        .bind(user.personal_id.as_deref())
        .bind(time_text(now()))
        .execute(&self.writer)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Duplicate {
                what: format!("user {}", user.id),
            });
        }
        Ok(())
    }

    async fn user(&self, tenant: Option<&str>, id: &str) -> Result<Option<User>> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1 AND COALESCE(u.tenant_id, '') = $2"
        ))
        .bind(id)
        .bind(tenant_key(tenant))
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| user_from_row(&row)).transpose()
    }

    async fn users(&self, tenant: &str) -> Result<Vec<User>> {
        let rows = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE u.tenant_id = $1 ORDER BY u.id"
        ))
        .bind(tenant)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(user_from_row).collect()
    }

    async fn create_token(&self, user_id: &str, token_hash: &str, label: &str) -> Result<ApiToken> {
        let id = new_id();
        let created_at = now();
        let row = sqlx::query(
            "INSERT INTO api_tokens (id, user_id, tenant_id, token_hash, label, created_at) \
             SELECT $1, u.id, u.tenant_id, $3, $4, $5 FROM users u WHERE u.id = $2 \
             RETURNING tenant_id",
        )
        .bind(&id)
        .bind(user_id)
        .bind(token_hash)
        .bind(label)
        .bind(time_text(created_at))
        .fetch_optional(&self.writer)
        .await
        .map_err(|e| match StoreError::from(e) {
            StoreError::Duplicate { .. } => StoreError::Duplicate {
                what: "a token with this hash".to_owned(),
            },
            other => other,
        })?
        .ok_or_else(|| StoreError::NotFound(format!("user {user_id}")))?;
        Ok(ApiToken {
            id,
            user_id: user_id.to_owned(),
            tenant: get(&row, "tenant_id")?,
            token_hash: token_hash.to_owned(),
            label: label.to_owned(),
            created_at,
            revoked_at: None,
        })
    }

    async fn token_by_hash(&self, token_hash: &str) -> Result<Option<(ApiToken, User)>> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS}, t.id AS token_id, t.token_hash, t.label, \
             t.created_at AS token_created_at, t.revoked_at \
             FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL"
        ))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| Ok((token_from_row(&row)?, user_from_row(&row)?)))
            .transpose()
    }

    async fn revoke_token(&self, tenant: Option<&str>, token_id: &str) -> Result<()> {
        let done = sqlx::query(
            "UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $1) \
             WHERE id = $2 AND COALESCE(tenant_id, '') = $3",
        )
        .bind(time_text(now()))
        .bind(token_id)
        .bind(tenant_key(tenant))
        .execute(&self.writer)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("token {token_id}")));
        }
        Ok(())
    }
}

fn tenant_from_row(row: &AnyRow) -> Result<Tenant> {
    let status: String = get(row, "status")?;
    Ok(Tenant {
        id: get(row, "id")?,
        name: get(row, "name")?,
        status: TenantStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("tenants.status: {status}")))?,
    })
}

fn agency_from_row(row: &AnyRow) -> Result<Agency> {
    Ok(Agency {
        tenant: get(row, "tenant_id")?,
        code: agency_code(get(row, "code")?)?,
        name: get(row, "name")?,
    })
}
