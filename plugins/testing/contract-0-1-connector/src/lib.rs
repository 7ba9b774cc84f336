//! Test fixture (not a real plugin): a connector built against the frozen
//! `motcua:plugin@0.1.0` contract with plain wit-bindgen, the way a vendor's
//! connector released before 0.2.0 is. It answers `query-status` from its
//! `[config]` (no network), logging each question, so a test can check that
//! the host still binds 0.1.0's worlds and imports and converts its answers.
//!
//! Only meaningful as a component: natively the crate is empty.
#![cfg(target_arch = "wasm32")]

wit_bindgen::generate!({
    path: "../../../wit/motcua-plugin@0.1.0",
    world: "connector-plugin",
    generate_all,
});

use exports::motcua::plugin::connector::{
    DossierRecord, Guest, Operation, ProgressRecord, Receipt, RemoteStatus,
};
use motcua::plugin::types::{Date, Datetime, Person, PluginError};
use motcua::plugin::{config, log};

struct Connector;

fn unsupported(operation: &str) -> PluginError {
    PluginError {
        code: "unsupported".into(),
        message: format!("this connector does not {operation}"),
    }
}

impl Guest for Connector {
    fn operations() -> Vec<Operation> {
        vec![Operation::QueryStatus]
    }

    fn lookup_person(_personal_id: String) -> Result<Option<Person>, PluginError> {
        Err(unsupported("look people up"))
    }

    fn push_dossier(_record: DossierRecord) -> Result<Receipt, PluginError> {
        Err(unsupported("receive dossiers"))
    }

    fn push_progress(_record: ProgressRecord) -> Result<Receipt, PluginError> {
        Err(unsupported("receive progress"))
    }

    fn query_status(dossier_code: String) -> Result<Option<RemoteStatus>, PluginError> {
        log::log(
            log::Level::Info,
            "status asked",
            &[("dossier".to_string(), dossier_code.clone())],
        );
        let status = config::get("status")
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| PluginError {
                code: "invalid-input".into(),
                message: "config `status` is not a number".into(),
            })?;
        Ok(Some(RemoteStatus {
            dossier_code,
            status,
            received_at: Some(Datetime {
                date: Date {
                    year: 2026,
                    month: 11,
                    day: 23,
                },
                hour: 9,
                minute: 30,
                second: 0,
            }),
            appointment_at: None,
            finished_at: None,
            on_time: None,
        }))
    }
}

export!(Connector);
