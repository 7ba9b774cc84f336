//! What an outsider's tools found (issue 9, items 4-6, 8, 9): bad input is
//! a client error naming the field, documents never come back as pages of
//! the host's origin, the platform's plugin list needs an operator, and
//! every response carries the security headers.

use motcua_tests::db::TestDb;
use motcua_tests::on_both_backends;
use motcua_tests::server::{Reply, TestEnv, applicant, submission};
use reqwest::Method;
use serde_json::{Value, json};

use super::{base64, code, into_review, register_at_counter};

on_both_backends!(
    a_malformed_page_cursor_is_a_bad_request_naming_after,
    result_documents_are_checked_on_upload_and_served_as_attachments,
    the_platforms_plugins_need_an_operators_token,
    processing_times_and_calendars_are_range_checked,
    an_unknown_or_foreign_agency_is_refused_naming_agency,
    every_response_carries_the_security_headers,
);

const TENANT: &str = "bac-ninh";

fn field_of(body: &Value) -> &str {
    body["fields"][0]["field"].as_str().unwrap_or_default()
}

async fn a_malformed_page_cursor_is_a_bad_request_naming_after(db: TestDb) {
    let env = TestEnv::new(&db);
    let server = env.start().await;
    let officer = server.api(TENANT, "officer");
    register_at_counter(&server, TENANT, "1.004194", json!([])).await;
    // Empty, not hex, hex of no cursor, a cursor whose id carries a NUL.
    let nul = hex("2026-01-01T00:00:00\n\0");
    for after in ["", "zz", "abc", "00", nul.as_str()] {
        let reply = officer.get(&format!("/dossiers?after={after}")).await;
        let body = reply.expect_error(400, "bad_request");
        assert_eq!(field_of(&body), "after", "{after:?}: {body}");
    }
    // A real cursor still pages.
    let page = officer.get("/dossiers?limit=1").await.expect(200);
    assert!(page["next"].is_null() || page["next"].is_string());
    server.stop().await;
}

fn hex(text: &str) -> String {
    text.bytes().map(|b| format!("{b:02x}")).collect()
}

async fn result_documents_are_checked_on_upload_and_served_as_attachments(db: TestDb) {
    let env = TestEnv::new(&db);
    let server = env.start().await;
    let officer = server.api(TENANT, "officer");
    let approve = |media_type: &str, content: &str| {
        json!({"action": "approve", "result": {
            "title": "Kết quả",
            "media_type": media_type,
            "content_base64": base64(content.as_bytes()),
        }})
    };
    let mut served = Vec::new();
    for (media_type, content) in [
        ("text/html", "<script>alert(1)</script>"),
        ("text/plain\r\nX-Evil: 1", "x"),
        ("image/svg+xml", "<svg onload=alert(1)/>"),
        ("text/plain; charset=utf-8", "Xác nhận"),
        ("application/xml", "<ket-qua/>"),
    ] {
        let created = register_at_counter(&server, TENANT, "1.004194", json!([])).await;
        let code = code(&created);
        into_review(&officer, &code).await;
        let reply = officer.act(&code, &approve(media_type, content)).await;
        if media_type.starts_with("text/plain;") || media_type == "application/xml" {
            let details = reply.expect(200);
            let id = details["documents"][0]["id"].as_str().unwrap().to_owned();
            served.push((
                media_type,
                officer
                    .get(&format!("/dossiers/{code}/documents/{id}"))
                    .await,
            ));
        } else {
            let body = reply.expect_error(422, "invalid_request");
            assert_eq!(field_of(&body), "result.media_type", "{body}");
            assert!(officer.dossier(&code).await["documents"] == json!([]));
        }
    }
    let header = |reply: &Reply, name: &str| {
        reply
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let (_, text) = &served[0];
    assert_eq!(text.status.as_u16(), 200);
    assert_eq!(header(text, "content-type"), "text/plain; charset=utf-8");
    assert_eq!(header(text, "content-disposition"), "inline");
    assert_eq!(header(text, "x-content-type-options"), "nosniff");
    let (_, xml) = &served[1];
    assert_eq!(header(xml, "content-type"), "application/xml");
    assert_eq!(header(xml, "content-disposition"), "attachment");
    assert_eq!(header(xml, "x-content-type-options"), "nosniff");
    server.stop().await;
}

async fn the_platforms_plugins_need_an_operators_token(db: TestDb) {
    let env = TestEnv::new(&db);
    let server = env.start().await;
    let get = |path: &'static str, token: Option<String>| {
        let mut request = server.client.get(format!("{}/api/v1{path}", server.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        async move { request.send().await.expect("reaches the server") }
    };
    for path in ["/plugins", "/plugins/bac-ninh-fees"] {
        assert_eq!(get(path, None).await.status().as_u16(), 401, "{path}");
        for role in ["tenant_admin", "officer", "citizen", "leader"] {
            let reply = get(path, Some(server.token(TENANT, role))).await;
            assert_eq!(reply.status().as_u16(), 403, "{role} {path}");
        }
        let operator = server.token(motcua::seed::PLATFORM, "platform_operator");
        assert_eq!(get(path, Some(operator)).await.status().as_u16(), 200);
    }
    server.stop().await;
}

/// The year in Viet Nam now, as the host's clock reads it.
fn current_year() -> i64 {
    (time::OffsetDateTime::now_utc() + time::Duration::hours(7))
        .year()
        .into()
}

async fn processing_times_and_calendars_are_range_checked(db: TestDb) {
    let env = TestEnv::new(&db);
    let server = env.start().await;
    let admin = server.api(TENANT, "tenant_admin");
    let procedure = admin.get("/procedures/1.004194").await.expect(200);
    for (days, ok) in [
        (0_u64, false),
        (1, true),
        (365, true),
        (366, false),
        (4_294_967_295, false),
    ] {
        let mut changed = procedure.clone();
        changed["channels"][0]["processing_time"] = json!({ "working_days": days });
        let reply = admin.put("/procedures/1.004194", &changed).await;
        if ok {
            reply.expect(200);
        } else {
            let body = reply.expect_error(422, "invalid_request");
            assert_eq!(
                field_of(&body),
                "channels[0].processing_time",
                "{days}: {body}"
            );
        }
    }
    // The same check on a whole catalog load.
    let mut catalog_item = procedure.clone();
    catalog_item["channels"][0]["processing_time"] = json!({ "working_days": 0 });
    let body = admin
        .put("/catalog", &json!({ "procedures": [catalog_item] }))
        .await
        .expect_error(422, "invalid_request");
    assert_eq!(
        field_of(&body),
        "procedures[0].channels[0].processing_time",
        "{body}"
    );

    // A calendar without the current year (or the next) is refused, and
    // counter registration keeps working.
    let calendar = admin.get("/calendar").await.expect(200);
    for dropped in [current_year(), current_year() + 1] {
        let mut changed = calendar.clone();
        changed["years"]
            .as_array_mut()
            .unwrap()
            .retain(|y| y["year"].as_i64() != Some(dropped));
        let body = admin
            .put("/calendar", &changed)
            .await
            .expect_error(422, "invalid_request");
        assert_eq!(field_of(&body), "years", "{dropped}: {body}");
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .contains(&dropped.to_string()),
            "{body}"
        );
    }
    admin.put("/calendar", &calendar).await.expect(200);
    admin
        .put("/procedures/1.004194", &procedure)
        .await
        .expect(200);
    register_at_counter(&server, TENANT, "1.004194", json!([])).await;
    server.stop().await;
}

async fn an_unknown_or_foreign_agency_is_refused_naming_agency(db: TestDb) {
    let env = TestEnv::new(&db);
    let server = env.start().await;
    let citizen = server.api(TENANT, "citizen");
    let officer = server.api(TENANT, "officer");
    let da_nang_agency = server.officer_agency("da-nang");
    for agency in ["000.99.99.H06", da_nang_agency.as_str()] {
        for (api, channel) in [(&citizen, "online"), (&officer, "counter")] {
            let body = api
                .submit(&submission(
                    "1.004194",
                    agency,
                    channel,
                    applicant("001090012345", "Nguyễn Văn An"),
                    json!([]),
                ))
                .await
                .expect_error(422, "invalid_request");
            assert_eq!(field_of(&body), "agency", "{agency} {channel}: {body}");
            let message = body.to_string();
            assert!(!message.contains("FOREIGN KEY"), "{message}");
        }
    }
    assert!(officer.all_codes().await.is_empty(), "nothing was stored");
    server.stop().await;
}

async fn every_response_carries_the_security_headers(db: TestDb) {
    let env = TestEnv::new(&db);
    let server = env.start().await;
    let officer = server.api(TENANT, "officer");
    let anonymous = server.api_with(TENANT, None);
    let replies = vec![
        officer.get("/dossiers").await,
        officer.get("/dossiers/not-a-code").await,
        anonymous.get("/dossiers").await,
        officer
            .send(officer.request(Method::GET, "/no-such-route"))
            .await,
        officer
            .send(
                officer
                    .request(Method::POST, "/dossiers")
                    .header("content-type", "text/plain")
                    .body("x"),
            )
            .await,
    ];
    let base = server.base.clone();
    let mut raw = Vec::new();
    for path in ["/healthz", "/api/v1/openapi.json", "/nowhere"] {
        raw.push(
            server
                .client
                .get(format!("{base}{path}"))
                .send()
                .await
                .unwrap(),
        );
    }
    let mut headers: Vec<reqwest::header::HeaderMap> =
        replies.into_iter().map(|r| r.headers).collect();
    headers.extend(raw.into_iter().map(|r| r.headers().clone()));
    for map in headers {
        let get = |name: &str| map.get(name).and_then(|v| v.to_str().ok()).unwrap_or("");
        assert_eq!(
            get("content-security-policy"),
            motcua::http::headers::CONTENT_SECURITY_POLICY_VALUE
        );
        assert_eq!(get("x-frame-options"), "DENY");
        assert_eq!(get("x-content-type-options"), "nosniff");
        assert_eq!(get("referrer-policy"), "same-origin");
    }
    server.stop().await;
}
