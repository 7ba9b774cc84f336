//! No tenant takes another's capacity: one tenant floods the shared sandbox
//! pool with sleeping and spinning fee-policy calls (`sleeper`) while another
//! tenant's calls are still served. Latency is printed for the issue note,
//! not asserted (speed is measured by benchmarks, not timed tests).

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use motcua::domain::dossier::Channel;
use motcua::plugin::{
    CallContext, Crowding, Failure, HostBudget, Manifest, Plugin, PluginRuntime, RuntimeConfig,
};
use motcua_tests::{dossier, package, workspace_root};

/// A runtime sized like a production host's: 128 sandboxes, 32 per tenant.
fn production_sized_runtime() -> PluginRuntime {
    PluginRuntime::new(RuntimeConfig {
        max_concurrent_calls: 128,
        cache_dir: Some(workspace_root().join("target/motcua-test-cache")),
        budget: HostBudget::default(),
        ..RuntimeConfig::default()
    })
    .expect("the runtime starts")
}

fn sleeper(runtime: &PluginRuntime) -> Plugin {
    let mut manifest = Manifest::load(&package("sleeper")).unwrap();
    manifest.limits.deadline = Duration::from_secs(2);
    runtime.load_manifest(manifest).unwrap()
}

/// `calls` calls of the calm tenant, one after another; their latencies.
fn calm_calls(plugin: &Plugin, calls: usize) -> Vec<Duration> {
    let ctx = CallContext::new("calm");
    (0..calls)
        .map(|_| {
            let started = Instant::now();
            let lines = plugin
                .fee_lines(&ctx, &dossier("calm", "ok", Channel::Online))
                .unwrap_or_else(|error| panic!("the calm tenant was not served: {error}"));
            assert_eq!(lines[0].amount_vnd, 10_000);
            started.elapsed()
        })
        .collect()
}

fn p99(mut latencies: Vec<Duration>) -> Duration {
    latencies.sort();
    latencies[(latencies.len() - 1) * 99 / 100]
}

#[test]
fn a_tenant_flooding_the_pool_does_not_starve_another_tenant() {
    let runtime = production_sized_runtime();
    let plugin = sleeper(&runtime);
    let baseline = p99(calm_calls(&plugin, 100));

    let flooding = AtomicBool::new(true);
    let (calm, flood) = std::thread::scope(|scope| {
        let flood: Vec<_> = (0..130)
            .map(|i| {
                let (plugin, flooding) = (&plugin, &flooding);
                scope.spawn(move || {
                    let behaviour = if i % 2 == 0 { "sleep-hour" } else { "spin" };
                    let ctx = CallContext::new("flood");
                    let mut latencies = Vec::new();
                    while flooding.load(Ordering::Relaxed) {
                        let started = Instant::now();
                        let error = plugin
                            .fee_lines(&ctx, &dossier("flood", behaviour, Channel::Online))
                            .expect_err("the flood never succeeds");
                        assert!(
                            matches!(
                                error.failure,
                                Failure::DeadlineExceeded { .. }
                                    | Failure::NoSandbox {
                                        crowding: Crowding::TenantShare { share: 32 },
                                        ..
                                    }
                            ),
                            "{error}"
                        );
                        latencies.push(started.elapsed());
                    }
                    latencies
                })
            })
            .collect();
        // Let the flood fill its share first.
        std::thread::sleep(Duration::from_millis(500));
        let calm = calm_calls(&plugin, 200);
        flooding.store(false, Ordering::Relaxed);
        let flood: Vec<Duration> = flood
            .into_iter()
            .flat_map(|worker| worker.join().expect("a flood thread panicked"))
            .collect();
        (calm, flood)
    });
    eprintln!(
        "fairness: calm tenant p99 {:?} alone, {:?} during the flood ({} calls); flooding tenant p99 {:?} ({} calls)",
        baseline,
        p99(calm.clone()),
        calm.len(),
        p99(flood.clone()),
        flood.len()
    );
}
