//! Structured logging into the host's trace (the host tags each record with
//! tenant, plugin, version and call, and caps the volume per call).
//!
//! For forms, initiatives and connectors. A **fee policy cannot log**: the
//! `fee-policy-plugin` world imports nothing, so a component calling these
//! functions imports `motcua:plugin/log` and the host refuses to load it. A
//! policy explains itself through each fee line's `reason`. Natively,
//! [`crate::testing::fee_lines`] panics if a policy logs.
//!
//! Natively (unit tests) records go to [`crate::testing::logs`].

pub use crate::__bindings::form::motcua::plugin::log::Level;

/// Record `message` at `level` with key/value `fields`.
pub fn log(level: Level, message: &str, fields: &[(&str, &str)]) {
    #[cfg(target_arch = "wasm32")]
    {
        let fields: Vec<(String, String)> = fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        crate::__bindings::form::motcua::plugin::log::log(level, message, &fields);
    }
    #[cfg(not(target_arch = "wasm32"))]
    crate::testing::record_log(level, message, fields);
}

/// Record `message` at level `trace`.
pub fn trace(message: &str) {
    log(Level::Trace, message, &[]);
}
/// Record `message` at level `debug`.
pub fn debug(message: &str) {
    log(Level::Debug, message, &[]);
}
/// Record `message` at level `info`.
pub fn info(message: &str) {
    log(Level::Info, message, &[]);
}
/// Record `message` at level `warn`.
pub fn warn(message: &str) {
    log(Level::Warn, message, &[]);
}
/// Record `message` at level `error`.
pub fn error(message: &str) {
    log(Level::Error, message, &[]);
}
