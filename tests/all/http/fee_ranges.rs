//! Money from a fee policy is checked against the domain's ranges (issue 10,
//! class 4): the hostile `fee-overflow` fixture answers a line of u64::MAX
//! VND, three lines whose sum passes 2^64, or a 100,000-character reason.
//! Each is malformed output: the dossier is accepted at the statutory fee,
//! saying why, never a 500, and the payments ledger asks for exactly that.

use motcua_tests::db::TestDb;
use motcua_tests::on_both_backends;
use motcua_tests::server::{TestEnv, applicant, submission};
use serde_json::{Value, json};

on_both_backends!(out_of_range_fee_lines_fall_back_to_the_statutory_fee_and_the_ledger_stays_right);

const FIXTURE: &str = "fee-overflow";

async fn out_of_range_fee_lines_fall_back_to_the_statutory_fee_and_the_ledger_stays_right(
    db: TestDb,
) {
    let env = TestEnv::new(&db);
    env.add_package(FIXTURE, FIXTURE, |manifest| {
        manifest.replace("tenant = \"test\"", "tenant = \"bac-ninh\"")
    });
    let server = env.start().await;
    let tenant = "bac-ninh";
    let admin = server.api(tenant, "tenant_admin");
    let officer = server.api(tenant, "officer");
    let permit = admin.get("/procedures/1.009994").await.expect(200);
    let agency = server.officer_agency(tenant);

    // The fixture's procedures, priced by it; the permit's statutory fee at
    // the counter is 150,000 đ.
    for procedure in ["u64-max", "wrap", "long-reason", "ok"] {
        let mut served = permit.clone();
        served["code"] = json!(procedure);
        served["fee_plugin"] = json!(FIXTURE);
        let reply = admin
            .put(&format!("/procedures/{procedure}"), &served)
            .await;
        assert!(reply.status.is_success(), "PUT /procedures/{procedure}");
    }
    let register = |procedure: &str| {
        submission(
            procedure,
            &agency,
            "counter",
            applicant("027088004321", "Nguyễn Văn An"),
            json!([]),
        )
    };

    // In range: the plugin's line is kept.
    let ok = officer.submit(&register("ok")).await.expect(201);
    assert_eq!(ok["fee_lines"][0]["source"]["type"], "plugin", "{ok}");

    for (procedure, why) in [
        ("u64-max", "over the maximum"),
        ("wrap", "over the maximum"),
        ("long-reason", "reason has 100000 characters"),
    ] {
        let created = officer.submit(&register(procedure)).await.expect(201);
        let lines = created["fee_lines"].as_array().expect("fee lines");
        assert_eq!(
            lines.len(),
            1,
            "{procedure}: the statutory line only: {created}"
        );
        let fee = &lines[0];
        assert_eq!(fee["source"]["type"], "fallback", "{procedure}: {fee}");
        assert_eq!(fee["line"]["amount_vnd"], 150_000, "{procedure}: {fee}");
        let note = fee["source"]["note"].as_str().expect("a fallback says why");
        assert!(note.contains("malformed output"), "{procedure}: {note}");
        assert!(note.contains(why), "{procedure}: {note}");
        assert!(
            note.len() < 1_000,
            "{procedure}: the note stays short: {note}"
        );

        // The ledger asks for exactly the statutory fee, and takes it.
        let code = created["code"].as_str().unwrap();
        let payments = format!("/dossiers/{code}/payments");
        let wrong = officer
            .post(&payments, &json!({"channel": "counter", "amount_vnd": 2}))
            .await
            .expect(422);
        assert!(
            wrong["message"]
                .as_str()
                .unwrap_or_default()
                .contains("150000 VND is due"),
            "{procedure}: {wrong}"
        );
        let paid: Value = officer
            .post(
                &payments,
                &json!({"channel": "counter", "amount_vnd": 150_000}),
            )
            .await
            .expect(201);
        assert_eq!(paid[0]["record"]["payment"]["paid_vnd"], 150_000, "{paid}");
    }
    server.stop().await;
}
