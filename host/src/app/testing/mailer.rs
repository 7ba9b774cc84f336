//! A [`Mailer`] that keeps what it is given, and can be told to fail.

use std::sync::Mutex;

use async_trait::async_trait;

use crate::app::notify::{Mail, MailFailure, Mailer};

/// How the next sends end.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RelayState {
    #[default]
    Up,
    /// Down for now: every send fails and may be retried.
    Down,
    /// Refuses every recipient for good (a 5xx answer).
    Refusing,
}

#[derive(Default)]
pub struct RecordingMailer {
    state: Mutex<RelayState>,
    sent: Mutex<Vec<Mail>>,
}

impl RecordingMailer {
    pub fn set(&self, state: RelayState) {
        *self.state.lock().expect("the relay state") = state;
    }

    /// What was handed over, oldest first.
    pub fn sent(&self) -> Vec<Mail> {
        self.sent.lock().expect("the sent mails").clone()
    }
}

#[async_trait]
impl Mailer for RecordingMailer {
    async fn send(&self, mail: &Mail) -> Result<(), MailFailure> {
        let state = *self.state.lock().expect("the relay state");
        match state {
            RelayState::Up => {
                self.sent.lock().expect("the sent mails").push(mail.clone());
                Ok(())
            }
            RelayState::Down => Err(MailFailure {
                message: "421 the relay is down".into(),
                retryable: true,
            }),
            RelayState::Refusing => Err(MailFailure {
                message: "550 no such mailbox".into(),
                retryable: false,
            }),
        }
    }
}
