//! Procedures and working calendars, per tenant.

use async_trait::async_trait;

use super::Db;
use super::rows::{Result, get_json, name, now, time_text, to_json};
use crate::app::ports::{CatalogStore, StoreError};
use crate::domain::calendar::CalendarConfig;
use crate::domain::catalog::Procedure;

const UPSERT_PROCEDURE: &str = "INSERT INTO procedures (tenant_id, code, name, field, \
     online_level, form_plugin, fee_plugin, document, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
     ON CONFLICT (tenant_id, code) DO UPDATE SET name = excluded.name, \
     field = excluded.field, online_level = excluded.online_level, \
     form_plugin = excluded.form_plugin, fee_plugin = excluded.fee_plugin, \
     document = excluded.document, updated_at = excluded.updated_at";

async fn upsert_procedure(
    executor: impl sqlx::Executor<'_, Database = sqlx::Any>,
    tenant: &str,
    procedure: &Procedure,
) -> Result<()> {
    sqlx::query(UPSERT_PROCEDURE)
        .bind(tenant)
        .bind(&procedure.code)
        .bind(&procedure.name.vi)
        .bind(&procedure.field)
        .bind(name(&procedure.online_level)?)
        .bind(procedure.form_plugin.as_deref())
        .bind(procedure.fee_plugin.as_deref())
        .bind(to_json(procedure)?)
        .bind(time_text(now()))
        .execute(executor)
        .await?;
    Ok(())
}

#[async_trait]
impl CatalogStore for Db {
    async fn put_procedure(&self, tenant: &str, procedure: &Procedure) -> Result<()> {
        upsert_procedure(&self.writer, tenant, procedure).await
    }

    async fn apply_catalog(
        &self,
        tenant: &str,
        put: &[Procedure],
        delete: &[String],
    ) -> Result<()> {
        let (tenant, put, delete) = (tenant.to_owned(), put.to_vec(), delete.to_vec());
        self.write("catalog.apply", |db| async move {
            let mut tx = db.begin_write().await?;
            for procedure in &put {
                upsert_procedure(&mut *tx, &tenant, procedure).await?;
            }
            for code in &delete {
                sqlx::query("DELETE FROM procedures WHERE tenant_id = $1 AND code = $2")
                    .bind(&tenant)
                    .bind(code)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(())
        })
        .await
    }

    async fn procedure(&self, tenant: &str, code: &str) -> Result<Option<Procedure>> {
        let row = sqlx::query("SELECT document FROM procedures WHERE tenant_id = $1 AND code = $2")
            .bind(tenant)
            .bind(code)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| get_json(&row, "document")).transpose()
    }

    async fn procedures(&self, tenant: &str) -> Result<Vec<Procedure>> {
        let rows =
            sqlx::query("SELECT document FROM procedures WHERE tenant_id = $1 ORDER BY code")
                .bind(tenant)
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(|row| get_json(row, "document")).collect()
    }

    async fn delete_procedure(&self, tenant: &str, code: &str) -> Result<()> {
        let done = sqlx::query("DELETE FROM procedures WHERE tenant_id = $1 AND code = $2")
            .bind(tenant)
            .bind(code)
            .execute(&self.writer)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("procedure {code}")));
        }
        Ok(())
    }

    async fn calendar(&self, tenant: &str) -> Result<Option<CalendarConfig>> {
        let row = sqlx::query("SELECT config FROM calendars WHERE tenant_id = $1")
            .bind(tenant)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| get_json(&row, "config")).transpose()
    }

    async fn put_calendar(&self, tenant: &str, calendar: &CalendarConfig) -> Result<()> {
        sqlx::query(
            "INSERT INTO calendars (tenant_id, config, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (tenant_id) DO UPDATE SET config = excluded.config, \
             updated_at = excluded.updated_at",
        )
        .bind(tenant)
        .bind(to_json(calendar)?)
        .bind(time_text(now()))
        .execute(&self.writer)
        .await?;
        Ok(())
    }
}
