use super::*;
use motcua_sdk::testing;
use motcua_sdk::{Localized, http};
use std::cell::RefCell;
use std::rc::Rc;

fn at(y: u16, mo: u8, d: u8, h: u8, mi: u8, s: u8) -> Datetime {
    Datetime::new(Date::new(y, mo, d), h, mi, s)
}

fn record() -> DossierRecord {
    DossierRecord {
        code: "000.00.01.H22-261123-0007".into(),
        tenant: "vinh-phuc".into(),
        procedure_code: "1.004194".into(),
        procedure_name: "Đăng ký tạm trú".into(),
        agency_code: "000.00.01.H22".into(),
        channel: Channel::Postal,
        applicant: Applicant {
            kind: ApplicantKind::Citizen,
            id: "026195000123".into(),
            full_name: "Trần Thị Bình".into(),
            birth_date: Some(Date::new(1995, 2, 3)),
            phone: Some("0912345678".into()),
            email: None,
            groups: vec!["priority-card".into()],
        },
        status: 10,
        received_at: at(2026, 11, 23, 9, 5, 7),
        appointment_at: Some(at(2026, 11, 26, 17, 0, 0)),
        finished_at: Some(at(2026, 11, 27, 10, 0, 0)),
        returned_at: Some(at(2026, 11, 27, 15, 30, 0)),
        files: vec![DossierFile {
            name: "Tờ khai CT01".into(),
            digitised: true,
            reused: true,
            digest: Some("ab12".into()),
        }],
        fee_lines: vec![FeeLine {
            code: "le-phi-cu-tru".into(),
            label: Localized::new("Lệ phí đăng ký cư trú", "Residence registration charge"),
            kind: FeeKind::Charge,
            base_amount_vnd: 15_000,
            amount_vnd: 7_000,
            collection: Collection::BeforeProcessing,
            reason: Some("Nộp trực tuyến".into()),
        }],
        supplementation_rounds: vec![SupplementationRound {
            requested_at: at(2026, 11, 24, 8, 0, 0),
            returned_at: Some(at(2026, 11, 25, 8, 0, 0)),
            old_appointment_at: at(2026, 11, 26, 17, 0, 0),
            new_appointment_at: Some(at(2026, 11, 27, 17, 0, 0)),
            reason: "Thiếu giấy tờ chỗ ở hợp pháp".into(),
        }],
        results: vec![ResultDocument {
            number: Some("123/XN".into()),
            title: "Xác nhận đăng ký tạm trú".into(),
            issued_at: at(2026, 11, 27, 10, 0, 0),
            digest: None,
        }],
    }
}

fn progress() -> ProgressRecord {
    ProgressRecord {
        dossier_code: "000.00.01.H22-261123-0007".into(),
        event_id: "7f1c".into(),
        status: 5,
        at: at(2026, 11, 24, 8, 0, 0),
        actor: "can-bo-1".into(),
        department: "Công an xã".into(),
        step: "request_supplementation".into(),
        note: Some("Thiếu giấy tờ".into()),
        appointment_at: Some(at(2026, 11, 27, 17, 0, 0)),
    }
}

/// Answers every request with `status`/`body`, recording the requests.
fn responder(status: u16, body: impl Into<Vec<u8>>) -> Rc<RefCell<Vec<http::Request>>> {
    let seen = Rc::new(RefCell::new(Vec::new()));
    let log = seen.clone();
    let body = body.into();
    testing::set_http_responder(move |request| {
        log.borrow_mut().push(request.clone());
        Ok(Response::new(status, body.clone()))
    });
    seen
}

#[test]
fn a_dossier_record_goes_out_whole_with_portal_times_and_codes() {
    testing::set_config([("endpoint", "http://127.0.0.1:18090/")]);
    let seen = responder(201, r#"{"remote_id":"DVCQG-1","message":"created"}"#);
    let receipt = NationalPortalSync::push_dossier(&record()).unwrap();
    assert_eq!(receipt.remote_id.as_deref(), Some("DVCQG-1"));
    assert_eq!(receipt.message.as_deref(), Some("created"));
    let request = seen.borrow()[0].clone();
    assert_eq!(request.method, "PUT");
    assert_eq!(
        request.url,
        "http://127.0.0.1:18090/api/v1/dossiers/000.00.01.H22-261123-0007"
    );
    let body: Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(
        body,
        json!({
            "code": "000.00.01.H22-261123-0007",
            "tenant": "vinh-phuc",
            "procedure_code": "1.004194",
            "procedure_name": "Đăng ký tạm trú",
            "agency_code": "000.00.01.H22",
            "channel": 3,
            "applicant": {
                "kind": "citizen", "id": "026195000123", "full_name": "Trần Thị Bình",
                "birth_date": "19950203", "phone": "0912345678", "email": null,
                "groups": ["priority-card"]
            },
            "status": 10,
            "received_at": "20261123090507",
            "appointment_at": "20261126170000",
            "finished_at": "20261127100000",
            "returned_at": "20261127153000",
            "files": [{"name": "Tờ khai CT01", "digitised": true, "reused": true, "digest": "ab12"}],
            "fee_lines": [{
                "code": "le-phi-cu-tru", "label": "Lệ phí đăng ký cư trú",
                "label_en": "Residence registration charge", "kind": "charge",
                "base_amount_vnd": 15000, "amount_vnd": 7000,
                "collection": "before_processing", "reason": "Nộp trực tuyến"
            }],
            "supplementation_rounds": [{
                "requested_at": "20261124080000", "returned_at": "20261125080000",
                "old_appointment_at": "20261126170000", "new_appointment_at": "20261127170000",
                "reason": "Thiếu giấy tờ chỗ ở hợp pháp"
            }],
            "results": [{
                "number": "123/XN", "title": "Xác nhận đăng ký tạm trú",
                "issued_at": "20261127100000", "digest": null
            }]
        })
    );
}

#[test]
fn a_progress_record_carries_the_event_time_not_the_send_time() {
    let seen = responder(201, r#"{"remote_id":"7f1c","message":"stored"}"#);
    NationalPortalSync::push_progress(&progress()).unwrap();
    let request = seen.borrow()[0].clone();
    assert_eq!(request.method, "POST");
    assert!(
        request
            .url
            .ends_with("/api/v1/dossiers/000.00.01.H22-261123-0007/progress")
    );
    let body: Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(body["at"], "20261124080000");
    assert_eq!(body["event_id"], "7f1c");
    assert_eq!(body["status"], 5);
    assert_eq!(body["appointment_at"], "20261127170000");
    assert_eq!(body["department"], "Công an xã");
    assert_eq!(body["note"], "Thiếu giấy tờ");
}

#[test]
fn the_portal_status_is_read_back_and_an_unknown_dossier_is_none() {
    responder(
        200,
        r#"{"dossier_code":"X","status":9,"received_at":"20261123090507",
            "appointment_at":"20261127170000","finished_at":"20261127100000",
            "on_time":true,"supplementation_rounds":1}"#,
    );
    let status = NationalPortalSync::query_status("X").unwrap().unwrap();
    assert_eq!(status.status, 9);
    assert_eq!(status.received_at, Some(at(2026, 11, 23, 9, 5, 7)));
    assert_eq!(status.appointment_at, Some(at(2026, 11, 27, 17, 0, 0)));
    assert_eq!(status.on_time, Some(true));
    responder(
        404,
        r#"{"code":"not_found","message":"nothing","fields":[]}"#,
    );
    assert_eq!(NationalPortalSync::query_status("X").unwrap(), None);
}

#[test]
fn the_portal_fee_lines_are_read_back_as_they_were_sent() {
    let sent = dossier_json(&record());
    let answer = json!({
        "dossier_code": "X", "status": 2, "received_at": "20261123090507",
        "supplementation_rounds": 0, "fee_lines": sent["fee_lines"],
    });
    responder(200, answer.to_string());
    let status = NationalPortalSync::query_status("X").unwrap().unwrap();
    assert_eq!(status.fee_lines, Some(record().fee_lines));
}

#[test]
fn without_fee_lines_the_portal_cannot_tell_and_an_empty_list_is_no_fees() {
    for (answer, expected) in [
        (r#"{"dossier_code":"X","status":2}"#, None),
        (r#"{"dossier_code":"X","status":2,"fee_lines":null}"#, None),
        (
            r#"{"dossier_code":"X","status":2,"fee_lines":[]}"#,
            Some(Vec::new()),
        ),
    ] {
        responder(200, answer);
        let status = NationalPortalSync::query_status("X").unwrap().unwrap();
        assert_eq!(status.fee_lines, expected, "{answer}");
    }
}

#[test]
fn a_fee_line_without_english_label_or_reason_is_read() {
    responder(
        200,
        r#"{"dossier_code":"X","status":2,"fee_lines":[{"code":"phi-sao","label":"Phí sao",
            "kind":"fee","base_amount_vnd":8000,"amount_vnd":8000,
            "collection":"after_processing","label_en":null}]}"#,
    );
    let lines = NationalPortalSync::query_status("X")
        .unwrap()
        .unwrap()
        .fee_lines
        .unwrap();
    assert_eq!(
        lines,
        vec![FeeLine {
            code: "phi-sao".into(),
            label: Localized::new("Phí sao", ""),
            kind: FeeKind::Fee,
            base_amount_vnd: 8_000,
            amount_vnd: 8_000,
            collection: Collection::AfterProcessing,
            reason: None,
        }]
    );
}

#[test]
fn a_malformed_fee_line_is_other_naming_the_field() {
    let good = r#"{"code":"a","label":"A","kind":"fee","base_amount_vnd":1,"amount_vnd":1,"collection":"not_collected"}"#;
    for (second, field) in [
        (
            r#"{"code":"b","label":"B","kind":"fee","base_amount_vnd":1,"amount_vnd":-5,"collection":"not_collected"}"#,
            "fee_lines[1].amount_vnd",
        ),
        (
            r#"{"code":"b","label":"B","kind":"fee","base_amount_vnd":1.5,"amount_vnd":1,"collection":"not_collected"}"#,
            "fee_lines[1].base_amount_vnd",
        ),
        (
            r#"{"code":"b","label":"B","kind":"tax","base_amount_vnd":1,"amount_vnd":1,"collection":"not_collected"}"#,
            "fee_lines[1].kind",
        ),
        (
            r#"{"code":"b","label":"B","kind":"fee","base_amount_vnd":1,"amount_vnd":1,"collection":"later"}"#,
            "fee_lines[1].collection",
        ),
        (
            r#"{"code":"","label":"B","kind":"fee","base_amount_vnd":1,"amount_vnd":1,"collection":"not_collected"}"#,
            "fee_lines[1].code",
        ),
        (
            r#"{"label":"B","kind":"fee","base_amount_vnd":1,"amount_vnd":1,"collection":"not_collected"}"#,
            "fee_lines[1].code",
        ),
        (
            r#"{"code":"b","label":7,"kind":"fee","base_amount_vnd":1,"amount_vnd":1,"collection":"not_collected"}"#,
            "fee_lines[1].label",
        ),
        (
            r#"{"code":"b","label":"B","kind":"fee","base_amount_vnd":1,"amount_vnd":1,"collection":"not_collected","reason":false}"#,
            "fee_lines[1].reason",
        ),
        (r#""le-phi""#, "fee_lines[1]"),
    ] {
        let answer = format!(r#"{{"dossier_code":"X","status":2,"fee_lines":[{good},{second}]}}"#);
        responder(200, answer);
        let error = NationalPortalSync::query_status("X").unwrap_err();
        assert_eq!(error.code(), "other", "{second}");
        assert!(
            error.message().contains(&format!("{field} ")),
            "{field} in: {}",
            error.message()
        );
    }
    responder(200, r#"{"dossier_code":"X","status":2,"fee_lines":{}}"#);
    let error = NationalPortalSync::query_status("X").unwrap_err();
    assert_eq!(error.code(), "other");
    assert!(error.message().contains("fee_lines "), "{error}");
}

#[test]
fn server_errors_and_throttling_are_unavailable_data_refusals_are_rejected() {
    for status in [500, 502, 503, 408, 429] {
        responder(status, "busy");
        assert_eq!(
            NationalPortalSync::push_progress(&progress())
                .unwrap_err()
                .code(),
            "unavailable",
            "{status}"
        );
    }
    responder(
        400,
        r#"{"code":"invalid","message":"invalid fields: status","fields":[{"field":"status","message":"national status is 1-10"}]}"#,
    );
    let refused = NationalPortalSync::push_dossier(&record()).unwrap_err();
    assert_eq!(refused.code(), "rejected");
    assert!(
        refused
            .message()
            .contains("status: national status is 1-10"),
        "{}",
        refused.message()
    );
    responder(
        401,
        r#"{"code":"unauthorized","message":"token","fields":[]}"#,
    );
    assert_eq!(
        NationalPortalSync::push_dossier(&record())
            .unwrap_err()
            .code(),
        "denied"
    );
}

#[test]
fn connection_failures_stay_unavailable() {
    testing::set_http_responder(|_| Err(PluginError::unavailable("connection reset")));
    assert_eq!(
        NationalPortalSync::query_status("X").unwrap_err().code(),
        "unavailable"
    );
}

#[test]
fn records_the_portal_could_never_take_are_refused_without_a_request() {
    testing::set_http_responder(|_| panic!("no request expected"));
    let mut bad = record();
    bad.status = 0;
    let field = |error: PluginError| error.field_problems()[0].field.clone();
    assert_eq!(
        field(NationalPortalSync::push_dossier(&bad).unwrap_err()),
        "status"
    );
    let mut no_event = progress();
    no_event.event_id = " ".into();
    assert_eq!(
        field(NationalPortalSync::push_progress(&no_event).unwrap_err()),
        "event-id"
    );
    assert_eq!(
        field(NationalPortalSync::query_status("").unwrap_err()),
        "dossier-code"
    );
    let mut no_code = record();
    no_code.code = "".into();
    assert_eq!(
        field(NationalPortalSync::push_dossier(&no_code).unwrap_err()),
        "code"
    );
}

#[test]
fn a_garbled_status_answer_is_other() {
    responder(
        200,
        r#"{"dossier_code":"X","status":9,"received_at":"2026-11-23"}"#,
    );
    assert_eq!(
        NationalPortalSync::query_status("X").unwrap_err().code(),
        "other"
    );
    responder(200, "<html>");
    assert_eq!(
        NationalPortalSync::query_status("X").unwrap_err().code(),
        "other"
    );
    assert_eq!(parse_portal_time("20261131080000"), None, "no 31 November");
    assert_eq!(parse_portal_time("20261130240000"), None);
}

#[test]
fn odd_characters_in_a_code_are_percent_encoded() {
    testing::set_config([("endpoint", "http://p")]);
    assert_eq!(
        dossier_url("A B/1", "/status"),
        "http://p/api/v1/dossiers/A%20B%2F1/status"
    );
}

#[test]
fn only_portal_operations_are_offered() {
    assert_eq!(
        NationalPortalSync::operations(),
        vec![
            Operation::PushDossier,
            Operation::PushProgress,
            Operation::QueryStatus,
            Operation::FetchSubmissions,
            Operation::AcknowledgeSubmission,
        ]
    );
    assert_eq!(
        NationalPortalSync::lookup_person("026195000123")
            .unwrap_err()
            .code(),
        "unsupported"
    );
}
