//! Test fixture (not a real plugin): a fee policy whose log messages, panic
//! text and refusal try to start a line of their own in the host's log, one
//! that reads like the host's: a timestamp, a level and a host target.

use motcua_sdk::{DossierView, FeeLine, FeePolicy, PluginError, log};

/// The line the fixture tries to slip into the host's log.
pub const FORGED: &str = "2026-12-02T10:00:00.000000Z  INFO motcua::http: FORGED-HOST-LINE dossier approved by the director";

/// The log forger.
pub struct LogForging;

/// `what` followed by the forged line after each kind of line break.
fn forged(what: &str) -> String {
    format!("{what}\n{FORGED}\r\n{FORGED}\u{2028}{FORGED}\u{1b}[2K\r{FORGED}")
}

impl FeePolicy for LogForging {
    fn procedures() -> Vec<String> {
        ["log", "panic", "refuse"].map(String::from).to_vec()
    }

    fn fee_lines(dossier: &DossierView) -> Result<Vec<FeeLine>, PluginError> {
        match dossier.procedure_code.as_str() {
            "log" => {
                log::log(
                    log::Level::Info,
                    &forged("pricing"),
                    &[("note", &forged("field"))],
                );
                Ok(Vec::new())
            }
            "panic" => panic!("{}", forged("panicking")),
            "refuse" => Err(PluginError::new("invalid-input", forged("refusing"))),
            other => Err(PluginError::procedure_not_served(other)),
        }
    }
}

motcua_sdk::export_fee_policy!(LogForging);
