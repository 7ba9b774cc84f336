//! An upload costs the host no more than its budget (issue 10): a component
//! over the code budget is refused before it is compiled, a refused upload
//! leaves nothing in the compiled cache, a tenant's packages are held to a
//! storage quota, and golden cases run under one budget together.

use motcua::domain::dossier::Channel;
use motcua::plugin::HostBudget;
use motcua::plugin::cache::artifact_digest;
use motcua::plugin::golden::{self, GoldenCall};
use motcua_tests::db::TestDb;
use motcua_tests::metrics::scrape;
use motcua_tests::server::TestEnv;
use motcua_tests::{dossier, load, on_both_backends, package};
use serde_json::Value;

use super::deployments::{archive_with, deploy};

on_both_backends!(
    a_component_over_the_code_budget_is_refused_before_compiling_and_nothing_is_kept,
    a_refused_upload_leaves_nothing_in_the_compiled_cache,
    a_tenant_s_packages_are_held_to_its_storage_quota,
    golden_cases_run_under_one_budget_at_deploy,
);

const TENANT: &str = "bac-ninh";
const FEES: &str = "bac-ninh-fees";
const FEES_WASM: &str = "bac_ninh_fees.wasm";

/// bac-ninh-fees' component with a custom section of `padding` bytes
/// appended: still a valid component, with a digest of its own.
fn padded_fees_component(padding: usize) -> Vec<u8> {
    let mut wasm = std::fs::read(package(FEES).join(FEES_WASM)).unwrap();
    let name = b"padding";
    let mut body = leb128(name.len());
    body.extend_from_slice(name);
    body.resize(body.len() + padding, 0);
    wasm.push(0); // custom section
    wasm.extend(leb128(body.len()));
    wasm.extend(body);
    wasm
}

fn leb128(mut value: usize) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return out;
        }
        out.push(byte | 0x80);
    }
}

fn relabel(version: &str) -> impl FnOnce(String) -> String {
    move |manifest: String| {
        manifest.replace("version = \"1.0.0\"", &format!("version = \"{version}\""))
    }
}

fn field_of(body: &Value) -> String {
    body["fields"][0]["field"].as_str().unwrap_or("").to_owned()
}

/// Whether the compiled cache holds an artifact of `wasm`.
fn cached(env: &TestEnv, wasm: &[u8]) -> bool {
    let digest = artifact_digest(wasm);
    std::fs::read_dir(env.data_dir().join("cache"))
        .unwrap()
        .filter_map(Result::ok)
        .any(|entry| entry.file_name().to_string_lossy().starts_with(&digest))
}

/// Packages stored in the database, and copies kept in the host's data
/// directory: a refused upload leaves neither.
async fn stored_packages(env: &TestEnv) -> usize {
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM plugin_packages")
        .fetch_one(env.db.db.pool())
        .await
        .expect("count the stored packages");
    let copies = std::fs::read_dir(env.data_dir().join("deployed"))
        .map(|entries| entries.count())
        .unwrap_or(0);
    assert_eq!(copies as i64, stored, "one copy of each stored package");
    copies
}

async fn a_component_over_the_code_budget_is_refused_before_compiling_and_nothing_is_kept(
    db: TestDb,
) {
    let env = TestEnv::new(&db);
    let server = env.start().await;
    let admin = server.api(TENANT, "tenant_admin");
    // 100 MiB of component in a package of a few hundred KiB.
    let wasm = padded_fees_component(100 << 20);
    let package = archive_with(FEES, relabel("1.1.0"), &[(FEES_WASM, wasm.as_slice())]);
    assert!(package.len() < 2 << 20, "{}", package.len());
    let refused = deploy(&admin, "?activate=true", package)
        .await
        .expect_error(422, "invalid_request");
    assert_eq!(field_of(&refused), "plugin.component", "{refused}");
    assert!(
        refused.to_string().contains("compiles at most"),
        "{refused}"
    );
    assert!(!cached(&env, &wasm));
    assert_eq!(stored_packages(&env).await, 0);
    server.stop().await;
}

async fn a_refused_upload_leaves_nothing_in_the_compiled_cache(db: TestDb) {
    let env = TestEnv::new(&db);
    let server = env.start().await;
    let admin = server.api(TENANT, "tenant_admin");
    // A component of its own, in a package whose golden case it contradicts.
    let wasm = padded_fees_component(16);
    let package = archive_with(
        FEES,
        |m| {
            relabel("2.0.0")(m).replace(
                "online_discount_percent = \"50\"",
                "online_discount_percent = \"10\"",
            )
        },
        &[(FEES_WASM, wasm.as_slice())],
    );
    let refused = deploy(&admin, "", package)
        .await
        .expect_error(422, "invalid_request");
    assert!(field_of(&refused).starts_with("golden/"), "{refused}");
    assert!(!cached(&env, &wasm), "the refused component was cached");
    server.stop().await;
}

async fn a_tenant_s_packages_are_held_to_its_storage_quota(db: TestDb) {
    let mut env = TestEnv::new(&db);
    let first = archive_with(FEES, relabel("1.1.0"), &[]);
    env.budget = HostBudget {
        tenant_storage_bytes: first.len() as u64 + 1024,
        ..HostBudget::default()
    };
    let server = env.start().await;
    let admin = server.api(TENANT, "tenant_admin");
    deploy(&admin, "", first).await.expect(201);
    let second = archive_with(FEES, relabel("1.2.0"), &[]);
    let before = scrape(&server).await;
    let refused = deploy(&admin, "", second)
        .await
        .expect_error(422, "invalid_request");
    assert_eq!(field_of(&refused), "body", "{refused}");
    assert!(refused.to_string().contains("storage quota"), "{refused}");
    assert_eq!(stored_packages(&env).await, 1);
    // The operator's scraper sees the refusal, by tenant and quota.
    let storage = [("tenant", TENANT), ("quota", "storage")];
    let after = scrape(&server).await;
    assert!(
        after.counter("motcua_quota_refusals_total", &storage)
            - before.counter("motcua_quota_refusals_total", &storage)
            >= 1.0
    );
    server.stop().await;
}

async fn golden_cases_run_under_one_budget_at_deploy(db: TestDb) {
    let mut env = TestEnv::new(&db);
    env.budget = HostBudget {
        golden_time: std::time::Duration::from_secs(1),
        ..HostBudget::default()
    };
    // Eight golden cases of 200 ms each: every one passes, not all in 1 s.
    let nap = dossier(TENANT, "nap", Channel::Online);
    // The sleeper waits through WASI, which blocks its thread: off the
    // test's runtime, as the host runs plugin calls.
    let call = GoldenCall::FeeLines {
        dossier: nap.clone(),
    };
    let expected = tokio::task::spawn_blocking(move || golden::answer(&load("sleeper"), call))
        .await
        .unwrap()
        .unwrap();
    let input = serde_json::json!({ "call": "fee_lines", "dossier": nap }).to_string();
    let expected = expected.to_string();
    let names: Vec<(String, String)> = (0..8)
        .map(|i| {
            (
                format!("golden/nap-{i}.input.json"),
                format!("golden/nap-{i}.expected.json"),
            )
        })
        .collect();
    let mut extra: Vec<(&str, &[u8])> = Vec::new();
    for (input_name, expected_name) in &names {
        extra.push((input_name.as_str(), input.as_bytes()));
        extra.push((expected_name.as_str(), expected.as_bytes()));
    }
    let server = env.start().await;
    let admin = server.api(TENANT, "tenant_admin");
    let package = archive_with(
        "sleeper",
        |m| {
            m.replace("tenant = \"test\"", "tenant = \"bac-ninh\"")
                .replace("deadline_ms = 300", "deadline_ms = 1000")
        },
        &extra,
    );
    let refused = deploy(&admin, "", package)
        .await
        .expect_error(422, "invalid_request");
    assert!(field_of(&refused).starts_with("golden/nap-"), "{refused}");
    // Whichever comes first names the budget: the cases' total, or the
    // deadline of the case that the remaining budget cut short.
    let text = refused.to_string();
    assert!(
        text.contains("longer than 1 s together") || text.contains("exceeded its deadline"),
        "{refused}"
    );
    server.stop().await;
}
