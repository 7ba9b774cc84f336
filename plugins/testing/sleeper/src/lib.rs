//! Test fixture (not a real plugin): a fee policy that holds its sandbox by
//! waiting inside WASI host calls (where epoch interruption cannot reach) or
//! by spinning, chosen by `dossier.procedure_code`.

use std::hint::black_box;
use std::time::Duration;

use motcua_sdk::{DossierView, FeeKind, FeeLine, FeePolicy, Localized, PluginError};

/// The sleeping fee policy.
pub struct Sleeper;

fn charge() -> FeeLine {
    FeeLine::new(
        "le-phi",
        Localized::new("Lệ phí", "Charge"),
        FeeKind::Charge,
        10_000,
    )
}

impl FeePolicy for Sleeper {
    fn procedures() -> Vec<String> {
        ["sleep-hour", "sleep-forever", "spin", "nap", "ok"]
            .map(String::from)
            .to_vec()
    }

    fn fee_lines(dossier: &DossierView) -> Result<Vec<FeeLine>, PluginError> {
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
            other => return Err(PluginError::procedure_not_served(other)),
        }
        Ok(vec![charge()])
    }
}

motcua_sdk::export_fee_policy!(Sleeper);
