//! Reading dossiers, their audit trail and documents: each through the
//! access rule (a dossier the caller may not see is not found).

use motcua_domain::access::{Operation, Scope};
use motcua_domain::tenancy::User;

use super::{DossierDetails, DossierService};
use crate::app::error::AppError;
use crate::app::ports::{
    AuditReport, AuditScope, DossierFilter, Page, PageRequest, StoredDocument, StoredDossier,
    StoredEvent,
};

impl DossierService {
    pub async fn dossier(
        &self,
        user: &User,
        tenant: &str,
        code: &str,
    ) -> Result<DossierDetails, AppError> {
        let (_, stored) = self
            .dossier_for(user, tenant, code, Operation::Read)
            .await?;
        self.details(tenant, stored).await
    }

    /// The dossiers the caller may see, filtered by the store's query.
    pub async fn dossiers(
        &self,
        user: &User,
        tenant: &str,
        filter: &DossierFilter,
        page: &PageRequest,
    ) -> Result<Page<StoredDossier>, AppError> {
        let scope = self.access.scope(user, tenant).await?;
        Ok(self.dossiers.dossiers(tenant, &scope, filter, page).await?)
    }

    /// The audit trail: every event with its hash chain.
    pub async fn events(
        &self,
        user: &User,
        tenant: &str,
        code: &str,
    ) -> Result<Vec<StoredEvent>, AppError> {
        let (_, stored) = self
            .dossier_for(user, tenant, code, Operation::Read)
            .await?;
        Ok(self.dossiers.events(tenant, &stored.code).await?)
    }

    /// One dossier's chain for whoever may see it; every chain of the
    /// tenant only for those who see every dossier (admins, leaders).
    pub async fn verify_audit(
        &self,
        user: &User,
        tenant: &str,
        code: Option<&str>,
    ) -> Result<AuditReport, AppError> {
        let scope = match code {
            Some(code) => {
                let (_, stored) = self
                    .dossier_for(user, tenant, code, Operation::Read)
                    .await?;
                AuditScope::Dossier(stored.code)
            }
            None => {
                if self.access.scope(user, tenant).await? != Scope::All {
                    return Err(AppError::Forbidden(format!(
                        "only those who see every dossier verify every chain; a {} names one with `dossier`",
                        user.role
                    )));
                }
                AuditScope::AllDossiers
            }
        };
        Ok(self.dossiers.verify_audit(tenant, &scope).await?)
    }

    pub async fn documents(
        &self,
        user: &User,
        tenant: &str,
        code: &str,
    ) -> Result<Vec<StoredDocument>, AppError> {
        let (_, stored) = self
            .dossier_for(user, tenant, code, Operation::Read)
            .await?;
        Ok(self.dossiers.documents(tenant, &stored.code).await?)
    }

    /// A document's metadata and bytes, if it belongs to the dossier.
    pub async fn document(
        &self,
        user: &User,
        tenant: &str,
        code: &str,
        document_id: &str,
    ) -> Result<(StoredDocument, Vec<u8>), AppError> {
        let document = self
            .documents(user, tenant, code)
            .await?
            .into_iter()
            .find(|d| d.id == document_id)
            .ok_or_else(|| AppError::NotFound(format!("document {document_id}")))?;
        let bytes = self
            .dossiers
            .blob(tenant, &document.digest)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("content of document {document_id}")))?;
        Ok((document, bytes))
    }
}
