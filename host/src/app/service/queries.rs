//! Reading dossiers, their audit trail and documents.

use motcua_domain::lifecycle::Stage;
use motcua_domain::tenancy::User;
use motcua_domain::time::{PrimitiveDateTime, local_datetime};

use super::submit::ensure_tenant;
use super::{DossierDetails, DossierService, dossier_code};
use crate::app::error::AppError;
use crate::app::ports::{
    AuditReport, AuditScope, DossierFilter, Page, PageRequest, StoredDocument, StoredDossier,
    StoredEvent,
};

/// What anyone holding a dossier code may see: where it is and when the
/// result is due, nothing about the applicant or the form.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Tracking {
    pub code: String,
    pub procedure_code: String,
    pub stage: Option<Stage>,
    pub national_status: Option<u8>,
    #[serde(with = "local_datetime::option")]
    pub submitted_at: Option<PrimitiveDateTime>,
    #[serde(with = "local_datetime::option")]
    pub received_at: Option<PrimitiveDateTime>,
    #[serde(with = "local_datetime::option")]
    pub appointment: Option<PrimitiveDateTime>,
    #[serde(with = "local_datetime::option")]
    pub finished_at: Option<PrimitiveDateTime>,
    #[serde(with = "local_datetime::option")]
    pub returned_at: Option<PrimitiveDateTime>,
}

impl DossierService {
    /// Public tracking by dossier code (no sign-in): status and
    /// appointment only.
    pub async fn track(&self, tenant: &str, code: &str) -> Result<Tracking, AppError> {
        let stored = self.stored(tenant, &dossier_code(code)?).await?;
        let state = &stored.state;
        Ok(Tracking {
            code: stored.code.to_string(),
            procedure_code: stored.procedure_code.clone(),
            stage: state.stage,
            national_status: state.national_status(),
            submitted_at: state.submitted_at,
            received_at: state.received_at,
            appointment: state.appointment,
            finished_at: state.finished_at,
            returned_at: state.returned_at,
        })
    }

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
        Ok(self.dossiers.dossiers(tenant, filter, page).await?)
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
