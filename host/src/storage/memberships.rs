//! Officers' agency memberships (`agency_memberships`, migration 7).

use async_trait::async_trait;

use super::Db;
use super::rows::Result;
use crate::app::ports::{MembershipStore, StoreError};
use crate::domain::code::AgencyCode;

#[async_trait]
impl MembershipStore for Db {
    async fn agencies_of(&self, tenant: &str, user_id: &str) -> Result<Vec<AgencyCode>> {
        let codes: Vec<String> = sqlx::query_scalar(
            "SELECT agency_code FROM agency_memberships \
             WHERE tenant_id = $1 AND user_id = $2 ORDER BY agency_code",
        )
        .bind(tenant)
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        codes
            .into_iter()
            .map(|code| {
                AgencyCode::new(code).map_err(|e| StoreError::Corrupt(format!("agency_code: {e}")))
            })
            .collect()
    }

    async fn set_agencies(
        &self,
        tenant: &str,
        user_id: &str,
        agencies: &[AgencyCode],
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM agency_memberships WHERE tenant_id = $1 AND user_id = $2")
            .bind(tenant)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        for agency in agencies {
            sqlx::query(
                "INSERT INTO agency_memberships (tenant_id, user_id, agency_code) \
                 VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            )
            .bind(tenant)
            .bind(user_id)
            .bind(agency.as_str())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
