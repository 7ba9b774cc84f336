//! Reform initiatives of Đà Nẵng city ("chính quyền thân thiện"): letters on
//! civil status results, priority service at intake, an SMS when the result is
//! ready.
//!
//! - `result-returned` of birth / marriage registration: a congratulation
//!   letter; of death registration: a condolence letter (templates under
//!   `data/letters/`, rendered by the host);
//! - `received` for an applicant in group `priority-card`, `elderly`,
//!   `disability` or `person-with-merit`: priority service;
//! - `processed` (result ready): an SMS to the applicant, if they have a phone.
//!
//! Procedure codes come from `[config]` (`procedure_*`), defaulting to the
//! national codes below.

use motcua_sdk::initiative::{
    Action, DocumentRequest, DossierEvent, EventKind, Notification, NotificationChannel, Priority,
    PriorityLevel,
};
use motcua_sdk::{Date, DossierView, Initiative, Localized, PluginError, config};

/// Birth registration (national code).
pub const BIRTH: &str = "1.001193";
/// Marriage registration.
pub const MARRIAGE: &str = "1.000894";
/// Death registration.
pub const DEATH: &str = "1.000656";

/// Groups served with priority at intake, with the reason shown to officers.
const PRIORITY_GROUPS: [(&str, &str); 4] = [
    (
        "priority-card",
        "Ưu tiên: công dân có thẻ ưu tiên (priority card holder)",
    ),
    ("elderly", "Ưu tiên: người cao tuổi (elderly)"),
    (
        "disability",
        "Ưu tiên: người khuyết tật (person with a disability)",
    ),
    (
        "person-with-merit",
        "Ưu tiên: người có công với cách mạng (person with merit)",
    ),
];

/// The Đà Nẵng initiatives.
pub struct DaNangInitiatives;

impl Initiative for DaNangInitiatives {
    fn subscriptions() -> Vec<EventKind> {
        vec![
            EventKind::Received,
            EventKind::Processed,
            EventKind::ResultReturned,
        ]
    }

    fn on_event(event: &DossierEvent) -> Result<Vec<Action>, PluginError> {
        let dossier = &event.dossier;
        let mut actions = Vec::new();
        match event.kind {
            EventKind::Received => {
                if let Some((_, reason)) = PRIORITY_GROUPS
                    .iter()
                    .find(|(g, _)| dossier.applicant.in_group(g))
                {
                    actions.push(Action::SetPriority(Priority {
                        level: PriorityLevel::Priority,
                        reason: format!("{reason} — Sáng kiến cải cách hành chính TP Đà Nẵng"),
                    }));
                }
            }
            EventKind::Processed if has_phone(dossier) => {
                actions.push(result_ready_sms(dossier));
            }
            EventKind::ResultReturned => {
                if let Some(letter) = letter_for(dossier, event.at.date) {
                    actions.push(Action::GenerateDocument(letter));
                }
            }
            _ => {}
        }
        Ok(actions)
    }
}

motcua_sdk::export_initiative!(DaNangInitiatives);

fn has_phone(dossier: &DossierView) -> bool {
    let phone = dossier.applicant.phone.as_deref();
    phone.is_some_and(|p| !p.trim().is_empty())
}

fn code(key: &str, default: &str) -> String {
    config::get_or(key, default)
}

/// `dd/mm/yyyy`, as Vietnamese letters write dates.
fn vn_date(d: Date) -> String {
    format!("{:02}/{:02}/{:04}", d.day, d.month, d.year)
}

fn letter_for(dossier: &DossierView, on: Date) -> Option<DocumentRequest> {
    let procedure = dossier.procedure_code.as_str();
    let sender = config::get_or("sender", "Ủy ban nhân dân thành phố Đà Nẵng");
    let mut values = vec![
        ("sender".to_owned(), sender),
        ("issued_on".to_owned(), vn_date(on)),
        (
            "dossier_code".to_owned(),
            dossier.code.clone().unwrap_or_default(),
        ),
    ];
    let text = |field: &str| dossier.text(field).unwrap_or("").to_owned();
    let date = |field: &str| dossier.date(field).map(vn_date).unwrap_or_default();
    let (template, kind, title) = if procedure == code("procedure_birth_registration", BIRTH) {
        values.push(("child_name".into(), text("child.full-name")));
        values.push(("child_birth_date".into(), date("child.birth-date")));
        (
            "letters/congratulation-birth.txt",
            "congratulation-letter",
            Localized::new("Thư chúc mừng khai sinh", "Congratulations on the birth"),
        )
    } else if procedure == code("procedure_marriage_registration", MARRIAGE) {
        values.push(("spouse_name".into(), text("spouse.full-name")));
        (
            "letters/congratulation-marriage.txt",
            "congratulation-letter",
            Localized::new("Thư chúc mừng kết hôn", "Congratulations on the marriage"),
        )
    } else if procedure == code("procedure_death_registration", DEATH) {
        values.push(("deceased_name".into(), text("deceased.full-name")));
        values.push(("death_date".into(), date("deceased.death-date")));
        (
            "letters/condolence.txt",
            "condolence-letter",
            Localized::new("Thư chia buồn", "Letter of condolence"),
        )
    } else {
        return None;
    };
    Some(DocumentRequest {
        template: template.into(),
        kind: kind.into(),
        title,
        values,
        media_type: "text/plain; charset=utf-8".into(),
    })
}

fn result_ready_sms(dossier: &DossierView) -> Action {
    let code = dossier.code.as_deref().unwrap_or("");
    Action::NotifyApplicant(Notification {
        channel: NotificationChannel::Sms,
        subject: Localized::new("Đã có kết quả hồ sơ", "Your result is ready"),
        body: Localized::new(
            format!(
                "Hồ sơ {code} của Ông/Bà {} đã có kết quả. Mời Ông/Bà đến Bộ phận Một cửa nhận kết quả hoặc chọn nhận qua bưu chính.",
                dossier.applicant.full_name
            ),
            format!(
                "The result of dossier {code} is ready. Collect it at the one-stop counter or ask for postal delivery."
            ),
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use motcua_sdk::{Applicant, ApplicantKind, Channel, Datetime, FieldValue, FormEntry, testing};

    fn event(kind: EventKind, procedure: &str) -> DossierEvent {
        DossierEvent {
            kind,
            status: 10,
            at: Datetime::new(Date::new(2025, 3, 14), 10, 0, 0),
            dossier: DossierView {
                tenant: "da-nang".into(),
                code: Some("000.00.12.H17-250310-0001".into()),
                procedure_code: procedure.into(),
                agency_code: "000.00.12.H17".into(),
                channel: Channel::Counter,
                applicant: Applicant {
                    kind: ApplicantKind::Citizen,
                    id: "048190004567".into(),
                    full_name: "Trần Thị Bình".into(),
                    birth_date: Some(Date::new(1992, 7, 3)),
                    phone: Some("0905123456".into()),
                    email: None,
                    groups: vec![],
                },
                form: vec![
                    FormEntry {
                        field: "child.full-name".into(),
                        value: FieldValue::Text("Lê Minh Khang".into()),
                    },
                    FormEntry {
                        field: "child.birth-date".into(),
                        value: FieldValue::Date(Date::new(2025, 3, 1)),
                    },
                ],
                received_at: Datetime::new(Date::new(2025, 3, 10), 8, 15, 0),
            },
            note: None,
        }
    }

    fn document(actions: &[Action]) -> &DocumentRequest {
        match actions {
            [Action::GenerateDocument(d)] => d,
            other => panic!("expected one document, got {other:?}"),
        }
    }

    #[test]
    fn birth_result_returned_generates_a_congratulation_letter_with_the_child_name() {
        let actions =
            DaNangInitiatives::on_event(&event(EventKind::ResultReturned, BIRTH)).unwrap();
        let doc = document(&actions);
        assert_eq!(doc.template, "letters/congratulation-birth.txt");
        assert_eq!(doc.kind, "congratulation-letter");
        assert!(
            doc.values
                .contains(&("child_name".into(), "Lê Minh Khang".into()))
        );
        assert!(
            doc.values
                .contains(&("child_birth_date".into(), "01/03/2025".into()))
        );
        assert!(
            doc.values
                .contains(&("issued_on".into(), "14/03/2025".into()))
        );
    }

    #[test]
    fn marriage_result_returned_generates_a_congratulation_letter() {
        let actions =
            DaNangInitiatives::on_event(&event(EventKind::ResultReturned, MARRIAGE)).unwrap();
        assert_eq!(
            document(&actions).template,
            "letters/congratulation-marriage.txt"
        );
    }

    #[test]
    fn death_result_returned_generates_a_condolence_letter() {
        let actions =
            DaNangInitiatives::on_event(&event(EventKind::ResultReturned, DEATH)).unwrap();
        let doc = document(&actions);
        assert_eq!(doc.template, "letters/condolence.txt");
        assert_eq!(doc.kind, "condolence-letter");
    }

    #[test]
    fn other_procedures_get_no_letter() {
        let actions =
            DaNangInitiatives::on_event(&event(EventKind::ResultReturned, "1.004194")).unwrap();
        assert!(actions.is_empty());
    }

    #[test]
    fn procedure_codes_come_from_config() {
        testing::set_config([("procedure_death_registration", "2.000123")]);
        let actions =
            DaNangInitiatives::on_event(&event(EventKind::ResultReturned, "2.000123")).unwrap();
        assert_eq!(document(&actions).template, "letters/condolence.txt");
    }

    #[test]
    fn elderly_applicant_is_served_with_priority_at_intake() {
        let mut e = event(EventKind::Received, "1.004194");
        e.dossier.applicant.groups = vec!["elderly".into()];
        let actions = DaNangInitiatives::on_event(&e).unwrap();
        match actions.as_slice() {
            [Action::SetPriority(p)] => {
                assert_eq!(p.level, PriorityLevel::Priority);
                assert!(p.reason.contains("người cao tuổi"));
            }
            other => panic!("expected priority, got {other:?}"),
        }
    }

    #[test]
    fn applicant_without_priority_group_gets_no_action_at_intake() {
        let mut e = event(EventKind::Received, "1.004194");
        e.dossier.applicant.groups = vec!["poor-household".into()];
        assert!(DaNangInitiatives::on_event(&e).unwrap().is_empty());
    }

    #[test]
    fn processed_result_sends_an_sms_when_the_applicant_has_a_phone() {
        let actions = DaNangInitiatives::on_event(&event(EventKind::Processed, BIRTH)).unwrap();
        match actions.as_slice() {
            [Action::NotifyApplicant(n)] => {
                assert_eq!(n.channel, NotificationChannel::Sms);
                assert!(n.body.vi.contains("000.00.12.H17-250310-0001"));
            }
            other => panic!("expected an SMS, got {other:?}"),
        }
        let mut e = event(EventKind::Processed, BIRTH);
        e.dossier.applicant.phone = None;
        assert!(DaNangInitiatives::on_event(&e).unwrap().is_empty());
    }

    #[test]
    fn subscribes_only_to_the_events_it_uses() {
        assert_eq!(
            DaNangInitiatives::subscriptions(),
            vec![
                EventKind::Received,
                EventKind::Processed,
                EventKind::ResultReturned
            ]
        );
    }
}
