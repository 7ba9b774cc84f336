//! Submitting a dossier online, or registering one at the counter or by post.

use motcua_domain::access::{Denied, DossierFacts, Operation, Principal};
use motcua_domain::catalog::{ChannelTerms, Procedure};
use motcua_domain::code::AgencyCode;
use motcua_domain::deadline::appointment_date;
use motcua_domain::dossier::{Applicant, ApplicantKind, Channel, DossierView, FormEntry};
use motcua_domain::lifecycle::{Action, Command, CommandKind, DossierState, Event, decide};
use motcua_domain::tenancy::User;
use serde::{Deserialize, Serialize};

use super::decisions::fee_invocation;
use super::{DossierDetails, DossierService, actor, add_note};
use crate::app::error::{AppError, FieldProblem};
use crate::app::hooks::FeeVersion;
use crate::app::ports::{DossierChange, FeeSource, NewDossier, NewInvocation, StoredFeeLine};

/// A new dossier as the applicant (online) or the intake officer (counter,
/// post) hands it in.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitDossier {
    /// National procedure code from the tenant's catalog.
    pub procedure_code: String,
    /// The receiving agency's code.
    pub agency: String,
    pub channel: Channel,
    pub applicant: Applicant,
    #[serde(default)]
    pub form: Vec<FormEntry>,
}

/// The applicant's identifier; the name is checked after reuse may have
/// filled it in ([`check_name`]).
pub(crate) fn check_applicant_id(applicant: &Applicant) -> Vec<FieldProblem> {
    let mut problems = Vec::new();
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    match applicant.kind {
        ApplicantKind::Citizen if !(applicant.id.len() == 12 && digits(&applicant.id)) => problems
            .push(FieldProblem::new(
                "applicant.id",
                "a citizen's personal identification number has 12 digits",
            )),
        ApplicantKind::Business => {
            let bare: String = applicant.id.chars().filter(|c| *c != '-').collect();
            if !((bare.len() == 10 || bare.len() == 13) && digits(&bare)) {
                problems.push(FieldProblem::new(
                    "applicant.id",
                    "a tax code has 10 or 13 digits",
                ));
            }
        }
        _ => {}
    }
    problems
}

/// The access rule on the dossier about to exist: an officer registers
/// only for an agency they belong to (else the `agency` field is wrong for
/// them); a role that may not submit on this channel is refused outright.
fn may_submit(
    principal: &Principal,
    agency: &AgencyCode,
    request: &SubmitDossier,
    problems: &mut Vec<FieldProblem>,
) -> Result<(), AppError> {
    let facts = DossierFacts {
        agency,
        applicant_id: &request.applicant.id,
        submitted_by: Some(&principal.user_id),
    };
    let command = match request.channel {
        Channel::Online => CommandKind::SubmitOnline,
        Channel::Counter | Channel::Postal => CommandKind::Receive,
    };
    match principal.may(&facts, Operation::Command(command)) {
        Ok(()) => Ok(()),
        Err(Denied::NotVisible) => {
            problems.push(FieldProblem::new(
                "agency",
                format!("`{agency}` is not one of the agencies you belong to"),
            ));
            Ok(())
        }
        Err(denied @ Denied::Forbidden { .. }) => Err(AppError::Forbidden(format!(
            "{denied} (channel {:?})",
            request.channel
        ))),
    }
}

pub(crate) fn check_name(applicant: &Applicant) -> Option<FieldProblem> {
    applicant
        .full_name
        .trim()
        .is_empty()
        .then(|| FieldProblem::new("applicant.full_name", "must not be empty"))
}

impl DossierService {
    pub async fn submit(
        &self,
        user: &User,
        tenant: &str,
        request: SubmitDossier,
    ) -> Result<DossierDetails, AppError> {
        let principal = self.access.principal(user, tenant).await?;
        let mut problems = check_applicant_id(&request.applicant);
        let agency = AgencyCode::new(request.agency.clone())
            .map_err(|e| problems.push(FieldProblem::new("agency", e.to_string())))
            .ok();
        if let Some(agency) = &agency {
            may_submit(&principal, agency, &request, &mut problems)?;
        }
        let procedure = match self
            .catalog
            .procedure(tenant, &request.procedure_code)
            .await?
        {
            Some(procedure) => Some(procedure),
            None => {
                problems.push(FieldProblem::new(
                    "procedure_code",
                    format!(
                        "`{}` is not in this tenant's catalog",
                        request.procedure_code
                    ),
                ));
                None
            }
        };
        let terms = procedure.as_ref().and_then(|p| {
            let terms = p.terms(request.channel).cloned();
            if terms.is_none() {
                problems.push(FieldProblem::new(
                    "channel",
                    "the procedure is not offered on this channel",
                ));
            }
            terms
        });
        // Reuse needs a known procedure and a well-formed ID; it fills in
        // what the applicant left out before anything is checked further.
        let intake = match &procedure {
            Some(procedure) if problems.is_empty() => Some(
                self.reuse_registry_data(
                    user,
                    tenant,
                    procedure,
                    &request.applicant,
                    &request.form,
                )
                .await,
            ),
            _ => None,
        };
        let (applicant, form, reused, reuse_note) = match intake {
            Some(intake) => (
                intake.reuse.applicant,
                intake.reuse.form,
                intake.reuse.reused,
                intake.note,
            ),
            None => (request.applicant, request.form, Vec::new(), None),
        };
        problems.extend(check_name(&applicant));
        let (Some(agency), Some(procedure), Some(terms), true) =
            (agency, procedure, terms, problems.is_empty())
        else {
            return Err(AppError::Invalid(problems));
        };

        let now = self.clock.now();
        let action = match request.channel {
            Channel::Online => Action::SubmitOnline,
            channel => {
                let calendar = self.calendar(tenant).await?;
                Action::Receive {
                    channel,
                    appointment: appointment_date(&calendar, now, terms.processing_time)?,
                }
            }
        };
        let state = DossierState::default();
        let mut events = decide(&state, &Command::new(actor(user), now, action))?;
        if let Some(note) = reuse_note {
            add_note(&mut events[0], note);
        }
        let view = DossierView {
            tenant: tenant.to_string(),
            code: None,
            procedure_code: procedure.code.clone(),
            agency_code: agency.to_string(),
            channel: request.channel,
            applicant: applicant.clone(),
            form: form.clone(),
            received_at: now,
        };
        self.validate_form(tenant, &procedure, &view).await?;
        let (fee_lines, decisions) = self
            .price(tenant, &procedure, &terms, &view, &mut events[0])
            .await;

        let new_state = DossierState::replay(&events);
        let mut change = DossierChange::create(
            NewDossier {
                procedure_code: procedure.code.clone(),
                agency,
                channel: request.channel,
                applicant,
                form,
                code_date: now.date(),
                code: None,
            },
            new_state,
            events,
        );
        change.fee_lines = Some(fee_lines);
        change.invocations = decisions;
        change.reused = reused;
        // The code is allocated by the commit: initiatives see `code: None`
        // for the events that create a dossier, as the contract documents.
        self.apply_initiatives(tenant, &view, &mut change).await;
        let applicant = view.applicant.clone();
        let stored = self.commit(tenant, change, &applicant).await?;
        tracing::info!(dossier = %stored.code, procedure = %stored.procedure_code, "dossier created");
        self.details(tenant, stored).await
    }

    /// Form validation fails closed: without a working form plugin nothing
    /// is accepted, and the error names the plugin.
    pub(crate) async fn validate_form(
        &self,
        tenant: &str,
        procedure: &Procedure,
        view: &DossierView,
    ) -> Result<(), AppError> {
        let Some(plugin) = &procedure.form_plugin else {
            return Ok(());
        };
        match self.plugins.validate(tenant, plugin, view).await {
            Ok(errors) if errors.is_empty() => Ok(()),
            Ok(errors) => Err(AppError::FormInvalid(errors)),
            Err(failure) => Err(AppError::PluginUnavailable(failure)),
        }
    }

    /// Fee lines from the procedure's fee plugin (with the record of its
    /// decision, and of a shadow candidate's, to keep with the dossier);
    /// when it fails, the catalog's statutory fees, with the reason noted
    /// on `event`.
    pub(crate) async fn price(
        &self,
        tenant: &str,
        procedure: &Procedure,
        terms: &ChannelTerms,
        view: &DossierView,
        event: &mut Event,
    ) -> (Vec<StoredFeeLine>, Vec<NewInvocation>) {
        let pricing = self.priced(tenant, procedure, terms, view).await;
        if let Some(text) = pricing.failure {
            add_note(event, text);
        }
        let mut decisions: Vec<NewInvocation> = pricing.decision.into_iter().collect();
        if let (Some(plugin), Some(serving)) = (&procedure.fee_plugin, decisions.first()) {
            let serving = serving.clone();
            decisions.extend(self.shadow_run(tenant, plugin, view, &serving).await);
        }
        (pricing.lines, decisions)
    }

    /// Fee lines from the fee plugin, or the statutory ones and, if the
    /// plugin failed, why.
    pub(crate) async fn priced(
        &self,
        tenant: &str,
        procedure: &Procedure,
        terms: &ChannelTerms,
        view: &DossierView,
    ) -> Pricing {
        let statutory = |note: String| {
            terms
                .fallback_fee_lines(&note)
                .into_iter()
                .map(|line| StoredFeeLine {
                    line,
                    source: FeeSource::Fallback { note: note.clone() },
                })
                .collect()
        };
        let Some(plugin) = &procedure.fee_plugin else {
            return Pricing {
                lines: statutory(
                    "statutory fees from the catalog (the procedure has no fee plugin)".into(),
                ),
                failure: None,
                decision: None,
            };
        };
        let version = match &self.versions {
            Some(versions) => versions.fee_version(tenant, plugin, view.received_at).await,
            None => Ok(FeeVersion::Serving),
        };
        let priced = match version {
            Ok(version) => self.plugins.fee_lines(tenant, plugin, &version, view).await,
            Err(failure) => Err(failure),
        };
        match priced {
            Ok(priced) => Pricing {
                decision: Some(fee_invocation(&priced, view, self.clock.now())),
                lines: priced
                    .lines
                    .into_iter()
                    .map(|line| StoredFeeLine {
                        line,
                        source: FeeSource::Plugin {
                            plugin_id: priced.plugin_id.clone(),
                            plugin_version: priced.plugin_version.clone(),
                            artifact_digest: priced.artifact_digest.clone(),
                        },
                    })
                    .collect(),
                failure: None,
            },
            Err(failure) => {
                tracing::warn!(%failure, "fee plugin failed; applying the statutory fees");
                let text = format!("statutory fees applied because {failure}");
                Pricing {
                    lines: statutory(text.clone()),
                    failure: Some(text),
                    decision: None,
                }
            }
        }
    }
}

/// How a dossier was priced.
pub(crate) struct Pricing {
    pub(crate) lines: Vec<StoredFeeLine>,
    /// Why the statutory fees apply, when the fee plugin failed.
    pub(crate) failure: Option<String>,
    /// The fee plugin's decision, to record with the dossier.
    pub(crate) decision: Option<NewInvocation>,
}
