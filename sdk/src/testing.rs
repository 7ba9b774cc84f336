//! Test doubles for native unit tests (`cargo test` on the build machine).
//!
//! Outside WebAssembly the host imports cannot be called, so [`crate::log`],
//! [`crate::config`], [`crate::registry`] and [`crate::http`] use the
//! thread-local state set here. Each Rust test runs on its own thread, so
//! tests do not see each other's doubles. Inside WebAssembly these functions
//! only store values nobody reads.
//!
//! ```
//! use motcua_sdk::testing;
//! testing::set_config([("online_discount_percent", "50")]);
//! assert_eq!(motcua_sdk::config::get("online_discount_percent").as_deref(), Some("50"));
//! motcua_sdk::log::info("hello");
//! assert_eq!(testing::logs(), vec![(motcua_sdk::log::Level::Info, "hello".to_string())]);
//! ```

use std::cell::RefCell;
use std::rc::Rc;

use crate::http::{Request, Response};
use crate::log::Level;
use crate::{Person, PluginError};

/// One log record: level, message, fields.
pub type LogRecord = (Level, String, Vec<(String, String)>);

type Responder = Rc<dyn Fn(&Request) -> Result<Response, PluginError>>;

#[derive(Default)]
struct State {
    config: Vec<(String, String)>,
    people: Vec<Person>,
    registry_error: Option<PluginError>,
    logs: Vec<LogRecord>,
    http: Option<Responder>,
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State::default());
}

/// Forget every double of this thread (config, registry, logs, HTTP responder).
pub fn reset() {
    STATE.with(|s| *s.borrow_mut() = State::default());
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

#[allow(dead_code)]
pub(crate) fn record_log(level: Level, message: &str, fields: &[(&str, &str)]) {
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
    STATE.with(|s| s.borrow().config.clone())
}

#[allow(dead_code)]
pub(crate) fn registry_lookup(personal_id: &str) -> Result<Option<Person>, PluginError> {
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
pub(crate) fn http_send(request: &Request) -> Result<Response, PluginError> {
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
