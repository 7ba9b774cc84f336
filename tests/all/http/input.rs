//! Bad requests get a clear 4xx in the one error shape, and store nothing.

use std::collections::BTreeSet;

use motcua_tests::db::TestDb;
use motcua_tests::on_both_backends;
use motcua_tests::server::{Reply, TestEnv, applicant, date, submission, text};
use reqwest::Method;
use serde_json::{Value, json};

use super::birth_form;

on_both_backends!(bad_submissions_are_refused_with_a_clear_4xx_and_store_nothing);

/// The error names `field`: in `fields`, or (serde's messages) in the
/// message.
#[track_caller]
fn names(body: &Value, field: &str) {
    let in_fields = body["fields"]
        .as_array()
        .is_some_and(|fields| fields.iter().any(|f| f["field"] == field));
    let in_message = body["message"].as_str().is_some_and(|m| m.contains(field));
    assert!(in_fields || in_message, "the error names `{field}`: {body}");
}

#[track_caller]
fn client_error(reply: &Reply, allowed: &[u16]) -> Value {
    assert!(
        allowed.contains(&reply.status.as_u16()),
        "expected one of {allowed:?}, got {}: {}",
        reply.status,
        String::from_utf8_lossy(&reply.bytes)
    );
    let body = reply.json();
    assert!(
        body["code"].is_string() && body["message"].is_string() && body["fields"].is_array(),
        "{body}"
    );
    body
}

async fn bad_submissions_are_refused_with_a_clear_4xx_and_store_nothing(db: TestDb) {
    let env = TestEnv::new(&db);
    let server = env.start().await;
    let tenant = "vinh-phuc";
    let citizen = server.api(tenant, "citizen");
    let officer = server.api(tenant, "officer");
    let agency = server.officer_agency(tenant);
    let before = officer.all_codes().await;
    let valid = submission(
        "1.001193",
        &agency,
        "online",
        applicant("026095001122", "Đỗ Thị Hoa"),
        birth_form("Nguyễn Gia Bảo", "Đỗ Thị Hoa", "026095001122"),
    );
    let with = |edit: &dyn Fn(&mut Value)| {
        let mut body = valid.clone();
        edit(&mut body);
        body
    };

    // Malformed JSON.
    let reply = citizen
        .send(
            citizen
                .request(Method::POST, "/dossiers")
                .header("Content-Type", "application/json")
                .body(r#"{"procedure_code": "1.001193", "agency": "#),
        )
        .await;
    reply.expect_error(400, "bad_request");

    // A missing required field.
    let body = client_error(
        &citizen
            .submit(&with(&|b| {
                drop(b.as_object_mut().unwrap().remove("applicant"))
            }))
            .await,
        &[400, 422],
    );
    names(&body, "applicant");

    // A wrong type.
    let body = client_error(
        &citizen.submit(&with(&|b| b["channel"] = json!(5))).await,
        &[400, 422],
    );
    names(&body, "channel");
    let body = client_error(
        &citizen
            .submit(&with(&|b| b["channel"] = json!("pigeon")))
            .await,
        &[400, 422],
    );
    names(&body, "channel");

    // Values the core refuses.
    let body = citizen
        .submit(&with(&|b| b["procedure_code"] = json!("9.999999")))
        .await
        .expect_error(422, "invalid_request");
    names(&body, "procedure_code");
    let body = citizen
        .submit(&with(&|b| b["applicant"]["id"] = json!("12345")))
        .await
        .expect_error(422, "invalid_request");
    names(&body, "applicant.id");
    let body = citizen
        .submit(&with(&|b| b["agency"] = json!("not an agency")))
        .await
        .expect_error(422, "invalid_request");
    names(&body, "agency");

    // Over 1 MiB.
    let huge =
        with(&|b| b["form"] = json!([text("child.full-name", &"a".repeat(1024 * 1024 + 16))]));
    let reply = citizen.submit(&huge).await;
    assert_eq!(
        reply.status.as_u16(),
        413,
        "{}",
        String::from_utf8_lossy(&reply.bytes)
    );
    client_error(&reply, &[413]);

    // No content type.
    let reply = citizen
        .send(
            citizen
                .request(Method::POST, "/dossiers")
                .body(valid.to_string()),
        )
        .await;
    reply.expect_error(415, "unsupported_media_type");
    let reply = citizen
        .send(
            citizen
                .request(Method::POST, "/dossiers")
                .header("Content-Type", "text/plain")
                .body(valid.to_string()),
        )
        .await;
    assert_eq!(reply.status.as_u16(), 415);

    // A birth form with every kind of mistake: each failing field listed.
    let form = json!([
        date("child.birth-date", "2099-03-11"),
        text("child.gender", "unknown"),
        text("mother.full-name", "Đỗ Thị Hoa"),
        text("mother.personal-id", "02609500112"),
        text("requester.full-name", "Đỗ Thị Hoa"),
        text("requester.personal-id", "026095001122"),
        text("requester.relationship", "mother"),
    ]);
    let body = citizen
        .submit(&with(&|b| b["form"] = form.clone()))
        .await
        .expect_error(422, "invalid_form");
    let fields: BTreeSet<&str> = body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            assert!(f["message"].as_str().is_some_and(|m| !m.is_empty()), "{f}");
            f["field"].as_str().unwrap()
        })
        .collect();
    assert_eq!(
        fields,
        BTreeSet::from([
            "child.full-name",
            "child.birth-date",
            "child.gender",
            "child.birth-place",
            "mother.personal-id"
        ]),
        "{body}"
    );
    // The same at the counter.
    let counter = with(&|b| {
        b["form"] = form.clone();
        b["channel"] = json!("counter");
    });
    officer
        .submit(&counter)
        .await
        .expect_error(422, "invalid_form");

    // Nothing was stored.
    assert_eq!(
        officer.all_codes().await,
        before,
        "the listing is unchanged"
    );
    let report = server
        .api(tenant, "tenant_admin")
        .get("/audit/verify")
        .await
        .expect(200);
    assert_eq!(report["dossiers_checked"], before.len() as u64, "{report}");

    // And the valid submission is accepted (the refusals were about the
    // input, not the tenant).
    let accepted = citizen.submit(&valid).await.expect(201);
    assert_eq!(accepted["national_status"], 1);
    assert_eq!(officer.all_codes().await.len(), before.len() + 1);

    server.stop().await;
}
