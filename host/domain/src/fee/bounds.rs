//! What a fee line may say: the ranges the law's fees fall in, checked on
//! every line that comes from outside the host (a fee-policy plugin, the
//! national portal's copy) and on every total.
//!
//! The limits are far below `2^63`, so a total of many lines never reaches
//! what storage (a signed 64-bit integer) or arithmetic can hold: a plugin
//! answering `u64::MAX`, or lines that sum past `2^64`, is refused as
//! malformed instead of stored, wrapped or turned into a server error.

use crate::fee::FeeLine;
use crate::text::{MAX_CODE_CHARS, MAX_LABEL_CHARS};

/// Default largest amount of one fee line, in VND: one thousand billion
/// (10^12). The largest charges in the fee laws (registration fees on land,
/// houses and vehicles, a fraction of a percent of the asset's value) stay
/// far below it, and it is about nine million times below `2^63`.
pub const DEFAULT_MAX_LINE_VND: u64 = 1_000_000_000_000;

/// The most an operator may raise the per-line maximum to (10^15 VND), so
/// that [`MAX_LINES`] lines at the maximum still total below `2^63`.
pub const CEILING_LINE_VND: u64 = 1_000_000_000_000_000;

/// Fee lines one dossier may owe.
pub const MAX_LINES: usize = 100;

/// Characters of the reason an amount differs from its base.
pub const MAX_REASON_CHARS: usize = 2048;

/// The largest total any configuration allows ([`MAX_LINES`] lines at
/// [`CEILING_LINE_VND`]): what the payments ledger accepts as owed.
pub const MAX_TOTAL_VND: u64 = CEILING_LINE_VND * MAX_LINES as u64;

/// The configurable part of the ranges (operator settings `[fees]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FeeBounds {
    max_line_vnd: u64,
}

impl Default for FeeBounds {
    fn default() -> Self {
        Self {
            max_line_vnd: DEFAULT_MAX_LINE_VND,
        }
    }
}

/// Why fee lines are outside the domain's ranges.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FeeRangeError {
    #[error(
        "fee line `{code}` charges {amount_vnd} VND, over the maximum of {max_vnd} VND a fee line may charge"
    )]
    AmountTooLarge {
        code: String,
        amount_vnd: u64,
        max_vnd: u64,
    },
    #[error("fee line `{code}`: {field} has {chars} characters, over the limit of {max}")]
    TextTooLong {
        code: String,
        field: &'static str,
        chars: usize,
        max: usize,
    },
    #[error("{count} fee lines, over the limit of {max} per dossier")]
    TooManyLines { count: usize, max: usize },
    #[error("the fee lines total more than {max_vnd} VND")]
    TotalTooLarge { max_vnd: u64 },
    #[error("the maximum fee line of {asked} VND is over the ceiling of {ceiling} VND")]
    MaximumOverCeiling { asked: u64, ceiling: u64 },
}

impl FeeBounds {
    /// Bounds with a per-line maximum of `max_line_vnd` (at most
    /// [`CEILING_LINE_VND`], and not zero).
    pub fn new(max_line_vnd: u64) -> Result<Self, FeeRangeError> {
        if max_line_vnd == 0 || max_line_vnd > CEILING_LINE_VND {
            return Err(FeeRangeError::MaximumOverCeiling {
                asked: max_line_vnd,
                ceiling: CEILING_LINE_VND,
            });
        }
        Ok(Self { max_line_vnd })
    }

    pub fn max_line_vnd(&self) -> u64 {
        self.max_line_vnd
    }

    /// The largest total a dossier's lines may reach.
    pub fn max_total_vnd(&self) -> u64 {
        self.max_line_vnd * MAX_LINES as u64
    }

    /// One line: amounts within the maximum, texts within their caps.
    pub fn check_line(&self, line: &FeeLine) -> Result<(), FeeRangeError> {
        for amount_vnd in [line.base_amount_vnd, line.amount_vnd] {
            if amount_vnd > self.max_line_vnd {
                return Err(FeeRangeError::AmountTooLarge {
                    code: clip(&line.code),
                    amount_vnd,
                    max_vnd: self.max_line_vnd,
                });
            }
        }
        let texts = [
            ("code", Some(line.code.as_str()), MAX_CODE_CHARS),
            ("label.vi", Some(line.label.vi.as_str()), MAX_LABEL_CHARS),
            ("label.en", Some(line.label.en.as_str()), MAX_LABEL_CHARS),
            ("reason", line.reason.as_deref(), MAX_REASON_CHARS),
        ];
        for (field, text, max) in texts {
            let chars = text.map_or(0, |text| text.chars().count());
            if chars > max {
                return Err(FeeRangeError::TextTooLong {
                    code: clip(&line.code),
                    field,
                    chars,
                    max,
                });
            }
        }
        Ok(())
    }

    /// Every line, their count and their total; returns the total owed.
    pub fn check_lines(&self, lines: &[FeeLine]) -> Result<u64, FeeRangeError> {
        if lines.len() > MAX_LINES {
            return Err(FeeRangeError::TooManyLines {
                count: lines.len(),
                max: MAX_LINES,
            });
        }
        for line in lines {
            self.check_line(line)?;
        }
        checked_total(
            lines.iter().map(|line| line.amount_vnd),
            self.max_total_vnd(),
        )
    }
}

/// The sum of `amounts`, refused past `max_vnd` (and never wrapped).
pub fn checked_total(
    amounts: impl IntoIterator<Item = u64>,
    max_vnd: u64,
) -> Result<u64, FeeRangeError> {
    amounts
        .into_iter()
        .try_fold(0u64, |total, amount| total.checked_add(amount))
        .filter(|total| *total <= max_vnd)
        .ok_or(FeeRangeError::TotalTooLarge { max_vnd })
}

/// A plugin-chosen code quoted in an error, cut short: the error must not
/// carry the oversized text it refuses.
fn clip(code: &str) -> String {
    if code.chars().count() <= MAX_CODE_CHARS {
        code.to_owned()
    } else {
        let mut short: String = code.chars().take(MAX_CODE_CHARS).collect();
        short.push('…');
        short
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fee::{Collection, FeeKind};
    use crate::localized::Localized;

    fn line(amount_vnd: u64) -> FeeLine {
        FeeLine {
            code: "permit".into(),
            label: Localized::new("Lệ phí", "Charge"),
            kind: FeeKind::Charge,
            base_amount_vnd: amount_vnd,
            amount_vnd,
            collection: Collection::BeforeProcessing,
            reason: None,
        }
    }

    #[test]
    fn an_amount_over_the_maximum_is_refused() {
        let bounds = FeeBounds::default();
        assert_eq!(bounds.check_lines(&[line(150_000)]), Ok(150_000));
        assert!(matches!(
            bounds.check_lines(&[line(u64::MAX)]),
            Err(FeeRangeError::AmountTooLarge {
                amount_vnd: u64::MAX,
                ..
            })
        ));
        let mut discounted = line(DEFAULT_MAX_LINE_VND);
        discounted.base_amount_vnd = DEFAULT_MAX_LINE_VND + 1;
        assert!(
            bounds.check_line(&discounted).is_err(),
            "the base counts too"
        );
    }

    #[test]
    fn totals_never_wrap() {
        let third = u64::MAX / 3 + 2;
        assert_eq!(
            checked_total([third, third, third], u64::MAX),
            Err(FeeRangeError::TotalTooLarge { max_vnd: u64::MAX })
        );
        assert_eq!(checked_total([1, 2, 3], 6), Ok(6));
        assert!(checked_total([1, 2, 3], 5).is_err());
        let bounds = FeeBounds::new(10).unwrap();
        let lines: Vec<FeeLine> = (0..MAX_LINES).map(|_| line(10)).collect();
        assert_eq!(bounds.check_lines(&lines), Ok(10 * MAX_LINES as u64));
    }

    #[test]
    fn texts_and_counts_are_capped() {
        let bounds = FeeBounds::default();
        let mut long = line(1);
        long.reason = Some("x".repeat(MAX_REASON_CHARS + 1));
        assert!(matches!(
            bounds.check_line(&long),
            Err(FeeRangeError::TextTooLong {
                field: "reason",
                ..
            })
        ));
        let mut label = line(1);
        label.label.en = "ữ".repeat(MAX_LABEL_CHARS);
        assert!(bounds.check_line(&label).is_ok(), "characters, not bytes");
        let mut code = line(1);
        code.code = "c".repeat(10_000);
        let error = bounds.check_line(&code).unwrap_err().to_string();
        assert!(
            error.len() < 200,
            "the error does not repeat the text: {error}"
        );
        let many: Vec<FeeLine> = (0..=MAX_LINES).map(|_| line(1)).collect();
        assert!(matches!(
            bounds.check_lines(&many),
            Err(FeeRangeError::TooManyLines { .. })
        ));
    }

    #[test]
    fn the_maximum_is_configurable_up_to_a_ceiling() {
        assert_eq!(FeeBounds::new(5_000_000).unwrap().max_line_vnd(), 5_000_000);
        assert!(FeeBounds::new(0).is_err());
        assert!(FeeBounds::new(CEILING_LINE_VND + 1).is_err());
        assert!(
            FeeBounds::new(CEILING_LINE_VND).unwrap().max_total_vnd() < i64::MAX as u64,
            "the largest total fits storage"
        );
    }
}
