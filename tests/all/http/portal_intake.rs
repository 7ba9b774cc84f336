//! Online dossiers from the national portal, end to end: citizens' submissions
//! queued at the portal stand-in, pulled by the host through the real
//! national-portal connector, stored under their national codes in status 1
//! (validated by Vĩnh Phúc's real form plugin), the rest queued for an
//! officer, every one acknowledged once stored; a refusal reaches the portal
//! as status 3.

use motcua::standin::portal::intake::Submission;
use motcua_tests::db::TestDb;
use motcua_tests::on_both_backends;
use serde_json::{Value, json};

use super::sync::{drained, portal_env};

const TENANT: &str = "vinh-phuc";

/// A birth registration submitted at the portal on Monday 30 November 2026
/// at 09:00 (the portal writes values and times its own way).
fn submission(agency: &str, n: u32, child: &str) -> Submission {
    let text = |field: &str, value: &str| json!({"field": field, "value": {"text": value}});
    let mut form = vec![
        json!({"field": "child.birth-date", "value": {"date": "20261101"}}),
        text("child.gender", "female"),
        text("child.birth-place", "Bệnh viện Sản - Nhi Vĩnh Phúc"),
        text("mother.full-name", "Trần Thị Bình"),
        text("mother.personal-id", "026195000123"),
        text("requester.full-name", "Trần Thị Bình"),
        text("requester.personal-id", "026195000123"),
        text("requester.relationship", "mother"),
    ];
    if !child.is_empty() {
        form.push(text("child.full-name", child));
    }
    serde_json::from_value(json!({
        "national_code": format!("{agency}-261130-{n:04}"),
        "procedure_code": "1.001193",
        "agency_code": agency,
        "applicant": {"kind": "citizen", "id": "026195000123", "full_name": "Trần Thị Bình"},
        "form": form,
        "submitted_at": "20261130090000"
    }))
    .expect("a valid submission")
}

on_both_backends!(
    online_dossiers_from_the_portal_are_taken_in_once_and_the_rest_wait_for_an_officer
);
async fn online_dossiers_from_the_portal_are_taken_in_once_and_the_rest_wait_for_an_officer(
    db: TestDb,
) {
    let (portal, env) = portal_env(&db);
    let server = env.start().await;
    let admin = server.api(TENANT, "tenant_admin");
    let officer = server.api(TENANT, "officer");
    let agency = server.officer_agency(TENANT);
    let queues = portal.portal.intake();
    queues
        .submit(TENANT, submission(&agency, 1, "Trần Minh An"))
        .unwrap();
    // No child's name: the form plugin refuses it.
    queues.submit(TENANT, submission(&agency, 2, "")).unwrap();
    let valid = format!("{agency}-261130-0001");
    let invalid = format!("{agency}-261130-0002");

    let report = admin.post("/intake/pull", &json!({})).await.expect(200);
    assert_eq!(report["taken_in"], json!([valid]), "{report}");
    assert_eq!(report["queued"][0]["national_code"], invalid.as_str());
    assert!(
        report["queued"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("child.full-name"),
        "{report}"
    );
    assert_eq!(report["acknowledged"], 2, "{report}");
    let acknowledged: Vec<u32> = queues.list(TENANT).iter().map(|q| q.acknowledged).collect();
    assert_eq!(acknowledged, [1, 1], "each acknowledged once stored");

    let dossier = officer.dossier(&valid).await;
    assert_eq!(dossier["national_status"], 1);
    assert_eq!(dossier["state"]["submitted_at"], "2026-11-30T09:00:00");
    assert_eq!(dossier["channel"], "online");
    let deadline = dossier["intake"]["deadline"].as_str().unwrap();
    assert!(
        deadline.starts_with("2026-12-01"),
        "one working day: {deadline}"
    );

    // A second pull finds nothing new; nothing is created twice.
    let again = admin.post("/intake/pull", &json!({})).await.expect(200);
    assert_eq!(again["taken_in"], json!([]));
    assert_eq!(again["acknowledged"], 0);

    let queue = officer.get("/intake/queue").await.expect(200);
    let waiting: Vec<&Value> = queue
        .as_array()
        .unwrap()
        .iter()
        .filter(|q| q["state"]["state"] == "waiting")
        .collect();
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0]["submission"]["national_code"], invalid.as_str());
    let refused = officer
        .post(
            &format!("/intake/queue/{invalid}/refuse"),
            &json!({"reason": "Thiếu họ tên của trẻ"}),
        )
        .await
        .expect(200);
    assert_eq!(refused["national_status"], 3);

    drained(&admin).await;
    let held = portal
        .portal
        .held(&invalid)
        .expect("the portal holds the refusal");
    assert_eq!(held.record.expect("its record").status, 3);
    assert!(
        portal.portal.held(&valid).is_some(),
        "status 1 reported too"
    );
}
