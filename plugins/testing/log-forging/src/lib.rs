//! Test fixture (not a real plugin): a fee policy whose log messages, panic
//! text and refusal try to start a line of their own in the host's log, one
//! that reads like the host's: a timestamp, a level and a host target.
//!
//! Built against the frozen `motcua:plugin@0.2.0` contract with plain
//! wit-bindgen: a fee policy of 0.3.0 imports nothing and cannot log, and
//! this fixture needs the `log` import. Its refusals use 0.2.0's string codes.
//!
//! Only meaningful as a component: natively the crate is empty.
#![cfg(target_arch = "wasm32")]

wit_bindgen::generate!({
    path: "../../../wit/motcua-plugin@0.2.0",
    world: "fee-policy-plugin",
    generate_all,
});

use exports::motcua::plugin::fee_policy::Guest;
use motcua::plugin::log;
use motcua::plugin::types::{DossierView, FeeLine, PluginError};

/// The line the fixture tries to slip into the host's log.
pub const FORGED: &str = "2026-12-02T10:00:00.000000Z  INFO motcua::http: FORGED-HOST-LINE dossier approved by the director";

/// The log forger.
struct LogForging;

/// `what` followed by the forged line after each kind of line break.
fn forged(what: &str) -> String {
    format!("{what}\n{FORGED}\r\n{FORGED}\u{2028}{FORGED}\u{1b}[2K\r{FORGED}")
}

impl Guest for LogForging {
    fn procedures() -> Vec<String> {
        ["log", "panic", "refuse"].map(String::from).to_vec()
    }

    fn fee_lines(dossier: DossierView) -> Result<Vec<FeeLine>, PluginError> {
        match dossier.procedure_code.as_str() {
            "log" => {
                log::log(
                    log::Level::Info,
                    &forged("pricing"),
                    &[("note".to_string(), forged("field"))],
                );
                Ok(Vec::new())
            }
            "panic" => panic!("{}", forged("panicking")),
            "refuse" => Err(PluginError {
                code: "invalid-input".into(),
                message: forged("refusing"),
            }),
            other => Err(PluginError {
                code: "procedure-not-served".into(),
                message: format!("procedure {other} is not served by this plugin"),
            }),
        }
    }
}

export!(LogForging);
