//! Payments over HTTP: an officer records exactly what the collected fee
//! lines owe, once; refunds never exceed what was paid; only officers of
//! the tenant handle money.

use motcua_tests::db::TestDb;
use motcua_tests::on_both_backends;
use motcua_tests::server::TestEnv;
use serde_json::{Value, json};

use super::{code, register_at_counter};

on_both_backends!(
    an_officer_records_and_refunds_a_counter_payment,
    each_refund_keeps_its_reason_officer_and_time,
);

/// The error names `amount_vnd` in its fields.
#[track_caller]
fn names_amount(body: &Value) {
    let fields = body["fields"].as_array().expect("an error has fields");
    assert!(
        fields.iter().any(|f| f["field"] == "amount_vnd"),
        "the error names amount_vnd: {body}"
    );
}

async fn an_officer_records_and_refunds_a_counter_payment(db: TestDb) {
    let env = TestEnv::new(&db);
    let server = env.start().await;
    let tenant = "bac-ninh";
    let officer = server.api(tenant, "officer");
    let citizen = server.api(tenant, "citizen");

    // A construction permit at the counter: 150,000 đ collected.
    let permit = register_at_counter(&server, tenant, "1.009994", json!([])).await;
    let code = code(&permit);
    let total: u64 = permit["fee_lines"]
        .as_array()
        .expect("fee lines")
        .iter()
        .filter(|f| f["line"]["collection"] != "not_collected")
        .map(|f| f["line"]["amount_vnd"].as_u64().unwrap())
        .sum();
    assert_eq!(total, 150_000, "{permit}");
    let payments = format!("/dossiers/{code}/payments");
    assert_eq!(officer.get(&payments).await.expect(200), json!([]));

    // Only an officer records a payment: a leader, who sees the dossier,
    // is refused; a citizen who is not its applicant does not see it.
    let counter = |amount: u64| json!({"channel": "counter", "amount_vnd": amount});
    server
        .api(tenant, "leader")
        .post(&payments, &counter(150_000))
        .await
        .expect_error(403, "forbidden");
    citizen
        .post(&payments, &counter(150_000))
        .await
        .expect_error(404, "not_found");

    // A wrong amount is refused, naming the field; nothing is stored.
    let wrong = officer
        .post(&payments, &counter(100_000))
        .await
        .expect_error(422, "invalid_request");
    names_amount(&wrong);
    assert_eq!(officer.get(&payments).await.expect(200), json!([]));

    // The exact amount: paid.
    let mut body = counter(150_000);
    body["reference"] = json!("BL-0001234");
    let recorded = officer.post(&payments, &body).await.expect(201);
    let list = recorded.as_array().expect("the payments");
    assert_eq!(list.len(), 1, "{recorded}");
    let record = &list[0]["record"];
    assert_eq!(record["payment"]["status"], "paid", "{record}");
    assert_eq!(record["payment"]["channel"], "counter", "{record}");
    assert_eq!(record["payment"]["paid_vnd"], 150_000, "{record}");
    assert_eq!(record["reference"], "BL-0001234", "{record}");
    let id = record["id"].as_str().expect("an id").to_owned();
    assert_eq!(officer.get(&payments).await.expect(200), recorded);
    // The dossier is readable as before.
    assert_eq!(officer.dossier(&code).await["state"], permit["state"]);

    // Nothing is due any more.
    let again = officer
        .post(&payments, &counter(150_000))
        .await
        .expect_error(422, "invalid_request");
    names_amount(&again);

    // A partial refund.
    let refund = format!("{payments}/{id}/refund");
    let refunded = officer
        .post(
            &refund,
            &json!({"amount_vnd": 50_000, "reason": "giảm phí theo nghị quyết"}),
        )
        .await
        .expect(200);
    let payment = &refunded[0]["record"]["payment"];
    assert_eq!(payment["status"], "refunded", "{refunded}");
    assert_eq!(payment["refunded_vnd"], 50_000, "{refunded}");
    let refundable =
        payment["paid_vnd"].as_u64().unwrap() - payment["refunded_vnd"].as_u64().unwrap();
    assert_eq!(refundable, 100_000, "{refunded}");

    // More than is left to refund.
    let too_much = officer
        .post(&refund, &json!({"amount_vnd": 200_000, "reason": "nhầm"}))
        .await
        .expect_error(422, "invalid_request");
    names_amount(&too_much);
    officer
        .post(
            &format!("{payments}/no-such-payment/refund"),
            &json!({"amount_vnd": 1, "reason": "nhầm"}),
        )
        .await
        .expect_error(404, "not_found");

    // Another tenant's officer sees nothing.
    let stranger = server.api_with(tenant, Some(server.token("da-nang", "officer")));
    stranger.get(&payments).await.expect_error(404, "not_found");
    stranger
        .post(&payments, &counter(150_000))
        .await
        .expect_error(404, "not_found");
    stranger
        .post(&refund, &json!({"amount_vnd": 1, "reason": "x"}))
        .await
        .expect_error(404, "not_found");

    server.stop().await;
}

async fn each_refund_keeps_its_reason_officer_and_time(db: TestDb) {
    let env = TestEnv::new(&db);
    let server = env.start().await;
    let tenant = "bac-ninh";
    let officer = server.api(tenant, "officer");
    let permit = register_at_counter(&server, tenant, "1.009994", json!([])).await;
    let payments = format!("/dossiers/{}/payments", code(&permit));
    let recorded = officer
        .post(
            &payments,
            &json!({"channel": "counter", "amount_vnd": 150_000}),
        )
        .await
        .expect(201);
    assert_eq!(recorded[0]["refunds"], json!([]), "{recorded}");
    let id = recorded[0]["record"]["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    let refund = format!("{payments}/{id}/refund");

    officer
        .post(
            &refund,
            &json!({"amount_vnd": 50_000, "reason": "  giảm phí theo nghị quyết  "}),
        )
        .await
        .expect(200);
    // A refused refund leaves no reason behind.
    officer
        .post(&refund, &json!({"amount_vnd": 500_000, "reason": "nhầm"}))
        .await
        .expect_error(422, "invalid_request");
    let blank = officer
        .post(&refund, &json!({"amount_vnd": 1_000, "reason": " "}))
        .await
        .expect_error(422, "invalid_request");
    assert_eq!(blank["fields"][0]["field"], "reason", "{blank}");
    officer
        .post(
            &refund,
            &json!({"amount_vnd": 20_000, "reason": "thu nhầm phí thẩm định"}),
        )
        .await
        .expect(200);

    // The list, read back from the database, has both refunds in order.
    let list = officer.get(&payments).await.expect(200);
    let refunds = list[0]["refunds"].as_array().expect("refunds").clone();
    let reasons: Vec<&str> = refunds
        .iter()
        .map(|r| r["reason"].as_str().unwrap())
        .collect();
    assert_eq!(
        reasons,
        ["giảm phí theo nghị quyết", "thu nhầm phí thẩm định"]
    );
    let amounts: Vec<u64> = refunds
        .iter()
        .map(|r| r["amount_vnd"].as_u64().unwrap())
        .collect();
    assert_eq!(amounts, [50_000, 20_000]);
    assert_eq!(list[0]["record"]["payment"]["refunded_vnd"], 70_000);
    let officer_id = server.logins.0[tenant]["officer"].user_id.clone();
    for refund in &refunds {
        assert_eq!(refund["refunded_by"], officer_id.as_str(), "{refund}");
        let at = refund["refunded_at"]
            .as_str()
            .unwrap_or_else(|| panic!("a time: {list}"));
        assert!(
            motcua::domain::time::LocalDateTime::parse(at).is_ok(),
            "a local time without offset: {at}"
        );
    }
    server.stop().await;
}
