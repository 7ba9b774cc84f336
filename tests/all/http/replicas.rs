//! Several replicas on one PostgreSQL database (issue 17): a plugin
//! version switched through one replica serves on the others without a
//! restart, announced over LISTEN/NOTIFY, and a switch whose announcement
//! was lost is followed at the next periodic resync.
//!
//! The replicas share their data directory (as replicas on a shared volume
//! would): packages are still stored on disk, not in the database.

use std::time::{Duration, Instant};

use motcua::storage::Backend;
use motcua_tests::db::{TestDb, run_on};
use motcua_tests::server::{Server, TestEnv};
use serde_json::json;

use super::deployments::{FEES, TENANT, deploy, fees_entry, fees_version, pricing_version};

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
