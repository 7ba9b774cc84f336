//! The letters, in Vietnamese: one template per notice, built into the host
//! (`templates/`), rendered with minijinja. The first line of a rendered
//! template is the subject, the rest the body.

use std::sync::OnceLock;

use minijinja::{Environment, context};
use motcua_domain::lifecycle::EventKind;
use motcua_domain::message::{Notice, Outcome};
use motcua_domain::time::LocalDateTime;

use super::Mail;
use crate::app::ports::StoredEvent;

/// What a letter is about, beside its notice.
pub struct Letter<'a> {
    pub tenant_name: &'a str,
    pub dossier_code: &'a str,
    pub procedure_name: &'a str,
    pub applicant_name: &'a str,
    /// The dossier's history, for what the notice refers to (the reason of
    /// a refusal).
    pub events: &'a [StoredEvent],
}

const TEMPLATES: [(&str, &str); 4] = [
    ("received", include_str!("templates/received.txt")),
    (
        "supplementation_requested",
        include_str!("templates/supplementation_requested.txt"),
    ),
    ("extended", include_str!("templates/extended.txt")),
    (
        "result_returned",
        include_str!("templates/result_returned.txt"),
    ),
];

/// The built-in templates, parsed once for every letter the host sends.
fn templates() -> Result<&'static Environment<'static>, minijinja::Error> {
    static TEMPLATES_PARSED: OnceLock<Result<Environment<'static>, minijinja::Error>> =
        OnceLock::new();
    TEMPLATES_PARSED
        .get_or_init(|| {
            let mut env = Environment::new();
            for (name, source) in TEMPLATES {
                env.add_template(name, source)?;
            }
            Ok(env)
        })
        .as_ref()
        .map_err(|error| minijinja::Error::new(error.kind(), error.to_string()))
}

/// `09:00 ngày 01/12/2026`.
fn vietnamese_time(at: LocalDateTime) -> String {
    format!(
        "{:02}:{:02} ngày {:02}/{:02}/{}",
        at.hour(),
        at.minute(),
        at.day(),
        u8::from(at.month()),
        at.year()
    )
}

/// The letter for `notice` to `to`; `message_id` identifies it across
/// attempts.
pub fn compose(
    notice: &Notice,
    letter: &Letter<'_>,
    to: &str,
    message_id: String,
) -> Result<Mail, minijinja::Error> {
    let (name, details) = match notice {
        Notice::Received { appointment } => (
            "received",
            context! { appointment => vietnamese_time(*appointment) },
        ),
        Notice::SupplementationRequested { reason } => {
            ("supplementation_requested", context! { reason })
        }
        Notice::Extended {
            appointment,
            reason,
        } => (
            "extended",
            context! { appointment => vietnamese_time(*appointment), reason },
        ),
        Notice::ResultReturned { outcome } => {
            let refusal = letter
                .events
                .iter()
                .rev()
                .find_map(|e| match &e.event.kind {
                    EventKind::Refused { reason } => Some(reason.clone()),
                    _ => None,
                });
            (
                "result_returned",
                context! { approved => *outcome == Outcome::Approved, refusal },
            )
        }
    };
    let text = templates()?.get_template(name)?.render(context! {
        tenant => letter.tenant_name,
        code => letter.dossier_code,
        procedure => letter.procedure_name,
        applicant => letter.applicant_name,
        ..details
    })?;
    let (subject, body) = text.split_once('\n').unwrap_or((text.as_str(), ""));
    Ok(Mail {
        to: to.to_owned(),
        subject: subject.trim().to_owned(),
        body: body.trim_start_matches('\n').to_owned(),
        message_id,
    })
}
