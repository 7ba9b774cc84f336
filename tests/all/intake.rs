//! Contract 0.3.0's intake, end to end: the national-portal connector pages
//! through the online submissions the portal stand-in holds for a province,
//! with what the citizen submitted and when, and acknowledges each; a
//! connector of an older contract is answered by the host.

use motcua::domain::connector::Operation;
use motcua::domain::dossier::{ApplicantKind, FieldValue};
use motcua::domain::refusal::RefusalKind;
use motcua::domain::{local_date, local_datetime};
use motcua::plugin::CallContext;
use motcua::standin::portal::intake::Submission;
use motcua_tests::load;
use motcua_tests::standin::{self, FaultMode};

use super::portal_sync::portal_and_connector;

/// The national code of Vĩnh Phúc's `n`th online dossier of the day.
fn code(n: u8) -> String {
    format!("000.00.01.H62-261202-{n:04}")
}

fn submission(code: &str, minute: u8) -> Submission {
    let json = serde_json::json!({
        "national_code": code,
        "procedure_code": "1.004194",
        "agency_code": "000.00.01.H62",
        "applicant": {
            "kind": "citizen", "id": "026195000123", "full_name": "Trần Thị Bình",
            "birth_date": "19950203", "phone": "0912345678", "groups": ["priority-card"]
        },
        "form": [
            {"field": "address.line", "value": {"text": "Số 5, phường Liên Bảo"}},
            {"field": "stay.months", "value": {"number": 12}},
            {"field": "stay.from", "value": {"date": "20261210"}},
            {"field": "owner.agrees", "value": {"boolean": true}},
            {"field": "documents", "value": {"choices": ["lease", "id-card"]}}
        ],
        "files": [{"name": "Hợp đồng thuê nhà", "digitised": true, "reused": false, "digest": null}],
        "submitted_at": format!("202612021630{minute:02}")
    });
    serde_json::from_value(json).expect("a valid submission")
}

#[test]
fn online_submissions_arrive_whole_page_by_page_and_an_acknowledged_one_is_not_handed_out_again() {
    let (portal, connector) = portal_and_connector();
    let queues = portal.portal.intake();
    for i in 1..=3u8 {
        queues.submit("vinh-phuc", submission(&code(i), i)).unwrap();
    }
    queues
        .submit("bac-ninh", submission("000.00.01.H22-261202-0001", 0))
        .unwrap();
    let ctx = CallContext::new("vinh-phuc");
    assert!(
        connector
            .operations(&ctx)
            .unwrap()
            .contains(&Operation::FetchSubmissions)
    );

    let first = connector.fetch_submissions(&ctx, None, 2).unwrap();
    let codes: Vec<&str> = first
        .submissions
        .iter()
        .map(|s| s.national_code.as_str())
        .collect();
    assert_eq!(
        codes,
        [code(1), code(2)],
        "oldest first, this province only"
    );
    let cursor = first.next.clone().expect("one more is waiting");
    let second = connector.fetch_submissions(&ctx, Some(&cursor), 2).unwrap();
    assert_eq!(second.submissions.len(), 1);
    assert_eq!(second.next, None, "drained");

    let one = &first.submissions[0];
    assert_eq!(one.procedure_code, "1.004194");
    assert_eq!(one.agency_code, "000.00.01.H62");
    assert_eq!(
        one.submitted_at,
        local_datetime!(2026-12-02 16:30:01),
        "as the portal stamped it"
    );
    assert_eq!(one.applicant.kind, ApplicantKind::Citizen);
    assert_eq!(one.applicant.birth_date, Some(local_date!(1995 - 02 - 03)));
    assert_eq!(one.applicant.groups, ["priority-card"]);
    let values: Vec<(&str, &FieldValue)> = one
        .form
        .iter()
        .map(|e| (e.field.as_str(), &e.value))
        .collect();
    assert_eq!(
        values,
        [
            (
                "address.line",
                &FieldValue::Text("Số 5, phường Liên Bảo".into())
            ),
            ("stay.months", &FieldValue::Number(12.0)),
            ("stay.from", &FieldValue::Date(local_date!(2026 - 12 - 10))),
            ("owner.agrees", &FieldValue::Boolean(true)),
            (
                "documents",
                &FieldValue::Choices(vec!["lease".into(), "id-card".into()])
            ),
        ]
    );
    assert_eq!(one.files[0].name, "Hợp đồng thuê nhà");
    assert!(one.files[0].digitised);

    connector.acknowledge_submission(&ctx, &code(1)).unwrap();
    connector
        .acknowledge_submission(&ctx, &code(1))
        .expect("a repeated acknowledgement is harmless");
    let again = connector.fetch_submissions(&ctx, None, 10).unwrap();
    let codes: Vec<&str> = again
        .submissions
        .iter()
        .map(|s| s.national_code.as_str())
        .collect();
    assert_eq!(codes, [code(2), code(3)]);
    let listed = queues.list("vinh-phuc");
    assert_eq!(listed[0].acknowledged, 2);
    assert_eq!(
        listed[1].fetched, 2,
        "handed out in two fetches, not yet stored"
    );
}

#[test]
fn a_portal_outage_during_intake_is_unavailable_and_an_unknown_code_is_not_found() {
    let (portal, connector) = portal_and_connector();
    let ctx = CallContext::new("vinh-phuc");
    for mode in [FaultMode::Fail, FaultMode::Drop] {
        standin::set_faults(&portal.faults, mode, 0);
        let error = connector.fetch_submissions(&ctx, None, 10).unwrap_err();
        assert_eq!(
            error.refusal().map(|r| r.kind),
            Some(RefusalKind::Unavailable),
            "{mode:?}: {error}"
        );
    }
    standin::set_faults(&portal.faults, FaultMode::Ok, 0);
    let error = connector
        .acknowledge_submission(&ctx, "never-queued")
        .unwrap_err();
    assert_eq!(
        error.refusal().map(|r| r.kind),
        Some(RefusalKind::NotFound),
        "{error}"
    );
}

#[test]
fn a_connector_of_an_older_contract_is_answered_unsupported_by_the_host() {
    let connector = load("contract-0-1-connector");
    let ctx = CallContext::new("test");
    let before = connector.stats();
    let error = connector.fetch_submissions(&ctx, None, 10).unwrap_err();
    let refusal = error.refusal().expect("a refusal");
    assert_eq!(refusal.kind, RefusalKind::Unsupported);
    assert!(refusal.message.contains("0.1.0"), "{refusal}");
    assert_eq!(
        connector.stats().calls,
        before.calls,
        "the plugin was not called"
    );
    assert_eq!(connector.describe(&ctx).unwrap(), Vec::new());
}
