//! Issue 17's "Must show", with hosts as an operator runs them: `motcua
//! serve` processes of this build on loopback ports over one PostgreSQL
//! database, each replica with a data directory of its own (packages
//! reach a replica through the database, never through a shared disk),
//! stopped with SIGTERM or killed with SIGKILL.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use motcua::standin::portal::Portal;
use motcua::storage::Backend;
use motcua_tests::db::{TestDb, run_on};
use motcua_tests::replicas::{Platform, Replica};
use motcua_tests::server::{Api, applicant, birth_form, submission};
use motcua_tests::standin::{self, FaultMode, Options, PortalStandin};
use serde_json::{Value, json};

use super::deployments::{FEES, TENANT, deploy, fees_entry, fees_version, pricing_version_through};
use super::sync::drained;
use super::{code, into_review};

/// The tenant whose dossiers the portal tests follow.
const SYNCED: &str = "da-nang";
/// The portal stand-in's token, given to the connector as a secret.
const PORTAL_TOKEN: &str = "replicas-portal-token";

/// What serves bac-ninh-fees on `replica`.
async fn serving(replica: &Replica) -> Value {
    fees_entry(&replica.api(TENANT, "tenant_admin")).await["serving"]["version"].clone()
}

/// Waits until `replica` serves `version` of the fees plugin; panics
/// after `patience`.
async fn serves(replica: &Replica, version: &str, patience: Duration) {
    let started = Instant::now();
    loop {
        let now = serving(replica).await;
        if now == version {
            return;
        }
        assert!(
            started.elapsed() < patience,
            "{} serves {now}, not {FEES}@{version}, after {patience:?}",
            replica.base
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The version of the fees plugin that prices a dossier submitted now
/// through `replica`.
async fn prices_with(replica: &Replica) -> String {
    pricing_version_through(
        &replica.api(TENANT, "tenant_admin"),
        &replica.api(TENANT, "citizen"),
    )
    .await
}

/// Package archives `replica` keeps a copy of in its own data directory.
fn copies(replica: &Replica) -> usize {
    std::fs::read_dir(replica.data_dir().join("deployed"))
        .map(|entries| entries.filter_map(Result::ok).count())
        .unwrap_or(0)
}

async fn count(db: &TestDb, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(db.db.pool())
        .await
        .unwrap_or_else(|error| panic!("{sql}: {error}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_version_deployed_through_one_replica_prices_on_another_within_a_second_from_the_database()
 {
    run_on(Backend::Postgres, deployed_through_a_served_by_all).await;
}

async fn deployed_through_a_served_by_all(db: TestDb) {
    let platform = Platform::new(&db).await;
    let a = platform.start(&[]).await;
    let b = platform.start(&[]).await;
    let c = platform.start(&[]).await;

    // Deployed and activated through A: within a second C prices the next
    // dossier with it, though C never received the package.
    deploy(
        &a.api(TENANT, "tenant_admin"),
        "?activate=true",
        fees_version("1.1.0"),
    )
    .await
    .expect(201);
    serves(&c, "1.1.0", Duration::from_secs(1)).await;
    assert_eq!(prices_with(&c).await, "1.1.0");
    serves(&b, "1.1.0", Duration::from_secs(1)).await;
    let stored = "SELECT COUNT(*) FROM plugin_packages";
    assert_eq!(count(&db, stored).await, 1, "stored once, in the database");
    assert_eq!(
        copies(&c),
        1,
        "C keeps its own copy, read from the database"
    );

    // A replica started with nothing but the database and an empty data
    // directory serves the active version from its start.
    let d = platform.start(&[]).await;
    assert_eq!(serving(&d).await, "1.1.0");
    assert_eq!(prices_with(&d).await, "1.1.0");
    drop(d);

    // Rolled back through B: A and C go back to the directory's version.
    b.api(TENANT, "tenant_admin")
        .post(&format!("/plugins/{FEES}/rollback"), &json!({}))
        .await
        .expect(200);
    serves(&a, "1.0.0", Duration::from_secs(1)).await;
    serves(&c, "1.0.0", Duration::from_secs(1)).await;
    assert_eq!(prices_with(&a).await, "1.0.0");
    assert_eq!(prices_with(&c).await, "1.0.0");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dossier_codes_stay_unique_under_concurrent_submits_across_three_replicas() {
    run_on(Backend::Postgres, concurrent_submits_across_replicas).await;
}

async fn concurrent_submits_across_replicas(db: TestDb) {
    let platform = Platform::new(&db).await;
    let replicas = [
        platform.start(&[]).await,
        platform.start(&[]).await,
        platform.start(&[]).await,
    ];
    const EACH: usize = 12;
    let mut submits = tokio::task::JoinSet::new();
    for i in 0..EACH * replicas.len() {
        let replica = &replicas[i % replicas.len()];
        let citizen = replica.api(SYNCED, "citizen");
        let body = birth(replica, &format!("Trẻ {i}"));
        submits.spawn(async move { code(&citizen.submit(&body).await.expect(201)) });
    }
    let mut codes = BTreeSet::new();
    while let Some(code) = submits.join_next().await {
        let code = code.expect("a submit task");
        assert!(codes.insert(code.clone()), "{code} was given twice");
    }
    assert_eq!(codes.len(), EACH * replicas.len());
    let listed: BTreeSet<String> = replicas[1]
        .api(SYNCED, "tenant_admin")
        .all_codes()
        .await
        .into_iter()
        .collect();
    assert_eq!(listed, codes, "every replica lists every dossier once");
}

/// An online birth registration in [`SYNCED`] for `child`.
fn birth(replica: &Replica, child: &str) -> Value {
    submission(
        "1.001193",
        &replica.officer_agency(SYNCED),
        "online",
        applicant("048095001234", "Phạm Thị Thu Hà"),
        birth_form(child, "Phạm Thị Thu Hà", "048095001234"),
    )
}

/// The portal stand-in (wanting [`PORTAL_TOKEN`]) and a platform whose
/// replicas deliver to it.
async fn platform_with_portal(db: &TestDb) -> (PortalStandin, Platform) {
    let portal = standin::national_portal_with(Options {
        token: Some(PORTAL_TOKEN.into()),
        ..Options::default()
    });
    let mut platform = Platform::new(db).await;
    platform.connect_portal(portal.addr.port(), PORTAL_TOKEN);
    (portal, platform)
}

/// The portal holds each of the dossier's events once, in the order they
/// happened.
async fn holds_each_event_once_in_order(portal: &Portal, officer: &Api, code: &str) {
    let expected: Vec<String> = officer
        .events(code)
        .await
        .iter()
        .map(|e| format!("{code}.{}", e["seq"]))
        .collect();
    let held = portal
        .held(code)
        .unwrap_or_else(|| panic!("the portal holds nothing for {code}"));
    let arrived: Vec<String> = held.progress.iter().map(|p| p.event_id.clone()).collect();
    assert_eq!(
        arrived, expected,
        "each event once, in order (repeats ignored: {:?})",
        held.repeats
    );
}

/// Progress records the portal holds, all dossiers together.
fn progress_held(portal: &Portal) -> usize {
    portal.all().values().map(|held| held.progress.len()).sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_replica_killed_mid_backlog_every_event_reaches_the_portal_once_in_order() {
    run_on(Backend::Postgres, a_replica_killed_mid_backlog).await;
}

async fn a_replica_killed_mid_backlog(db: TestDb) {
    let (portal, mut platform) = platform_with_portal(&db).await;
    // A short lease, so the killed replica's claims come back soon.
    platform.flags = vec!["--outbox-lease-ms=2000".into()];
    standin::set_faults(&portal.faults, FaultMode::Fail, 0);
    let a = platform.start(&[]).await;
    let b = platform.start(&[]).await;
    let c = platform.start(&[]).await;

    // A backlog while the portal is down: dossiers submitted and taken to
    // review through every replica, four events each.
    let mut codes = Vec::new();
    for i in 0..9 {
        let replica = [&a, &b, &c][i % 3];
        let citizen = replica.api(SYNCED, "citizen");
        let code = code(
            &citizen
                .submit(&birth(replica, &format!("Bé {i}")))
                .await
                .expect(201),
        );
        let officer = replica.api(SYNCED, "officer");
        officer.act_ok(&code, json!({"action": "receive"})).await;
        into_review(&officer, &code).await;
        codes.push(code);
    }

    // The portal answers again, slowly; B dies in the middle of it.
    standin::set_faults(&portal.faults, FaultMode::Slow, 150);
    let started = Instant::now();
    while progress_held(&portal.portal) < 6 {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "delivery does not resume"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    b.kill();
    assert!(
        progress_held(&portal.portal) < codes.len() * 4,
        "B was killed in the middle of the backlog"
    );
    standin::set_faults(&portal.faults, FaultMode::Ok, 0);

    let admin = a.api(SYNCED, "tenant_admin");
    drained(&admin).await;
    let officer = c.api(SYNCED, "officer");
    for code in &codes {
        holds_each_event_once_in_order(&portal.portal, &officer, code).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_stopped_with_sigterm_gives_its_outbox_claims_to_another_at_once() {
    run_on(Backend::Postgres, a_replica_stopped_with_sigterm).await;
}

async fn a_replica_stopped_with_sigterm(db: TestDb) {
    let (portal, platform) = platform_with_portal(&db).await;
    // Leases far longer than the test's patience: only a replica giving
    // its claims back lets another deliver them in time.
    const LEASE: Duration = Duration::from_secs(120);
    let lease = format!("--outbox-lease-ms={}", LEASE.as_millis());
    // The portal takes longer to answer than A's grace.
    standin::set_faults(&portal.faults, FaultMode::Slow, 5_000);
    let mut a = platform
        .start(&[lease.as_str(), "--shutdown-grace-ms=300"])
        .await;
    let mut codes = Vec::new();
    for i in 0..3 {
        let citizen = a.api(SYNCED, "citizen");
        let submitted = citizen.submit(&birth(&a, &format!("Con {i}"))).await;
        codes.push(code(&submitted.expect(201)));
    }
    let claimed = "SELECT COUNT(*) FROM outbox WHERE state = 'pending' AND lease_until IS NOT NULL";
    let started = Instant::now();
    while count(&db, claimed).await < 3 {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "A does not claim its entries"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // SIGTERM: A stops, within its grace, giving back what it could not
    // deliver.
    a.terminate();
    let status = a.exit_status(Duration::from_secs(15)).await;
    assert!(status.success(), "A exits cleanly: {status}");
    assert_eq!(count(&db, claimed).await, 0, "no claim outlives A");

    // Another replica delivers them at once, long before the leases end.
    standin::set_faults(&portal.faults, FaultMode::Ok, 0);
    let b = platform.start(&[lease.as_str()]).await;
    let since = Instant::now();
    drained(&b.api(SYNCED, "tenant_admin")).await;
    assert!(since.elapsed() < LEASE / 4, "{:?}", since.elapsed());
    let officer = b.api(SYNCED, "officer");
    for code in &codes {
        holds_each_event_once_in_order(&portal.portal, &officer, code).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_stopped_with_sigterm_finishes_the_request_in_flight_and_takes_no_new_one() {
    run_on(Backend::Postgres, a_request_in_flight_at_sigterm).await;
}

async fn a_request_in_flight_at_sigterm(db: TestDb) {
    let (portal, platform) = platform_with_portal(&db).await;
    let mut a = platform.start(&[]).await;
    // A pull from the portal that takes 1.5 s to answer is in flight when
    // SIGTERM arrives.
    standin::set_faults(&portal.faults, FaultMode::Slow, 1_500);
    let admin = a.api(SYNCED, "tenant_admin");
    let pulling = tokio::spawn(async move { admin.post("/intake/pull", &json!({})).await });
    tokio::time::sleep(Duration::from_millis(400)).await;
    a.terminate();

    // New connections are refused at once while the pull finishes.
    let started = Instant::now();
    loop {
        let fresh = reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("HTTP client");
        if fresh
            .get(format!("{}/healthz", a.base))
            .send()
            .await
            .is_err()
        {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_millis(500),
            "A still takes new connections after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(!pulling.is_finished(), "the pull was still in flight");
    pulling.await.expect("the pull task").expect(200);
    let status = a.exit_status(Duration::from_secs(15)).await;
    assert!(status.success(), "A exits cleanly: {status}");
}
