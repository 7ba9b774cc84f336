//! The national portal's view of a dossier, built from what is stored.

use motcua_domain::catalog::Procedure;
use motcua_domain::connector::{
    DossierFile, DossierRecord, ProgressRecord, ResultDocument, SupplementationRecord,
};
use motcua_domain::lifecycle::EventKind;
use motcua_domain::time::LocalDateTime;

use crate::app::ports::{StoredDocument, StoredDossier, StoredEvent, StoredFeeLine};

/// The id of an event on the portal: unique nationally (a dossier code is)
/// and the same on every attempt, so the portal ignores a repeat.
pub fn event_id(dossier_code: &str, seq: u64) -> String {
    format!("{dossier_code}.{seq}")
}

/// The name of an event's step, as in the processing-control slip.
fn step(kind: &EventKind) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|value| value.get("type")?.as_str().map(str::to_owned))
        .unwrap_or_else(|| "event".to_owned())
}

/// One event as a progress record, stamped with when it happened.
pub fn progress_record(dossier: &StoredDossier, event: &StoredEvent) -> ProgressRecord {
    let code = dossier.code.to_string();
    let appointment_at = match &event.event.kind {
        EventKind::Received { appointment, .. }
        | EventKind::Supplemented { appointment, .. }
        | EventKind::Extended { appointment, .. } => Some(*appointment),
        _ => None,
    };
    ProgressRecord {
        event_id: event_id(&code, event.seq),
        dossier_code: code,
        status: event.event.national_status,
        at: event.event.at,
        actor: event.event.actor.id.clone(),
        department: dossier.agency.to_string(),
        step: step(&event.event.kind),
        note: event.event.note.clone(),
        appointment_at,
    }
}

/// Supplementation rounds with the appointment before and after each, read
/// from the events (the state keeps only the pause times).
fn supplementation_rounds(events: &[StoredEvent]) -> Vec<SupplementationRecord> {
    let mut rounds: Vec<SupplementationRecord> = Vec::new();
    let mut appointment: Option<LocalDateTime> = None;
    for stored in events {
        let event = &stored.event;
        match &event.kind {
            EventKind::Received {
                appointment: at, ..
            } => appointment = Some(*at),
            EventKind::Extended {
                appointment: at, ..
            } => appointment = Some(*at),
            EventKind::SupplementationRequested { reason } => {
                if let Some(old) = appointment {
                    rounds.push(SupplementationRecord {
                        requested_at: event.at,
                        returned_at: None,
                        old_appointment_at: old,
                        new_appointment_at: None,
                        reason: reason.clone(),
                    });
                }
            }
            EventKind::Supplemented {
                appointment: new, ..
            } => {
                appointment = Some(*new);
                if let Some(round) = rounds.last_mut() {
                    round.returned_at = Some(event.at);
                    round.new_appointment_at = Some(*new);
                }
            }
            _ => {}
        }
    }
    rounds
}

/// The dossier's full record for the portal's upsert.
pub fn dossier_record(
    dossier: &StoredDossier,
    procedure: Option<&Procedure>,
    events: &[StoredEvent],
    fee_lines: &[StoredFeeLine],
    documents: &[StoredDocument],
) -> DossierRecord {
    let state = &dossier.state;
    let files = documents
        .iter()
        .filter(|doc| doc.kind.starts_with("component:"))
        .map(|doc| DossierFile {
            name: doc.title.clone(),
            digitised: true,
            reused: false,
            digest: Some(doc.digest.clone()),
        })
        .collect();
    let results = documents
        .iter()
        .filter(|doc| doc.kind == "result")
        .map(|doc| ResultDocument {
            number: None,
            title: doc.title.clone(),
            issued_at: doc.created_at,
            digest: Some(doc.digest.clone()),
        })
        .collect();
    DossierRecord {
        code: dossier.code.to_string(),
        tenant: dossier.tenant.clone(),
        procedure_code: dossier.procedure_code.clone(),
        procedure_name: procedure
            .map(|p| p.name.vi.clone())
            .unwrap_or_else(|| dossier.procedure_code.clone()),
        agency_code: dossier.agency.to_string(),
        channel: dossier.channel,
        applicant: dossier.applicant.clone(),
        status: state.national_status().unwrap_or(1),
        received_at: state
            .received_at
            .or(state.submitted_at)
            .unwrap_or(dossier.created_at),
        appointment_at: state.appointment,
        finished_at: state.finished_at,
        returned_at: state.returned_at,
        files,
        fee_lines: fee_lines.iter().map(|f| f.line.clone()).collect(),
        supplementation_rounds: supplementation_rounds(events),
        results,
    }
}
