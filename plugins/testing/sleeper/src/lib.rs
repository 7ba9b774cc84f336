//! Test fixture (not a real plugin): a fee policy that holds its sandbox by
//! waiting inside WASI host calls (where epoch interruption cannot reach) or
//! by spinning, chosen by `dossier.procedure_code`.
//!
//! Built against the frozen `motcua:plugin@0.2.0` contract with plain
//! wit-bindgen: the host links WASI's clocks for a 0.2.0 fee policy, not for
//! a 0.3.0 one. Its refusals use 0.2.0's string codes.
//!
//! Only meaningful as a component: natively the crate is empty.
#![cfg(target_arch = "wasm32")]

use std::hint::black_box;
use std::time::Duration;

wit_bindgen::generate!({
    path: "../../../wit/motcua-plugin@0.2.0",
    world: "fee-policy-plugin",
    generate_all,
});

use exports::motcua::plugin::fee_policy::Guest;
use motcua::plugin::types::{Collection, DossierView, FeeKind, FeeLine, Localized, PluginError};

/// The sleeping fee policy.
struct Sleeper;

fn charge() -> FeeLine {
    FeeLine {
        code: "le-phi".into(),
        label: Localized {
            vi: "Lệ phí".into(),
            en: "Charge".into(),
        },
        kind: FeeKind::Charge,
        base_amount_vnd: 10_000,
        amount_vnd: 10_000,
        collection: Collection::BeforeProcessing,
        reason: None,
    }
}

impl Guest for Sleeper {
    fn procedures() -> Vec<String> {
        ["sleep-hour", "sleep-forever", "spin", "nap", "ok"]
            .map(String::from)
            .to_vec()
    }

    fn fee_lines(dossier: DossierView) -> Result<Vec<FeeLine>, PluginError> {
        match dossier.procedure_code.as_str() {
            // wasip2 std sleeps by blocking on a subscribe-duration pollable.
            "sleep-hour" => std::thread::sleep(Duration::from_secs(3600)),
            "sleep-forever" => std::thread::sleep(Duration::MAX),
            "spin" => {
                let mut x = 0u64;
                loop {
                    x = black_box(x.wrapping_add(1));
                }
            }
            // Slow but within any deadline of a second or more.
            "nap" => std::thread::sleep(Duration::from_millis(200)),
            "ok" => {}
            other => {
                return Err(PluginError {
                    code: "procedure-not-served".into(),
                    message: format!("procedure {other} is not served by this plugin"),
                });
            }
        }
        Ok(vec![charge()])
    }
}

export!(Sleeper);
