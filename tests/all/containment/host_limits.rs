//! What a call spends of the host's own resources is bounded per call:
//! open handles (host file descriptors), registry lookups, egress requests,
//! log lines and bytes (`resource-hog`, `registry-flood`). At the limit the
//! resource is refused and the call fails `host-limit-exceeded`.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use axum::Router;
use axum::routing::get;
use motcua::domain::connector::Person;
use motcua::domain::refusal::PluginRefusal;
use motcua::plugin::{
    CallContext, EgressRule, Failure, HostResource, Plugin, PluginError, Registry,
};
use motcua_tests::{allow_private, citizen, load, load_with, load_with_settings, standin};

fn hog(plugin: &Plugin, behaviour: &str) -> Result<Option<Person>, PluginError> {
    plugin.lookup_person(&CallContext::new("test"), behaviour)
}

fn assert_over(result: Result<Option<Person>, PluginError>, resource: HostResource, limit: u64) {
    match result {
        Err(PluginError {
            failure:
                Failure::HostLimitExceeded {
                    resource: hit,
                    limit: at,
                },
            ..
        }) => assert_eq!((hit, at), (resource, limit)),
        other => panic!("expected {resource} over {limit}, got {other:?}"),
    }
}

#[test]
fn a_call_opening_thousands_of_files_is_stopped_at_its_open_handles() {
    let plugin = load("resource-hog");
    assert_over(hog(&plugin, "open-files"), HostResource::OpenHandles, 256);
    let served = hog(&plugin, "ok").expect("the next call is served");
    assert_eq!(served.unwrap().full_name, "ok");
}

#[test]
fn a_call_flooding_the_network_is_stopped_at_its_egress_requests() {
    let remote = standin::serve(Router::new().route("/ok", get(|| async { "ok" })));
    let port = remote.addr.port();
    let plugin = load_with_settings(
        "resource-hog",
        |m| {
            m.egress = vec![EgressRule {
                host: "127.0.0.1".into(),
                port,
            }]
        },
        &allow_private(&[("127.0.0.1", port)]),
    );
    let flood = format!("egress-flood http://127.0.0.1:{port}/ok");
    assert_over(hog(&plugin, &flood), HostResource::EgressRequests, 32);
}

#[test]
fn a_call_flooding_the_log_is_stopped_at_its_log_lines_and_bytes() {
    let plugin = load("resource-hog");
    assert_over(hog(&plugin, "log-flood"), HostResource::LogLines, 64);
    assert_over(hog(&plugin, "log-bytes"), HostResource::LogBytes, 64 * 1024);
    let plugin = load_with("resource-hog", |m| {
        m.limits.log_lines = 20_000;
        m.limits.log_bytes = 1024 * 1024;
    });
    assert!(
        hog(&plugin, "log-flood").is_ok(),
        "a raised limit allows it"
    );
}

/// A registry that counts the lookups that reach it.
#[derive(Default)]
struct CountingRegistry(AtomicUsize);

impl Registry for CountingRegistry {
    fn lookup_person(
        &self,
        _personal_id: &str,
        _deadline: Instant,
    ) -> Result<Option<Person>, PluginRefusal> {
        self.0.fetch_add(1, Ordering::Relaxed);
        Ok(None)
    }
}

#[test]
fn a_form_flooding_the_registry_is_stopped_at_its_registry_calls() {
    let plugin = load("registry-flood");
    let registry = Arc::new(CountingRegistry::default());
    let ctx = CallContext::new("test").with_registry(registry.clone());
    let error = plugin
        .prefill(&ctx, "flood", &citizen("001203004567", "Nguyễn Văn An"))
        .expect_err("the flood is stopped");
    assert!(
        matches!(
            error.failure,
            Failure::HostLimitExceeded {
                resource: HostResource::RegistryCalls,
                limit: 8
            }
        ),
        "{error}"
    );
    assert_eq!(
        registry.0.load(Ordering::Relaxed),
        8,
        "no lookup past the limit"
    );
}
