//! Data reuse at intake: ask the procedure's form plugin to prefill from the
//! registry (the tenant's population connector) so nobody re-types what the
//! National Population Database already knows. Reuse never blocks intake:
//! when the registry or the plugin fails, the dossier goes on without it
//! and the reason is noted.

use motcua_domain::catalog::Procedure;
use motcua_domain::dossier::{Applicant, ApplicantKind, FormEntry};
use motcua_domain::form::PrefillValue;
use motcua_domain::reuse::{Reuse, apply_prefill, may_look_up};
use motcua_domain::tenancy::User;
use serde::{Deserialize, Serialize};

use super::DossierService;
use crate::app::access::ensure_tenant;
use crate::app::error::AppError;

/// `POST .../procedures/{code}/prefill`: whose data to look up.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PrefillRequest {
    /// The applicant's 12-digit personal identification number.
    pub personal_id: String,
}

/// What the registry offers for a form, before submitting.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct PrefillAnswer {
    pub procedure_code: String,
    /// Values for the form's fields, each with its source and reuse flag.
    pub values: Vec<PrefillValue>,
    /// The applicant record as prefilled (`full_name`, `birth_date`).
    pub applicant: Applicant,
    /// Why nothing could be prefilled, when that is the case.
    pub note: Option<String>,
}

/// A submission after reuse, and why reuse was skipped if it was.
pub(crate) struct Intake {
    pub reuse: Reuse,
    pub note: Option<String>,
}

pub(crate) fn is_personal_id(id: &str) -> bool {
    id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit())
}

impl DossierService {
    /// Prefill `applicant`'s submission from the registry through the
    /// procedure's form plugin, if `user` may have the registry asked about
    /// the applicant; otherwise, or on any failure, the submission as given
    /// and a note saying why.
    pub(crate) async fn reuse_registry_data(
        &self,
        user: &User,
        tenant: &str,
        procedure: &Procedure,
        applicant: &Applicant,
        form: &[FormEntry],
    ) -> Intake {
        let unchanged = |note: Option<String>| Intake {
            reuse: Reuse {
                applicant: applicant.clone(),
                form: form.to_vec(),
                reused: Vec::new(),
            },
            note,
        };
        let Some(plugin) = &procedure.form_plugin else {
            return unchanged(None);
        };
        if applicant.kind != ApplicantKind::Citizen || !is_personal_id(&applicant.id) {
            return unchanged(None);
        }
        if let Err(why) = may_look_up(user, &applicant.id) {
            return unchanged(Some(format!("no data reused: {why}")));
        }
        let values = match self
            .plugins
            .prefill(tenant, plugin, &procedure.code, applicant)
            .await
        {
            Ok(values) => values,
            Err(failure) => {
                tracing::warn!(%failure, "registry prefill failed; intake goes on without reuse");
                return unchanged(Some(format!(
                    "no data reused: the registry could not be asked ({failure})"
                )));
            }
        };
        if values.is_empty() {
            return unchanged(None);
        }
        // The definition says which form fields mirror the applicant record;
        // without it only the form is prefilled.
        let definition = match self
            .plugins
            .form_definition(tenant, plugin, &procedure.code)
            .await
        {
            Ok(definition) => Some(definition),
            Err(failure) => {
                tracing::warn!(%failure, "form definition unavailable; applicant record not prefilled");
                None
            }
        };
        Intake {
            reuse: apply_prefill(applicant, form, &values, definition.as_ref()),
            note: None,
        }
    }

    /// What the registry offers for `procedure_code`'s form and the citizen
    /// `request.personal_id`, so intake screens can show it before submitting.
    pub async fn prefill(
        &self,
        user: &User,
        tenant: &str,
        procedure_code: &str,
        request: PrefillRequest,
    ) -> Result<PrefillAnswer, AppError> {
        ensure_tenant(user, tenant)?;
        if !is_personal_id(&request.personal_id) {
            return Err(AppError::invalid(
                "personal_id",
                "a citizen's personal identification number has 12 digits",
            ));
        }
        may_look_up(user, &request.personal_id).map_err(AppError::Forbidden)?;
        let procedure = self.procedure(tenant, procedure_code).await?;
        let applicant = Applicant {
            kind: ApplicantKind::Citizen,
            id: request.personal_id,
            full_name: String::new(),
            birth_date: None,
            phone: None,
            email: None,
            groups: Vec::new(),
        };
        let (values, note) = match &procedure.form_plugin {
            None => (
                Vec::new(),
                Some("the procedure has no form plugin to prefill".to_string()),
            ),
            Some(plugin) => match self
                .plugins
                .prefill(tenant, plugin, &procedure.code, &applicant)
                .await
            {
                Ok(values) if values.is_empty() => (
                    values,
                    Some("the registry has no data for this personal ID".to_string()),
                ),
                Ok(values) => (values, None),
                Err(failure) => (
                    Vec::new(),
                    Some(format!("the registry could not be asked ({failure})")),
                ),
            },
        };
        let intake_applicant = if values.is_empty() {
            applicant
        } else {
            let definition = match &procedure.form_plugin {
                Some(plugin) => self
                    .plugins
                    .form_definition(tenant, plugin, &procedure.code)
                    .await
                    .ok(),
                None => None,
            };
            apply_prefill(&applicant, &[], &values, definition.as_ref()).applicant
        };
        Ok(PrefillAnswer {
            procedure_code: procedure.code,
            values,
            applicant: intake_applicant,
            note,
        })
    }
}
