//! Effective-dated activation over HTTP with the real Bắc Ninh fee policy:
//! a version whose new rates a council resolution puts in force on New
//! Year's Day is scheduled for midnight, takes over when the host's clock
//! passes it, and a dossier submitted at the national portal on New Year's
//! Eve, taken in after midnight, keeps the old rates.

use std::time::{Duration, Instant};

use motcua::domain::local_datetime;
use motcua::standin::portal::intake::Submission;
use motcua_tests::db::TestDb;
use motcua_tests::on_both_backends;
use motcua_tests::server::{Api, ManualClock, Server, applicant, submission};
use serde_json::{Value, json};

use super::deployments::{FEES, PERMIT, TENANT, archive_with, deploy, fees_entry, pricing_version};
use super::sync::portal_env;

/// bac-ninh-fees 2.0.0: the same policy without the online discount on the
/// construction permit, its golden case saying so.
pub(super) fn without_online_discount() -> Vec<u8> {
    let expected = json!({"ok": [{
        "code": "le-phi-cap-giay-phep-xay-dung",
        "label": {"vi": "Lệ phí cấp giấy phép xây dựng", "en": "Construction permit charge"},
        "kind": "charge",
        "base_amount_vnd": 150000,
        "amount_vnd": 150000,
        "collection": "before_processing",
        "reason": null
    }]});
    let expected = expected.to_string();
    archive_with(
        FEES,
        |manifest| {
            let discount = "online_discount_percent = \"50\"";
            assert!(manifest.contains(discount), "{manifest}");
            manifest
                .replace("version = \"1.0.0\"", "version = \"2.0.0\"")
                .replace(discount, "online_discount_percent = \"0\"")
        },
        &[(
            "golden/construction-permit-online-half.expected.json",
            expected.as_bytes(),
        )],
    )
}

/// A construction permit submitted at the portal at `submitted_at`
/// (`yyyyMMddHHmmss`, the portal's way).
fn permit_at_the_portal(agency: &str, national_code: &str, submitted_at: &str) -> Submission {
    serde_json::from_value(json!({
        "national_code": national_code,
        "procedure_code": PERMIT,
        "agency_code": agency,
        "applicant": {"kind": "citizen", "id": "027088004321", "full_name": "Nguyễn Văn An"},
        "form": [],
        "submitted_at": submitted_at
    }))
    .expect("a valid submission")
}

/// Waits until the tenant admin's listing shows `version` active.
async fn active_becomes(admin: &Api, version: &str) -> Value {
    let started = Instant::now();
    loop {
        let entry = fees_entry(admin).await;
        if entry["active_version"] == version {
            return entry;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{FEES}@{version} is not active after 10 s: {entry}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn total(dossier: &Value) -> u64 {
    dossier["fee_lines"]
        .as_array()
        .expect("fee lines")
        .iter()
        .map(|fee| fee["line"]["amount_vnd"].as_u64().expect("an amount"))
        .sum()
}

on_both_backends!(
    a_version_scheduled_for_new_year_takes_over_at_midnight_and_the_eve_s_portal_dossier_keeps_the_old_fees
);
async fn a_version_scheduled_for_new_year_takes_over_at_midnight_and_the_eve_s_portal_dossier_keeps_the_old_fees(
    db: TestDb,
) {
    let (portal, mut env) = portal_env(&db);
    let clock = ManualClock::at(local_datetime!(2026-12-31 20:00));
    env.clock = Some(clock.clone());
    let server = env.start().await;
    let admin = server.api(TENANT, "tenant_admin");
    deploy(&admin, "", without_online_discount())
        .await
        .expect(201);

    let refused = admin
        .post(
            &format!("/plugins/{FEES}/schedule"),
            &json!({"version": "2.0.0", "effective_at": "2026-12-31T19:00:00"}),
        )
        .await
        .expect(422);
    assert_eq!(refused["fields"][0]["field"], "effective_at", "{refused}");
    let scheduled = admin
        .post(
            &format!("/plugins/{FEES}/schedule"),
            &json!({"version": "2.0.0", "effective_at": "2027-01-01T00:00:00"}),
        )
        .await
        .expect(201);
    assert_eq!(scheduled["kind"], "scheduled", "{scheduled}");
    assert_eq!(scheduled["applied_at"], Value::Null, "{scheduled}");
    let entry = fees_entry(&admin).await;
    assert_eq!(entry["active_version"], Value::Null, "{entry}");
    assert_eq!(entry["timeline"][0]["version"], "2.0.0", "{entry}");

    // New Year's Eve: the directory's 1.0.0 prices; a citizen submits at
    // the portal a minute before midnight.
    assert_eq!(pricing_version(&server).await, "1.0.0");
    let agency = deciding_agency(&admin).await;
    let eve = format!("{agency}-261231-0900");
    portal
        .portal
        .intake()
        .submit(
            TENANT,
            permit_at_the_portal(&agency, &eve, "20261231235900"),
        )
        .unwrap();

    clock.set(local_datetime!(2027-01-01 00:00));
    let entry = active_becomes(&admin, "2.0.0").await;
    assert_eq!(entry["serving"]["version"], "2.0.0", "{entry}");
    assert!(entry["timeline"][0]["applied_at"].is_string(), "{entry}");
    assert_eq!(pricing_version(&server).await, "2.0.0");

    let report = admin.post("/intake/pull", &json!({})).await.expect(200);
    assert_eq!(report["taken_in"], json!([eve]), "{report}");
    let taken_in = admin.dossier(&eve).await;
    assert_eq!(
        taken_in["fee_lines"][0]["source"]["plugin_version"], "1.0.0",
        "{taken_in}"
    );
    let new_year = submitted_now(&server, &agency).await;
    assert_eq!(
        new_year["fee_lines"][0]["source"]["plugin_version"],
        "2.0.0"
    );
    assert_eq!(
        total(&new_year),
        2 * total(&taken_in),
        "the new resolution drops the online discount of 50%: {new_year} {taken_in}"
    );
}

/// The agency deciding construction permits.
async fn deciding_agency(admin: &Api) -> String {
    let permit = admin
        .get(&format!("/procedures/{PERMIT}"))
        .await
        .expect(200);
    permit["deciding_agency"]
        .as_str()
        .expect("an agency")
        .to_owned()
}

/// An online permit a citizen submits now through the API.
async fn submitted_now(server: &Server, agency: &str) -> Value {
    let body = submission(
        PERMIT,
        agency,
        "online",
        applicant("027088004321", "Nguyễn Văn An"),
        json!([]),
    );
    server
        .api(TENANT, "citizen")
        .submit(&body)
        .await
        .expect(201)
}
