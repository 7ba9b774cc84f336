//! Several replicas on one PostgreSQL database (issue 17): a plugin
//! version switched through one replica serves on the others without a
//! restart, and egress granted or revoked through one binds the others,
//! announced over LISTEN/NOTIFY; a switch whose announcement was lost is
//! followed at the next periodic resync.
//!
//! These replicas run in the test's process and share a data directory;
//! `replica_processes.rs` runs them as `motcua serve` processes, each with
//! its own, packages reaching them through the database.

use std::time::{Duration, Instant};

use motcua::storage::Backend;
use motcua_tests::db::{TestDb, run_on};
use motcua_tests::server::{Server, TestEnv};
use motcua_tests::standin;
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::deployments::{FEES, TENANT, deploy, fees_entry, fees_version, pricing_version};
use super::operations::{self, land_package, lookup};

/// Waits until `server` serves `version` of the fees plugin for the
/// tenant; panics after `patience`.
async fn serves(server: &Server, version: &str, patience: Duration) {
    let admin = server.api(TENANT, "tenant_admin");
    let started = Instant::now();
    loop {
        let entry = fees_entry(&admin).await;
        if entry["serving"]["version"] == version {
            return;
        }
        assert!(
            started.elapsed() < patience,
            "{} does not serve {FEES}@{version} after {patience:?}: {entry}",
            server.base
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_switch_through_one_replica_serves_on_the_others_without_restart() {
    run_on(Backend::Postgres, switches_reach_every_replica).await;
}

async fn switches_reach_every_replica(db: TestDb) {
    let env = TestEnv::new(&db);
    let a = env.start().await;
    let b = env.start().await;
    let c = env.start().await;

    // Deployed and activated through A: C prices with it, announced (the
    // periodic resync is 30 s away).
    deploy(
        &a.api(TENANT, "tenant_admin"),
        "?activate=true",
        fees_version("1.1.0"),
    )
    .await
    .expect(201);
    serves(&c, "1.1.0", Duration::from_secs(3)).await;
    assert_eq!(pricing_version(&c).await, "1.1.0");
    serves(&b, "1.1.0", Duration::from_secs(3)).await;

    // Rolled back through B: A and C go back to the directory's version.
    b.api(TENANT, "tenant_admin")
        .post(&format!("/plugins/{FEES}/rollback"), &json!({}))
        .await
        .expect(200);
    serves(&a, "1.0.0", Duration::from_secs(3)).await;
    serves(&c, "1.0.0", Duration::from_secs(3)).await;
    assert_eq!(pricing_version(&a).await, "1.0.0");

    for server in [a, b, c] {
        server.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_switch_whose_announcement_was_lost_is_followed_at_the_next_resync() {
    run_on(Backend::Postgres, a_lost_announcement_is_resynced).await;
}

async fn a_lost_announcement_is_resynced(db: TestDb) {
    let mut env = TestEnv::new(&db);
    env.resync = Some(Duration::from_millis(500));
    let a = env.start().await;
    deploy(&a.api(TENANT, "tenant_admin"), "", fees_version("1.1.0"))
        .await
        .expect(201);

    // Activated in the database behind every host's back: nothing was
    // announced.
    sqlx::query(
        "UPDATE plugin_deployments SET active = 1 \
         WHERE tenant_id = $1 AND plugin_id = $2 AND version = '1.1.0'",
    )
    .bind(TENANT)
    .bind(FEES)
    .execute(a.db.pool())
    .await
    .expect("activate in the database");

    serves(&a, "1.1.0", Duration::from_secs(5)).await;
    assert_eq!(pricing_version(&a).await, "1.1.0");
    a.stop().await;
}

/// What `server` grants the land-registry connector of Vĩnh Phúc.
async fn land_granted(server: &Server) -> Value {
    let listing = server
        .api(operations::TENANT, "tenant_admin")
        .get("/plugins")
        .await
        .expect(200);
    listing["plugins"]
        .as_array()
        .expect("a list of plugins")
        .iter()
        .find(|p| p["id"] == "land-registry-connector")
        .unwrap_or_else(|| panic!("listed: {listing}"))["serving"]["egress_granted"]
        .clone()
}

/// Waits until `server` grants the land connector `expected`.
async fn grants(server: &Server, expected: &Value, patience: Duration) {
    let started = Instant::now();
    loop {
        let granted = land_granted(server).await;
        if &granted == expected {
            return;
        }
        assert!(
            started.elapsed() < patience,
            "{} grants {granted}, not {expected}, after {patience:?}",
            server.base
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn egress_granted_or_revoked_through_one_replica_binds_the_others() {
    run_on(Backend::Postgres, egress_grants_reach_every_replica).await;
}

async fn egress_grants_reach_every_replica(db: TestDb) {
    let land = standin::land_registry();
    let port = land.addr.port();
    let env = TestEnv::new(&db);
    env.write_settings(&format!(
        "[egress]\nallow_private = [\"127.0.0.1:{port}\"]\n\n\
         [[purpose]]\nname = \"land.parcel-lookup\"\nplugin = \"land-registry-connector\"\n\
         tenant = \"{}\"\n",
        operations::TENANT
    ));
    let a = env.start().await;
    let b = env.start().await;
    let operator = |server: &Server| {
        server.api_with(
            operations::TENANT,
            Some(server.token(motcua::seed::PLATFORM, "platform_operator")),
        )
    };
    deploy(
        &a.api(operations::TENANT, "tenant_admin"),
        "?activate=true",
        land_package(port),
    )
    .await
    .expect(201);
    let destination = format!("127.0.0.1:{port}");
    let path = "/plugins/land-registry-connector/egress";

    // Granted through A: B's connector reaches the registry.
    grants(&b, &json!([]), Duration::from_secs(3)).await;
    operator(&a)
        .put(path, &json!({"granted": [destination]}))
        .await
        .expect(200);
    grants(&b, &json!([destination]), Duration::from_secs(3)).await;
    b.api(operations::TENANT, "officer")
        .post("/operations/land.parcel-lookup", &lookup("08977", 12, 345))
        .await
        .expect(200);

    // Revoked through B: A's connector is refused at once.
    operator(&b)
        .put(path, &json!({"granted": []}))
        .await
        .expect(200);
    grants(&a, &json!([]), Duration::from_secs(3)).await;
    let before = land.land.lookups();
    let refused = a
        .api(operations::TENANT, "officer")
        .post("/operations/land.parcel-lookup", &lookup("08977", 12, 345))
        .await;
    assert_eq!(
        refused.status,
        StatusCode::BAD_GATEWAY,
        "{}",
        refused.text()
    );
    assert_eq!(land.land.lookups(), before, "the registry was not asked");

    a.stop().await;
    b.stop().await;
}
