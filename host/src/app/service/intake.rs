//! What an applicant sees before submitting: the procedure's form as its
//! form plugin defines it, and the fees the submission would owe.

use motcua_domain::dossier::DossierView;
use motcua_domain::fee::FeeLine;
use motcua_domain::form::FormDefinition;
use motcua_domain::tenancy::User;

use super::{DossierService, SubmitDossier};
use crate::app::access::ensure_tenant;
use crate::app::error::AppError;

impl DossierService {
    /// The form of `procedure_code` from its form plugin; `None` when the
    /// procedure has no form plugin (nothing beyond the applicant).
    pub async fn form(
        &self,
        user: &User,
        tenant: &str,
        procedure_code: &str,
    ) -> Result<Option<FormDefinition>, AppError> {
        ensure_tenant(user, tenant)?;
        let procedure = self.procedure(tenant, procedure_code).await?;
        let Some(plugin) = &procedure.form_plugin else {
            return Ok(None);
        };
        self.plugins
            .form_definition(tenant, plugin, &procedure.code)
            .await
            .map(Some)
            .map_err(AppError::PluginUnavailable)
    }

    /// The fee lines `request` would owe if submitted now, priced as the
    /// submission will be (fee plugin, or the statutory fees).
    pub async fn quote(
        &self,
        user: &User,
        tenant: &str,
        request: &SubmitDossier,
    ) -> Result<Vec<FeeLine>, AppError> {
        ensure_tenant(user, tenant)?;
        let procedure = self.procedure(tenant, &request.procedure_code).await?;
        let terms = procedure.terms(request.channel).ok_or_else(|| {
            AppError::invalid("channel", "the procedure is not offered on this channel")
        })?;
        let view = DossierView {
            tenant: tenant.to_owned(),
            code: None,
            procedure_code: procedure.code.clone(),
            agency_code: request.agency.clone(),
            channel: request.channel,
            applicant: request.applicant.clone(),
            form: request.form.clone(),
            received_at: self.clock.now(),
        };
        let pricing = self.priced(tenant, &procedure, terms, &view).await;
        Ok(pricing
            .lines
            .into_iter()
            .map(|stored| stored.line)
            .collect())
    }
}
