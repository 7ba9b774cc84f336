use super::*;
use crate::NationalPortalSync;
use motcua_sdk::http::{self, Response};
use motcua_sdk::{Connector, testing};
use serde_json::json;
use std::cell::RefCell;
use std::rc::Rc;

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

/// One submission with a value of every kind, as the portal sends it.
fn submission(code: &str) -> Value {
    json!({
        "national_code": code,
        "procedure_code": "1.004194",
        "agency_code": "000.00.01.H56",
        "applicant": {
            "kind": "citizen", "id": "026195000123", "full_name": "Trần Thị Bình",
            "birth_date": "19950203", "phone": "0912345678", "email": null,
            "groups": ["priority-card"]
        },
        "form": [
            {"field": "person.full-name", "value": {"text": "Trần Thị Bình"}},
            {"field": "stay.months", "value": {"number": 1.5}},
            {"field": "consent", "value": {"boolean": true}},
            {"field": "stay.from", "value": {"date": "20261201"}},
            {"field": "reasons", "value": {"choices": ["work", "study"]}}
        ],
        "files": [
            {"name": "Tờ khai CT01", "digitised": true, "reused": false, "digest": "ab12"},
            {"name": "Hợp đồng thuê nhà", "digitised": false, "reused": false, "digest": null}
        ],
        "submitted_at": "20261123090507",
        "unknown_key": "ignored"
    })
}

fn page(submissions: Vec<Value>, next: Option<&str>) -> Value {
    json!({"submissions": submissions, "next": next})
}

fn fetch(limit: u32) -> Result<SubmissionBatch, PluginError> {
    NationalPortalSync::fetch_submissions("vinh-phuc", None, limit)
}

#[test]
fn a_page_is_asked_for_with_its_limit_and_cursor_and_read_whole() {
    testing::set_config([("endpoint", "http://127.0.0.1:18090/")]);
    let answer = page(
        vec![submission("G22.1-0001"), submission("G22.1-0002")],
        Some("c-3"),
    );
    let seen = responder(200, answer.to_string());
    let batch = NationalPortalSync::fetch_submissions("vinh phúc", Some("c/1 2&x"), 2).unwrap();
    let request = seen.borrow()[0].clone();
    assert_eq!(request.method, "GET");
    assert_eq!(
        request.url,
        "http://127.0.0.1:18090/api/v1/provinces/vinh%20ph%C3%BAc/submissions?limit=2&after=c%2F1%202%26x"
    );
    assert_eq!(batch.next.as_deref(), Some("c-3"));
    assert_eq!(batch.submissions.len(), 2);
    let first = &batch.submissions[0];
    assert_eq!(first.national_code, "G22.1-0001");
    assert_eq!(first.procedure_code, "1.004194");
    assert_eq!(first.agency_code, "000.00.01.H56");
    assert_eq!(
        first.applicant,
        Applicant {
            kind: ApplicantKind::Citizen,
            id: "026195000123".into(),
            full_name: "Trần Thị Bình".into(),
            birth_date: Some(Date::new(1995, 2, 3)),
            phone: Some("0912345678".into()),
            email: None,
            groups: vec!["priority-card".into()],
        }
    );
    let values: Vec<(&str, &FieldValue)> = first
        .form
        .iter()
        .map(|e| (e.field.as_str(), &e.value))
        .collect();
    assert_eq!(
        values,
        [
            (
                "person.full-name",
                &FieldValue::Text("Trần Thị Bình".into())
            ),
            ("stay.months", &FieldValue::Number(1.5)),
            ("consent", &FieldValue::Boolean(true)),
            ("stay.from", &FieldValue::Date(Date::new(2026, 12, 1))),
            (
                "reasons",
                &FieldValue::Choices(vec!["work".into(), "study".into()])
            ),
        ]
    );
    assert_eq!(
        first.files,
        [
            DossierFile {
                name: "Tờ khai CT01".into(),
                digitised: true,
                reused: false,
                digest: Some("ab12".into()),
            },
            DossierFile {
                name: "Hợp đồng thuê nhà".into(),
                digitised: false,
                reused: false,
                digest: None,
            },
        ]
    );
    assert_eq!(
        first.submitted_at,
        Datetime::new(Date::new(2026, 11, 23), 9, 5, 7)
    );
}

#[test]
fn a_drained_queue_is_an_empty_page_without_next() {
    let seen = responder(200, r#"{"submissions":[],"next":null}"#);
    let batch = fetch(50).unwrap();
    assert!(batch.submissions.is_empty());
    assert_eq!(batch.next, None);
    assert!(seen.borrow()[0].url.ends_with("/submissions?limit=50"));
}

#[test]
fn the_portal_is_asked_for_at_most_a_bounded_page() {
    let seen = responder(200, r#"{"submissions":[],"next":null}"#);
    fetch(u32::MAX).unwrap();
    assert!(
        seen.borrow()[0]
            .url
            .ends_with(&format!("/submissions?limit={MAX_PAGE}"))
    );
}

#[test]
fn calls_the_portal_could_never_answer_are_refused_without_a_request() {
    testing::set_http_responder(|_| panic!("no request expected"));
    let field = |error: PluginError| error.field_problems()[0].field.clone();
    assert_eq!(
        field(NationalPortalSync::fetch_submissions(" ", None, 10).unwrap_err()),
        "tenant"
    );
    assert_eq!(
        field(NationalPortalSync::fetch_submissions("vinh-phuc", None, 0).unwrap_err()),
        "limit"
    );
    assert_eq!(
        field(NationalPortalSync::fetch_submissions("vinh-phuc", Some(""), 10).unwrap_err()),
        "after"
    );
    let long = "c".repeat(MAX_CURSOR + 1);
    assert_eq!(
        field(NationalPortalSync::fetch_submissions("vinh-phuc", Some(&long), 10).unwrap_err()),
        "after"
    );
    assert_eq!(
        field(NationalPortalSync::acknowledge_submission("", "G22.1-0001").unwrap_err()),
        "tenant"
    );
    assert_eq!(
        field(NationalPortalSync::acknowledge_submission("vinh-phuc", "").unwrap_err()),
        "national-code"
    );
}

#[test]
fn fetch_failures_are_mapped_like_the_other_operations() {
    for (status, code) in [
        (500, "unavailable"),
        (503, "unavailable"),
        (408, "unavailable"),
        (429, "unavailable"),
        (401, "denied"),
        (403, "denied"),
        (400, "rejected"),
        (404, "rejected"),
    ] {
        responder(status, r#"{"code":"x","message":"no","fields":[]}"#);
        assert_eq!(fetch(10).unwrap_err().code(), code, "{status}");
    }
    testing::set_http_responder(|_| Err(PluginError::unavailable("connection refused")));
    assert_eq!(fetch(10).unwrap_err().code(), "unavailable");
    testing::set_http_responder(|_| Err(PluginError::denied("egress")));
    assert_eq!(fetch(10).unwrap_err().code(), "denied");
}

/// `mutate` applied to a good page of two submissions gives an `other`
/// refusal whose message names `field`.
fn refused_naming(field: &str, mutate: impl FnOnce(&mut Value)) {
    let mut answer = page(vec![submission("A-1"), submission("A-2")], Some("n"));
    mutate(&mut answer);
    responder(200, answer.to_string());
    let error = fetch(10).unwrap_err();
    assert_eq!(error.code(), "other", "{field}: {error}");
    assert!(
        error.message().contains(field),
        "{field} in: {}",
        error.message()
    );
}

fn set(pointer: &str, value: Value) -> impl FnOnce(&mut Value) {
    let pointer = pointer.to_owned();
    move |answer: &mut Value| *answer.pointer_mut(&pointer).expect(&pointer) = value
}

#[test]
fn a_malformed_page_is_other_naming_the_field() {
    refused_naming("submissions", set("/submissions", json!({})));
    refused_naming("next", set("/next", json!(7)));
    refused_naming("next", set("/next", json!("")));
    refused_naming(
        "submissions[1].national_code",
        set("/submissions/1/national_code", json!("")),
    );
    refused_naming(
        "submissions[1].national_code",
        set("/submissions/1/national_code", json!("A-2\nINFO forged")),
    );
    refused_naming(
        "submissions[1].national_code repeats submissions[0]",
        set("/submissions/1/national_code", json!("A-1")),
    );
    refused_naming(
        "submissions[0].procedure_code",
        set(
            "/submissions/0/procedure_code",
            json!("1".repeat(MAX_CODE + 1)),
        ),
    );
    refused_naming(
        "submissions[0].agency_code",
        set("/submissions/0/agency_code", Value::Null),
    );
    refused_naming(
        "submissions[1].submitted_at",
        set("/submissions/1/submitted_at", json!("20261131090000")),
    );
    refused_naming(
        "submissions[1].submitted_at",
        set("/submissions/1/submitted_at", json!(20261123090507u64)),
    );
    refused_naming(
        "submissions[0].applicant",
        set("/submissions/0/applicant", json!([])),
    );
    refused_naming(
        "submissions[0].applicant.kind",
        set("/submissions/0/applicant/kind", json!("person")),
    );
    refused_naming(
        "submissions[0].applicant.id",
        set("/submissions/0/applicant/id", json!("02619500012")),
    );
    refused_naming(
        "submissions[0].applicant.full_name",
        set("/submissions/0/applicant/full_name", json!(" ")),
    );
    refused_naming(
        "submissions[0].applicant.birth_date",
        set("/submissions/0/applicant/birth_date", json!("1995-02-03")),
    );
    refused_naming(
        "submissions[0].applicant.groups[0]",
        set("/submissions/0/applicant/groups/0", json!(1)),
    );
    refused_naming(
        "submissions[0].form",
        set("/submissions/0/form", json!(null)),
    );
    refused_naming(
        "submissions[0].form[0].field",
        set("/submissions/0/form/0/field", json!("")),
    );
    refused_naming(
        "submissions[0].form[0].value",
        set(
            "/submissions/0/form/0/value",
            json!({"text": "a", "number": 1}),
        ),
    );
    refused_naming(
        "submissions[0].form[0].value",
        set("/submissions/0/form/0/value", json!({"colour": "red"})),
    );
    refused_naming(
        "submissions[0].form[0].value",
        set("/submissions/0/form/0/value", json!("Trần Thị Bình")),
    );
    refused_naming(
        "submissions[0].form[1].value.number",
        set("/submissions/0/form/1/value/number", json!("1.5")),
    );
    refused_naming(
        "submissions[0].form[2].value.boolean",
        set("/submissions/0/form/2/value/boolean", json!("yes")),
    );
    refused_naming(
        "submissions[0].form[3].value.date",
        set("/submissions/0/form/3/value/date", json!("20260230")),
    );
    refused_naming(
        "submissions[0].form[4].value.choices[1]",
        set("/submissions/0/form/4/value/choices/1", json!(2)),
    );
    refused_naming(
        "submissions[0].form[0].value.text",
        set(
            "/submissions/0/form/0/value/text",
            json!("x".repeat(MAX_TEXT_VALUE + 1)),
        ),
    );
    refused_naming(
        "submissions[0].form has 501 entries",
        set(
            "/submissions/0/form",
            json!(vec![
                json!({"field": "a", "value": {"boolean": true}});
                MAX_FORM_ENTRIES + 1
            ]),
        ),
    );
    refused_naming(
        "submissions[1].files[0].digitised",
        set("/submissions/1/files/0/digitised", json!("yes")),
    );
    refused_naming(
        "submissions[1].files[0].reused",
        set("/submissions/1/files/0/reused", Value::Null),
    );
    refused_naming(
        "submissions[1].files[0].digest",
        set("/submissions/1/files/0/digest", json!("not hex")),
    );
    refused_naming(
        "submissions[1].files[1].name",
        set("/submissions/1/files/1/name", json!("")),
    );
}

#[test]
fn an_answer_that_is_not_a_page_is_other() {
    for body in ["<html>", "[]", r#"{"next":null}"#] {
        responder(200, body);
        assert_eq!(fetch(10).unwrap_err().code(), "other", "{body}");
    }
}

#[test]
fn more_submissions_than_asked_for_or_a_cursor_that_does_not_move_are_other() {
    let answer = page(vec![submission("A-1"), submission("A-2")], None);
    responder(200, answer.to_string());
    let error = fetch(1).unwrap_err();
    assert_eq!(error.code(), "other");
    assert!(error.message().contains("more than the 1 asked"), "{error}");

    responder(200, page(vec![], Some("same")).to_string());
    let error = NationalPortalSync::fetch_submissions("vinh-phuc", Some("same"), 10).unwrap_err();
    assert_eq!(error.code(), "other");
    assert!(error.message().contains("next repeats"), "{error}");
}

#[test]
fn optional_applicant_keys_may_be_absent_or_null() {
    let mut one = submission("A-1");
    let applicant = one["applicant"].as_object_mut().unwrap();
    for key in ["birth_date", "phone", "email", "groups"] {
        applicant.remove(key);
    }
    one["applicant"]["kind"] = json!("business");
    one["applicant"]["id"] = json!("0101234567");
    responder(200, page(vec![one], None).to_string());
    let applicant = &fetch(10).unwrap().submissions[0].applicant;
    assert_eq!(applicant.kind, ApplicantKind::Business);
    assert_eq!(applicant.id, "0101234567");
    assert_eq!((applicant.birth_date, applicant.groups.len()), (None, 0));
}

#[test]
fn an_acknowledgement_posts_to_the_submission_and_reads_the_receipt() {
    testing::set_config([("endpoint", "http://p")]);
    let seen = responder(200, r#"{"remote_id":"DVCQG-9","message":"acknowledged"}"#);
    let receipt = NationalPortalSync::acknowledge_submission("vinh-phuc", "G22.1/0001").unwrap();
    assert_eq!(receipt.remote_id.as_deref(), Some("DVCQG-9"));
    assert_eq!(receipt.message.as_deref(), Some("acknowledged"));
    let request = seen.borrow()[0].clone();
    assert_eq!(request.method, "POST");
    assert_eq!(
        request.url,
        "http://p/api/v1/provinces/vinh-phuc/submissions/G22.1%2F0001/ack"
    );
    // A repeat is answered 200 again, possibly without anything to say.
    responder(200, "{}");
    let receipt = NationalPortalSync::acknowledge_submission("vinh-phuc", "G22.1/0001").unwrap();
    assert_eq!((receipt.remote_id, receipt.message), (None, None));
}

#[test]
fn acknowledging_a_submission_the_portal_never_had_is_not_found() {
    responder(
        404,
        r#"{"code":"not_found","message":"no such submission","fields":[]}"#,
    );
    let error = NationalPortalSync::acknowledge_submission("vinh-phuc", "X-1").unwrap_err();
    assert!(matches!(error, PluginError::NotFound(_)), "{error}");
    assert!(error.message().contains("no such submission"), "{error}");
    for (status, code) in [
        (503, "unavailable"),
        (429, "unavailable"),
        (401, "denied"),
        (409, "rejected"),
    ] {
        responder(status, "");
        assert_eq!(
            NationalPortalSync::acknowledge_submission("vinh-phuc", "X-1")
                .unwrap_err()
                .code(),
            code,
            "{status}"
        );
    }
    responder(200, "accepted");
    assert_eq!(
        NationalPortalSync::acknowledge_submission("vinh-phuc", "X-1")
            .unwrap_err()
            .code(),
        "other"
    );
}

#[test]
fn portal_dates_are_real_calendar_dates() {
    assert_eq!(parse_portal_date("20240229"), Some(Date::new(2024, 2, 29)));
    assert_eq!(parse_portal_date("20230229"), None);
    assert_eq!(parse_portal_date("2024-02-29"), None);
    assert_eq!(parse_portal_date("2024022"), None);
}
