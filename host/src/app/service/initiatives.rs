//! Dossier events delivered to the tenant's reform initiatives, and their
//! actions folded into the same commit.
//!
//! Initiatives fail open: a failing initiative never blocks a dossier. Its
//! failure is noted on the event (the audit trail) and queued in the outbox
//! as `initiative.retry` with the event; the outbox dispatcher runs it again
//! (`retry_initiative`) and applies its actions in a follow-up commit.

use motcua_domain::dossier::DossierView;
use motcua_domain::initiative::{DossierEvent, EventKind as InitiativeEvent, PriorityLevel};
use motcua_domain::lifecycle::EventKind;

use super::{CONFLICT_RETRIES, DossierService, add_note, dossier_code};
use crate::app::error::AppError;
use crate::app::hooks::InitiativeActions;
use crate::app::ports::{
    DossierChange, NewDocument, NewNotification, NewOutboxEntry, StoreError, new_id,
};
use crate::app::sync::INITIATIVE_RETRY;

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
                // What the applicant is to be told: the reason given for
                // the step (what to supplement, why it is extended), else
                // the event's note.
                note: event
                    .kind
                    .reason()
                    .map(str::to_owned)
                    .or_else(|| event.note.clone()),
            };
            for outcome in self.plugins.on_event(tenant, &announced).await {
                match outcome.result {
                    Ok(actions) => fold(view, &outcome.plugin, actions, index, change),
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
                            kind: INITIATIVE_RETRY.into(),
                            payload: serde_json::json!({ "plugin": outcome.plugin, "event": announced }),
                            occurred_at: announced.at,
                            event_index: Some(index),
                        });
                    }
                }
            }
        }
    }

    /// Run the initiative `plugin` (`id@version`) that failed on `event`
    /// again and commit what it asks for now (documents, priority,
    /// notifications) in a change of its own. A plugin no longer deployed
    /// or no longer subscribed has nothing left to do.
    pub async fn retry_initiative(
        &self,
        tenant: &str,
        code: &str,
        plugin: &str,
        event: &DossierEvent,
    ) -> Result<(), AppError> {
        let id = plugin.split('@').next().unwrap_or(plugin);
        let outcome = self
            .plugins
            .on_event(tenant, event)
            .await
            .into_iter()
            .find(|outcome| outcome.plugin.split('@').next() == Some(id));
        let Some(outcome) = outcome else {
            tracing::info!(
                plugin,
                "initiative no longer answers this event; retry dropped"
            );
            return Ok(());
        };
        let actions = outcome.result.map_err(AppError::PluginUnavailable)?;
        let code = dossier_code(code)?;
        let mut last_conflict = None;
        for _ in 0..CONFLICT_RETRIES {
            let dossier = self.stored(tenant, &code).await?;
            let mut change = DossierChange::update(
                dossier.code.clone(),
                dossier.version,
                dossier.state.clone(),
                Vec::new(),
            );
            fold(
                &dossier.view(),
                &outcome.plugin,
                actions.clone(),
                usize::MAX,
                &mut change,
            );
            match self.dossiers.commit(tenant, change).await {
                Ok(_) => {
                    tracing::info!(plugin = %outcome.plugin, dossier = %code, "initiative retried and applied");
                    return Ok(());
                }
                Err(StoreError::Conflict { expected, actual }) => {
                    last_conflict = Some(format!("version {expected} became {actual}"));
                }
                Err(other) => return Err(other.into()),
            }
        }
        Err(AppError::Conflict(format!(
            "dossier {code} kept changing while a retried initiative was applied ({})",
            last_conflict.unwrap_or_default()
        )))
    }
}

/// Add one initiative's actions to `change`; a priority it sets is noted on
/// event `index` when the change has it.
fn fold(
    view: &DossierView,
    plugin: &str,
    actions: InitiativeActions,
    index: usize,
    change: &mut DossierChange,
) {
    for document in actions.documents {
        change.documents.push(NewDocument {
            id: new_id(),
            kind: document.kind,
            title: document.title,
            media_type: document.media_type,
            content: document.content,
            source_plugin: Some(plugin.to_owned()),
        });
    }
    if let Some(priority) = actions.priority
        && priority.level >= PriorityLevel::Priority
    {
        change.priority = Some(true);
        if let Some(event) = change.events.get_mut(index) {
            add_note(
                event,
                format!("priority set by {plugin}: {}", priority.reason),
            );
        }
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
