//! Data reuse at intake over HTTP (issue 4's "Must show"): the Vĩnh Phúc
//! form plugin prefills from the population connector, which asks the
//! population stand-in on loopback; what came from the registry is flagged
//! as reused on the stored dossier. An unreachable registry never blocks a
//! submission.

use motcua_tests::db::TestDb;
use motcua_tests::on_both_backends;
use motcua_tests::server::{Server, TestEnv, date, submission, text};
use motcua_tests::standin::{self, FaultMode, PopulationStandin};
use serde_json::{Value, json};

on_both_backends!(
    a_dossier_submitted_with_a_personal_id_is_prefilled_from_the_population_registry_and_flagged,
    a_value_the_applicant_changed_is_kept_and_not_flagged,
    a_registry_outage_leaves_intake_working_with_nothing_flagged,
    the_prefill_endpoint_offers_registry_values_before_submitting,
    a_citizen_draws_registry_data_only_about_themself,
);

const TENANT: &str = "vinh-phuc";
const TEMPORARY_RESIDENCE: &str = "1.004194";
/// Trần Thị Bình in the stand-in's sample, and the personal ID the demo's
/// Vĩnh Phúc citizen account was verified with.
const BINH: &str = "026195000123";
/// Nguyễn Đức Thắng in the stand-in's sample: somebody else.
const THANG: &str = "026087002468";
const BINH_RESIDENCE: &str = "Số 5 Mê Linh, phường Vĩnh Yên, tỉnh Vĩnh Phúc";

/// A host whose population connector asks `population` (its shipped
/// manifest points at the stand-in's default port).
async fn host_with(db: &TestDb, population: &PopulationStandin) -> Server {
    let env = TestEnv::new(db);
    env.use_population(population);
    env.start().await
}

/// The temporary-residence fields only the applicant can give.
fn own_fields() -> Vec<Value> {
    vec![
        text("residence.address", "Số 12 Kim Ngọc, phường Vĩnh Yên"),
        date("residence.from-date", "2026-12-01"),
        json!({"field": "residence.months", "value": {"number": 12}}),
        text("residence.reason", "work"),
        text("host.full-name", "Nguyễn Đức Thắng"),
        text("host.personal-id", "026087002468"),
        json!({"field": "host.consent", "value": {"boolean": true}}),
    ]
}

/// An applicant giving only a personal ID (and `name`, possibly empty).
fn applicant(id: &str, name: &str) -> Value {
    json!({"kind": "citizen", "id": id, "full_name": name})
}

async fn submit(server: &Server, applicant: Value, form: Vec<Value>) -> Value {
    let agency = server.officer_agency(TENANT);
    let body = submission(
        TEMPORARY_RESIDENCE,
        &agency,
        "online",
        applicant,
        Value::Array(form),
    );
    server
        .api(TENANT, "citizen")
        .submit(&body)
        .await
        .expect(201)
}

/// `(target, field)` of every reuse flag of a dossier.
fn flags(details: &Value) -> Vec<(String, String)> {
    details["reused_fields"]
        .as_array()
        .expect("the dossier lists its reused fields")
        .iter()
        .map(|f| {
            assert_eq!(f["source"], "national-population-database", "{f}");
            (
                f["target"].as_str().unwrap().to_owned(),
                f["field"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn flagged(details: &Value, target: &str, field: &str) -> bool {
    flags(details).contains(&(target.to_owned(), field.to_owned()))
}

fn form_value<'a>(details: &'a Value, field: &str) -> &'a Value {
    details["form"]
        .as_array()
        .expect("the dossier has its form")
        .iter()
        .find(|entry| entry["field"] == field)
        .map(|entry| &entry["value"])
        .unwrap_or_else(|| panic!("no {field} in {details}"))
}

async fn a_dossier_submitted_with_a_personal_id_is_prefilled_from_the_population_registry_and_flagged(
    db: TestDb,
) {
    let population = standin::population_database();
    let server = host_with(&db, &population).await;
    let created = submit(&server, applicant(BINH, ""), own_fields()).await;
    let code = created["code"].as_str().unwrap().to_owned();

    let stored = server.api(TENANT, "citizen").dossier(&code).await;
    assert_eq!(stored["applicant"]["full_name"], "Trần Thị Bình");
    assert_eq!(stored["applicant"]["birth_date"], "1995-02-03");
    assert_eq!(
        form_value(&stored, "person.permanent-residence"),
        &json!({"text": BINH_RESIDENCE})
    );
    assert_eq!(
        form_value(&stored, "person.birth-date"),
        &json!({"date": "1995-02-03"})
    );
    for (target, field) in [
        ("applicant", "full_name"),
        ("applicant", "birth_date"),
        ("form", "person.full-name"),
        ("form", "person.personal-id"),
        ("form", "person.birth-date"),
        ("form", "person.gender"),
        ("form", "person.permanent-residence"),
    ] {
        assert!(
            flagged(&stored, target, field),
            "{target} {field} flagged: {:?}",
            flags(&stored)
        );
    }
    assert!(
        !flagged(&stored, "form", "residence.address"),
        "what the applicant typed is not reused"
    );
    assert!(population.population.lookups() >= 1);
    server.stop().await;
}

async fn a_value_the_applicant_changed_is_kept_and_not_flagged(db: TestDb) {
    let population = standin::population_database();
    let server = host_with(&db, &population).await;
    let moved = "Thôn Đạo Tú, xã Tam Dương, tỉnh Vĩnh Phúc";
    let mut form = own_fields();
    form.push(text("person.permanent-residence", moved));
    form.push(text("person.full-name", "Trần Thị Bình"));
    let created = submit(&server, applicant(BINH, "Trần Thị Bình"), form).await;
    let stored = server
        .api(TENANT, "citizen")
        .dossier(created["code"].as_str().unwrap())
        .await;
    assert_eq!(
        form_value(&stored, "person.permanent-residence"),
        &json!({"text": moved}),
        "the applicant's value is stored"
    );
    assert!(!flagged(&stored, "form", "person.permanent-residence"));
    assert!(
        flagged(&stored, "form", "person.full-name"),
        "a typed value equal to the registry's counts as reused"
    );
    assert!(flagged(&stored, "applicant", "full_name"));
    server.stop().await;
}

async fn a_registry_outage_leaves_intake_working_with_nothing_flagged(db: TestDb) {
    let population = standin::population_database();
    let server = host_with(&db, &population).await;
    standin::set_faults(&population.faults, FaultMode::Fail, 0);
    let mut form = own_fields();
    form.extend([
        text("person.full-name", "Trần Thị Bình"),
        text("person.personal-id", BINH),
        date("person.birth-date", "1995-02-03"),
        text("person.gender", "female"),
        text("person.permanent-residence", BINH_RESIDENCE),
    ]);
    let created = submit(&server, applicant(BINH, "Trần Thị Bình"), form).await;
    let code = created["code"].as_str().unwrap().to_owned();
    let citizen = server.api(TENANT, "citizen");
    let stored = citizen.dossier(&code).await;
    assert_eq!(flags(&stored), Vec::<(String, String)>::new());
    let events = citizen.events(&code).await;
    let note = events[0]["event"]["note"]
        .as_str()
        .unwrap_or_else(|| panic!("the creating event notes the outage: {}", events[0]));
    assert!(note.contains("no data reused"), "{note}");

    // Without a name to fall back on, the applicant must type it.
    let agency = server.officer_agency(TENANT);
    let body = submission(
        TEMPORARY_RESIDENCE,
        &agency,
        "online",
        applicant(BINH, ""),
        Value::Array(own_fields()),
    );
    let refused = citizen
        .submit(&body)
        .await
        .expect_error(422, "invalid_request");
    assert!(
        refused["fields"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["field"] == "applicant.full_name"),
        "{refused}"
    );
    server.stop().await;
}

async fn the_prefill_endpoint_offers_registry_values_before_submitting(db: TestDb) {
    let population = standin::population_database();
    let server = host_with(&db, &population).await;
    let officer = server.api(TENANT, "officer");
    let path = format!("/procedures/{TEMPORARY_RESIDENCE}/prefill");
    let offered = officer
        .post(&path, &json!({"personal_id": BINH}))
        .await
        .expect(200);
    assert_eq!(offered["applicant"]["full_name"], "Trần Thị Bình");
    assert_eq!(offered["applicant"]["birth_date"], "1995-02-03");
    let values = offered["values"].as_array().unwrap();
    assert!(values.iter().all(|v| v["reused"] == true), "{offered}");
    assert!(values.iter().any(
        |v| v["field"] == "person.permanent-residence" && v["value"]["text"] == BINH_RESIDENCE
    ));
    assert_eq!(offered["note"], Value::Null);

    let unknown = officer
        .post(&path, &json!({"personal_id": "026195999999"}))
        .await
        .expect(200);
    assert_eq!(unknown["values"], json!([]));
    assert!(unknown["note"].is_string());

    let refused = officer
        .post(&path, &json!({"personal_id": "12ab"}))
        .await
        .expect_error(422, "invalid_request");
    assert_eq!(refused["fields"][0]["field"], "personal_id");
    officer
        .post(
            "/procedures/9.999999/prefill",
            &json!({"personal_id": BINH}),
        )
        .await
        .expect_error(404, "not_found");

    standin::set_faults(&population.faults, FaultMode::Drop, 0);
    let down = officer
        .post(&path, &json!({"personal_id": BINH}))
        .await
        .expect(200);
    assert_eq!(down["values"], json!([]));
    assert!(
        down["note"]
            .as_str()
            .unwrap()
            .contains("could not be asked"),
        "{down}"
    );
    server.stop().await;
}

async fn a_citizen_draws_registry_data_only_about_themself(db: TestDb) {
    let population = standin::population_database();
    let server = host_with(&db, &population).await;
    let citizen = server.api(TENANT, "citizen");
    let path = format!("/procedures/{TEMPORARY_RESIDENCE}/prefill");

    let own = citizen
        .post(&path, &json!({"personal_id": BINH}))
        .await
        .expect(200);
    assert_eq!(own["applicant"]["full_name"], "Trần Thị Bình");

    let someone_else = citizen
        .post(&path, &json!({"personal_id": THANG}))
        .await
        .expect_error(403, "forbidden");
    assert!(
        someone_else["message"]
            .as_str()
            .unwrap()
            .contains("own personal ID"),
        "{someone_else}"
    );
    server
        .api(TENANT, "tenant_admin")
        .post(&path, &json!({"personal_id": BINH}))
        .await
        .expect_error(403, "forbidden");

    // Submitting for somebody else draws nothing of theirs from the
    // registry: what the form needs about them must be typed...
    let agency = server.officer_agency(TENANT);
    let untyped = citizen
        .submit(&submission(
            TEMPORARY_RESIDENCE,
            &agency,
            "online",
            applicant(THANG, "Nguyễn Đức Thắng"),
            Value::Array(own_fields()),
        ))
        .await
        .expect_error(422, "invalid_form");
    assert!(
        untyped["fields"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["field"] == "person.birth-date"),
        "nothing was prefilled: {untyped}"
    );
    // ...and, typed, is kept as typed and not flagged as reused.
    let mut form = own_fields();
    form.extend([
        text("person.full-name", "Nguyễn Đức Thắng"),
        text("person.personal-id", THANG),
        date("person.birth-date", "1987-07-15"),
        text("person.gender", "male"),
        text(
            "person.permanent-residence",
            "Tổ dân phố Xuân Mai, phường Phúc Yên, tỉnh Vĩnh Phúc",
        ),
    ]);
    let created = submit(&server, applicant(THANG, "Nguyễn Đức Thắng"), form).await;
    let code = created["code"].as_str().unwrap().to_owned();
    let stored = citizen.dossier(&code).await;
    assert_eq!(flags(&stored), Vec::<(String, String)>::new());
    let events = citizen.events(&code).await;
    let note = events[0]["event"]["note"].as_str().unwrap_or_default();
    assert!(
        note.contains("no data reused") && note.contains("own personal ID"),
        "the creating event says why: {}",
        events[0]
    );
    server.stop().await;
}
