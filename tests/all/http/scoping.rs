//! Access inside a tenant (issue 9, items 1-3; docs/access.md): an
//! applicant's account sees and acts only on its own dossiers, an officer
//! only on their agencies', a leader sees everything and acts on nothing.
//! A dossier one may not see answers 404, as one of another tenant.

use motcua_tests::db::TestDb;
use motcua_tests::on_both_backends;
use motcua_tests::server::{Api, Server, TestEnv, applicant, submission};
use serde_json::{Value, json};

use super::{base64, code, into_review, register_at_counter};

on_both_backends!(
    a_citizen_sees_only_dossiers_about_them_or_submitted_by_them,
    a_citizen_cannot_withdraw_or_supplement_another_applicants_dossier,
    an_officer_acts_only_for_the_agencies_a_tenant_admin_assigned,
    a_leader_sees_every_dossier_and_acts_on_none,
);

const TENANT: &str = "bac-ninh";
/// The Bắc Ninh demo citizen's verified personal ID.
const CITIZEN_ID: &str = "001090012345";

/// Every read of a dossier: details, events, documents, a document's
/// bytes, payments.
fn reads(code: &str, document: &str) -> Vec<String> {
    vec![
        format!("/dossiers/{code}"),
        format!("/dossiers/{code}/events"),
        format!("/dossiers/{code}/documents"),
        format!("/dossiers/{code}/documents/{document}"),
        format!("/dossiers/{code}/payments"),
        format!("/audit/verify?dossier={code}"),
    ]
}

/// A counter dossier of someone else (Nguyễn Văn An, 027088004321) with a
/// result document; returns its code and the document's id.
async fn someone_elses_dossier_with_a_result(server: &Server) -> (String, String) {
    let officer = server.api(TENANT, "officer");
    let created = register_at_counter(server, TENANT, "1.004194", json!([])).await;
    let code = code(&created);
    into_review(&officer, &code).await;
    let approved = officer
        .act_ok(
            &code,
            json!({"action": "approve", "result": {
                "title": "Xác nhận đăng ký tạm trú",
                "media_type": "text/plain",
                "content_base64": base64("Nguyễn Văn An, 027088004321".as_bytes()),
            }}),
        )
        .await;
    let document = approved["documents"][0]["id"]
        .as_str()
        .expect("the result document")
        .to_owned();
    (code, document)
}

async fn all_not_found(api: &Api, paths: &[String], who: &str) {
    for path in paths {
        let reply = api.get(path).await;
        assert_eq!(
            reply.status.as_u16(),
            404,
            "{who}: GET {path}: {}",
            String::from_utf8_lossy(&reply.bytes)
        );
        let text = String::from_utf8_lossy(&reply.bytes);
        assert!(
            !text.contains("027088004321"),
            "{who}: {path} leaks: {text}"
        );
    }
}

async fn a_citizen_sees_only_dossiers_about_them_or_submitted_by_them(db: TestDb) {
    let env = TestEnv::new(&db);
    let server = env.start().await;
    let citizen = server.api(TENANT, "citizen");
    let officer = server.api(TENANT, "officer");
    let agency = server.officer_agency(TENANT);

    let (others, document) = someone_elses_dossier_with_a_result(&server).await;
    all_not_found(&citizen, &reads(&others, &document), "citizen").await;
    let listing = citizen.get("/dossiers?limit=500").await.expect(200);
    let text = listing.to_string();
    assert!(!text.contains(&others), "the listing hides it: {text}");
    assert!(!text.contains("027088004321"), "and its applicant: {text}");

    // About them (registered by the officer), and submitted by them for
    // someone else: both theirs.
    let about_them = officer
        .submit(&submission(
            "1.004194",
            &agency,
            "counter",
            applicant(CITIZEN_ID, "Nguyễn Văn An"),
            json!([]),
        ))
        .await
        .expect(201);
    let for_someone = citizen
        .submit(&submission(
            "1.004194",
            &agency,
            "online",
            applicant("036190000777", "Lê Thị Hoa"),
            json!([]),
        ))
        .await
        .expect(201);
    let mut own = vec![code(&about_them), code(&for_someone)];
    for code in &own {
        citizen.dossier(code).await;
        citizen.events(code).await;
    }
    let mut listed: Vec<String> = citizen.get("/dossiers").await.expect(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_owned())
        .collect();
    listed.sort();
    own.sort();
    assert_eq!(listed, own, "exactly their two dossiers");
    // The officer of the agency sees all three.
    assert!(officer.all_codes().await.contains(&others));
    server.stop().await;
}

async fn a_citizen_cannot_withdraw_or_supplement_another_applicants_dossier(db: TestDb) {
    let env = TestEnv::new(&db);
    let server = env.start().await;
    let citizen = server.api(TENANT, "citizen");
    let officer = server.api(TENANT, "officer");
    let created = register_at_counter(&server, TENANT, "1.004194", json!([])).await;
    let code = code(&created);
    into_review(&officer, &code).await;
    officer
        .act_ok(
            &code,
            json!({"action": "request_supplementation", "reason": "thiếu giấy tờ"}),
        )
        .await;
    let before = officer.dossier(&code).await;
    for action in [
        json!({"action": "supplement"}),
        json!({"action": "withdraw", "reason": "không cần nữa"}),
    ] {
        citizen
            .act(&code, &action)
            .await
            .expect_error(404, "not_found");
    }
    assert_eq!(officer.dossier(&code).await, before, "nothing changed");
    // The applicant's supplement still goes in (here recorded at the
    // counter by the officer).
    officer.act_ok(&code, json!({"action": "supplement"})).await;
    server.stop().await;
}

async fn memberships(admin: &Api, agencies: Value) -> Value {
    admin
        .put(
            "/users/bac-ninh-officer/agencies",
            &json!({ "agencies": agencies }),
        )
        .await
        .expect(200)
}

async fn an_officer_acts_only_for_the_agencies_a_tenant_admin_assigned(db: TestDb) {
    let env = TestEnv::new(&db);
    let server = env.start().await;
    let officer = server.api(TENANT, "officer");
    let admin = server.api(TENANT, "tenant_admin");
    let own = server.officer_agency(TENANT);
    const POLICE: &str = "000.21.32.H06";
    const CONSTRUCTION: &str = "000.00.12.H06";

    // The demo officer is seeded with their agency.
    let seeded = admin
        .get("/users/bac-ninh-officer/agencies")
        .await
        .expect(200);
    assert_eq!(seeded, json!({ "agencies": [own] }));
    assert_eq!(
        officer
            .get("/users/bac-ninh-officer/agencies")
            .await
            .expect(200),
        seeded
    );

    let (code, document) = someone_elses_dossier_with_a_result(&server).await;
    // Moved to the police station: the commune's dossier is gone for them.
    assert_eq!(
        memberships(&admin, json!([POLICE])).await,
        json!({ "agencies": [POLICE] })
    );
    all_not_found(&officer, &reads(&code, &document), "officer of the police").await;
    officer
        .act(&code, &json!({"action": "return_result"}))
        .await
        .expect_error(404, "not_found");
    officer
        .post(
            &format!("/dossiers/{code}/payments"),
            &json!({"channel": "counter", "amount_vnd": 1}),
        )
        .await
        .expect_error(404, "not_found");
    assert!(!officer.all_codes().await.contains(&code));
    // Nor may they register for the commune any more.
    let body = submission(
        "1.004194",
        &own,
        "counter",
        applicant("027088004321", "Nguyễn Văn An"),
        json!([]),
    );
    let refused = officer
        .submit(&body)
        .await
        .expect_error(422, "invalid_request");
    assert_eq!(refused["fields"][0]["field"], "agency", "{refused}");

    // Both agencies (and one more): all of them are theirs.
    let both = memberships(&admin, json!([CONSTRUCTION, own, POLICE])).await;
    assert_eq!(both["agencies"].as_array().unwrap().len(), 3, "{both}");
    officer.dossier(&code).await;
    officer
        .act_ok(&code, json!({"action": "return_result"}))
        .await;

    // Only a tenant admin assigns, only agencies of the tenant, only officers.
    officer
        .put(
            "/users/bac-ninh-officer/agencies",
            &json!({"agencies": [own]}),
        )
        .await
        .expect_error(403, "forbidden");
    let unknown = admin
        .put(
            "/users/bac-ninh-officer/agencies",
            &json!({"agencies": [own, "000.31.20.H17"]}),
        )
        .await
        .expect_error(422, "invalid_request");
    assert_eq!(unknown["fields"][0]["field"], "agencies[1]", "{unknown}");
    let citizen = admin
        .put(
            "/users/bac-ninh-citizen/agencies",
            &json!({"agencies": [own]}),
        )
        .await
        .expect_error(422, "invalid_request");
    assert_eq!(citizen["fields"][0]["field"], "user", "{citizen}");
    admin
        .put(
            "/users/da-nang-officer/agencies",
            &json!({"agencies": [own]}),
        )
        .await
        .expect_error(404, "not_found");
    server.stop().await;
}

async fn a_leader_sees_every_dossier_and_acts_on_none(db: TestDb) {
    let env = TestEnv::new(&db);
    let server = env.start().await;
    let leader = server.api(TENANT, "leader");
    let officer = server.api(TENANT, "officer");
    let (code, document) = someone_elses_dossier_with_a_result(&server).await;
    for path in reads(&code, &document) {
        leader.get(&path).await.expect(200);
    }
    assert!(leader.all_codes().await.contains(&code));
    leader.get("/audit/verify").await.expect(200);
    let before = officer.dossier(&code).await;
    leader
        .act(&code, &json!({"action": "return_result"}))
        .await
        .expect_error(403, "forbidden");
    leader
        .post(
            &format!("/dossiers/{code}/payments"),
            &json!({"channel": "counter", "amount_vnd": 1}),
        )
        .await
        .expect_error(403, "forbidden");
    assert_eq!(officer.dossier(&code).await, before, "nothing changed");
    // Every chain at once is for those who see every dossier.
    server
        .api(TENANT, "citizen")
        .get("/audit/verify")
        .await
        .expect_error(403, "forbidden");
    server.stop().await;
}
