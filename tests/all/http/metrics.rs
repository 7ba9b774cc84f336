//! `GET /metrics` as the platform operator's Prometheus scrapes it: every
//! plugin call counted by tenant, plugin, version, call and outcome, with
//! its duration and fuel, next to the HTTP series.

use motcua_tests::db::TestDb;
use motcua_tests::metrics::scrape;
use motcua_tests::on_both_backends;
use motcua_tests::server::{TestEnv, applicant, submission};
use serde_json::json;

on_both_backends!(every_plugin_call_is_counted_by_tenant_plugin_version_call_and_outcome);

/// The `misbehaving` fixture: its fee policy panics for procedure `panic`.
const FIXTURE: &str = "misbehaving";
const TENANT: &str = "bac-ninh";

async fn every_plugin_call_is_counted_by_tenant_plugin_version_call_and_outcome(db: TestDb) {
    let env = TestEnv::new(&db);
    env.add_package(FIXTURE, FIXTURE, |manifest| {
        manifest.replace("tenant = \"test\"", &format!("tenant = \"{TENANT}\""))
    });
    let server = env.start().await;
    let admin = server.api(TENANT, "tenant_admin");
    let citizen = server.api(TENANT, "citizen");
    let permit = admin.get("/procedures/1.009994").await.expect(200);
    let agency = permit["deciding_agency"].as_str().unwrap().to_owned();
    let mut panic_procedure = permit.clone();
    panic_procedure["code"] = json!("panic");
    panic_procedure["fee_plugin"] = json!(FIXTURE);
    assert!(
        admin
            .put("/procedures/panic", &panic_procedure)
            .await
            .status
            .is_success()
    );
    let body = |procedure: &str| {
        submission(
            procedure,
            &agency,
            "online",
            applicant("027088004321", "Nguyễn Văn An"),
            json!([]),
        )
    };
    let plugins = server.operator_plugins().await;
    let version_of = |id: &str| {
        plugins["plugins"]
            .as_array()
            .and_then(|l| l.iter().find(|p| p["id"] == id && p["tenant"] == TENANT))
            .and_then(|p| p["version"].as_str())
            .unwrap_or_else(|| panic!("{id} is listed for {TENANT}: {plugins}"))
            .to_owned()
    };
    let (fees_version, fixture_version) = (version_of("bac-ninh-fees"), version_of(FIXTURE));

    let before = scrape(&server).await;
    citizen.submit(&body("1.009994")).await.expect(201);
    citizen.submit(&body("panic")).await.expect(201);
    let after = scrape(&server).await;

    let priced = [
        ("tenant", TENANT),
        ("plugin", "bac-ninh-fees"),
        ("version", fees_version.as_str()),
        ("call", "fee-policy.fee-lines"),
    ];
    let trapped = [
        ("tenant", TENANT),
        ("plugin", FIXTURE),
        ("version", fixture_version.as_str()),
        ("call", "fee-policy.fee-lines"),
    ];
    let calls = |labels: &[(&str, &str)], outcome: &str| {
        let labels: Vec<_> = labels
            .iter()
            .copied()
            .chain([("outcome", outcome)])
            .collect();
        after.counter("motcua_plugin_calls_total", &labels)
            - before.counter("motcua_plugin_calls_total", &labels)
    };
    assert!(calls(&priced, "succeeded") >= 1.0);
    assert!(calls(&trapped, "trapped") >= 1.0);
    assert_eq!(
        calls(&trapped, "succeeded"),
        0.0,
        "a trapping call is never counted as answered"
    );
    for labels in [&priced, &trapped] {
        for histogram in [
            "motcua_plugin_call_duration_seconds",
            "motcua_plugin_call_fuel",
        ] {
            let observed = after.histogram_count(histogram, labels)
                - before.histogram_count(histogram, labels);
            assert!(observed >= 1.0, "{histogram}{labels:?}: {observed}");
        }
    }
    // The label values are the stable ones a dashboard is built on.
    let outcomes = after.label_values("motcua_plugin_calls_total", "outcome");
    for outcome in &outcomes {
        assert!(
            [
                "succeeded",
                "refused",
                "out-of-fuel",
                "deadline-exceeded",
                "memory-exceeded",
                "trapped",
                "output-too-large",
                "malformed-output",
                "instantiation-failed",
                "not-implemented",
                "host-limit-exceeded",
                "no-sandbox",
            ]
            .contains(&outcome.as_str()),
            "unexpected outcome label {outcome}"
        );
    }
    // And the requests that caused them, by route template and status.
    let submits = [
        ("route", "/api/v1/tenants/{tenant}/dossiers"),
        ("method", "POST"),
        ("status", "201"),
    ];
    assert!(
        after.counter("motcua_http_requests_total", &submits)
            - before.counter("motcua_http_requests_total", &submits)
            >= 2.0,
        "routes: {:?}",
        after.label_values("motcua_http_requests_total", "route")
    );
    server.stop().await;
}
