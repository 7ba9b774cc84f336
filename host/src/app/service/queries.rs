//! Reading dossiers, their audit trail and documents.

use motcua_domain::tenancy::User;

use super::submit::ensure_tenant;
use super::{DossierDetails, DossierService, dossier_code};
use crate::app::error::AppError;
use crate::app::ports::{
    AuditReport, AuditScope, DossierFilter, Page, PageRequest, StoreError, StoredDocument,
    StoredDossier, StoredEvent,
};

impl DossierService {
    pub async fn dossier(
        &self,
        user: &User,
        tenant: &str,
        code: &str,
    ) -> Result<DossierDetails, AppError> {
        ensure_tenant(user, tenant)?;
        let stored = self.stored(tenant, &dossier_code(code)?).await?;
        self.details(tenant, stored).await
    }

    pub async fn dossiers(
        &self,
        user: &User,
        tenant: &str,
        filter: &DossierFilter,
        page: &PageRequest,
    ) -> Result<Page<StoredDossier>, AppError> {
        ensure_tenant(user, tenant)?;
        // The store refuses a cursor it did not issue: the caller's input.
        self.dossiers
            .dossiers(tenant, filter, page)
            .await
            .map_err(|error| match error {
                StoreError::Invalid(message) if page.after.is_some() => {
                    AppError::invalid("after", message)
                }
                other => other.into(),
            })
    }

    /// The audit trail: every event with its hash chain.
    pub async fn events(
        &self,
        user: &User,
        tenant: &str,
        code: &str,
    ) -> Result<Vec<StoredEvent>, AppError> {
        ensure_tenant(user, tenant)?;
        Ok(self.dossiers.events(tenant, &dossier_code(code)?).await?)
    }

    pub async fn verify_audit(
        &self,
        user: &User,
        tenant: &str,
        code: Option<&str>,
    ) -> Result<AuditReport, AppError> {
        ensure_tenant(user, tenant)?;
        let scope = match code {
            Some(code) => AuditScope::Dossier(dossier_code(code)?),
            None => AuditScope::AllDossiers,
        };
        Ok(self.dossiers.verify_audit(tenant, &scope).await?)
    }

    pub async fn documents(
        &self,
        user: &User,
        tenant: &str,
        code: &str,
    ) -> Result<Vec<StoredDocument>, AppError> {
        ensure_tenant(user, tenant)?;
        Ok(self
            .dossiers
            .documents(tenant, &dossier_code(code)?)
            .await?)
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
