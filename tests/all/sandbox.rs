//! A misbehaving plugin is stopped, reported with the limit it broke, and the
//! host serves the next call normally. The `misbehaving` fixture picks its
//! misbehaviour from the dossier's procedure code.

use std::time::{Duration, Instant};

use motcua::domain::dossier::Channel;
use motcua::domain::fee::FeeLine;
use motcua::plugin::{
    CallContext, Failure, HostBudget, HostSettings, Plugin, PluginError, PluginRuntime,
    RuntimeConfig,
};
use motcua_tests::{dossier, load, load_with, load_with_settings, package, workspace_root};

fn call(plugin: &Plugin, behaviour: &str) -> Result<Vec<FeeLine>, PluginError> {
    plugin.fee_lines(
        &CallContext::new("test"),
        &dossier("test", behaviour, Channel::Counter),
    )
}

fn reason(plugin: &Plugin, behaviour: &str) -> String {
    let lines = call(plugin, behaviour).unwrap_or_else(|error| panic!("{behaviour}: {error}"));
    lines[0]
        .reason
        .clone()
        .expect("the probe reports in `reason`")
}

fn assert_serves_normally(plugin: &Plugin) {
    let lines = call(plugin, "ok").expect("the next call succeeds");
    assert_eq!(lines[0].amount_vnd, 10_000);
}

#[test]
fn an_infinite_loop_is_stopped_by_the_deadline() {
    let plugin = load_with("misbehaving", |m| {
        m.limits.fuel = 100_000_000_000;
        m.limits.deadline = Duration::from_millis(100);
    });
    let started = Instant::now();
    let error = call(&plugin, "loop").unwrap_err();
    assert!(
        matches!(error.failure, Failure::DeadlineExceeded { limit } if limit == Duration::from_millis(100)),
        "{error}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "stopped promptly"
    );
    assert_eq!(error.plugin, "misbehaving@0.1.0");
    assert_eq!(error.call, "fee-policy.fee-lines");
    assert_serves_normally(&plugin);
}

#[test]
fn an_infinite_loop_is_stopped_by_fuel() {
    let plugin = load_with("misbehaving", |m| {
        m.limits.fuel = 5_000_000;
        m.limits.deadline = Duration::from_secs(60);
    });
    let error = call(&plugin, "loop").unwrap_err();
    assert!(
        matches!(error.failure, Failure::OutOfFuel { limit: 5_000_000 }),
        "{error}"
    );
    assert_serves_normally(&plugin);
}

#[test]
fn a_memory_bomb_is_stopped_at_the_memory_limit() {
    let plugin = load("misbehaving");
    let error = call(&plugin, "memory-bomb").unwrap_err();
    assert!(
        matches!(error.failure, Failure::MemoryExceeded { limit_bytes } if limit_bytes == 32 << 20),
        "{error}"
    );
    assert_serves_normally(&plugin);
}

#[test]
fn a_panic_is_a_trap_that_carries_the_panic_message() {
    let plugin = load("misbehaving");
    let error = call(&plugin, "panic").unwrap_err();
    let Failure::Trapped { message } = &error.failure else {
        panic!("expected a trap, got {error}");
    };
    assert!(message.contains("panics on purpose"), "{message}");
    assert!(error.failure.is_misbehaviour());
    assert_serves_normally(&plugin);
}

#[test]
fn a_plugin_cannot_open_host_files_outside_its_data_directory() {
    let plugin = load("misbehaving");
    let report = reason(&plugin, "read-outside");
    for path in ["/etc/passwd", "../plugin.toml", "/data/../plugin.toml"] {
        let attempt = report
            .split("; ")
            .find(|line| line.starts_with(&format!("{path}:")))
            .unwrap_or_else(|| panic!("{path} missing from {report}"));
        assert!(attempt.contains("failed"), "{attempt}");
    }
}

#[test]
fn a_plugin_reads_its_own_data_directory() {
    let plugin = load("misbehaving");
    let content = reason(&plugin, "read-inside");
    let expected =
        std::fs::read_to_string(motcua_tests::package("misbehaving").join("data/inside.txt"))
            .unwrap();
    assert_eq!(content, expected);
}

#[test]
fn a_plugin_sees_no_environment_variables() {
    // The host process has HOME and PATH; the plugin must see neither.
    assert!(std::env::var("PATH").is_ok());
    let plugin = load("misbehaving");
    let report = reason(&plugin, "env");
    assert!(report.starts_with("vars: 0;"), "{report}");
    assert!(report.contains("NotPresent"), "{report}");
}

#[test]
fn a_fee_policy_sees_a_stopped_clock_so_its_decisions_replay() {
    let plugin = load("misbehaving");
    assert_eq!(reason(&plugin, "clock"), "0");
}

#[test]
fn an_oversized_output_is_refused() {
    let plugin = load("misbehaving");
    let error = call(&plugin, "huge-output").unwrap_err();
    match &error.failure {
        Failure::OutputTooLarge { size, limit } => {
            assert_eq!(*limit, 64 * 1024);
            assert!(size > limit);
        }
        // 100,000 long lines may also exhaust the 32 MiB memory cap first.
        Failure::MemoryExceeded { .. } => {}
        // Or the count of lines is over what one dossier may owe.
        Failure::MalformedOutput { detail } if detail.contains("fee lines, over the limit") => {}
        other => panic!("expected the output to be refused, got {other}"),
    }
    assert_serves_normally(&plugin);
}

#[test]
fn failures_are_counted_and_the_host_keeps_serving_after_each() {
    let plugin = load_with("misbehaving", |m| {
        m.limits.deadline = Duration::from_millis(200);
    });
    for behaviour in ["loop", "memory-bomb", "panic", "spin-fuel"] {
        let error = call(&plugin, behaviour).unwrap_err();
        assert!(error.failure.is_misbehaviour(), "{behaviour}: {error}");
        assert_serves_normally(&plugin);
    }
    let stats = plugin.stats();
    assert_eq!(stats.failed, 4);
    assert_eq!(stats.succeeded, 4);
}

#[test]
fn an_unknown_procedure_is_a_refusal_not_a_failure() {
    let plugin = load("misbehaving");
    let error = call(&plugin, "no-such-procedure").unwrap_err();
    let refusal = error.refusal().expect("a refusal");
    assert_eq!(refusal.code, "procedure-not-served");
    assert!(!error.failure.is_misbehaviour());
}

#[test]
fn concurrent_calls_each_get_their_own_sandbox() {
    let plugin = load("misbehaving");
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..8)
            .map(|worker| {
                let plugin = plugin.clone();
                scope.spawn(move || {
                    for i in 0..25 {
                        // Interleave failures with successes on every thread.
                        if (worker + i) % 5 == 0 {
                            assert!(call(&plugin, "panic").is_err());
                        } else {
                            assert_eq!(call(&plugin, "ok").unwrap()[0].amount_vnd, 10_000);
                        }
                    }
                })
            })
            .collect();
        for worker in workers {
            worker.join().expect("no worker panicked");
        }
    });
    assert_eq!(plugin.stats().calls, 200);
}

/// What the `residue` probe reports when nothing of an earlier call is
/// left: its own first call, no marked word in zeroed data or grown memory.
const CLEAN: &str = "calls 1; marked data words 0; marked grown words 0";

/// Wait until the plugin has a sandbox made ahead of its next call.
fn until_ready(plugin: &Plugin) {
    let give_up = Instant::now() + Duration::from_secs(10);
    while plugin.ready_waiting() == 0 {
        assert!(
            Instant::now() < give_up,
            "no sandbox was made ahead of a call"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn nothing_of_a_call_survives_into_the_next_through_ready_or_recycled_sandboxes() {
    let plugin = load("misbehaving");
    // Two calls in a row make the plugin busy: the keeper makes a sandbox
    // ahead of the third.
    assert_eq!(reason(&plugin, "residue"), CLEAN);
    assert_eq!(reason(&plugin, "residue"), CLEAN);
    until_ready(&plugin);
    let served = plugin.served_ready();
    assert_eq!(reason(&plugin, "residue"), CLEAN);
    assert_eq!(
        plugin.served_ready(),
        served + 1,
        "served by a ready sandbox"
    );
    // Many more, sequential and concurrent: ready sandboxes, fresh ones and
    // recycled pool slots all start clean.
    for _ in 0..50 {
        assert_eq!(reason(&plugin, "residue"), CLEAN);
    }
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                for _ in 0..25 {
                    assert_eq!(reason(&plugin, "residue"), CLEAN);
                }
            });
        }
    });
    assert!(plugin.served_ready() > served + 1);
}

#[test]
fn a_ready_sandbox_serves_whichever_tenant_calls_next_with_that_tenant_s_settings() {
    // Bắc Ninh halves the construction permit charge online; the operator
    // gives tenant `full-price` no discount.
    let settings = HostSettings::parse(
        "[[plugin]]\nid = \"bac-ninh-fees\"\ntenant = \"full-price\"\n\
         [plugin.config]\nonline_discount_percent = \"0\"\n",
        &|_| None,
    )
    .expect("valid settings");
    let plugin = load_with_settings("bac-ninh-fees", |_| {}, &settings);
    let owed = |tenant: &str| -> u64 {
        let lines = plugin
            .fee_lines(
                &CallContext::new(tenant),
                &dossier(tenant, "1.009994", Channel::Online),
            )
            .unwrap_or_else(|error| panic!("{tenant}: {error}"));
        lines.iter().map(|line| line.amount_vnd).sum()
    };
    let served = plugin.served_ready();
    for round in 0..20 {
        if round % 5 == 4 {
            until_ready(&plugin);
        }
        assert_eq!(owed("bac-ninh"), 75_000, "round {round}");
        assert_eq!(owed("full-price"), 150_000, "round {round}");
    }
    assert!(
        plugin.served_ready() > served,
        "ready sandboxes served calls"
    );
}

#[test]
fn sandboxes_made_ahead_stay_within_the_host_s_budget_and_go_when_their_plugin_is_quiet() {
    let runtime = PluginRuntime::new(RuntimeConfig {
        max_concurrent_calls: 8,
        cache_dir: Some(workspace_root().join("target/motcua-test-cache")),
        budget: HostBudget {
            ready_sandboxes: 3,
            ..HostBudget::default()
        },
        ready_quiet: Duration::from_millis(300),
        ..RuntimeConfig::default()
    })
    .expect("the runtime starts");
    let plugins: Vec<Plugin> = ["misbehaving", "bac-ninh-fees"]
        .into_iter()
        .map(|id| runtime.load(&package(id)).expect("loads"))
        .collect();
    // Both plugins busy: each may have 2 made ahead, the host only 3.
    for _ in 0..20 {
        assert_serves_normally(&plugins[0]);
        plugins[1]
            .fee_lines(
                &CallContext::new("bac-ninh"),
                &dossier("bac-ninh", "1.009994", Channel::Online),
            )
            .expect("priced");
        assert!(runtime.ready_sandboxes() <= 3);
    }
    let give_up = Instant::now() + Duration::from_secs(10);
    while runtime.ready_sandboxes() < 3 {
        assert!(Instant::now() < give_up, "the keeper made none ahead");
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(plugins.iter().all(|p| p.ready_waiting() <= 2));
    // Quiet: the keeper drops them all.
    while runtime.ready_sandboxes() > 0 {
        assert!(
            Instant::now() < give_up,
            "quiet plugins kept their sandboxes"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(plugins.iter().all(|p| p.ready_waiting() == 0));
    // And a call after the quiet spell is served as before.
    assert_eq!(reason(&plugins[0], "residue"), CLEAN);
}
