//! `/readyz` for the load balancer: a started host is ready; it stops being
//! ready, naming why, when a newer host migrates the shared database, when
//! a migration it has is missing, and when the database goes away.

use motcua::storage::Db;
use motcua_tests::db::{TestDb, latest_known, record_migration};
use motcua_tests::on_both_backends;
use motcua_tests::server::{Server, TestEnv};
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both_backends!(
    a_started_host_is_ready_and_names_every_check,
    a_host_is_not_ready_once_a_newer_host_migrated_its_database,
    a_host_is_not_ready_while_one_of_its_migrations_is_missing,
    a_host_whose_database_is_gone_is_not_ready,
);

async fn readyz(server: &Server) -> (StatusCode, Value) {
    let response = server
        .client
        .get(format!("{}/readyz", server.base))
        .send()
        .await
        .expect("GET /readyz");
    let status = response.status();
    (status, response.json().await.expect("a JSON body"))
}

/// The `detail` of `check` in a readiness answer.
fn detail<'a>(body: &'a Value, check: &str) -> &'a str {
    body["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["check"] == check)
        .and_then(|c| c["detail"].as_str())
        .unwrap_or_else(|| panic!("a detail for {check} in {body}"))
}

async fn forget_migration(db: &Db, version: i64) {
    sqlx::query("DELETE FROM _sqlx_migrations WHERE version = $1")
        .bind(version)
        .execute(db.pool())
        .await
        .expect("forget a migration");
}

async fn a_started_host_is_ready_and_names_every_check(db: TestDb) {
    let env = TestEnv::new(&db);
    let server = env.start().await;

    let (status, body) = readyz(&server).await;

    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body,
        json!({
            "ready": true,
            "not_ready": [],
            "checks": [
                {"check": "database", "ready": true},
                {"check": "migrations", "ready": true},
                {"check": "plugins", "ready": true},
            ],
        })
    );
    server.stop().await;
}

async fn a_host_is_not_ready_once_a_newer_host_migrated_its_database(db: TestDb) {
    let env = TestEnv::new(&db);
    let server = env.start().await;
    let newer = latest_known() + 1;

    record_migration(&server.db, newer).await;
    let (status, body) = readyz(&server).await;

    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["ready"], false);
    assert_eq!(body["not_ready"], json!(["migrations"]));
    let why = detail(&body, "migrations");
    assert!(why.contains(&newer.to_string()), "{why}");
    assert!(why.contains("upgrade this host"), "{why}");

    forget_migration(&server.db, newer).await;
    assert_eq!(readyz(&server).await.0, StatusCode::OK);
    server.stop().await;
}

async fn a_host_is_not_ready_while_one_of_its_migrations_is_missing(db: TestDb) {
    let env = TestEnv::new(&db);
    let server = env.start().await;
    let latest = latest_known();

    forget_migration(&server.db, latest).await;
    let (status, body) = readyz(&server).await;

    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["not_ready"], json!(["migrations"]));
    let why = detail(&body, "migrations");
    assert!(
        why.contains(&format!("migration(s) {latest} not applied")),
        "{why}"
    );
    server.stop().await;
}

async fn a_host_whose_database_is_gone_is_not_ready(db: TestDb) {
    let env = TestEnv::new(&db);
    let server = env.start().await;

    // The host's pools closed under it, as when the database goes away.
    server.db.close().await;
    let (status, body) = readyz(&server).await;

    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["not_ready"], json!(["database", "migrations"]));
    assert_eq!(detail(&body, "database"), "the database did not answer");
    // The answer is public: it names no driver error, host or URL.
    assert!(!body.to_string().contains("127.0.0.1"), "{body}");
    server.stop().await;
}
