//! Test doubles for native unit tests (`cargo test` on the build machine).
//!
//! Outside WebAssembly the host imports cannot be called, so [`crate::log`],
//! [`crate::config`], [`crate::registry`] and [`crate::http`] use the
//! thread-local state set here. Each Rust test runs on its own thread, so
//! tests do not see each other's doubles. Inside WebAssembly these functions
//! only store values nobody reads.
//!
//! A fee policy imports nothing: its configuration is an argument. Test it
//! through [`fee_lines`], which passes the configuration and makes any host
//! import the policy calls (log, config, registry, HTTP) panic, as the host
//! would refuse to load a component that imports one:
//! `testing::fee_lines::<MyPolicy>(&dossier, [("online_discount_percent", "50")])`,
//! or `Config::default()` for none.
//!
//! ```
//! use motcua_sdk::testing;
//! testing::set_config([("online_discount_percent", "50")]);
//! assert_eq!(motcua_sdk::config::get("online_discount_percent").as_deref(), Some("50"));
//! motcua_sdk::log::info("hello");
//! assert_eq!(testing::logs(), vec![(motcua_sdk::log::Level::Info, "hello".to_string())]);
//! testing::set_registry_operation("land.parcel-lookup", |input| Ok(format!("{{\"asked\":{input}}}")));
//! assert_eq!(
//!     motcua_sdk::registry::invoke("land.parcel-lookup", "1").unwrap(),
//!     r#"{"asked":1}"#
//! );
//! ```

use std::cell::RefCell;
use std::rc::Rc;

use crate::config::Config;
use crate::http::{Request, Response};
use crate::log::Level;
use crate::{DossierView, FeeLine, FeePolicy, Person, PluginError};

/// One log record: level, message, fields.
pub type LogRecord = (Level, String, Vec<(String, String)>);

type Responder = Rc<dyn Fn(&Request) -> Result<Response, PluginError>>;
type Operation = Rc<dyn Fn(&str) -> Result<String, PluginError>>;

#[derive(Default)]
struct State {
    config: Vec<(String, String)>,
    people: Vec<Person>,
    registry_error: Option<PluginError>,
    operations: Vec<(String, Operation)>,
    invocations: Vec<(String, String)>,
    logs: Vec<LogRecord>,
    http: Option<Responder>,
    in_fee_policy: bool,
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State::default());
}

/// Forget every double of this thread (config, registry, logs, HTTP responder).
pub fn reset() {
    STATE.with(|s| *s.borrow_mut() = State::default());
}

/// Call `P::fee_lines` as the host does: with `config` passed in (a
/// [`Config`], or an array of key/value pairs) and no import available. A
/// log, config, registry or HTTP call from the policy panics (its component
/// would not load).
pub fn fee_lines<P: FeePolicy>(
    dossier: &DossierView,
    config: impl Into<Config>,
) -> Result<Vec<FeeLine>, PluginError> {
    struct Leave;
    impl Drop for Leave {
        fn drop(&mut self) {
            STATE.with(|s| s.borrow_mut().in_fee_policy = false);
        }
    }
    let config = config.into();
    STATE.with(|s| s.borrow_mut().in_fee_policy = true);
    let _leave = Leave;
    P::fee_lines(dossier, &config)
}

/// Replace the configuration seen by [`crate::config`].
pub fn set_config<K: Into<String>, V: Into<String>>(entries: impl IntoIterator<Item = (K, V)>) {
    let config = entries
        .into_iter()
        .map(|(k, v)| (k.into(), v.into()))
        .collect();
    STATE.with(|s| s.borrow_mut().config = config);
}

/// Make [`crate::registry::lookup_person`] know `person` (by its `personal_id`).
pub fn set_registry_person(person: Person) {
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        s.people.retain(|p| p.personal_id != person.personal_id);
        s.people.push(person);
    });
}

/// Make every [`crate::registry::lookup_person`] call fail with `error`.
pub fn set_registry_error(error: PluginError) {
    STATE.with(|s| s.borrow_mut().registry_error = Some(error));
}

/// Answer [`crate::registry::invoke`] of `operation` with `answer(input)`.
/// An operation without an answer is `unsupported`, as when the operator
/// assigned no connector to it.
pub fn set_registry_operation(
    operation: &str,
    answer: impl Fn(&str) -> Result<String, PluginError> + 'static,
) {
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        s.operations.retain(|(name, _)| name != operation);
        s.operations.push((operation.to_owned(), Rc::new(answer)));
    });
}

/// The [`crate::registry::invoke`] calls so far on this thread: operation and input.
pub fn registry_invocations() -> Vec<(String, String)> {
    STATE.with(|s| s.borrow().invocations.clone())
}

/// Answer [`crate::http::send`] with `responder` instead of failing `unavailable`.
pub fn set_http_responder(responder: impl Fn(&Request) -> Result<Response, PluginError> + 'static) {
    STATE.with(|s| s.borrow_mut().http = Some(Rc::new(responder)));
}

/// The messages logged so far on this thread, with their levels.
pub fn logs() -> Vec<(Level, String)> {
    STATE.with(|s| {
        s.borrow()
            .logs
            .iter()
            .map(|(l, m, _)| (*l, m.clone()))
            .collect()
    })
}

/// The records logged so far on this thread, with their fields.
pub fn log_records() -> Vec<LogRecord> {
    STATE.with(|s| s.borrow().logs.clone())
}

/// Panic when a fee policy (inside [`fee_lines`]) calls a host import.
fn no_import_in_fee_policy(import: &str) {
    if STATE.with(|s| s.borrow().in_fee_policy) {
        panic!(
            "a fee policy called the host import `{import}`: the fee-policy world imports \
             nothing (contract 0.3.0), so the host would refuse to load it; read the \
             configuration from the `Config` argument and explain a line through its `reason`"
        );
    }
}

#[allow(dead_code)]
pub(crate) fn record_log(level: Level, message: &str, fields: &[(&str, &str)]) {
    no_import_in_fee_policy("log");
    let fields = fields
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    STATE.with(|s| {
        s.borrow_mut()
            .logs
            .push((level, message.to_owned(), fields))
    });
}

#[allow(dead_code)]
pub(crate) fn config_get(key: &str) -> Option<String> {
    no_import_in_fee_policy("config");
    STATE.with(|s| {
        s.borrow()
            .config
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    })
}

#[allow(dead_code)]
pub(crate) fn config_all() -> Vec<(String, String)> {
    no_import_in_fee_policy("config");
    STATE.with(|s| s.borrow().config.clone())
}

#[allow(dead_code)]
pub(crate) fn registry_lookup(personal_id: &str) -> Result<Option<Person>, PluginError> {
    no_import_in_fee_policy("registry");
    STATE.with(|s| {
        let s = s.borrow();
        if let Some(e) = &s.registry_error {
            return Err(e.clone());
        }
        Ok(s.people
            .iter()
            .find(|p| p.personal_id == personal_id)
            .cloned())
    })
}

#[allow(dead_code)]
pub(crate) fn registry_invoke(operation: &str, input: &str) -> Result<String, PluginError> {
    no_import_in_fee_policy("registry");
    let answer = STATE.with(|s| {
        let mut s = s.borrow_mut();
        s.invocations.push((operation.to_owned(), input.to_owned()));
        s.operations
            .iter()
            .find(|(name, _)| name == operation)
            .map(|(_, answer)| answer.clone())
    });
    match answer {
        Some(answer) => answer(input),
        None => Err(PluginError::unsupported(format!(
            "no connector is assigned to operation {operation}; install a double with \
             motcua_sdk::testing::set_registry_operation"
        ))),
    }
}

#[allow(dead_code)]
pub(crate) fn http_send(request: &Request) -> Result<Response, PluginError> {
    no_import_in_fee_policy("wasi:http/outgoing-handler");
    let responder = STATE.with(|s| s.borrow().http.clone());
    match responder {
        Some(r) => r(request),
        None => Err(PluginError::unavailable(format!(
            "no network outside the host sandbox ({} {}); install a double with \
             motcua_sdk::testing::set_http_responder",
            request.method, request.url
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Applicant, ApplicantKind, Channel, Date, Datetime, FeeKind, Localized};

    fn dossier() -> DossierView {
        DossierView {
            tenant: "test".into(),
            code: None,
            procedure_code: "1.004194".into(),
            agency_code: "test".into(),
            channel: Channel::Counter,
            applicant: Applicant {
                kind: ApplicantKind::Citizen,
                id: "000000000000".into(),
                full_name: "Test".into(),
                birth_date: None,
                phone: None,
                email: None,
                groups: vec![],
            },
            form: vec![],
            received_at: Datetime::new(Date::new(2025, 1, 1), 0, 0, 0),
        }
    }

    struct Priced;
    impl FeePolicy for Priced {
        fn procedures() -> Vec<String> {
            vec!["1.004194".into()]
        }
        fn fee_lines(_: &DossierView, config: &Config) -> Result<Vec<FeeLine>, PluginError> {
            let amount = config.parse("amount_vnd").unwrap_or(1);
            Ok(vec![FeeLine::new(
                "x",
                Localized::new("x", "x"),
                FeeKind::Fee,
                amount,
            )])
        }
    }

    struct Chatty;
    impl FeePolicy for Chatty {
        fn procedures() -> Vec<String> {
            Vec::new()
        }
        fn fee_lines(_: &DossierView, _: &Config) -> Result<Vec<FeeLine>, PluginError> {
            crate::log::info("pricing");
            Ok(Vec::new())
        }
    }

    #[test]
    fn a_fee_policy_gets_the_configuration_passed_in() {
        set_config([("amount_vnd", "999")]);
        let lines = fee_lines::<Priced>(&dossier(), [("amount_vnd", "7000")]).unwrap();
        assert_eq!(lines[0].amount_vnd, 7_000);
    }

    #[test]
    fn a_fee_policy_that_logs_panics_and_the_thread_recovers() {
        let panicked = std::panic::catch_unwind(|| {
            fee_lines::<Chatty>(&dossier(), Config::default()).unwrap();
        });
        assert!(panicked.is_err());
        crate::log::info("outside a fee policy");
        assert_eq!(logs().len(), 1);
    }

    #[test]
    fn registry_operations_answer_and_are_recorded() {
        assert_eq!(
            crate::registry::invoke("tax.obligations", "{}")
                .unwrap_err()
                .code(),
            "unsupported"
        );
        set_registry_operation("tax.obligations", |_| Ok("[]".into()));
        assert_eq!(
            crate::registry::invoke("tax.obligations", "{}").unwrap(),
            "[]"
        );
        assert_eq!(registry_invocations().len(), 2);
    }
}
