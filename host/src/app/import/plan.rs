//! One imported record turned into the change that creates its dossier,
//! by the same rules as a dossier processed here: every step is decided by
//! the lifecycle, the appointment at receipt and its moves after
//! supplementation are computed from the step times on the tenant's
//! calendar. Pure: the procedure, calendar and document bytes are given.

use motcua_domain::calendar::WorkingCalendar;
use motcua_domain::catalog::Procedure;
use motcua_domain::code::{AgencyCode, DossierCode};
use motcua_domain::deadline::appointment_date;
use motcua_domain::dossier::Channel;
use motcua_domain::lifecycle::{Action, Actor, Command, DossierState, decide};
use motcua_domain::payment::Payment;

use super::record::{FORMAT, HistoryStep, ImportRecord, ImportedCommand};
use crate::app::error::FieldProblem;
use crate::app::ports::{
    DossierChange, FeeSource, NewDocument, NewDossier, PaymentRecord, PaymentWrite, StoredFeeLine,
    new_id,
};
use crate::app::sync::outbox_entries;

/// What the checks of a record need from the tenant.
pub struct Context<'a> {
    pub procedure: &'a Procedure,
    pub calendar: &'a WorkingCalendar,
    /// Where the records come from, for the audit trail: "legacy-igate
    /// (dossiers-2024.jsonl)".
    pub source: &'a str,
}

/// The code a record keeps, checked before anything else.
pub fn code_of(record: &ImportRecord) -> Result<DossierCode, FieldProblem> {
    if record.format != FORMAT {
        return Err(FieldProblem::new(
            "format",
            format!("this host reads `{FORMAT}`, not `{}`", record.format),
        ));
    }
    record
        .code
        .parse::<DossierCode>()
        .map_err(|error| FieldProblem::new("code", error.to_string()))
}

/// The change that creates the dossier of `record`, with its documents'
/// bytes (in the record's order), or every problem found.
pub fn plan(
    record: &ImportRecord,
    documents: Vec<Vec<u8>>,
    context: &Context<'_>,
) -> Result<DossierChange, Vec<FieldProblem>> {
    let code = code_of(record).map_err(|problem| vec![problem])?;
    let mut problems = Vec::new();
    if record.procedure_code != context.procedure.code {
        problems.push(FieldProblem::new(
            "procedure_code",
            "not the procedure the record was checked against",
        ));
    }
    let Some(terms) = context.procedure.terms(record.channel) else {
        problems.push(FieldProblem::new(
            "channel",
            format!(
                "procedure {} is not offered on channel {:?}",
                record.procedure_code, record.channel
            ),
        ));
        return Err(problems);
    };
    let (state, mut events, synchronised) =
        match replay(&record.history, record.channel, terms, context) {
            Ok(replayed) => replayed,
            Err(problem) => {
                problems.push(problem);
                return Err(problems);
            }
        };
    let payments = payments(record).unwrap_or_else(|problem| {
        problems.push(problem);
        Vec::new()
    });
    let documents = record
        .documents
        .iter()
        .zip(documents)
        .enumerate()
        .filter_map(|(i, (document, content))| {
            match motcua_domain::media::check(&document.media_type) {
                Ok(media_type) => Some(NewDocument {
                    id: new_id(),
                    kind: document.kind.clone(),
                    title: document.title.clone(),
                    media_type,
                    content,
                    source_plugin: None,
                }),
                Err(message) => {
                    problems.push(FieldProblem::new(
                        format!("documents[{i}].media_type"),
                        message,
                    ));
                    None
                }
            }
        })
        .collect();
    if !problems.is_empty() {
        return Err(problems);
    }
    // The audit chain starts by saying where the dossier came from.
    super::super::service::add_note(
        &mut events[0],
        format!("imported from {} as {code}", context.source),
    );
    let outbox = outbox_entries(&events)
        .into_iter()
        .filter(|entry| entry.event_index.is_some_and(|i| !synchronised[i]))
        .collect();
    let fee_lines = record
        .fee_lines
        .iter()
        .map(|fee| StoredFeeLine {
            line: fee.to_fee_line(None),
            source: FeeSource::Imported {
                note: format!("imported from {}", context.source),
            },
        })
        .collect();
    let mut change = DossierChange::create(
        NewDossier {
            procedure_code: record.procedure_code.clone(),
            agency: AgencyCode::clone(code.agency()),
            channel: record.channel,
            applicant: record.applicant.clone(),
            form: record.form.clone(),
            code_date: code.date(),
            code: Some(code),
        },
        state,
        events,
    );
    change.priority = Some(record.priority);
    change.fee_lines = Some(fee_lines);
    change.payments = payments;
    change.reused = record.reused_fields.clone();
    change.documents = documents;
    change.outbox = outbox;
    Ok(change)
}

/// Decides every step in order; the problem names the step.
fn replay(
    history: &[HistoryStep],
    channel: Channel,
    terms: &motcua_domain::catalog::ChannelTerms,
    context: &Context<'_>,
) -> Result<
    (
        DossierState,
        Vec<motcua_domain::lifecycle::Event>,
        Vec<bool>,
    ),
    FieldProblem,
> {
    if history.is_empty() {
        return Err(FieldProblem::new(
            "history",
            "a dossier's history starts with `submit_online` or `receive`",
        ));
    }
    let mut state = DossierState::default();
    let mut events = Vec::with_capacity(history.len());
    let mut synchronised = Vec::with_capacity(history.len());
    for (i, step) in history.iter().enumerate() {
        let at = |problem: String| FieldProblem::new(format!("history[{i}]"), problem);
        let action = action(&state, step, channel, terms, context).map_err(at)?;
        let mut command = Command::new(Actor::new(step.by.clone(), step.role), step.at, action);
        command.note = step.note.clone();
        let decided = decide(&state, &command).map_err(|error| at(error.to_string()))?;
        for event in decided {
            state.apply(&event);
            events.push(event);
            synchronised.push(step.synchronised);
        }
    }
    Ok((state, events, synchronised))
}

/// The lifecycle action of a step, with the dates the rules compute.
fn action(
    state: &DossierState,
    step: &HistoryStep,
    channel: Channel,
    terms: &motcua_domain::catalog::ChannelTerms,
    context: &Context<'_>,
) -> Result<Action, String> {
    let calendar = context.calendar;
    Ok(match step.command.clone() {
        ImportedCommand::SubmitOnline => Action::SubmitOnline,
        ImportedCommand::Receive => Action::Receive {
            channel,
            appointment: appointment_date(calendar, step.at, terms.processing_time)
                .map_err(|error| error.to_string())?,
        },
        ImportedCommand::Supplement => Action::Supplement {
            appointment: state
                .appointment_when_supplemented(calendar, step.at)
                .map_err(|error| error.to_string())?,
        },
        ImportedCommand::RefuseAtIntake { reason } => Action::RefuseAtIntake { reason },
        ImportedCommand::Assign { assignee } => Action::Assign { assignee },
        ImportedCommand::StartReview => Action::StartReview,
        ImportedCommand::Forward { to } => Action::Forward { to },
        ImportedCommand::SubmitForSignature => Action::SubmitForSignature,
        ImportedCommand::RequestSupplementation { reason } => {
            Action::RequestSupplementation { reason }
        }
        ImportedCommand::RequestFinancialObligation { reason } => {
            Action::RequestFinancialObligation { reason }
        }
        ImportedCommand::ConfirmObligationMet => Action::ConfirmObligationMet,
        ImportedCommand::Approve => Action::Approve,
        ImportedCommand::Refuse { reason } => Action::Refuse { reason },
        ImportedCommand::Stop { reason } => Action::Stop { reason },
        ImportedCommand::Withdraw { reason } => Action::Withdraw { reason },
        ImportedCommand::ReturnResult => Action::ReturnResult,
        ImportedCommand::Extend {
            appointment,
            reason,
        } => Action::Extend {
            appointment,
            reason,
        },
    })
}

/// The record's payments as paid (and refunded) payments.
fn payments(record: &ImportRecord) -> Result<Vec<PaymentWrite>, FieldProblem> {
    record
        .payments
        .iter()
        .enumerate()
        .map(|(i, imported)| {
            let problem = |error: motcua_domain::error::DomainError| {
                FieldProblem::new(format!("payments[{i}]"), error.to_string())
            };
            let mut payment = Payment::new(imported.amount_vnd).map_err(problem)?;
            if imported.channel.is_online() {
                payment.start_online(imported.channel).map_err(problem)?;
            }
            payment
                .confirm(imported.channel, imported.amount_vnd)
                .map_err(problem)?;
            if imported.refunded_vnd > 0 {
                payment.refund(imported.refunded_vnd).map_err(problem)?;
            }
            Ok(PaymentWrite::Insert(PaymentRecord {
                id: new_id(),
                payment,
                reference: imported.reference.clone(),
            }))
        })
        .collect()
}
