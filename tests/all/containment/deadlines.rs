//! A deadline holds while the guest waits inside a WASI host call (the
//! `sleeper` fixture): epoch interruption cannot reach a host call, so the
//! wait itself ends at the deadline.

use std::time::{Duration, Instant};

use motcua::domain::dossier::Channel;
use motcua::plugin::{CallContext, Failure, Plugin};
use motcua_tests::{dossier, load_with};

fn sleeper(deadline: Duration) -> Plugin {
    load_with("sleeper", |m| m.limits.deadline = deadline)
}

/// Call `behaviour` and return its failure and how long the call took.
fn fails_after(plugin: &Plugin, behaviour: &str) -> (Failure, Duration) {
    let started = Instant::now();
    let error = plugin
        .fee_lines(
            &CallContext::new("test"),
            &dossier("test", behaviour, Channel::Online),
        )
        .expect_err("the call cannot succeed");
    (error.failure, started.elapsed())
}

#[test]
fn a_plugin_sleeping_in_a_host_call_ends_at_its_deadline() {
    let deadline = Duration::from_millis(300);
    let plugin = sleeper(deadline);
    for behaviour in ["sleep-hour", "sleep-forever"] {
        let (failure, took) = fails_after(&plugin, behaviour);
        assert!(
            matches!(failure, Failure::DeadlineExceeded { limit } if limit == deadline),
            "{behaviour}: {failure}"
        );
        // Generous for a loaded machine; the benchmark measures the real figure.
        assert!(
            took < deadline + Duration::from_secs(3),
            "{behaviour} took {took:?}"
        );
    }
    let lines = plugin
        .fee_lines(
            &CallContext::new("test"),
            &dossier("test", "ok", Channel::Online),
        )
        .expect("the next call is served");
    assert_eq!(lines[0].amount_vnd, 10_000);
}

#[test]
fn a_caller_s_deadline_bounds_the_call_it_makes() {
    // A registry lookup runs inside a form's call: it may not outlast it.
    let plugin = sleeper(Duration::from_secs(60));
    let ctx = CallContext::new("test").not_after(Instant::now() + Duration::from_millis(300));
    let started = Instant::now();
    let error = plugin
        .fee_lines(&ctx, &dossier("test", "sleep-hour", Channel::Online))
        .expect_err("cut short");
    assert!(
        matches!(error.failure, Failure::DeadlineExceeded { .. }),
        "{error}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
}
