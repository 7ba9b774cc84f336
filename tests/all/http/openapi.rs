//! The OpenAPI document at `/api/v1/openapi.json`: served without a token,
//! a valid OpenAPI 3.x document, and complete: every route the host
//! actually serves is in it with its methods, and everything in it is
//! served. The document does not depend on the database, so these run on
//! SQLite only.

use std::collections::BTreeSet;
use std::path::Path;

use motcua::storage::Backend;
use motcua_tests::db::{TestDb, run_on};
use motcua_tests::server::Server;
use motcua_tests::server::TestEnv;
use motcua_tests::workspace_root;
use reqwest::{Method, StatusCode};
use serde_json::Value;

const METHODS: [Method; 5] = [
    Method::GET,
    Method::POST,
    Method::PUT,
    Method::PATCH,
    Method::DELETE,
];

async fn document(server: &Server) -> Value {
    let response = server
        .client
        .get(format!("{}/api/v1/openapi.json", server.base))
        .send()
        .await
        .expect("the request reaches the server");
    assert_eq!(response.status(), StatusCode::OK, "served without a token");
    response.json().await.expect("the document is JSON")
}

/// Every string literal in the HTTP adapter's sources that looks like a
/// route path (`/tenants/{tenant}/...`): the routes written in code,
/// whatever way they were registered.
fn paths_written_in_http_sources() -> BTreeSet<String> {
    fn visit(dir: &Path, found: &mut BTreeSet<String>) {
        for entry in std::fs::read_dir(dir).expect("the http sources are readable") {
            let path = entry.unwrap().path();
            // The router's own tests (`http/tests/`) request concrete
            // paths; they declare no route.
            if path.is_dir() && !path.ends_with("tests") {
                visit(&path, found);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                for literal in text.split('"').skip(1).step_by(2) {
                    // `{}` is a format string, never an axum route.
                    let pathlike = literal.starts_with('/')
                        && !literal.contains("{}")
                        && literal.len() > 1
                        && literal
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || "/{}_-.".contains(c));
                    if pathlike {
                        found.insert(literal.to_owned());
                    }
                }
            }
        }
    }
    let mut found = BTreeSet::new();
    visit(&workspace_root().join("host/src/http"), &mut found);
    found
}

/// `/api/v1` + `path`, unless it already is absolute.
fn under_api(path: &str) -> String {
    if path.starts_with("/api/") {
        path.to_owned()
    } else {
        format!("/api/v1{path}")
    }
}

/// Does the host route `method path` to a handler? A request without a
/// token or body reaches the handler (or its extractors: 401, 400, 415,
/// ...) when it does; otherwise axum answers 405 or the API's fallback
/// answers 404 `no route for ...`.
async fn served(server: &Server, method: &Method, template: &str) -> bool {
    let mut concrete = String::new();
    let mut in_param = false;
    for c in template.chars() {
        match c {
            '{' => in_param = true,
            '}' => {
                in_param = false;
                concrete.push_str("probe");
            }
            _ if !in_param => concrete.push(c),
            _ => {}
        }
    }
    let response = server
        .client
        .request(method.clone(), format!("{}{concrete}", server.base))
        .send()
        .await
        .expect("the request reaches the server");
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    let fallback = status == StatusCode::NOT_FOUND && body.contains("no route for");
    status != StatusCode::METHOD_NOT_ALLOWED && !fallback
}

fn documented(document: &Value) -> BTreeSet<(String, String)> {
    document["paths"]
        .as_object()
        .expect("the document has paths")
        .iter()
        .flat_map(|(path, item)| {
            METHODS.iter().filter_map(move |method| {
                let key = method.as_str().to_ascii_lowercase();
                item.get(&key).map(|_| (key, path.clone()))
            })
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_served_route_is_documented_with_its_methods() {
    run_on(
        Backend::Sqlite,
        every_served_route_is_documented_with_its_methods_on,
    )
    .await;
}

async fn every_served_route_is_documented_with_its_methods_on(db: TestDb) {
    let env = TestEnv::new(&db);
    let server = env.start().await;
    let document = document(&server).await;
    let parsed: utoipa::openapi::OpenApi =
        serde_json::from_value(document.clone()).expect("the document is an OpenAPI document");
    assert!(
        document["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.")),
        "OpenAPI 3.x: {}",
        document["openapi"]
    );
    assert!(!parsed.info.title.is_empty());

    let mut served_routes = BTreeSet::new();
    for path in paths_written_in_http_sources() {
        let template = under_api(&path);
        for method in &METHODS {
            if served(&server, method, &template).await {
                served_routes.insert((method.as_str().to_ascii_lowercase(), template.clone()));
            }
        }
    }
    // The scan finds the routes at all (a broken scan would pass vacuously).
    for expected in [
        ("post", "/api/v1/tenants/{tenant}/dossiers"),
        ("get", "/api/v1/tenants/{tenant}/dossiers/{code}/payments"),
        ("put", "/api/v1/tenants/{tenant}/catalog"),
        ("get", "/api/v1/openapi.json"),
    ] {
        assert!(
            served_routes.contains(&(expected.0.to_owned(), expected.1.to_owned())),
            "the probe finds {expected:?} among {served_routes:?}"
        );
    }

    let documented = documented(&document);
    let undocumented: Vec<_> = served_routes.difference(&documented).collect();
    assert!(
        undocumented.is_empty(),
        "served but not in the OpenAPI document (register the handler with \
         `routes!` and `#[utoipa::path]`, see host/src/http/mod.rs): {undocumented:?}"
    );
    let mut phantom = Vec::new();
    for (method, path) in &documented {
        let method = Method::from_bytes(method.to_ascii_uppercase().as_bytes()).unwrap();
        if !served(&server, &method, path).await {
            phantom.push((method, path));
        }
    }
    assert!(phantom.is_empty(), "documented but not served: {phantom:?}");
    server.stop().await;
}

/// The schema `reference` (`#/components/schemas/X`) points at.
fn resolve<'a>(document: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(reference) => {
            let name = reference
                .strip_prefix("#/components/schemas/")
                .expect("a component reference");
            &document["components"]["schemas"][name]
        }
        None => schema,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemas_describe_bodies_errors_times_and_the_token() {
    run_on(
        Backend::Sqlite,
        schemas_describe_bodies_errors_times_and_the_token_on,
    )
    .await;
}

async fn schemas_describe_bodies_errors_times_and_the_token_on(db: TestDb) {
    let env = TestEnv::new(&db);
    let server = env.start().await;
    let document = document(&server).await;
    let submit = &document["paths"]["/api/v1/tenants/{tenant}/dossiers"]["post"];

    // Submit's body lists what a submission is made of.
    let body = resolve(
        &document,
        &submit["requestBody"]["content"]["application/json"]["schema"],
    );
    for field in ["procedure_code", "agency", "channel", "applicant", "form"] {
        assert!(
            body["properties"].get(field).is_some(),
            "submit's body has `{field}`: {body}"
        );
    }
    let required: Vec<&str> = body["required"]
        .as_array()
        .expect("required fields")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(required.contains(&"procedure_code") && required.contains(&"applicant"));
    assert!(!required.contains(&"form"), "form has a default");

    // Errors share one shape, and the token is a bearer token.
    let unprocessable = resolve(
        &document,
        &submit["responses"]["422"]["content"]["application/json"]["schema"],
    );
    assert_eq!(
        submit["responses"]["422"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/ApiError"
    );
    for field in ["code", "message", "fields"] {
        assert!(
            unprocessable["properties"].get(field).is_some(),
            "{unprocessable}"
        );
    }
    assert_eq!(submit["security"][0]["bearer"], serde_json::json!([]));
    let scheme = &document["components"]["securitySchemes"]["bearer"];
    assert_eq!(scheme["type"], "http");
    assert_eq!(scheme["scheme"], "bearer");
    // Listing the platform's plugins needs a token (issue 9, item 6).
    assert_eq!(
        document["paths"]["/api/v1/plugins"]["get"]["security"][0]["bearer"],
        serde_json::json!([])
    );

    // Local times are documented as the offset-less text they are.
    let local = &document["components"]["schemas"]["LocalDateTime"];
    assert_eq!(local["type"], "string");
    let pattern = local["pattern"].as_str().expect("a pattern");
    assert!(pattern.contains("T"), "{pattern}");
    let refund = &document["components"]["schemas"]["PaymentRefund"];
    assert_eq!(
        refund["properties"]["refunded_at"]["$ref"],
        "#/components/schemas/LocalDateTime"
    );
    assert_eq!(
        document["components"]["schemas"]["LocalDate"]["format"],
        "date"
    );
    server.stop().await;
}
