//! A tenant's procedures and working calendar.

use async_trait::async_trait;
use motcua_domain::calendar::CalendarConfig;
use motcua_domain::catalog::Procedure;

use super::StoreResult;

// --- catalog and calendar -------------------------------------------------

/// Procedures and the working calendar of each tenant.
#[async_trait]
pub trait CatalogStore: Send + Sync {
    /// Creates or replaces the procedure `procedure.code`.
    async fn put_procedure(&self, tenant: &str, procedure: &Procedure) -> StoreResult<()>;
    async fn procedure(&self, tenant: &str, code: &str) -> StoreResult<Option<Procedure>>;
    /// Ordered by code.
    async fn procedures(&self, tenant: &str) -> StoreResult<Vec<Procedure>>;
    /// NotFound if absent. Dossiers keep their procedure code.
    async fn delete_procedure(&self, tenant: &str, code: &str) -> StoreResult<()>;
    /// Creates or replaces every procedure of `put` and deletes those of
    /// `delete` (absent ones are skipped), in one transaction: all or
    /// nothing.
    async fn apply_catalog(
        &self,
        tenant: &str,
        put: &[Procedure],
        delete: &[String],
    ) -> StoreResult<()>;

    /// The tenant's calendar (all published years inside), if set.
    async fn calendar(&self, tenant: &str) -> StoreResult<Option<CalendarConfig>>;
    async fn put_calendar(&self, tenant: &str, calendar: &CalendarConfig) -> StoreResult<()>;
}
