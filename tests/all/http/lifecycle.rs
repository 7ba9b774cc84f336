//! A dossier's life over HTTP: online birth registration in Đà Nẵng to the
//! congratulation letter, supplementation rounds and the on-time rule, and
//! illegal transitions.

use motcua::domain::calendar::{CalendarConfig, WorkingCalendar};
use motcua::domain::deadline::{SupplementationRound, moved_by_pause};
use motcua::domain::time::LocalDateTime;
use motcua_tests::db::TestDb;
use motcua_tests::on_both_backends;
use motcua_tests::server::TestEnv;
use serde_json::{Value, json};

use super::{
    base64, code, documents_of_kind, into_review, register_at_counter, submit_online_birth,
};

on_both_backends!(
    an_online_birth_registration_in_da_nang_ends_with_a_congratulation_letter_and_an_intact_audit_chain,
    two_supplementation_rounds_move_the_appointment_and_make_the_dossier_overdue,
    an_illegal_transition_is_refused_with_the_state_and_allowed_actions_and_changes_nothing,
);

const CHILD: &str = "Lê Minh Khang";
const MOTHER: &str = "Phạm Thị Thu Hà";

fn datetime(value: &Value) -> LocalDateTime {
    serde_json::from_value(value.clone())
        .unwrap_or_else(|e| panic!("{value} is not a local date-time: {e}"))
}

async fn an_online_birth_registration_in_da_nang_ends_with_a_congratulation_letter_and_an_intact_audit_chain(
    db: TestDb,
) {
    let env = TestEnv::new(&db);
    let server = env.start().await;
    let tenant = "da-nang";
    let officer = server.api(tenant, "officer");
    let citizen = server.api(tenant, "citizen");
    let agency = server.officer_agency(tenant);

    // Submitted online: status 1, priced, no appointment yet.
    let submitted = submit_online_birth(&server, tenant, CHILD).await;
    let code = code(&submitted);
    assert_eq!(submitted["tenant"], tenant);
    assert_eq!(submitted["national_status"], 1);
    assert_eq!(submitted["state"]["stage"], "submitted");
    assert_eq!(submitted["channel"], "online");
    assert!(submitted["state"]["appointment"].is_null(), "{submitted}");
    let (prefix, rest) = code.rsplit_once('-').expect("code has a counter");
    let (code_agency, day) = prefix.rsplit_once('-').expect("code has a date");
    assert_eq!(
        code_agency, agency,
        "the code starts with the receiving agency"
    );
    assert!(
        day.len() == 6 && day.chars().all(|c| c.is_ascii_digit()),
        "yyMMdd in {code}"
    );
    assert!(
        rest.len() == 4 && rest.chars().all(|c| c.is_ascii_digit()),
        "NNNN in {code}"
    );
    let fee_lines = submitted["fee_lines"].as_array().expect("fee lines");
    assert!(!fee_lines.is_empty(), "the dossier is priced: {submitted}");
    for fee in fee_lines {
        assert!(fee["line"]["amount_vnd"].is_i64(), "{fee}");
        assert!(fee["source"]["type"].is_string(), "{fee}");
    }
    assert!(
        submitted["allowed_actions"]
            .as_array()
            .unwrap()
            .contains(&json!("receive")),
        "{submitted}"
    );
    // The citizen sees it too.
    assert_eq!(citizen.dossier(&code).await["code"], code.as_str());

    // Received by the officer: status 2, an appointment after the receipt.
    let received = officer.act_ok(&code, json!({"action": "receive"})).await;
    assert_eq!(received["national_status"], 2);
    assert_eq!(received["state"]["stage"], "received");
    let received_at = datetime(&received["state"]["received_at"]);
    let appointment = datetime(&received["state"]["appointment"]);
    assert!(
        appointment > received_at,
        "appointment {appointment} after receipt {received_at}"
    );

    let reviewing = into_review(&officer, &code).await;
    assert_eq!(reviewing["national_status"], 4);
    assert_eq!(reviewing["state"]["stage"], "in_review");
    assert_eq!(reviewing["state"]["assignee"], "chuyen-vien-1");
    let signing = officer
        .act_ok(&code, json!({"action": "submit_for_signature"}))
        .await;
    assert_eq!(signing["state"]["stage"], "awaiting_signature");
    assert_eq!(signing["national_status"], 4);

    let result_text = format!("Trích lục khai sinh: {CHILD}");
    let approved = officer
        .act_ok(
            &code,
            json!({
                "action": "approve",
                "note": "ký duyệt",
                "result": {
                    "title": "Trích lục khai sinh",
                    "media_type": "text/plain; charset=utf-8",
                    "content_base64": base64(result_text.as_bytes()),
                },
            }),
        )
        .await;
    assert_eq!(approved["national_status"], 9);
    assert_eq!(approved["state"]["stage"], "processed");
    assert_eq!(
        documents_of_kind(&approved, "result").len(),
        1,
        "{approved}"
    );

    // Result returned: status 10, on time, the letter of the initiative.
    let returned = officer
        .act_ok(&code, json!({"action": "return_result"}))
        .await;
    assert_eq!(returned["national_status"], 10);
    assert_eq!(returned["state"]["stage"], "result_returned");
    assert_eq!(returned["timeliness"]["verdict"], "on_time", "{returned}");
    assert_eq!(
        returned["allowed_actions"],
        json!([]),
        "a returned dossier is closed"
    );

    let details = officer.dossier(&code).await;
    assert_eq!(details, returned, "GET shows what the transition returned");
    let results = documents_of_kind(&details, "result");
    assert_eq!(results.len(), 1, "{details}");
    let result = officer
        .get(&format!(
            "/dossiers/{code}/documents/{}",
            results[0]["id"].as_str().unwrap()
        ))
        .await;
    result.expect(200);
    assert_eq!(
        result.bytes,
        result_text.as_bytes(),
        "the result document's bytes"
    );
    assert_eq!(result.content_type(), Some("text/plain; charset=utf-8"));

    let letters = documents_of_kind(&details, "congratulation-letter");
    assert_eq!(letters.len(), 1, "one congratulation letter: {details}");
    let letter = letters[0];
    assert!(
        letter["source_plugin"]
            .as_str()
            .is_some_and(|p| p.contains("da-nang-initiatives")),
        "the letter names its plugin: {letter}"
    );
    let letter_reply = citizen
        .get(&format!(
            "/dossiers/{code}/documents/{}",
            letter["id"].as_str().unwrap()
        ))
        .await;
    letter_reply.expect(200);
    assert_eq!(
        letter_reply
            .content_type()
            .map(|t| t.split(';').next().unwrap().trim()),
        letter["media_type"]
            .as_str()
            .map(|t| t.split(';').next().unwrap().trim()),
    );
    assert_eq!(
        letter_reply.bytes.len() as u64,
        letter["size"].as_u64().unwrap()
    );
    let letter_text = String::from_utf8_lossy(&letter_reply.bytes);
    assert!(
        letter_text.contains(CHILD) || letter_text.contains(MOTHER),
        "the letter names the child or the applicant:\n{letter_text}"
    );
    let listed = officer
        .get(&format!("/dossiers/{code}/documents"))
        .await
        .expect(200);
    assert_eq!(listed.as_array().map(Vec::len), Some(2), "{listed}");

    // The whole history, hash-chained.
    let events = officer.events(&code).await;
    let stages: Vec<&str> = events
        .iter()
        .map(|e| e["event"]["to"].as_str().unwrap())
        .collect();
    assert_eq!(
        stages,
        [
            "submitted",
            "received",
            "assigned",
            "in_review",
            "awaiting_signature",
            "processed",
            "result_returned"
        ]
    );
    let statuses: Vec<u64> = events
        .iter()
        .map(|e| e["event"]["national_status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, [1, 2, 4, 4, 4, 9, 10]);
    assert_eq!(events[0]["event"]["actor"]["role"], "citizen");
    assert_eq!(events[1]["event"]["actor"]["role"], "officer");
    assert_eq!(events[5]["event"]["note"], "ký duyệt");
    for (i, event) in events.iter().enumerate() {
        assert_eq!(event["seq"], i as u64 + 1, "{event}");
        let hash = event["hash"].as_str().expect("a hash");
        assert!(hash.len() >= 32, "{event}");
        if i > 0 {
            assert_eq!(
                event["prev_hash"],
                events[i - 1]["hash"],
                "the chain links seq {}",
                i + 1
            );
            assert_ne!(event["hash"], events[i - 1]["hash"]);
        }
    }

    let report = officer
        .get(&format!("/audit/verify?dossier={code}"))
        .await
        .expect(200);
    assert_eq!(report["first_break"], Value::Null, "{report}");
    assert_eq!(report["dossiers_checked"], 1);
    assert_eq!(report["entries_checked"], events.len() as u64);
    let report = server
        .api(tenant, "tenant_admin")
        .get("/audit/verify")
        .await
        .expect(200);
    assert_eq!(report["first_break"], Value::Null, "{report}");
    assert!(
        report["dossiers_checked"].as_u64().unwrap() >= 1,
        "{report}"
    );

    server.stop().await;
}

async fn two_supplementation_rounds_move_the_appointment_and_make_the_dossier_overdue(db: TestDb) {
    let env = TestEnv::new(&db);
    let server = env.start().await;
    let tenant = "bac-ninh";
    let officer = server.api(tenant, "officer");
    // The host runs on the wall clock: so that the pauses below are office
    // time whatever the day and hour of the run, the tenant administrator
    // publishes a calendar where the office never closes (the same years,
    // published, without days off).
    let admin = server.api(tenant, "tenant_admin");
    let mut published = admin.get("/calendar").await.expect(200);
    published["weekend"] = json!([]);
    published["office_hours"] = json!([{"start": "00:00", "end": "23:59"}]);
    published["cutoff"] = json!("23:59");
    for year in published["years"].as_array_mut().expect("published years") {
        // Every day is a working day: no holiday, no make-up day.
        year["holidays"] = json!([]);
        year["makeup_days"] = json!([]);
    }
    let reply = admin.put("/calendar", &published).await;
    assert!(
        reply.status.is_success(),
        "PUT /calendar: {}",
        String::from_utf8_lossy(&reply.bytes)
    );
    let calendar: CalendarConfig =
        serde_json::from_value(officer.get("/calendar").await.expect(200)).expect("a calendar");
    assert!(calendar.weekend.is_empty(), "the new calendar is in force");
    let calendar = WorkingCalendar::new(calendar).expect("a valid calendar");

    // Temporary residence registered at the counter: received at once.
    let received = register_at_counter(&server, tenant, "1.004194", json!([])).await;
    let code = code(&received);
    assert_eq!(received["national_status"], 2);
    assert_eq!(received["channel"], "counter");
    let received_at = datetime(&received["state"]["received_at"]);
    let original = datetime(&received["state"]["appointment"]);
    assert!(
        original > received_at,
        "appointment {original} after receipt {received_at}"
    );
    into_review(&officer, &code).await;

    let mut appointment = original;
    for round in 1..=2usize {
        let requested = officer
            .act_ok(
                &code,
                json!({"action": "request_supplementation", "reason": format!("thiếu giấy tờ, lần {round}")}),
            )
            .await;
        assert_eq!(requested["national_status"], 5);
        assert_eq!(requested["state"]["stage"], "supplementation_requested");
        assert!(
            requested["allowed_actions"]
                .as_array()
                .unwrap()
                .contains(&json!("supplement"))
        );
        assert_eq!(
            datetime(&requested["state"]["appointment"]),
            appointment,
            "the request itself moves nothing"
        );
        // The applicant takes (a little) time: the clock is stopped meanwhile.
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;

        let supplemented = officer
            .act_ok(
                &code,
                json!({"action": "supplement", "note": format!("bổ sung lần {round}")}),
            )
            .await;
        assert_eq!(
            supplemented["state"]["stage"], "in_review",
            "back where it was"
        );
        assert_eq!(supplemented["national_status"], 4);
        let rounds: Vec<SupplementationRound> =
            serde_json::from_value(supplemented["state"]["supplementation_rounds"].clone())
                .expect("rounds");
        assert_eq!(rounds.len(), round);
        let closed = rounds[round - 1];
        let returned_at = closed.returned_at.expect("the round is closed");
        assert!(returned_at >= closed.requested_at);
        let moved = datetime(&supplemented["state"]["appointment"]);
        // The clock stopped for the office time of the pause: the new
        // appointment is the old one moved by exactly that much.
        let expected = moved_by_pause(&calendar, appointment, &closed, returned_at)
            .expect("a computable move");
        assert_eq!(
            moved, expected,
            "round {round}: appointment moved by the pause"
        );
        assert!(
            moved >= appointment,
            "round {round}: {moved} is not before {appointment}"
        );
        let paused = calendar
            .working_time_between(closed.requested_at, returned_at)
            .expect("office time of the pause");
        assert!(
            paused.is_positive(),
            "round {round}: the pause was office time"
        );
        assert!(
            moved > appointment,
            "round {round}: a pause of {paused} moves the appointment later"
        );
        appointment = moved;
    }

    officer
        .act_ok(&code, json!({"action": "submit_for_signature"}))
        .await;
    let approved = officer.act_ok(&code, json!({"action": "approve"})).await;
    assert_eq!(approved["national_status"], 9);
    let finished_at = datetime(&approved["state"]["finished_at"]);
    assert!(
        finished_at < appointment,
        "finished early: {finished_at} before {appointment}"
    );
    let returned = officer
        .act_ok(&code, json!({"action": "return_result"}))
        .await;
    assert_eq!(returned["national_status"], 10);

    // Finished before the appointment, yet overdue: two requests.
    assert_eq!(
        returned["timeliness"],
        json!({"verdict": "overdue", "reasons": [{"type": "repeated_supplementation", "requests": 2}]}),
        "{returned}"
    );
    let overdue = officer.list_all("overdue=true&", 50).await;
    assert!(
        overdue.iter().any(|d| d["code"] == code.as_str()),
        "the overdue listing has it: {overdue:?}"
    );
    let events = officer.events(&code).await;
    let notes: Vec<&Value> = events.iter().map(|e| &e["event"]["note"]).collect();
    assert!(notes.contains(&&json!("bổ sung lần 2")), "{notes:?}");

    server.stop().await;
}

async fn an_illegal_transition_is_refused_with_the_state_and_allowed_actions_and_changes_nothing(
    db: TestDb,
) {
    let env = TestEnv::new(&db);
    let server = env.start().await;
    let tenant = "bac-ninh";
    let officer = server.api(tenant, "officer");
    let received = register_at_counter(&server, tenant, "1.004194", json!([])).await;
    let code = code(&received);
    let before = officer.dossier(&code).await;
    let events_before = officer.events(&code).await;

    let refused = officer
        .act(&code, &json!({"action": "return_result"}))
        .await;
    let body = refused.expect_error(409, "illegal_transition");
    let message = body["message"].as_str().unwrap();
    assert!(
        message.contains("received"),
        "names the current state: {message}"
    );
    for allowed in before["allowed_actions"]
        .as_array()
        .expect("allowed actions")
    {
        let allowed = allowed.as_str().unwrap();
        assert!(
            message.contains(allowed),
            "names the allowed action {allowed}: {message}"
        );
    }
    assert!(message.contains("assign"), "{message}");

    // A role that sees the dossier but may not act: 403, not 409. (A
    // citizen who is not its applicant does not see it at all: 404.)
    let admin = server.api(tenant, "tenant_admin");
    admin
        .act(&code, &json!({"action": "assign", "assignee": "someone"}))
        .await
        .expect_error(403, "forbidden");
    server
        .api(tenant, "citizen")
        .act(&code, &json!({"action": "assign", "assignee": "someone"}))
        .await
        .expect_error(404, "not_found");
    // An unknown action is a malformed request.
    let unknown = officer.act(&code, &json!({"action": "teleport"})).await;
    assert!(unknown.status.is_client_error(), "{unknown:?}");

    assert_eq!(
        officer.dossier(&code).await,
        before,
        "the dossier is unchanged"
    );
    assert_eq!(
        officer.events(&code).await,
        events_before,
        "no event was recorded"
    );

    server.stop().await;
}
