//! Online dossiers from the National Public Service Portal become dossiers
//! here: status 1 at the time the citizen submitted, under the portal's
//! code. What cannot (see [`Untakeable`]) is handed back with the reason,
//! for the intake queue (`app::intake`).

use motcua_domain::code::{AgencyCode, DossierCode};
use motcua_domain::dossier::{Channel, DossierView};
use motcua_domain::intake::OnlineSubmission;
use motcua_domain::lifecycle::{Action, Actor, Command, DossierState, Role, decide};

use super::submit::{check_applicant_id, check_name};
use super::{DossierService, add_note};
use crate::app::error::AppError;
use crate::app::ports::{DossierChange, NewDossier, StoreError, StoredDossier};

/// What became of a submission.
#[derive(Debug)]
pub enum TakenIn {
    /// A new dossier of the submission's code.
    Created(Box<StoredDossier>),
    /// The dossier already exists: a repeated delivery.
    Repeat,
}

/// Why a submission cannot become a dossier by itself: for an officer to
/// decide, never dropped.
#[derive(Debug, PartialEq, Eq)]
pub struct Untakeable(pub String);

/// How a submission is taken in.
#[derive(Clone, Debug)]
pub enum TakeIn {
    /// Fetched from the portal: the form plugin validates it.
    FromPortal,
    /// An officer takes it from the intake queue and vouches for its form;
    /// the note says who and why it was queued.
    Vouched { note: String },
    /// An officer refuses it from the intake queue (status 3, form 03): the
    /// dossier records the submission, then the refusal.
    Refused { by: Actor, reason: String },
}

impl DossierService {
    /// The dossier of `submission`, created in status 1 at its submission
    /// time with its national code; its form validated by the procedure's
    /// plugin unless an officer vouches for it. `Err(Ok(..))` names why it
    /// cannot be created; `Err(Err(..))` is a failure worth retrying (a
    /// plugin or the database down), after which nothing was stored.
    pub(crate) async fn take_in_submission(
        &self,
        tenant: &str,
        submission: &OnlineSubmission,
        how: TakeIn,
    ) -> Result<TakenIn, Result<Untakeable, AppError>> {
        let untakeable = |reason: String| Err(Ok(Untakeable(reason)));
        let code = match DossierCode::parse(&submission.national_code) {
            Ok(code) => code,
            Err(error) => return untakeable(format!("national code: {error}")),
        };
        if self
            .dossiers
            .dossier(tenant, &code)
            .await
            .map_err(|e| Err(e.into()))?
            .is_some()
        {
            return Ok(TakenIn::Repeat);
        }
        let agency = match AgencyCode::new(submission.agency_code.clone()) {
            Ok(agency) if agency == *code.agency() => agency,
            Ok(agency) => {
                return untakeable(format!(
                    "agency_code: `{agency}` is not the agency of the national code `{code}`"
                ));
            }
            Err(error) => return untakeable(format!("agency_code: {error}")),
        };
        let refusing = matches!(how, TakeIn::Refused { .. });
        // A refusal needs no procedure of the catalog: the portal is told
        // status 3 for whatever the citizen asked for.
        let procedure = self
            .catalog
            .procedure(tenant, &submission.procedure_code)
            .await
            .map_err(|e| Err(e.into()))?;
        let offered = match &procedure {
            None if refusing => None,
            None => {
                return untakeable(format!(
                    "procedure_code: `{}` is not in this tenant's catalog",
                    submission.procedure_code
                ));
            }
            Some(procedure) => match procedure.terms(Channel::Online) {
                Some(terms) => Some((procedure, terms.clone())),
                None if refusing => None,
                None => {
                    return untakeable(format!(
                        "procedure_code: `{}` is not offered online",
                        procedure.code
                    ));
                }
            },
        };
        let mut problems = check_applicant_id(&submission.applicant);
        problems.extend(check_name(&submission.applicant));
        if !problems.is_empty() && !refusing {
            let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
            return untakeable(text.join("; "));
        }

        // The citizen submitted, at the time the portal stamped.
        let submitted = Actor::new(submission.applicant.id.clone(), Role::Citizen);
        let at = submission.submitted_at;
        let mut events = decide(
            &DossierState::default(),
            &Command::new(submitted, at, Action::SubmitOnline),
        )
        .map_err(|e| Err(e.into()))?;
        add_note(
            &mut events[0],
            "submitted at the National Public Service Portal".into(),
        );
        match &how {
            TakeIn::FromPortal => {}
            TakeIn::Vouched { note } => add_note(&mut events[0], note.clone()),
            TakeIn::Refused { by, reason } => {
                let refused = Command::new(
                    by.clone(),
                    self.clock.now(),
                    Action::RefuseAtIntake {
                        reason: reason.clone(),
                    },
                );
                let state = DossierState::replay(&events);
                events.extend(decide(&state, &refused).map_err(|e| Err(e.into()))?);
            }
        }
        let view = DossierView {
            tenant: tenant.to_owned(),
            code: Some(code.to_string()),
            procedure_code: submission.procedure_code.clone(),
            agency_code: agency.to_string(),
            channel: Channel::Online,
            applicant: submission.applicant.clone(),
            form: submission.form.clone(),
            received_at: at,
        };
        let (fee_lines, decisions) = match (&how, offered) {
            // A dossier refused at intake owes nothing.
            (TakeIn::Refused { .. }, _) | (_, None) => (Vec::new(), Vec::new()),
            (how, Some((procedure, terms))) => {
                if matches!(how, TakeIn::FromPortal) {
                    match self.validate_form(tenant, procedure, &view).await {
                        Ok(()) => {}
                        Err(AppError::FormInvalid(errors)) => {
                            let text: Vec<String> = errors
                                .iter()
                                .map(|e| format!("{}: {}", e.field, e.message.vi))
                                .collect();
                            return untakeable(format!("the form: {}", text.join("; ")));
                        }
                        // A plugin that fails the same way for this input
                        // (a trap, malformed output, none deployed) would
                        // hold the submission back for ever: an officer
                        // decides instead.
                        Err(AppError::PluginUnavailable(failure))
                            if !failure.outcome.may_pass_later() =>
                        {
                            return untakeable(format!("the form plugin failed: {failure}"));
                        }
                        Err(other) => return Err(Err(other)),
                    }
                }
                self.price(tenant, procedure, &terms, &view, &mut events[0])
                    .await
            }
        };
        let state = DossierState::replay(&events);
        let mut change = DossierChange::create(
            NewDossier {
                procedure_code: submission.procedure_code.clone(),
                agency,
                channel: Channel::Online,
                applicant: submission.applicant.clone(),
                form: submission.form.clone(),
                code_date: at.date(),
                code: Some(code),
            },
            state,
            events,
        );
        change.fee_lines = Some(fee_lines);
        change.invocations = decisions;
        self.apply_initiatives(tenant, &view, &mut change).await;
        match self.commit(tenant, change, &submission.applicant).await {
            Ok(stored) => {
                tracing::info!(dossier = %stored.code, "online dossier taken in from the portal");
                Ok(TakenIn::Created(Box::new(stored)))
            }
            // Another host took the same delivery in first.
            Err(StoreError::Duplicate { .. }) => Ok(TakenIn::Repeat),
            Err(StoreError::UnknownAgency(agency)) => {
                untakeable(format!("agency_code: the tenant has no agency `{agency}`"))
            }
            Err(other) => Err(Err(other.into())),
        }
    }
}
