//! Fees over HTTP: the tenant's fee plugin prices with provenance, and a fee
//! plugin that traps leaves the statutory fee applied and audited.

use motcua_tests::db::TestDb;
use motcua_tests::on_both_backends;
use motcua_tests::server::{TestEnv, applicant, submission};
use serde_json::{Value, json};

on_both_backends!(a_trapping_fee_plugin_leaves_the_statutory_fee_applied_and_audited);

/// The `misbehaving` fixture deployed for Bắc Ninh; it panics when the
/// procedure code is `panic`.
const FIXTURE: &str = "misbehaving";

async fn a_trapping_fee_plugin_leaves_the_statutory_fee_applied_and_audited(db: TestDb) {
    let env = TestEnv::new(&db);
    env.add_package(FIXTURE, FIXTURE, |manifest| {
        assert!(
            manifest.contains("tenant = \"test\""),
            "the fixture's manifest changed:\n{manifest}"
        );
        manifest.replace("tenant = \"test\"", "tenant = \"bac-ninh\"")
    });
    let server = env.start().await;
    let tenant = "bac-ninh";
    let admin = server.api(tenant, "tenant_admin");
    let citizen = server.api(tenant, "citizen");

    // The construction permit, priced by bac-ninh-fees: 75,000 đ online.
    let permit = admin.get("/procedures/1.009994").await.expect(200);
    let agency = permit["deciding_agency"]
        .as_str()
        .expect("a deciding agency")
        .to_owned();
    let body = |procedure: &str| {
        submission(
            procedure,
            &agency,
            "online",
            applicant("027088004321", "Nguyễn Văn An"),
            json!([]),
        )
    };
    let priced = citizen.submit(&body("1.009994")).await.expect(201);
    let lines = priced["fee_lines"].as_array().expect("fee lines");
    assert!(!lines.is_empty(), "{priced}");
    for fee in lines {
        assert_eq!(fee["source"]["type"], "plugin", "{fee}");
        assert_eq!(fee["source"]["plugin_id"], "bac-ninh-fees", "{fee}");
        assert!(fee["source"]["plugin_version"].is_string(), "{fee}");
        assert_eq!(
            fee["source"]["artifact_digest"].as_str().map(str::len),
            Some(64),
            "{fee}"
        );
    }
    let total: i64 = lines
        .iter()
        .map(|f| f["line"]["amount_vnd"].as_i64().unwrap())
        .sum();
    assert_eq!(total, 75_000, "the online rate of bac-ninh-fees: {priced}");

    // A procedure served by the fixture, set up over the API.
    let mut panic_procedure = permit.clone();
    panic_procedure["code"] = json!("panic");
    panic_procedure["fee_plugin"] = json!(FIXTURE);
    let reply = admin.put("/procedures/panic", &panic_procedure).await;
    assert!(
        reply.status.is_success(),
        "PUT /procedures/panic: {}",
        String::from_utf8_lossy(&reply.bytes)
    );
    let stored = admin.get("/procedures/panic").await.expect(200);
    assert_eq!(stored["fee_plugin"], FIXTURE);
    let statutory: Vec<&Value> = stored["channels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["channel"] == "online")
        .expect("offered online")["statutory_fees"]
        .as_array()
        .unwrap()
        .iter()
        .collect();
    assert!(!statutory.is_empty());

    // The plugin traps: the dossier is accepted at the statutory fee.
    let created = citizen.submit(&body("panic")).await.expect(201);
    let code = created["code"].as_str().unwrap().to_owned();
    let lines = created["fee_lines"].as_array().expect("fee lines");
    assert_eq!(lines.len(), statutory.len(), "{created}");
    for (fee, expected) in lines.iter().zip(&statutory) {
        assert_eq!(fee["source"]["type"], "fallback", "{fee}");
        let note = fee["source"]["note"].as_str().expect("a fallback says why");
        assert!(note.contains(FIXTURE), "the note names the plugin: {note}");
        assert_eq!(fee["line"]["code"], expected["code"], "{fee}");
        assert_eq!(fee["line"]["amount_vnd"], expected["amount_vnd"], "{fee}");
        assert_eq!(fee["line"]["amount_vnd"], 150_000, "{fee}");
    }
    let details = citizen.dossier(&code).await;
    assert_eq!(
        details["fee_lines"], created["fee_lines"],
        "stored as returned"
    );

    // The audit trail says so on the event that created the dossier.
    let events = citizen.events(&code).await;
    let note = events[0]["event"]["note"]
        .as_str()
        .unwrap_or_else(|| panic!("no note: {}", events[0]));
    assert!(
        note.contains("statutory"),
        "the creating event notes the fallback: {note}"
    );
    assert!(note.contains(FIXTURE), "and names the plugin: {note}");
    let report = citizen
        .get(&format!("/audit/verify?dossier={code}"))
        .await
        .expect(200);
    assert_eq!(report["first_break"], Value::Null);

    // The host keeps serving, and the plugin's failure is counted.
    let plugins = server.operator_plugins().await;
    let fixture = plugins["plugins"]
        .as_array()
        .and_then(|l| l.iter().find(|p| p["id"] == FIXTURE))
        .unwrap_or_else(|| panic!("the operator's listing shows {FIXTURE}: {plugins}"));
    assert!(fixture["failed"].as_u64().unwrap_or(0) >= 1, "{fixture}");
    citizen.submit(&body("1.009994")).await.expect(201);

    server.stop().await;
}
