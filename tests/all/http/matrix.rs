//! The access matrix (issue 9, "Must show"): every operation of the OpenAPI
//! document x every role x a dossier of the caller's own, one of the same
//! tenant that is not theirs, and one of another tenant. The operations
//! come from the document, so a new route is covered without editing this
//! test; each cell's expected status comes from the domain's access rule
//! (`motcua::domain::access`). Zero unexpected 200s.

use std::collections::BTreeMap;
use std::io::Write as _;

use motcua::domain::access::{Denied, DossierFacts, Operation, Principal};
use motcua::domain::code::AgencyCode;
use motcua::domain::lifecycle::{CommandKind, Role};
use motcua_tests::db::TestDb;
use motcua_tests::on_both_backends;
use motcua_tests::server::{Server, TestEnv, applicant, submission};
use reqwest::Method;
use serde_json::{Value, json};

use super::{base64, code, into_review};

on_both_backends!(every_route_answers_every_role_as_the_access_rule_says);

const TENANT: &str = "bac-ninh";
const OTHER_TENANT: &str = "da-nang";
const POLICE: &str = "000.21.32.H06";
const ROLES: [&str; 6] = [
    "citizen",
    "officer",
    "tenant_admin",
    "leader",
    "platform_operator",
    "anonymous",
];

/// A dossier of the matrix, as its tenant's admin sees it.
struct Object {
    name: &'static str,
    tenant: &'static str,
    details: Value,
    document: String,
}

impl Object {
    fn code(&self) -> &str {
        self.details["code"].as_str().unwrap()
    }
}

/// Mine (the citizen submitted it at the officer's agency, with a result
/// document), another of the same tenant (someone else's, at an agency the
/// officer does not belong to) and one of another tenant.
async fn objects(server: &Server) -> Vec<Object> {
    let admin = server.api(TENANT, "tenant_admin");
    let officer = server.api(TENANT, "officer");
    let own_agency = server.officer_agency(TENANT);
    let members = |agencies: Value| json!({ "agencies": agencies });
    let with_result = |content: &'static str| {
        json!({"action": "approve", "result": {
            "title": "Kết quả", "media_type": "text/plain",
            "content_base64": base64(content.as_bytes()),
        }})
    };

    let mine = server
        .api(TENANT, "citizen")
        .submit(&submission(
            "1.004194",
            &own_agency,
            "online",
            applicant("036190000777", "Lê Thị Hoa"),
            json!([]),
        ))
        .await
        .expect(201);
    let mine_code = code(&mine);
    officer
        .act_ok(&mine_code, json!({"action": "receive"}))
        .await;
    into_review(&officer, &mine_code).await;
    officer.act_ok(&mine_code, with_result("mine")).await;

    admin
        .put(
            "/users/bac-ninh-officer/agencies",
            &members(json!([own_agency, POLICE])),
        )
        .await
        .expect(200);
    let other = officer
        .submit(&submission(
            "1.004194",
            POLICE,
            "counter",
            applicant("027088004321", "Nguyễn Văn An"),
            json!([]),
        ))
        .await
        .expect(201);
    let other_code = code(&other);
    into_review(&officer, &other_code).await;
    officer.act_ok(&other_code, with_result("other")).await;
    admin
        .put(
            "/users/bac-ninh-officer/agencies",
            &members(json!([own_agency])),
        )
        .await
        .expect(200);

    let foreign_officer = server.api(OTHER_TENANT, "officer");
    let foreign = super::submit_online_birth(server, OTHER_TENANT, "Phạm Minh Khôi").await;
    let foreign_code = code(&foreign);
    foreign_officer
        .act_ok(&foreign_code, json!({"action": "receive"}))
        .await;
    into_review(&foreign_officer, &foreign_code).await;
    foreign_officer
        .act_ok(&foreign_code, with_result("foreign"))
        .await;

    let mut objects = Vec::new();
    for (name, tenant, code) in [
        ("own", TENANT, mine_code),
        ("same-tenant-other", TENANT, other_code),
        ("other-tenant", OTHER_TENANT, foreign_code),
    ] {
        let details = server.api(tenant, "tenant_admin").dossier(&code).await;
        let document = details["documents"][0]["id"].as_str().unwrap().to_owned();
        objects.push(Object {
            name,
            tenant,
            details,
            document,
        });
    }
    objects
}

/// The caller of `role` as the access rule sees them (the officer belongs
/// to their own agency only, as the fixture leaves them).
fn principal(server: &Server, role: &str) -> Option<Principal> {
    let role_value: Role = serde_json::from_value(json!(role)).ok()?;
    Some(Principal {
        user_id: format!("{TENANT}-{}", role.replace("tenant_", "")),
        role: role_value,
        personal_id: (role == "citizen").then(|| "001090012345".to_owned()),
        agencies: if role == "officer" {
            vec![AgencyCode::new(server.officer_agency(TENANT)).unwrap()]
        } else {
            Vec::new()
        },
    })
}

/// What the operation does to a dossier, for the rule; `None` for an
/// operation that is not about one dossier.
fn dossier_operation(path: &str, method: &str) -> Option<Operation> {
    if !path.contains("/dossiers/{code}") {
        return None;
    }
    Some(match method {
        "get" => Operation::Read,
        _ if path.ends_with("/transitions") => Operation::Command(CommandKind::ReturnResult),
        _ if path.contains("/payments") => Operation::Payment,
        _ => Operation::Read,
    })
}

/// Dossier sub-resources only a tenant admin reads: the plugin decisions
/// and their replay.
fn admin_only(path: &str) -> bool {
    path.ends_with("/decisions") || path.ends_with("/fees/replay")
}

/// A request body the operation reads (the matrix is about who may, not
/// about what: any well-formed body will do).
fn body_for(path: &str, own_agency: &str) -> Value {
    if path.ends_with("/transitions") {
        json!({"action": "return_result"})
    } else if path.ends_with("/refund") {
        json!({"amount_vnd": 1, "reason": "matrix"})
    } else if path.ends_with("/payments") {
        json!({"channel": "counter", "amount_vnd": 1})
    } else if path.ends_with("/agencies") {
        // As the fixture left them: the officer's cells stay meaningful.
        json!({ "agencies": [own_agency] })
    } else {
        json!({})
    }
}

fn concrete(path: &str, object: &Object) -> String {
    let code = if path.contains("/procedures/{code}") {
        "1.004194"
    } else {
        object.code()
    };
    let id = if path.contains("/documents/{id}") {
        object.document.as_str()
    } else if path.contains("/plugins/{id}") {
        "bac-ninh-fees"
    } else {
        "00000000-0000-4000-8000-000000000000"
    };
    path.replace("{tenant}", object.tenant)
        .replace("{code}", code)
        .replace("{id}", id)
        .replace("{version}", "1.0.0")
        .replace("{schedule}", "1")
        .replace("{user}", &format!("{}-officer", object.tenant))
}

/// The statuses the rule allows for one cell: `Some(set)` when it decides
/// (an exact refusal), `None` when the caller may (anything but a refusal
/// or a server error).
fn expected(
    server: &Server,
    role: &str,
    path: &str,
    method: &str,
    secured: bool,
    object: &Object,
) -> Option<u16> {
    if role == "anonymous" {
        return secured.then_some(401);
    }
    if !path.contains("{tenant}") {
        // The platform's own routes: its operator's.
        return (secured && role != "platform_operator").then_some(403);
    }
    let operation = dossier_operation(path, method);
    if object.tenant != TENANT && role != "platform_operator" {
        return Some(404);
    }
    let operation = operation?;
    if role == "platform_operator" {
        // An operator belongs to no tenant: dossiers do not exist for them.
        return Some(404);
    }
    let principal = principal(server, role)?;
    let agency = AgencyCode::new(object.details["agency"].as_str().unwrap()).unwrap();
    let facts = DossierFacts {
        agency: &agency,
        applicant_id: object.details["applicant"]["id"].as_str().unwrap(),
        submitted_by: object.details["submitted_by"].as_str(),
    };
    match principal.may(&facts, operation) {
        // The decisions behind a dossier (their inputs are personal data)
        // are its tenant admin's, whoever else may see the dossier.
        Ok(()) if admin_only(path) && role != "tenant_admin" => Some(403),
        Ok(()) => None,
        Err(Denied::NotVisible) => Some(404),
        Err(Denied::Forbidden { .. }) => Some(403),
    }
}

async fn every_route_answers_every_role_as_the_access_rule_says(db: TestDb) {
    let env = TestEnv::new(&db);
    let server = env.start().await;
    let objects = objects(&server).await;
    let own_agency = server.officer_agency(TENANT);
    let document = serde_json::to_value(motcua::http::openapi_document()).unwrap();
    let mut unexpected = Vec::new();
    let mut tally: BTreeMap<String, usize> = BTreeMap::new();
    let mut cells = 0;
    for (path, item) in document["paths"].as_object().unwrap() {
        let path = path.trim_start_matches("/api/v1");
        for (method, operation) in item.as_object().unwrap() {
            let secured = operation["security"]
                .as_array()
                .is_some_and(|s| !s.is_empty());
            for role in ROLES {
                let token = match role {
                    "anonymous" => None,
                    "platform_operator" => {
                        Some(server.token(motcua::seed::PLATFORM, "platform_operator"))
                    }
                    role => Some(server.token(TENANT, role)),
                };
                for object in &objects {
                    cells += 1;
                    let url = format!("{}/api/v1{}", server.base, concrete(path, object));
                    let mut request = server
                        .client
                        .request(method.to_uppercase().parse::<Method>().unwrap(), &url);
                    if let Some(token) = &token {
                        request = request.bearer_auth(token);
                    }
                    if operation.get("requestBody").is_some() {
                        request = request.json(&body_for(path, &own_agency));
                    }
                    let reply = request.send().await.expect("reaches the server");
                    let status = reply.status().as_u16();
                    if path.ends_with("/suspend") && status == 200 {
                        // The operator suspended the tenant: resume it at
                        // once, so the later cells meet an active tenant.
                        let resume = url.replace("/suspend", "/resume");
                        let resumed = server
                            .client
                            .post(&resume)
                            .bearer_auth(token.as_deref().unwrap_or_default())
                            .send()
                            .await
                            .expect("reaches the server");
                        assert!(resumed.status().is_success(), "resuming {resume}");
                    }
                    let body = reply.text().await.unwrap_or_default();
                    *tally.entry(format!("{status}")).or_default() += 1;
                    let cell = format!(
                        "{} {path} as {role} on {}: {status} {}",
                        method.to_uppercase(),
                        object.name,
                        body.chars().take(160).collect::<String>()
                    );
                    if status >= 500 {
                        unexpected.push(format!("server error: {cell}"));
                        continue;
                    }
                    let has_body = operation.get("requestBody").is_some();
                    match expected(&server, role, path, method, secured, object) {
                        // A body refused for its shape is refused alike for
                        // every tenant: it tells nothing of another tenant.
                        Some(404)
                            if has_body
                                && object.tenant != TENANT
                                && [400, 422].contains(&status) => {}
                        Some(want) if want != status => {
                            unexpected.push(format!("expected {want}: {cell}"))
                        }
                        // The matrix names sub-resources (payments,
                        // documents) that do not exist: their 404 is theirs.
                        None if status == 404
                            && (path.ends_with("{id}") || path.contains("{id}/")) => {}
                        None if [401, 403, 404].contains(&status)
                            && dossier_operation(path, method).is_some() =>
                        {
                            unexpected.push(format!("the rule allows it: {cell}"))
                        }
                        _ => {}
                    }
                    // A listing shows only what the rule lets the caller see.
                    if method == "get" && path.ends_with("/dossiers") && status == 200 {
                        let listed = serde_json::from_str::<Value>(&body).unwrap();
                        for item in listed["items"].as_array().unwrap() {
                            let code = item["code"].as_str().unwrap();
                            if let Some(hidden) = objects.iter().find(|o| {
                                o.code() == code
                                    && expected(
                                        &server,
                                        role,
                                        "/tenants/{tenant}/dossiers/{code}",
                                        "get",
                                        true,
                                        o,
                                    )
                                    .is_some()
                            }) {
                                unexpected
                                    .push(format!("{role} lists {} dossier {code}", hidden.name));
                            }
                        }
                    }
                }
            }
        }
    }
    let _ = writeln!(
        std::io::stderr(),
        "access matrix: {cells} cells, statuses {tally:?}, {} unexpected",
        unexpected.len()
    );
    assert!(cells > 300, "the document lists the routes ({cells} cells)");
    assert!(unexpected.is_empty(), "{unexpected:#?}");
    server.stop().await;
}
