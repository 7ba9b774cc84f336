//! Tenancy over HTTP: another tenant's dossier does not exist for a caller
//! (404, never 403), and a request without a valid token is 401.

use motcua_tests::db::TestDb;
use motcua_tests::on_both_backends;
use motcua_tests::server::{Api, TestEnv};
use reqwest::Method;
use serde_json::json;

use super::{base64, code, into_review, register_at_counter};

on_both_backends!(
    a_da_nang_token_finds_nothing_of_bac_ninh_and_changes_nothing,
    a_missing_or_unknown_token_is_unauthorized,
);

async fn a_da_nang_token_finds_nothing_of_bac_ninh_and_changes_nothing(db: TestDb) {
    let env = TestEnv::new(&db);
    let server = env.start().await;
    let bac_ninh = server.api("bac-ninh", "officer");

    // A Bắc Ninh dossier with a result document.
    let created = register_at_counter(&server, "bac-ninh", "1.004194", json!([])).await;
    let code = code(&created);
    into_review(&bac_ninh, &code).await;
    bac_ninh
        .act_ok(
            &code,
            json!({"action": "approve", "result": {
                "title": "Xác nhận đăng ký tạm trú",
                "media_type": "text/plain",
                "content_base64": base64("tạm trú".as_bytes()),
            }}),
        )
        .await;
    let before = bac_ninh.dossier(&code).await;
    let events_before = bac_ninh.events(&code).await;
    let document_id = before["documents"][0]["id"]
        .as_str()
        .expect("a document")
        .to_owned();

    for role in ["officer", "citizen", "tenant_admin"] {
        let token = server.token("da-nang", role);
        // Through Bắc Ninh's URLs and through Đà Nẵng's own.
        for tenant in ["bac-ninh", "da-nang"] {
            let intruder = server.api_with(tenant, Some(token.clone()));
            let probes = probes(&intruder, &code, &document_id).await;
            for (what, reply) in probes {
                assert_eq!(
                    reply.status.as_u16(),
                    404,
                    "{role} of da-nang, {what} under /tenants/{tenant}: {}",
                    String::from_utf8_lossy(&reply.bytes)
                );
                assert_eq!(reply.json()["code"], "not_found", "{what}");
                let text = String::from_utf8_lossy(&reply.bytes);
                assert!(
                    !text.contains("tạm trú"),
                    "nothing of the dossier leaks: {text}"
                );
            }
        }
        // Đà Nẵng's own listing does not show it.
        let own = server.api_with("da-nang", Some(token.clone()));
        if role != "citizen" {
            let codes = own.all_codes().await;
            assert!(!codes.contains(&code), "{codes:?}");
        }
        // Nor does its audit verification count it.
        let report = own.get("/audit/verify").await;
        if report.status.is_success() {
            assert_eq!(
                report.json()["dossiers_checked"],
                0,
                "da-nang has no dossier"
            );
        }
    }

    assert_eq!(
        bac_ninh.dossier(&code).await,
        before,
        "the dossier is unchanged"
    );
    assert_eq!(
        bac_ninh.events(&code).await,
        events_before,
        "no event was added"
    );
    server.stop().await;
}

/// Every way to reach a dossier: read, list events and documents, fetch a
/// document, verify its chain, move it.
async fn probes(
    api: &Api,
    code: &str,
    document_id: &str,
) -> Vec<(String, motcua_tests::server::Reply)> {
    let mut replies = Vec::new();
    for path in [
        format!("/dossiers/{code}"),
        format!("/dossiers/{code}/events"),
        format!("/dossiers/{code}/documents"),
        format!("/dossiers/{code}/documents/{document_id}"),
        format!("/audit/verify?dossier={code}"),
    ] {
        replies.push((format!("GET {path}"), api.get(&path).await));
    }
    for action in [
        json!({"action": "return_result"}),
        json!({"action": "refuse", "reason": "x"}),
        json!({"action": "stop", "reason": "x"}),
    ] {
        replies.push((format!("transition {action}"), api.act(code, &action).await));
    }
    replies
}

async fn a_missing_or_unknown_token_is_unauthorized(db: TestDb) {
    let env = TestEnv::new(&db);
    let server = env.start().await;
    let created = register_at_counter(&server, "bac-ninh", "1.004194", json!([])).await;
    let code = code(&created);
    let before = server.api("bac-ninh", "officer").dossier(&code).await;

    let revoked_looking = format!("motcua_{}", "0".repeat(64));
    for token in [None, Some("not-a-token".to_owned()), Some(revoked_looking)] {
        let api = server.api_with("bac-ninh", token.clone());
        for (method, path) in [
            (Method::GET, "/dossiers".to_owned()),
            (Method::GET, format!("/dossiers/{code}")),
            (Method::GET, format!("/dossiers/{code}/events")),
            (Method::GET, "/procedures".to_owned()),
        ] {
            let reply = api.send(api.request(method.clone(), &path)).await;
            reply.expect_error(401, "unauthorized");
        }
        api.act(&code, &json!({"action": "return_result"}))
            .await
            .expect_error(401, "unauthorized");
        api.submit(&json!({}))
            .await
            .expect_error(401, "unauthorized");
    }
    // A malformed Authorization header.
    let api = server.api_with("bac-ninh", None);
    let reply = api
        .send(
            api.request(Method::GET, "/dossiers")
                .header("Authorization", "Basic dXNlcjpwYXNz"),
        )
        .await;
    reply.expect_error(401, "unauthorized");

    assert_eq!(
        server.api("bac-ninh", "officer").dossier(&code).await,
        before
    );
    server.stop().await;
}
