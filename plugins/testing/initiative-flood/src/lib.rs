//! Test fixture (not a real plugin): an initiative whose actions cost the
//! host (messages to send, documents to render and store) or whose answer
//! keeps a citizen's submission waiting, chosen by the dossier's procedure.

use motcua_sdk::initiative::{
    Action, DocumentRequest, DossierEvent, EventKind, Notification, NotificationChannel,
};
use motcua_sdk::{Initiative, Localized, PluginError};

/// The initiative flood.
pub struct InitiativeFlood;

fn sms() -> Action {
    Action::NotifyApplicant(Notification {
        channel: NotificationChannel::Sms,
        subject: Localized::new("Thông báo", "Notice"),
        body: Localized::new("Hồ sơ của Ông/Bà đã được tiếp nhận.", "Received."),
    })
}

fn document(template: &str, media_type: &str) -> Action {
    Action::GenerateDocument(DocumentRequest {
        template: template.into(),
        kind: "letter".into(),
        title: Localized::new("Thư", "Letter"),
        values: vec![],
        media_type: media_type.into(),
    })
}

impl Initiative for InitiativeFlood {
    fn subscriptions() -> Vec<EventKind> {
        vec![EventKind::Submitted, EventKind::Received]
    }

    fn on_event(event: &DossierEvent) -> Result<Vec<Action>, PluginError> {
        Ok(match event.dossier.procedure_code.as_str() {
            "many-actions" => (0..2_000).map(|_| sms()).collect(),
            "huge-document" => vec![document("huge.txt", "text/plain")],
            "endless-document" => vec![document("endless.txt", "text/plain")],
            "html-document" => vec![document("letter.txt", "text/html")],
            "sleep" => {
                std::thread::sleep(std::time::Duration::from_secs(3600));
                vec![sms()]
            }
            _ => vec![sms()],
        })
    }
}

motcua_sdk::export_initiative!(InitiativeFlood);
