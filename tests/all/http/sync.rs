//! National synchronisation end to end (issue 4's "Must show"): the real
//! national-portal sync connector, built from this repo, delivering through
//! the host's outbox dispatcher to the portal stand-in on loopback (the real
//! National Public Service Portal is out of reach).

use std::time::Duration;

use motcua::domain::time::LocalDateTime;
use motcua::standin::portal::Portal;
use motcua_tests::db::TestDb;
use motcua_tests::on_both_backends;
use motcua_tests::server::{Api, TestEnv, applicant, submission};
use motcua_tests::standin::{self, FaultMode, Options, PortalStandin};
use serde_json::{Value, json};

use super::{code, into_review, submit_online_birth};

const TENANT: &str = "da-nang";

/// The portal stand-in, and a test environment whose portal connector
/// (the shipped package, its endpoint and allowlist pointed at the
/// stand-in's port) delivers to it.
pub(super) fn portal_env(db: &TestDb) -> (PortalStandin, TestEnv) {
    let portal = standin::national_portal_with(Options {
        token: Some(PORTAL_TOKEN.into()),
        ..Options::default()
    });
    let env = TestEnv::new(db);
    // The operator lets connectors reach the stand-in on loopback, and gives
    // the portal's token as a secret the host injects.
    env.connect_portal(portal.addr.port(), PORTAL_TOKEN);
    (portal, env)
}

/// The portal stand-in refuses requests without it.
const PORTAL_TOKEN: &str = "s3cr3t-portal-token";

fn at(value: &Value) -> LocalDateTime {
    serde_json::from_value(value.clone())
        .unwrap_or_else(|e| panic!("{value} is not a local time: {e}"))
}

/// Received, reviewed, approved and returned by the demo officer.
async fn process_to_the_end(officer: &Api, code: &str) {
    officer.act_ok(code, json!({"action": "receive"})).await;
    into_review(officer, code).await;
    officer.act_ok(code, json!({"action": "approve"})).await;
    officer
        .act_ok(code, json!({"action": "return_result"}))
        .await;
}

/// Waits until the tenant's outbox has nothing pending for the portal.
pub(super) async fn drained(admin: &Api) {
    for _ in 0..400 {
        let pending = admin
            .get("/outbox?state=pending&kind=national.progress")
            .await
            .expect(200);
        if pending["items"]
            .as_array()
            .is_some_and(|items| items.is_empty())
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the outbox still has pending entries after 20 s");
}

/// Every local event of the dossier is held by the portal exactly once, in
/// order, with the time it happened and its status; the portal's on-time
/// verdict equals the local one.
async fn assert_portal_holds(portal: &Portal, officer: &Api, code: &str) {
    let events = officer.events(code).await;
    let held = portal
        .held(code)
        .unwrap_or_else(|| panic!("the portal holds nothing for {code}"));
    let expected: Vec<(String, LocalDateTime, u64)> = events
        .iter()
        .map(|e| {
            (
                format!("{code}.{}", e["seq"]),
                at(&e["event"]["at"]),
                e["event"]["national_status"].as_u64().unwrap(),
            )
        })
        .collect();
    let arrived: Vec<(String, LocalDateTime, u64)> = held
        .progress
        .iter()
        .map(|p| (p.event_id.clone(), p.at.into(), u64::from(p.status)))
        .collect();
    assert_eq!(
        arrived, expected,
        "each event once, in order, with its own time and status"
    );
    let details = officer.dossier(code).await;
    let record = held.record.expect("the dossier record was upserted");
    assert_eq!(
        u64::from(record.status),
        details["national_status"].as_u64().unwrap()
    );
    let status = portal.status(code).expect("the portal answers for it");
    let local_on_time = details["timeliness"]["verdict"]
        .as_str()
        .map(|verdict| verdict == "on_time");
    assert!(
        local_on_time.is_some(),
        "the dossier has finished: {details}"
    );
    assert_eq!(
        status.on_time, local_on_time,
        "on-time flags agree ({})",
        details["timeliness"]
    );
}

on_both_backends!(every_status_change_reaches_the_portal_with_its_event_time_and_reconciles);
async fn every_status_change_reaches_the_portal_with_its_event_time_and_reconciles(db: TestDb) {
    let (portal, env) = portal_env(&db);
    let server = env.start().await;
    let officer = server.api(TENANT, "officer");
    let admin = server.api(TENANT, "tenant_admin");

    let submitted = submit_online_birth(&server, TENANT, "Lê Minh Khang").await;
    let code = code(&submitted);
    process_to_the_end(&officer, &code).await;
    drained(&admin).await;
    assert_portal_holds(&portal.portal, &officer, &code).await;

    let delivered = admin
        .get(&format!("/outbox?dossier={code}&state=delivered"))
        .await
        .expect(200);
    let events = officer.events(&code).await;
    assert_eq!(
        delivered["items"].as_array().unwrap().len(),
        events.len(),
        "one delivered entry per event"
    );

    let report = admin.get("/reconciliation").await.expect(200);
    assert_eq!(report["checked"], 1, "{report}");
    assert_eq!(report["mismatches"], json!([]), "{report}");

    // Someone changes the portal's copy: reconciliation names the dossier
    // and the cause.
    let mut patch = serde_json::Map::new();
    patch.insert("status".into(), json!(4));
    portal
        .portal
        .edit(&code, patch)
        .expect("edit the portal's copy");
    let report = admin.get("/reconciliation").await.expect(200);
    let mismatches = report["mismatches"].as_array().unwrap();
    assert_eq!(mismatches.len(), 1, "{report}");
    assert_eq!(mismatches[0]["dossier_code"], code.as_str());
    assert!(
        mismatches[0]["causes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["cause"] == "different_status" && c["portal"] == 4),
        "{report}"
    );

    // Operators only: an officer is refused, another tenant sees nothing.
    officer.get("/outbox").await.expect_error(403, "forbidden");
    let other = server.api_with(TENANT, Some(server.token("bac-ninh", "tenant_admin")));
    other.get("/outbox").await.expect(404);
    server.stop().await;
}

on_both_backends!(a_fee_line_changed_at_the_portal_is_named_by_reconciliation);
async fn a_fee_line_changed_at_the_portal_is_named_by_reconciliation(db: TestDb) {
    let (portal, env) = portal_env(&db);
    let server = env.start().await;
    let tenant = "bac-ninh";
    let admin = server.api(tenant, "tenant_admin");
    let citizen = server.api(tenant, "citizen");

    // A construction permit submitted online, priced by bac-ninh-fees:
    // 150,000 đ halved online.
    let permit = admin.get("/procedures/1.009994").await.expect(200);
    let agency = permit["deciding_agency"]
        .as_str()
        .expect("a deciding agency");
    let submitted = citizen
        .submit(&submission(
            "1.009994",
            agency,
            "online",
            applicant("027088004321", "Nguyễn Văn An"),
            json!([]),
        ))
        .await
        .expect(201);
    let code = code(&submitted);
    let owed: Vec<(&str, u64, &str)> = submitted["fee_lines"]
        .as_array()
        .expect("fee lines")
        .iter()
        .map(|fee| {
            (
                fee["line"]["code"].as_str().unwrap(),
                fee["line"]["amount_vnd"].as_u64().unwrap(),
                fee["source"]["plugin_id"].as_str().unwrap_or("-"),
            )
        })
        .collect();
    const PERMIT_CHARGE: &str = "le-phi-cap-giay-phep-xay-dung";
    assert_eq!(
        owed,
        [(PERMIT_CHARGE, 75_000, "bac-ninh-fees")],
        "{submitted}"
    );

    // Synced, the portal holds the same line and nothing differs.
    drained(&admin).await;
    let record = portal
        .portal
        .held(&code)
        .and_then(|held| held.record)
        .expect("the dossier record was upserted");
    let held: Vec<(&str, u64)> = record
        .fee_lines
        .iter()
        .map(|line| (line.code.as_str(), line.amount_vnd))
        .collect();
    assert_eq!(held, [(PERMIT_CHARGE, 75_000)]);
    let report = admin.get("/reconciliation").await.expect(200);
    assert_eq!(report["checked"], 1, "{report}");
    assert_eq!(report["mismatches"], json!([]), "{report}");

    // Someone changes the portal's copy through its admin API: it now shows
    // the undiscounted charge.
    let mut planted = serde_json::to_value(&record.fee_lines).expect("fee lines serialise");
    planted[0]["amount_vnd"] = json!(150_000);
    let edited = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("HTTP client")
        .patch(format!("{}/admin/dossiers/{code}", portal.running.url()))
        .bearer_auth(PORTAL_TOKEN)
        .json(&json!({ "fee_lines": planted }))
        .send()
        .await
        .expect("the portal's admin API answers");
    assert_eq!(edited.status(), 200, "{:?}", edited.text().await);

    // Reconciliation names the dossier, the line and what differs, and
    // nothing else.
    let report = admin.get("/reconciliation").await.expect(200);
    assert_eq!(report["checked"], 1, "{report}");
    let mismatches = report["mismatches"].as_array().unwrap();
    assert_eq!(mismatches.len(), 1, "{report}");
    assert_eq!(mismatches[0]["dossier_code"], code.as_str());
    let causes = mismatches[0]["causes"].as_array().unwrap();
    assert_eq!(causes.len(), 1, "only the fee lines differ: {report}");
    assert_eq!(causes[0]["cause"], "different_fee_lines", "{report}");
    let lines = causes[0]["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 1, "{report}");
    assert_eq!(lines[0]["difference"], "different");
    assert_eq!(lines[0]["code"], PERMIT_CHARGE);
    assert_eq!(lines[0]["fields"], json!(["amount_vnd"]));
    assert_eq!(lines[0]["local"]["amount_vnd"], 75_000);
    assert_eq!(lines[0]["portal"]["amount_vnd"], 150_000);
    server.stop().await;
}

on_both_backends!(after_an_outage_and_a_crash_every_event_arrives_once_in_order);
async fn after_an_outage_and_a_crash_every_event_arrives_once_in_order(db: TestDb) {
    let (portal, env) = portal_env(&db);
    let server = env.start().await;
    let officer = server.api(TENANT, "officer");
    let admin = server.api(TENANT, "tenant_admin");

    // The portal fails while dossiers keep moving.
    standin::set_faults(&portal.faults, FaultMode::Fail, 0);
    let mut codes = Vec::new();
    for child in ["Nguyễn An", "Trần Bình", "Lê Chi"] {
        let code = code(&submit_online_birth(&server, TENANT, child).await);
        process_to_the_end(&officer, &code).await;
        codes.push(code);
    }
    // The dispatcher is retrying, and says why.
    let mut failing = Value::Null;
    for _ in 0..200 {
        failing = admin.get("/outbox?state=pending").await.expect(200);
        if failing["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["attempts"].as_u64() > Some(0) && e["last_error"].is_string())
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        failing["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["attempts"].as_u64() > Some(0)),
        "entries are retried during the outage: {failing}"
    );
    // Reconciliation during the outage lists every dossier, with why.
    let report = admin.get("/reconciliation").await.expect(200);
    let mismatches = report["mismatches"].as_array().unwrap();
    assert_eq!(mismatches.len(), codes.len(), "{report}");
    for mismatch in mismatches {
        let causes: Vec<&str> = mismatch["causes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["cause"].as_str().unwrap())
            .collect();
        assert!(causes.contains(&"unreachable"), "{report}");
        assert!(
            causes.contains(&"retrying") || causes.contains(&"never_sent"),
            "{report}"
        );
    }

    // It recovers: everything arrives, once, in order.
    standin::set_faults(&portal.faults, FaultMode::Ok, 0);
    drained(&admin).await;
    for code in &codes {
        assert_portal_holds(&portal.portal, &officer, code).await;
    }

    // The host dies while a delivery is in flight (the portal is slow),
    // and is started again: delivery resumes where it stopped.
    standin::set_faults(&portal.faults, FaultMode::Slow, 700);
    let late = code(&submit_online_birth(&server, TENANT, "Phạm Dũng").await);
    process_to_the_end(&officer, &late).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    server.kill().await;
    standin::set_faults(&portal.faults, FaultMode::Ok, 0);
    let server = env.start().await;
    let officer = server.api(TENANT, "officer");
    let admin = server.api(TENANT, "tenant_admin");
    drained(&admin).await;
    for code in codes.iter().chain([&late]) {
        assert_portal_holds(&portal.portal, &officer, code).await;
    }
    let report = admin.get("/reconciliation").await.expect(200);
    assert_eq!(report["checked"], 4, "{report}");
    assert_eq!(report["mismatches"], json!([]), "{report}");
    server.stop().await;
}

on_both_backends!(a_failed_initiative_is_retried_and_its_letter_attached_once_it_works);
async fn a_failed_initiative_is_retried_and_its_letter_attached_once_it_works(db: TestDb) {
    let env = TestEnv::new(&db);
    let manifest = env.plugins_dir().join("da-nang-initiatives/plugin.toml");
    let shipped = std::fs::read_to_string(&manifest).expect("the initiatives manifest");
    // Starved of fuel, the initiative fails on every event.
    std::fs::write(
        &manifest,
        shipped.replace("fuel = 20_000_000", "fuel = 10_000"),
    )
    .expect("write the manifest");
    let server = env.start().await;
    let officer = server.api(TENANT, "officer");
    let admin = server.api(TENANT, "tenant_admin");
    let code = code(&submit_online_birth(&server, TENANT, "Võ Gia Bảo").await);
    process_to_the_end(&officer, &code).await;

    let details = officer.dossier(&code).await;
    assert!(
        super::documents_of_kind(&details, "congratulation-letter").is_empty(),
        "no letter while the initiative fails: {details}"
    );
    let notes: Vec<String> = officer
        .events(&code)
        .await
        .iter()
        .filter_map(|e| e["event"]["note"].as_str().map(str::to_owned))
        .collect();
    assert!(
        notes.iter().any(|n| n.contains("queued for retry")),
        "the audit trail says why: {notes:?}"
    );
    let retries = admin
        .get(&format!("/outbox?dossier={code}&kind=initiative.retry"))
        .await
        .expect(200);
    assert!(
        !retries["items"].as_array().unwrap().is_empty(),
        "the failures are queued: {retries}"
    );
    server.stop().await;

    // The operator fixes the plugin and restarts: the queued retries run and
    // the letter is attached, without anyone touching the dossier.
    std::fs::write(&manifest, &shipped).expect("restore the manifest");
    let server = env.start().await;
    let officer = server.api(TENANT, "officer");
    let admin = server.api(TENANT, "tenant_admin");
    let mut letters = 0;
    for _ in 0..400 {
        let details = officer.dossier(&code).await;
        letters = super::documents_of_kind(&details, "congratulation-letter").len();
        let pending = admin
            .get(&format!(
                "/outbox?dossier={code}&kind=initiative.retry&state=pending"
            ))
            .await
            .expect(200);
        if letters > 0 && pending["items"].as_array().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        letters, 1,
        "the retried initiative attached its letter once"
    );
    server.stop().await;
}

on_both_backends!(a_tenants_connector_offering_push_progress_does_not_take_over_national_sync);
/// Issue 10, class 9: a tenant admin deploys and activates the hostile
/// `purpose-hijack` connector (no egress, offers every portal operation,
/// acknowledges each push without sending anything). National sync stays
/// with the connector the operator assigned (the platform's
/// national-portal-sync, by default): the portal stand-in receives the
/// dossier, and the plugins list says which connector serves the purpose.
async fn a_tenants_connector_offering_push_progress_does_not_take_over_national_sync(db: TestDb) {
    let (portal, env) = portal_env(&db);
    let server = env.start().await;
    let officer = server.api(TENANT, "officer");
    let admin = server.api(TENANT, "tenant_admin");

    let hijack = hijack_archive(TENANT);
    let deployed = admin
        .send(
            admin
                .request(reqwest::Method::POST, "/plugins?activate=true")
                .header(reqwest::header::CONTENT_TYPE, "application/gzip")
                .body(hijack),
        )
        .await
        .expect(201);
    assert_eq!(deployed["active"], true, "{deployed}");

    let submitted = submit_online_birth(&server, TENANT, "Trần Gia Bảo").await;
    let code = code(&submitted);
    process_to_the_end(&officer, &code).await;
    drained(&admin).await;
    assert_portal_holds(&portal.portal, &officer, &code).await;

    let listing = admin.get("/plugins").await.expect(200);
    let purposes_of = |entry: &Value| entry["purposes"].clone();
    let platform = listing["platform"].as_array().expect("platform plugins");
    let sync = platform
        .iter()
        .find(|p| p["id"] == "national-portal-sync")
        .unwrap_or_else(|| panic!("the platform's portal connector is listed: {listing}"));
    assert_eq!(
        purposes_of(sync),
        json!(["national-sync", "portal-intake"]),
        "{sync}"
    );
    let own = listing["plugins"].as_array().expect("the tenant's plugins");
    let hijacker = own
        .iter()
        .find(|p| p["id"] == "purpose-hijack")
        .unwrap_or_else(|| panic!("the tenant's connector is listed: {listing}"));
    assert_eq!(purposes_of(&hijacker["serving"]), json!([]), "{hijacker}");

    // Nor does it take the tenant's online dossiers in (it would answer an
    // empty queue): the platform's connector does.
    let agency = server.officer_agency(TENANT);
    let national_code = format!("{agency}-261130-0001");
    let waiting: motcua::standin::portal::intake::Submission = serde_json::from_value(json!({
        "national_code": national_code, "procedure_code": "1.001193", "agency_code": agency,
        "applicant": {"kind": "citizen", "id": "048095001234", "full_name": "Phạm Thị Thu Hà"},
        "submitted_at": "20261130090000"
    }))
    .unwrap();
    portal.portal.intake().submit(TENANT, waiting).unwrap();
    let pulled = admin.post("/intake/pull", &json!({})).await.expect(200);
    assert_eq!(pulled["taken_in"], json!([national_code]), "{pulled}");
    server.stop().await;
}

/// The built `purpose-hijack` package as `tenant`'s own, packed as a
/// tenant admin uploads it.
fn hijack_archive(tenant: &str) -> Vec<u8> {
    let package = motcua_tests::package("purpose-hijack");
    let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::fast(),
    ));
    for entry in std::fs::read_dir(&package).expect("the built package") {
        let path = entry.expect("an entry").path();
        let name = path
            .file_name()
            .expect("a name")
            .to_string_lossy()
            .into_owned();
        let mut bytes = std::fs::read(&path).expect("a package file");
        if name == "plugin.toml" {
            bytes = String::from_utf8(bytes)
                .expect("a text manifest")
                .replace("tenant = \"test\"", &format!("tenant = \"{tenant}\""))
                .into_bytes();
        }
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder
            .append_data(
                &mut header,
                format!("purpose-hijack/{name}"),
                bytes.as_slice(),
            )
            .expect("pack a file");
    }
    builder
        .into_inner()
        .and_then(|gz| gz.finish())
        .expect("finish the archive")
}
