//! Messages to applicants: rendered by the host, carried by a connector.

use serde::{Deserialize, Serialize};

use crate::dossier::Applicant;
use crate::lifecycle::{Event, EventKind, Stage};
use crate::time::LocalDateTime;

/// How a message reaches the applicant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MessageChannel {
    Email,
    Sms,
    Zalo,
}

/// A message ready to send: the host rendered it and checked the address
/// against what the dossier holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutgoingMessage {
    pub channel: MessageChannel,
    pub to: String,
    pub dossier_code: String,
    pub subject: String,
    pub body: String,
}

/// What the applicant is told after a step of processing (`docs/notifications.md`):
/// the receipt with its appointment, a request to supplement, an extension
/// with its apology, and the result. The other steps are the office's own.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "notice")]
pub enum Notice {
    Received {
        appointment: LocalDateTime,
    },
    SupplementationRequested {
        reason: String,
    },
    /// The appointment moved later; the office apologises (form 04).
    Extended {
        appointment: LocalDateTime,
        reason: String,
    },
    /// The result (or the refusal decision) was handed over.
    ResultReturned {
        outcome: Outcome,
    },
}

/// How the procedure ended for the applicant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Approved,
    Refused,
}

impl Notice {
    /// The notice `event` gives the applicant, if any.
    pub fn for_event(event: &Event) -> Option<Self> {
        match &event.kind {
            EventKind::Received { appointment, .. } => Some(Self::Received {
                appointment: *appointment,
            }),
            EventKind::SupplementationRequested { reason } => {
                Some(Self::SupplementationRequested {
                    reason: reason.clone(),
                })
            }
            EventKind::Extended {
                appointment,
                reason,
                ..
            } => Some(Self::Extended {
                appointment: *appointment,
                reason: reason.clone(),
            }),
            EventKind::ResultReturned => Some(Self::ResultReturned {
                outcome: match event.from {
                    Some(Stage::RefusedDecision) => Outcome::Refused,
                    _ => Outcome::Approved,
                },
            }),
            _ => None,
        }
    }
}

/// The e-mail address a notice may go to: the one the dossier holds, when
/// it looks like one (nothing is sent to an address the dossier does not
/// hold, and a typo at the counter is not a delivery to retry forever).
pub fn email_address(applicant: &Applicant) -> Option<&str> {
    let email = applicant.email.as_deref()?.trim();
    let (local, domain) = email.split_once('@')?;
    let plausible = !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && !domain.contains('@');
    plausible.then_some(email)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dossier::ApplicantKind;
    use crate::lifecycle::{Actor, Role};

    fn event(kind: EventKind, from: Stage) -> Event {
        Event {
            kind,
            at: crate::local_datetime!(2026 - 12 - 01 09:00),
            actor: Actor::new("officer-1", Role::Officer),
            from: Some(from),
            to: Stage::ResultReturned,
            national_status: 10,
            note: None,
        }
    }

    #[test]
    fn a_returned_result_tells_whether_the_procedure_was_granted() {
        let granted = event(EventKind::ResultReturned, Stage::Processed);
        let refused = event(EventKind::ResultReturned, Stage::RefusedDecision);
        assert_eq!(
            Notice::for_event(&granted),
            Some(Notice::ResultReturned {
                outcome: Outcome::Approved
            })
        );
        assert_eq!(
            Notice::for_event(&refused),
            Some(Notice::ResultReturned {
                outcome: Outcome::Refused
            })
        );
    }

    #[test]
    fn steps_inside_the_office_tell_the_applicant_nothing() {
        for kind in [
            EventKind::ReviewStarted,
            EventKind::Approved,
            EventKind::SentForSignature,
        ] {
            assert_eq!(Notice::for_event(&event(kind, Stage::InReview)), None);
        }
    }

    #[test]
    fn only_a_plausible_address_the_dossier_holds_is_written_to() {
        let mut applicant = Applicant {
            kind: ApplicantKind::Citizen,
            id: "026195000123".into(),
            full_name: "Trần Thị Bình".into(),
            birth_date: None,
            phone: None,
            email: None,
            groups: Vec::new(),
        };
        assert_eq!(email_address(&applicant), None);
        for bad in [
            "binh",
            "binh@",
            "@vinhphuc.gov.vn",
            "binh@local",
            "a b@x.vn",
        ] {
            applicant.email = Some(bad.into());
            assert_eq!(email_address(&applicant), None, "{bad}");
        }
        applicant.email = Some(" binh@example.vn ".into());
        assert_eq!(email_address(&applicant), Some("binh@example.vn"));
    }
}
