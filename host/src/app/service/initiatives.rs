//! Dossier events delivered to the tenant's reform initiatives, and their
//! actions folded into the same commit.
//!
//! Initiatives fail open: a failing initiative never blocks a dossier. Its
//! failure is noted on the event (the audit trail) and queued in the outbox
//! as `initiative.retry` with the event, to be delivered again.

use motcua_domain::dossier::DossierView;
use motcua_domain::initiative::{DossierEvent, EventKind as InitiativeEvent, PriorityLevel};
use motcua_domain::lifecycle::EventKind;

use super::{DossierService, add_note};
use crate::app::ports::{DossierChange, NewDocument, NewNotification, NewOutboxEntry, new_id};

/// The initiative-facing kind of a lifecycle event; internal steps (review,
/// forwarding, signature) are not announced.
fn announced(kind: &EventKind) -> Option<InitiativeEvent> {
    Some(match kind {
        EventKind::Submitted => InitiativeEvent::Submitted,
        EventKind::Received { .. } => InitiativeEvent::Received,
        EventKind::RefusedAtIntake { .. } => InitiativeEvent::RefusedAtIntake,
        EventKind::Assigned { .. } => InitiativeEvent::Assigned,
        EventKind::SupplementationRequested { .. } => InitiativeEvent::SupplementationRequested,
        EventKind::Supplemented { .. } => InitiativeEvent::Supplemented,
        EventKind::FinancialObligationRequested { .. } => {
            InitiativeEvent::FinancialObligationRequested
        }
        EventKind::Extended { .. } => InitiativeEvent::Extended,
        EventKind::Approved => InitiativeEvent::Processed,
        EventKind::Refused { .. } => InitiativeEvent::Refused,
        EventKind::Stopped { .. } => InitiativeEvent::Stopped,
        EventKind::Withdrawn { .. } => InitiativeEvent::Withdrawn,
        EventKind::ResultReturned => InitiativeEvent::ResultReturned,
        EventKind::ReviewStarted
        | EventKind::Forwarded { .. }
        | EventKind::SentForSignature
        | EventKind::ObligationMet => {
            return None;
        }
    })
}

impl DossierService {
    /// Run the initiatives on every announced event of `change` and add their
    /// documents, priority and notifications to it.
    pub(crate) async fn apply_initiatives(
        &self,
        tenant: &str,
        view: &DossierView,
        change: &mut DossierChange,
    ) {
        for index in 0..change.events.len() {
            let event = &change.events[index];
            let Some(kind) = announced(&event.kind) else {
                continue;
            };
            let announced = DossierEvent {
                kind,
                status: event.national_status,
                at: event.at,
                dossier: view.clone(),
                note: event.note.clone(),
            };
            for outcome in self.plugins.on_event(tenant, &announced).await {
                match outcome.result {
                    Ok(actions) => {
                        for document in actions.documents {
                            change.documents.push(NewDocument {
                                id: new_id(),
                                kind: document.kind,
                                title: document.title,
                                media_type: document.media_type,
                                content: document.content,
                                source_plugin: Some(outcome.plugin.clone()),
                            });
                        }
                        if let Some(priority) = actions.priority
                            && priority.level >= PriorityLevel::Priority
                        {
                            change.priority = Some(true);
                            add_note(
                                &mut change.events[index],
                                format!("priority set by {}: {}", outcome.plugin, priority.reason),
                            );
                        }
                        for message in actions.messages {
                            let recipient = match message.channel.as_str() {
                                "sms" => view.applicant.phone.clone(),
                                "email" => view.applicant.email.clone(),
                                _ => Some(view.applicant.id.clone()),
                            };
                            if let Some(recipient) = recipient {
                                change.notifications.push(NewNotification {
                                    channel: message.channel,
                                    recipient,
                                    subject: message.subject,
                                    body: message.body,
                                });
                            }
                        }
                    }
                    Err(failure) => {
                        tracing::warn!(%failure, "initiative failed; the dossier goes on and the event is queued for retry");
                        add_note(
                            &mut change.events[index],
                            format!(
                                "initiative {} failed ({}); queued for retry",
                                failure.plugin, failure.outcome
                            ),
                        );
                        change.outbox.push(NewOutboxEntry {
                            kind: "initiative.retry".into(),
                            payload: serde_json::json!({ "plugin": outcome.plugin, "event": announced }),
                            occurred_at: announced.at,
                            event_index: Some(index),
                        });
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_steps_are_not_announced_to_initiatives() {
        assert_eq!(announced(&EventKind::ReviewStarted), None);
        assert_eq!(announced(&EventKind::SentForSignature), None);
        assert_eq!(
            announced(&EventKind::Approved),
            Some(InitiativeEvent::Processed)
        );
        assert_eq!(
            announced(&EventKind::ResultReturned),
            Some(InitiativeEvent::ResultReturned)
        );
    }
}
