//! Plugins written in Python and JavaScript run like Rust ones (issue 12):
//! Vĩnh Phúc's fee policy (Python, built with componentize-py) prices a
//! dossier once the tenant admin binds it to a procedure, and its reform
//! initiatives (JavaScript, built with componentize-js) give an elderly
//! applicant priority at intake and queue an SMS when the dossier goes back
//! for supplementing. Both are the packages `cargo xtask plugins` built,
//! loaded from the plugins directory with the standard ones.

use std::time::Duration;

use motcua_tests::db::TestDb;
use motcua_tests::on_both_backends;
use motcua_tests::server::{Api, Server, TestEnv, applicant, date, submission, text};
use serde_json::{Value, json};

use super::code;

const TENANT: &str = "vinh-phuc";
const TEMPORARY_RESIDENCE: &str = "1.004194";
const FEES: &str = "vinh-phuc-fees";
const INITIATIVES: &str = "vinh-phuc-initiatives";

on_both_backends!(
    a_python_fee_policy_prices_a_dossier_once_bound_to_its_procedure,
    a_javascript_initiative_gives_priority_at_intake_and_texts_the_applicant,
);

async fn host(db: &TestDb) -> Server {
    let env = TestEnv::new(db);
    for id in [FEES, INITIATIVES] {
        env.add_package(id, id, |manifest| manifest);
    }
    env.start().await
}

/// A counter registration of temporary residence for a person born on
/// `born` (the fields Vĩnh Phúc's form plugin asks for).
async fn register(server: &Server, id: &str, name: &str, born: &str, phone: &str) -> Value {
    let mut who = applicant(id, name);
    who["birth_date"] = json!(born);
    who["phone"] = json!(phone);
    let form = json!([
        text("person.full-name", name),
        text("person.personal-id", id),
        date("person.birth-date", born),
        text("person.gender", "female"),
        text(
            "person.permanent-residence",
            "Thôn Đông, xã Tam Hợp, tỉnh Vĩnh Phúc"
        ),
        text("residence.address", "Số 12 Kim Ngọc, phường Vĩnh Yên"),
        date("residence.from-date", "2026-12-01"),
        {"field": "residence.months", "value": {"number": 12}},
        text("residence.reason", "family"),
        text("host.full-name", "Nguyễn Đức Thắng"),
        text("host.personal-id", "026087002468"),
        {"field": "host.consent", "value": {"boolean": true}},
    ]);
    let agency = server.officer_agency(TENANT);
    let body = submission(TEMPORARY_RESIDENCE, &agency, "counter", who, form);
    server
        .api(TENANT, "officer")
        .submit(&body)
        .await
        .expect(201)
}

async fn a_python_fee_policy_prices_a_dossier_once_bound_to_its_procedure(db: TestDb) {
    let server = host(&db).await;
    let admin = server.api(TENANT, "tenant_admin");

    // Loaded but bound to nothing: the statutory fee applies.
    let before = register(
        &server,
        "026090001111",
        "Phạm Văn Long",
        "1990-02-02",
        "0911000111",
    )
    .await;
    assert_eq!(
        only_fee_line(&before)["source"]["type"],
        "fallback",
        "{before}"
    );

    let mut procedure = admin
        .get(&format!("/procedures/{TEMPORARY_RESIDENCE}"))
        .await
        .expect(200);
    procedure["fee_plugin"] = json!(FEES);
    let bound = admin
        .put(&format!("/procedures/{TEMPORARY_RESIDENCE}"), &procedure)
        .await;
    assert!(
        bound.status.is_success(),
        "binding the Python fee policy: {}",
        bound.text()
    );

    let adult = register(
        &server,
        "026090002222",
        "Phạm Thị Lan",
        "1990-03-03",
        "0911000222",
    )
    .await;
    let line = only_fee_line(&adult);
    assert_eq!(line["source"]["type"], "plugin", "{adult}");
    assert_eq!(line["source"]["plugin_id"], FEES, "{adult}");
    assert_eq!(line["line"]["code"], "le-phi-dang-ky-tam-tru", "{adult}");
    assert_eq!(
        line["line"]["amount_vnd"], 15_000,
        "the counter rate: {adult}"
    );

    // A rule only the policy knows: a child under 6 pays nothing.
    let child = register(
        &server,
        "026222003333",
        "Phạm Minh Khôi",
        "2022-05-01",
        "0911000333",
    )
    .await;
    let line = only_fee_line(&child);
    assert_eq!(line["source"]["plugin_id"], FEES, "{child}");
    assert_eq!(line["line"]["base_amount_vnd"], 15_000, "{child}");
    assert_eq!(line["line"]["amount_vnd"], 0, "{child}");
    let reason = line["line"]["reason"].as_str().unwrap_or_default();
    assert!(reason.contains("trẻ em dưới 6 tuổi"), "{child}");
}

fn only_fee_line(dossier: &Value) -> &Value {
    let lines = dossier["fee_lines"].as_array().expect("fee lines");
    assert_eq!(lines.len(), 1, "{dossier}");
    &lines[0]
}

async fn a_javascript_initiative_gives_priority_at_intake_and_texts_the_applicant(db: TestDb) {
    let server = host(&db).await;
    let officer = server.api(TENANT, "officer");

    let elderly = code(
        &register(
            &server,
            "026045004444",
            "Lê Thị Hoa",
            "1945-01-20",
            "0911000444",
        )
        .await,
    );
    eventually(&officer, &elderly, |d| d["priority"] == true).await;
    let noted = officer
        .events(&elderly)
        .await
        .iter()
        .filter_map(|e| e["event"]["note"].as_str().map(str::to_owned))
        .any(|note| {
            note.contains(&format!("priority set by {INITIATIVES}"))
                && note.contains("người từ 75 tuổi")
        });
    assert!(
        noted,
        "the priority's reason is on the intake event: {:?}",
        officer.events(&elderly).await
    );

    let younger = code(
        &register(
            &server,
            "026090005555",
            "Đỗ Văn Nam",
            "1990-07-07",
            "0911000555",
        )
        .await,
    );
    super::into_review(&officer, &younger).await;
    assert_eq!(officer.dossier(&younger).await["priority"], false);

    officer
        .act_ok(
            &younger,
            json!({"action": "request_supplementation", "reason": "thiếu hợp đồng thuê nhà"}),
        )
        .await;
    let texts = queued_texts(&officer, &younger).await;
    assert_eq!(texts.len(), 1, "one SMS: {texts:?}");
    let (recipient, body) = &texts[0];
    assert_eq!(recipient, "0911000555");
    assert!(
        body.contains(&younger) && body.contains("thiếu hợp đồng thuê nhà"),
        "{body}"
    );
}

/// The dossier's details once `ready` holds (initiatives act after the
/// change that woke them is committed); panics after 10 s.
async fn eventually(api: &Api, code: &str, ready: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..200 {
        let details = api.dossier(code).await;
        if ready(&details) {
            return details;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{code} never got there: {}", api.dossier(code).await);
}

/// `(recipient, body)` of the SMS queued for the dossier `code`, as
/// `GET /dossiers/{code}/notifications` lists them.
async fn queued_texts(api: &Api, code: &str) -> Vec<(String, String)> {
    let listed = api
        .get(&format!("/dossiers/{code}/notifications"))
        .await
        .expect(200);
    listed
        .as_array()
        .expect("a list of notifications")
        .iter()
        .filter(|n| n["notification"]["channel"] == "sms")
        .map(|n| {
            assert_eq!(n["status"], "queued", "{n}");
            let text = |key: &str| n["notification"][key].as_str().unwrap().to_owned();
            (text("recipient"), text("body"))
        })
        .collect()
}
