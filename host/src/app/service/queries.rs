//! Reading dossiers, their audit trail and documents: each through the
//! access rule (a dossier the caller may not see is not found).

use motcua_domain::access::{Operation, Scope};
use motcua_domain::lifecycle::Stage;
use motcua_domain::tenancy::User;
use motcua_domain::time::LocalDateTime;

use super::{DossierDetails, DossierService, dossier_code};
use crate::app::error::AppError;
use crate::app::ports::{
    AuditReport, AuditScope, DossierFilter, Page, PageRequest, StoredDocument, StoredDossier,
    StoredEvent, StoredNotification,
};

/// What anyone holding a dossier code may see: where it is and when the
/// result is due, nothing about the applicant or the form.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Tracking {
    pub code: String,
    pub procedure_code: String,
    pub stage: Option<Stage>,
    pub national_status: Option<u8>,
    pub submitted_at: Option<LocalDateTime>,
    pub received_at: Option<LocalDateTime>,
    pub appointment: Option<LocalDateTime>,
    pub finished_at: Option<LocalDateTime>,
    pub returned_at: Option<LocalDateTime>,
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

    /// The messages initiatives asked to send the dossier's applicant
    /// (SMS, e-mail, portal), oldest first, with their status.
    pub async fn notifications(
        &self,
        user: &User,
        tenant: &str,
        code: &str,
    ) -> Result<Vec<StoredNotification>, AppError> {
        let (_, stored) = self
            .dossier_for(user, tenant, code, Operation::Read)
            .await?;
        Ok(self.dossiers.notifications(tenant, &stored.code).await?)
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
