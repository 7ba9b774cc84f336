//! Concurrent submits over HTTP: every one acknowledged gets its own code
//! and is listed exactly once.

use std::collections::BTreeSet;

use motcua_tests::db::TestDb;
use motcua_tests::on_both_backends;
use motcua_tests::server::TestEnv;

use super::{code, submit_online_birth};

on_both_backends!(two_hundred_concurrent_submits_get_two_hundred_distinct_codes_all_listed);

const SUBMITS: usize = 200;

async fn two_hundred_concurrent_submits_get_two_hundred_distinct_codes_all_listed(db: TestDb) {
    let env = TestEnv::new(&db);
    let server = std::sync::Arc::new(env.start().await);
    let tenant = "bac-ninh";

    let tasks: Vec<_> = (0..SUBMITS)
        .map(|i| {
            let server = server.clone();
            tokio::spawn(async move {
                let details =
                    submit_online_birth(&server, tenant, &format!("Nguyễn Văn Số {i}")).await;
                assert_eq!(details["national_status"], 1);
                code(&details)
            })
        })
        .collect();
    let mut codes = Vec::with_capacity(SUBMITS);
    for task in tasks {
        codes.push(task.await.expect("a submit task"));
    }
    let distinct: BTreeSet<&String> = codes.iter().collect();
    assert_eq!(distinct.len(), SUBMITS, "every code is distinct");

    // Same agency, same day (unless the run crossed midnight): counters
    // 0001..0200 without gaps.
    let prefixes: BTreeSet<&str> = codes
        .iter()
        .map(|c| c.rsplit_once('-').unwrap().0)
        .collect();
    if prefixes.len() == 1 {
        let counters: BTreeSet<u32> = codes
            .iter()
            .map(|c| c.rsplit_once('-').unwrap().1.parse().unwrap())
            .collect();
        assert_eq!(
            counters,
            (1..=SUBMITS as u32).collect(),
            "counters without gaps"
        );
    }

    // Listed exactly once each, page by page.
    let officer = server.api(tenant, "officer");
    let listed = officer.list_all("", 37).await;
    let listed_codes: Vec<String> = listed.iter().map(code).collect();
    let listed_set: BTreeSet<&String> = listed_codes.iter().collect();
    assert_eq!(
        listed_codes.len(),
        listed_set.len(),
        "no dossier is listed twice"
    );
    assert_eq!(listed_set, distinct, "every acknowledged dossier is listed");
    // Filters see them too.
    let submitted = officer.list_all("status=1&procedure=1.001193&", 500).await;
    assert_eq!(submitted.len(), SUBMITS);

    let report = server
        .api(tenant, "tenant_admin")
        .get("/audit/verify")
        .await
        .expect(200);
    assert_eq!(report["dossiers_checked"], SUBMITS as u64);
    assert_eq!(report["first_break"], serde_json::Value::Null);

    std::sync::Arc::into_inner(server)
        .expect("tasks are done")
        .stop()
        .await;
}
