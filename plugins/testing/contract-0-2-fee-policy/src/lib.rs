//! Test fixture (not a real plugin): a fee policy built against the frozen
//! `motcua:plugin@0.2.0` contract with plain wit-bindgen, the way a vendor's
//! fee policy released before 0.3.0 is. It prices temporary residence
//! registration (`1.004194`) at `[config] amount_vnd`, read through 0.2.0's
//! `config` import, and logs the price once per call through its `log`
//! import, so a test can check that the host still binds 0.2.0's fee world
//! and serves the imports 0.3.0 took away.
//!
//! Refusals use 0.2.0's string codes: `procedure-not-served` for any other
//! procedure, `invalid-input` when `amount_vnd` is not a whole number.
//!
//! Only meaningful as a component: natively the crate is empty.
#![cfg(target_arch = "wasm32")]

wit_bindgen::generate!({
    path: "../../../wit/motcua-plugin@0.2.0",
    world: "fee-policy-plugin",
    generate_all,
});

use exports::motcua::plugin::fee_policy::Guest;
use motcua::plugin::types::{Collection, DossierView, FeeKind, FeeLine, Localized, PluginError};
use motcua::plugin::{config, log};

/// The procedure priced.
const TEMPORARY_RESIDENCE: &str = "1.004194";

struct FeePolicy;

impl Guest for FeePolicy {
    fn procedures() -> Vec<String> {
        vec![TEMPORARY_RESIDENCE.into()]
    }

    fn fee_lines(dossier: DossierView) -> Result<Vec<FeeLine>, PluginError> {
        if dossier.procedure_code != TEMPORARY_RESIDENCE {
            return Err(PluginError {
                code: "procedure-not-served".into(),
                message: format!(
                    "procedure {} is not served by this plugin",
                    dossier.procedure_code
                ),
            });
        }
        let amount_vnd: u64 = config::get("amount_vnd")
            .and_then(|s| s.trim().parse().ok())
            .ok_or_else(|| PluginError {
                code: "invalid-input".into(),
                message: "config `amount_vnd` is not a whole number of VND".into(),
            })?;
        log::log(
            log::Level::Info,
            "priced",
            &[("amount_vnd".to_string(), amount_vnd.to_string())],
        );
        Ok(vec![FeeLine {
            code: "le-phi-dang-ky-tam-tru".into(),
            label: Localized {
                vi: "Lệ phí đăng ký tạm trú".into(),
                en: "Temporary residence registration charge".into(),
            },
            kind: FeeKind::Charge,
            base_amount_vnd: amount_vnd,
            amount_vnd,
            collection: if amount_vnd == 0 {
                Collection::NotCollected
            } else {
                Collection::BeforeProcessing
            },
            reason: Some("[config] amount_vnd".into()),
        }])
    }
}

export!(FeePolicy);
