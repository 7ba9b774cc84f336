//! Connectors reach the network only through the host (issue 4): the hosts
//! and ports their manifest allows, resolving to public addresses unless the
//! operator allows a development stand-in, with the tenant's secrets added by
//! the host, timeouts, a response cap and one log line per request.
//!
//! The remote system is a loopback stand-in served by the test (the real
//! national systems are out of reach); the plugin is the real `egress-probe`
//! component.

mod allowlist;
mod limits;
mod logging;
mod secret_binding;
mod secrets;
mod settings;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use motcua::domain::connector::Person;
use motcua::plugin::{
    CallContext, EgressRule, HostSettings, Manifest, Plugin, PluginError, SecretHeader,
};
use motcua_tests::load_with_settings;
use motcua_tests::standin::{self, Standin};

/// A remote system on 127.0.0.1 that remembers the `authorization` header of
/// every request it received.
struct Remote {
    standin: Standin,
    authorizations: Arc<Mutex<Vec<Option<String>>>>,
}

impl Remote {
    fn start() -> Remote {
        let authorizations: Arc<Mutex<Vec<Option<String>>>> = Arc::default();
        let seen = authorizations.clone();
        let record = move |headers: &HeaderMap| {
            let value = headers
                .get("authorization")
                .map(|v| v.to_str().unwrap_or_default().to_string());
            seen.lock().unwrap().push(value.clone());
            value
        };
        let (ok, echo, slow, big) = (record.clone(), record.clone(), record.clone(), record);
        let router = Router::new()
            .route(
                "/ok",
                get(move |headers: HeaderMap| async move {
                    ok(&headers);
                    "hello from the remote system"
                }),
            )
            // A careless server that repeats the credentials it refuses.
            .route(
                "/echo-auth",
                get(move |headers: HeaderMap| async move {
                    let sent = echo(&headers).unwrap_or_default();
                    (
                        StatusCode::UNAUTHORIZED,
                        format!("invalid credentials: {sent}"),
                    )
                }),
            )
            .route(
                "/slow",
                get(move |headers: HeaderMap| async move {
                    slow(&headers);
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    "too late"
                }),
            )
            .route(
                "/big",
                get(move |headers: HeaderMap| async move {
                    big(&headers);
                    vec![b'x'; 2 * 1024 * 1024]
                }),
            );
        Remote {
            standin: standin::serve(router),
            authorizations,
        }
    }

    fn port(&self) -> u16 {
        self.standin.addr.port()
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port())
    }

    fn authorizations(&self) -> Vec<Option<String>> {
        self.authorizations.lock().unwrap().clone()
    }
}

/// Operator settings from `motcua.toml` text.
fn settings(text: &str) -> HostSettings {
    HostSettings::parse(text, &|_| None).unwrap_or_else(|error| panic!("{error}\n{text}"))
}

/// The probe allowed out to `allow`, adjusted further by `adjust`, under
/// `settings`.
fn probe(
    allow: &[(&str, u16)],
    adjust: impl FnOnce(&mut Manifest),
    settings: &HostSettings,
) -> Plugin {
    let rules: Vec<EgressRule> = allow
        .iter()
        .map(|(host, port)| EgressRule {
            host: host.to_string(),
            port: *port,
        })
        .collect();
    load_with_settings(
        "egress-probe",
        move |m| {
            m.egress = rules;
            adjust(m);
        },
        settings,
    )
}

/// The manifest's `[[egress.secrets]]`: `probe-token` as a bearer token.
fn bearer_secret(m: &mut Manifest) {
    m.egress_secrets = vec![SecretHeader {
        name: "probe-token".into(),
        header: "authorization".into(),
        format: "Bearer {secret}".into(),
        hosts: Vec::new(),
    }];
}

/// The probe fetches `url` for `tenant`.
fn fetch(plugin: &Plugin, tenant: &str, url: &str) -> Result<Person, PluginError> {
    plugin
        .lookup_person(&CallContext::new(tenant), url)
        .map(|person| person.expect("the probe always answers a person"))
}

/// The refusal's code and message, or a panic naming what happened instead.
#[track_caller]
fn refused(result: Result<Person, PluginError>) -> (String, String) {
    match result {
        Ok(person) => panic!("the request went through: {}", person.full_name),
        Err(error) => {
            let refusal = error
                .refusal()
                .unwrap_or_else(|| panic!("a refusal, not {error}"));
            (refusal.code.clone(), refusal.message.clone())
        }
    }
}
