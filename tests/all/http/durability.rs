//! What survives: a restarted host serves every acknowledged dossier as it
//! was, and the audit verification catches a row edited in the database.

use motcua_tests::db::TestDb;
use motcua_tests::on_both_backends;
use motcua_tests::server::TestEnv;
use serde_json::{Value, json};

use super::{base64, code, into_review, register_at_counter, submit_online_birth};

on_both_backends!(
    a_restarted_host_serves_every_acknowledged_dossier_unchanged,
    audit_verify_over_http_reports_the_dossier_whose_event_row_was_edited,
);

async fn a_restarted_host_serves_every_acknowledged_dossier_unchanged(db: TestDb) {
    let env = TestEnv::new(&db);
    let server = env.start().await;
    let tenant = "bac-ninh";
    let officer = server.api(tenant, "officer");

    // Dossiers at several stages, one with a result document.
    let mut codes = Vec::new();
    for i in 0..3 {
        codes.push(code(
            &submit_online_birth(&server, tenant, &format!("Trẻ {i}")).await,
        ));
    }
    let counter = code(&register_at_counter(&server, tenant, "1.004194", json!([])).await);
    into_review(&officer, &counter).await;
    officer
        .act_ok(
            &counter,
            json!({"action": "request_supplementation", "reason": "thiếu CT01"}),
        )
        .await;
    codes.push(counter);
    let done = code(&register_at_counter(&server, tenant, "1.004194", json!([])).await);
    into_review(&officer, &done).await;
    officer
        .act_ok(
            &done,
            json!({"action": "approve", "result": {
                "title": "Xác nhận", "media_type": "text/plain", "content_base64": base64(b"ket qua"),
            }}),
        )
        .await;
    officer
        .act_ok(&done, json!({"action": "return_result"}))
        .await;
    codes.push(done.clone());

    let mut snapshots = Vec::new();
    for code in &codes {
        snapshots.push((officer.dossier(code).await, officer.events(code).await));
    }
    let document_id = snapshots[4].0["documents"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // The host goes away without a graceful shutdown, then comes back on the
    // same database and data directory.
    server.kill().await;
    let server = env.start().await;
    let officer = server.api(tenant, "officer");
    for (code, (details, events)) in codes.iter().zip(&snapshots) {
        assert_eq!(
            &officer.dossier(code).await,
            details,
            "{code} after the restart"
        );
        assert_eq!(
            &officer.events(code).await,
            events,
            "{code}'s events after the restart"
        );
    }
    let document = officer
        .get(&format!("/dossiers/{done}/documents/{document_id}"))
        .await;
    document.expect(200);
    assert_eq!(document.bytes, b"ket qua");
    let report = server
        .api(tenant, "tenant_admin")
        .get("/audit/verify")
        .await
        .expect(200);
    assert_eq!(report["dossiers_checked"], codes.len() as u64);
    assert_eq!(report["first_break"], Value::Null);

    // It carries on: new codes continue the day's counter, the open
    // dossiers move on.
    let next = code(&submit_online_birth(&server, tenant, "Trẻ sau khởi động lại").await);
    assert!(!codes.contains(&next), "{next} is a fresh code");
    officer
        .act_ok(&codes[0], json!({"action": "receive"}))
        .await;
    officer
        .act_ok(&codes[3], json!({"action": "supplement"}))
        .await;
    assert_eq!(officer.all_codes().await.len(), codes.len() + 1);

    server.stop().await;
}

async fn audit_verify_over_http_reports_the_dossier_whose_event_row_was_edited(db: TestDb) {
    let env = TestEnv::new(&db);
    let server = env.start().await;
    let tenant = "bac-ninh";
    let officer = server.api(tenant, "officer");

    let untouched = code(&register_at_counter(&server, tenant, "1.004194", json!([])).await);
    into_review(&officer, &untouched).await;
    let edited = code(&register_at_counter(&server, tenant, "1.004194", json!([])).await);
    into_review(&officer, &edited).await;
    officer
        .act_ok(
            &edited,
            json!({"action": "stop", "reason": "người nộp không đến"}),
        )
        .await;
    let clean = server
        .api(tenant, "tenant_admin")
        .get("/audit/verify")
        .await
        .expect(200);
    assert_eq!(clean["first_break"], Value::Null, "{clean}");
    assert_eq!(clean["dossiers_checked"], 2);

    // Someone with database access rewrites who received the dossier.
    let updated = sqlx::query(
        "UPDATE dossier_events SET note = 'đã sửa', actor_id = 'someone-else' \
         WHERE seq = 2 AND tenant_id = $1 \
         AND dossier_id = (SELECT id FROM dossiers WHERE tenant_id = $1 AND code = $2)",
    )
    .bind(tenant)
    .bind(&edited)
    .execute(server.db.pool())
    .await
    .expect("edit the event row");
    assert_eq!(updated.rows_affected(), 1);

    let report = server
        .api(tenant, "tenant_admin")
        .get("/audit/verify")
        .await
        .expect(200);
    let fault = &report["first_break"];
    assert_eq!(fault["dossier_code"], edited.as_str(), "{report}");
    assert_eq!(fault["seq"], 2, "{report}");
    assert_eq!(fault["reason"]["type"], "hash_mismatch", "{report}");
    let one = officer
        .get(&format!("/audit/verify?dossier={edited}"))
        .await
        .expect(200);
    assert_eq!(one["first_break"]["dossier_code"], edited.as_str(), "{one}");
    let other = officer
        .get(&format!("/audit/verify?dossier={untouched}"))
        .await
        .expect(200);
    assert_eq!(other["first_break"], Value::Null, "{other}");

    // Deleting the last row is caught too.
    sqlx::query(
        "DELETE FROM dossier_events WHERE tenant_id = $1 AND seq = 3 \
         AND dossier_id = (SELECT id FROM dossiers WHERE tenant_id = $1 AND code = $2)",
    )
    .bind(tenant)
    .bind(&untouched)
    .execute(server.db.pool())
    .await
    .expect("delete an event row");
    let report = officer
        .get(&format!("/audit/verify?dossier={untouched}"))
        .await
        .expect(200);
    assert_eq!(
        report["first_break"]["dossier_code"],
        untouched.as_str(),
        "{report}"
    );

    server.stop().await;
}
