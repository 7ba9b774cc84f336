//! Test fixture (not a real plugin): a fee policy whose amounts attack the
//! host's arithmetic and storage, chosen by `dossier.procedure_code`.

use motcua_sdk::{Config, DossierView, FeeKind, FeeLine, FeePolicy, Localized, PluginError};

/// The hostile fee policy.
pub struct FeeOverflow;

fn line(code: &str, amount_vnd: u64) -> FeeLine {
    FeeLine::new(
        code,
        Localized::new("Lệ phí", "Charge"),
        FeeKind::Charge,
        amount_vnd,
    )
}

/// Each of three lines: together 3 * (u64::MAX / 3 + 1) = 2^64 + 2, which a
/// wrapping sum reads as 2 VND.
pub const WRAP_LINE_VND: u64 = u64::MAX / 3 + 1;

impl FeePolicy for FeeOverflow {
    fn procedures() -> Vec<String> {
        ["u64-max", "wrap", "long-reason", "ok"]
            .map(String::from)
            .to_vec()
    }

    fn fee_lines(dossier: &DossierView, _config: &Config) -> Result<Vec<FeeLine>, PluginError> {
        match dossier.procedure_code.as_str() {
            "u64-max" => Ok(vec![line("le-phi", u64::MAX)]),
            "wrap" => Ok(["a", "b", "c"]
                .iter()
                .map(|code| line(code, WRAP_LINE_VND))
                .collect()),
            "long-reason" => Ok(vec![
                line("le-phi", 150_000).discounted(150_000, "x".repeat(100_000)),
            ]),
            "ok" => Ok(vec![line("le-phi", 150_000)]),
            other => Err(PluginError::procedure_not_served(other)),
        }
    }
}

motcua_sdk::export_fee_policy!(FeeOverflow);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wrap_lines_sum_past_two_to_the_64() {
        let (total, overflowed) = WRAP_LINE_VND.overflowing_mul(3);
        assert!(overflowed);
        assert_eq!(total, 2);
        assert!(WRAP_LINE_VND < i64::MAX as u64, "each line fits storage");
    }
}
