//! Moving a dossier through its lifecycle.

use motcua_domain::deadline::appointment_date;
use motcua_domain::dossier::FormEntry;
use motcua_domain::lifecycle::{Action, Command, decide};
use motcua_domain::tenancy::User;
use motcua_domain::time::LocalDateTime;
use serde::{Deserialize, Serialize};

use super::{CONFLICT_RETRIES, DossierDetails, DossierService, actor, dossier_code};
use crate::app::access;
use crate::app::error::AppError;
use crate::app::ports::{DossierChange, NewDocument, StoreError, StoredDossier, new_id};
use motcua_domain::access::{Operation, Principal};

/// A result document issued with the decision.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResultUpload {
    pub title: String,
    /// A document type: PDF, an image, plain text, XML or an office format
    /// (`motcua_domain::media::ALLOWED`).
    pub media_type: String,
    /// The document's bytes, base64.
    pub content_base64: String,
}

/// What an officer or applicant asks to happen. Dates the core computes
/// (appointments) are not part of the request.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum TransitionRequest {
    /// Receive an online submission (the appointment is computed).
    Receive,
    RefuseAtIntake {
        reason: String,
    },
    Assign {
        assignee: String,
    },
    StartReview,
    Forward {
        to: String,
    },
    SubmitForSignature,
    RequestSupplementation {
        reason: String,
    },
    /// The applicant supplemented; `form`, if given, replaces the form and is
    /// validated again. The appointment moves by the pause.
    Supplement {
        #[serde(default)]
        form: Option<Vec<FormEntry>>,
    },
    RequestFinancialObligation {
        reason: String,
    },
    ConfirmObligationMet,
    Approve {
        #[serde(default)]
        result: Option<ResultUpload>,
    },
    Refuse {
        reason: String,
    },
    Stop {
        reason: String,
    },
    Withdraw {
        reason: String,
    },
    ReturnResult,
    /// Extend with an apology letter (form 04) to a new appointment.
    Extend {
        appointment: LocalDateTime,
        reason: String,
    },
}

impl DossierService {
    /// Apply `request` to the dossier `code`, retrying on concurrent changes.
    pub async fn transition(
        &self,
        user: &User,
        tenant: &str,
        code: &str,
        request: TransitionRequest,
        note: Option<String>,
    ) -> Result<DossierDetails, AppError> {
        let principal = self.access.principal(user, tenant).await?;
        let code = dossier_code(code)?;
        let mut last_conflict = None;
        for _ in 0..CONFLICT_RETRIES {
            let dossier = self.stored(tenant, &code).await?;
            // Not theirs to see: not found, before anything is computed.
            access::check(&principal, &dossier, Operation::Read)?;
            let change = self
                .change_for(&principal, user, tenant, &dossier, &request, note.clone())
                .await?;
            match self.commit(tenant, change, &dossier.applicant).await {
                Ok(stored) => return self.details(tenant, stored).await,
                Err(StoreError::Conflict { expected, actual }) => {
                    last_conflict = Some(format!("version {expected} became {actual}"));
                }
                Err(other) => return Err(other.into()),
            }
        }
        Err(AppError::Conflict(format!(
            "dossier {code} kept changing while this request was applied ({}); try again",
            last_conflict.unwrap_or_default()
        )))
    }

    async fn change_for(
        &self,
        principal: &Principal,
        user: &User,
        tenant: &str,
        dossier: &StoredDossier,
        request: &TransitionRequest,
        note: Option<String>,
    ) -> Result<DossierChange, AppError> {
        let now = self.clock.now();
        let state = &dossier.state;
        let mut form = None;
        let mut documents = Vec::new();
        let action = match request.clone() {
            TransitionRequest::Receive => {
                let procedure = self.procedure(tenant, &dossier.procedure_code).await?;
                let terms = procedure.terms(dossier.channel).ok_or_else(|| {
                    AppError::invalid(
                        "channel",
                        "the procedure is no longer offered on this channel",
                    )
                })?;
                let calendar = self.calendar(tenant).await?;
                Action::Receive {
                    channel: dossier.channel,
                    appointment: appointment_date(&calendar, now, terms.processing_time)?,
                }
            }
            TransitionRequest::Supplement { form: new_form } => {
                if let Some(entries) = new_form {
                    let procedure = self.procedure(tenant, &dossier.procedure_code).await?;
                    let mut view = dossier.view();
                    view.form = entries.clone();
                    self.validate_form(tenant, &procedure, &view).await?;
                    form = Some(entries);
                }
                let calendar = self.calendar(tenant).await?;
                Action::Supplement {
                    appointment: state.appointment_when_supplemented(&calendar, now)?,
                }
            }
            TransitionRequest::Approve { result } => {
                if let Some(result) = result {
                    use base64::Engine as _;
                    let media_type = motcua_domain::media::check(&result.media_type)
                        .map_err(|message| AppError::invalid("result.media_type", message))?;
                    let content = base64::engine::general_purpose::STANDARD
                        .decode(result.content_base64.as_bytes())
                        .map_err(|e| {
                            AppError::invalid("result.content_base64", format!("not base64: {e}"))
                        })?;
                    documents.push(NewDocument {
                        id: new_id(),
                        kind: "result".into(),
                        title: result.title,
                        media_type,
                        content,
                        source_plugin: None,
                    });
                }
                Action::Approve
            }
            TransitionRequest::RefuseAtIntake { reason } => Action::RefuseAtIntake { reason },
            TransitionRequest::Assign { assignee } => Action::Assign { assignee },
            TransitionRequest::StartReview => Action::StartReview,
            TransitionRequest::Forward { to } => Action::Forward { to },
            TransitionRequest::SubmitForSignature => Action::SubmitForSignature,
            TransitionRequest::RequestSupplementation { reason } => {
                Action::RequestSupplementation { reason }
            }
            TransitionRequest::RequestFinancialObligation { reason } => {
                Action::RequestFinancialObligation { reason }
            }
            TransitionRequest::ConfirmObligationMet => Action::ConfirmObligationMet,
            TransitionRequest::Refuse { reason } => Action::Refuse { reason },
            TransitionRequest::Stop { reason } => Action::Stop { reason },
            TransitionRequest::Withdraw { reason } => Action::Withdraw { reason },
            TransitionRequest::ReturnResult => Action::ReturnResult,
            TransitionRequest::Extend {
                appointment,
                reason,
            } => Action::Extend {
                appointment,
                reason,
            },
        };
        access::check(principal, dossier, Operation::Command(action.kind()))?;
        let mut command = Command::new(actor(user), now, action);
        command.note = note;
        let events = decide(state, &command)?;
        let mut next = state.clone();
        for event in &events {
            next.apply(event);
        }
        let mut view = dossier.view();
        if let Some(entries) = &form {
            view.form = entries.clone();
        }
        let mut change = DossierChange::update(dossier.code.clone(), dossier.version, next, events);
        change.form = form;
        change.documents = documents;
        self.apply_initiatives(tenant, &view, &mut change).await;
        Ok(change)
    }
}
