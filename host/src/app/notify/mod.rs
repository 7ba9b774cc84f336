//! Telling the applicant: which steps of processing notify them
//! ([`Notice`]), the e-mail the host writes for each (Vietnamese templates,
//! [`compose`]), and the [`Mailer`] port that sends it.
//!
//! A notice is an outbox entry written in the same transaction as the event
//! ([`notice_entries`]), so the dispatcher delivers it with the outbox's
//! retries and dead letters, and a notice is never sent for a step that did
//! not happen. Only a dossier that holds an e-mail address gets one, and the
//! letter goes to the address the dossier holds when it is sent.

mod compose;
#[cfg(test)]
mod tests;

use async_trait::async_trait;
use motcua_domain::dossier::Applicant;
use motcua_domain::lifecycle::Event;
use motcua_domain::message::{Notice, email_address};

pub use compose::{Letter, compose};

use crate::app::ports::NewOutboxEntry;

/// An e-mail notice to the applicant.
pub const NOTIFICATION_EMAIL: &str = "notification.email";

/// One `notification.email` entry per event that tells the applicant
/// something, when the dossier holds an e-mail address.
pub fn notice_entries(events: &[Event], applicant: &Applicant) -> Vec<NewOutboxEntry> {
    if email_address(applicant).is_none() {
        return Vec::new();
    }
    events
        .iter()
        .enumerate()
        .filter_map(|(index, event)| {
            let notice = Notice::for_event(event)?;
            Some(NewOutboxEntry {
                kind: NOTIFICATION_EMAIL.into(),
                payload: serde_json::to_value(&notice).ok()?,
                occurred_at: event.at,
                event_index: Some(index),
            })
        })
        .collect()
}

/// One e-mail, ready to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    /// Plain text.
    pub body: String,
    /// The same for every attempt of one notice, so a mail system (and the
    /// applicant's) can recognise a repeat.
    pub message_id: String,
}

/// Why a mail was not handed over.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct MailFailure {
    pub message: String,
    /// The relay may take it later (down, busy, a 4xx answer); a 5xx answer
    /// (an address it will never accept) is not retried.
    pub retryable: bool,
}

/// Hands e-mail to the province's mail relay.
#[async_trait]
pub trait Mailer: Send + Sync {
    async fn send(&self, mail: &Mail) -> Result<(), MailFailure>;
}
