//! Dossier codes (ma ho so): `{agency code}-{yyMMdd}-{NNNN}`.
//!
//! The code names the receiving agency, the receipt date and a 4-digit
//! counter per agency per day, e.g. `000.00.01.H22-261122-0007`. This module
//! formats and validates codes; allocating the counter without collisions is
//! the storage layer's job (a transactional per-agency, per-day counter keyed
//! by [`DossierCode::daily_prefix`]).

use std::fmt;
use std::str::FromStr;

use ::time::{Date, Month};
use serde::{Deserialize, Serialize};

use crate::error::DomainError;

/// An agency code such as `000.00.01.H22`.
///
/// Real-world codes vary between provinces and vendors, so the check is
/// deliberately loose: 1 to 40 ASCII letters, digits and dots, starting and
/// ending with a letter or digit, no empty segment (`..`). A hyphen is not
/// allowed because it separates the parts of a dossier code.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(value_type = String, example = "000.00.01.H22")
)]
#[serde(try_from = "String", into = "String")]
pub struct AgencyCode(String);

impl AgencyCode {
    pub const MAX_LEN: usize = 40;

    pub fn new(code: impl Into<String>) -> Result<Self, DomainError> {
        let code = code.into();
        let fail = |reason: &str| DomainError::InvalidDossierCode {
            input: code.clone(),
            reason: format!("agency code {reason}"),
        };
        if code.is_empty() || code.len() > Self::MAX_LEN {
            return Err(fail("must have 1 to 40 characters"));
        }
        if !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '.') {
            return Err(fail("may contain only letters, digits and dots"));
        }
        if code.starts_with('.') || code.ends_with('.') || code.contains("..") {
            return Err(fail(
                "must not start or end with a dot or have an empty segment",
            ));
        }
        Ok(AgencyCode(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AgencyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for AgencyCode {
    type Error = DomainError;

    fn try_from(code: String) -> Result<Self, DomainError> {
        AgencyCode::new(code)
    }
}

impl From<AgencyCode> for String {
    fn from(code: AgencyCode) -> Self {
        code.0
    }
}

/// A dossier code. Serialised as its string form.
///
/// The counter is 1 to 9999. Counter 10000 is an error
/// ([`DomainError::DossierCounterExhausted`]) rather than a fifth digit:
/// the 4-digit width is what the national portal and vendors parse, and an
/// agency receiving ten thousand dossiers in one day should be split into
/// receiving units with their own codes. Years are 2000 to 2099 (`yy`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DossierCode {
    agency: AgencyCode,
    date: Date,
    counter: u16,
}

impl DossierCode {
    pub const MAX_COUNTER: u32 = 9999;

    pub fn new(agency: AgencyCode, date: Date, counter: u32) -> Result<Self, DomainError> {
        if !(2000..=2099).contains(&date.year()) {
            return Err(DomainError::InvalidDossierCode {
                input: format!("{agency}-{date}-{counter}"),
                reason: "the receipt year must be between 2000 and 2099".to_owned(),
            });
        }
        if counter > Self::MAX_COUNTER {
            return Err(DomainError::DossierCounterExhausted {
                agency: agency.0,
                date,
                counter,
            });
        }
        let counter = u16::try_from(counter)
            .ok()
            .filter(|&c| c >= 1)
            .ok_or_else(|| DomainError::InvalidDossierCode {
                input: format!("{agency}-{date}-{counter}"),
                reason: "the counter starts at 1".to_owned(),
            })?;
        Ok(DossierCode {
            agency,
            date,
            counter,
        })
    }

    /// Parses and validates `{agency}-{yyMMdd}-{NNNN}`.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let fail = |reason: &str| DomainError::InvalidDossierCode {
            input: input.to_owned(),
            reason: reason.to_owned(),
        };
        let mut parts = input.rsplitn(3, '-');
        let (Some(counter), Some(date), Some(agency)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(fail("expected {agency}-{yyMMdd}-{NNNN}"));
        };
        let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(date, 6) {
            return Err(fail("the date must be 6 digits, yyMMdd"));
        }
        if !digits(counter, 4) {
            return Err(fail("the counter must be 4 digits"));
        }
        let number = |range: std::ops::Range<usize>| date[range].parse::<u8>().unwrap_or(0);
        let date = Month::try_from(number(2..4))
            .and_then(|month| {
                Date::from_calendar_date(2000 + i32::from(number(0..2)), month, number(4..6))
            })
            .map_err(|_| fail("the date is not a calendar date"))?;
        let agency = AgencyCode::new(agency).map_err(|e| match e {
            DomainError::InvalidDossierCode { reason, .. } => fail(&reason),
            other => other,
        })?;
        let counter = counter.parse::<u32>().unwrap_or(0);
        DossierCode::new(agency, date, counter).map_err(|e| match e {
            DomainError::InvalidDossierCode { reason, .. } => fail(&reason),
            other => other,
        })
    }

    pub fn agency(&self) -> &AgencyCode {
        &self.agency
    }

    /// The receipt date.
    pub fn date(&self) -> Date {
        self.date
    }

    pub fn counter(&self) -> u32 {
        u32::from(self.counter)
    }

    /// `{agency}-{yyMMdd}-`: what all codes of one agency and day share; the
    /// key of the storage layer's daily counter.
    pub fn daily_prefix(agency: &AgencyCode, date: Date) -> String {
        format!(
            "{agency}-{:02}{:02}{:02}-",
            date.year() % 100,
            u8::from(date.month()),
            date.day()
        )
    }
}

impl fmt::Display for DossierCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}{:04}",
            DossierCode::daily_prefix(&self.agency, self.date),
            self.counter
        )
    }
}

impl FromStr for DossierCode {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, DomainError> {
        DossierCode::parse(s)
    }
}

impl TryFrom<String> for DossierCode {
    type Error = DomainError;

    fn try_from(s: String) -> Result<Self, DomainError> {
        DossierCode::parse(&s)
    }
}

impl From<DossierCode> for String {
    fn from(code: DossierCode) -> Self {
        code.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::time::macros::date;

    fn agency() -> AgencyCode {
        AgencyCode::new("000.00.01.H22").unwrap()
    }

    #[test]
    fn formats_agency_date_and_zero_padded_counter() {
        let code = DossierCode::new(agency(), date!(2026 - 11 - 22), 7).unwrap();
        assert_eq!(code.to_string(), "000.00.01.H22-261122-0007");
        let code = DossierCode::new(agency(), date!(2025 - 01 - 05), 9999).unwrap();
        assert_eq!(code.to_string(), "000.00.01.H22-250105-9999");
    }

    #[test]
    fn parses_what_it_formats() {
        let code = DossierCode::parse("000.00.01.H22-261122-0007").unwrap();
        assert_eq!(code.agency().as_str(), "000.00.01.H22");
        assert_eq!(code.date(), date!(2026 - 11 - 22));
        assert_eq!(code.counter(), 7);
        assert_eq!(code, "000.00.01.H22-261122-0007".parse().unwrap());
    }

    #[test]
    fn tolerates_other_real_world_agency_shapes() {
        for input in [
            "H22-250301-0001",
            "G01.123.45-250301-0001",
            "xa.phuoc.long-250301-0012",
        ] {
            assert_eq!(DossierCode::parse(input).unwrap().to_string(), input);
        }
    }

    #[test]
    fn counter_10000_is_a_clear_error_and_0_is_invalid() {
        let err = DossierCode::new(agency(), date!(2026 - 11 - 22), 10_000).unwrap_err();
        assert_eq!(
            err,
            DomainError::DossierCounterExhausted {
                agency: "000.00.01.H22".into(),
                date: date!(2026 - 11 - 22),
                counter: 10_000,
            }
        );
        assert!(err.to_string().contains("exceeds 9999"));
        assert!(DossierCode::new(agency(), date!(2026 - 11 - 22), 0).is_err());
    }

    #[test]
    fn rejects_malformed_codes_with_a_reason() {
        let reason = |input: &str| DossierCode::parse(input).unwrap_err().to_string();
        assert!(reason("000.00.01.H22-261122-007").contains("4 digits"));
        assert!(reason("000.00.01.H22-26112-0007").contains("6 digits"));
        assert!(reason("000.00.01.H22-261322-0007").contains("not a calendar date"));
        assert!(reason("000.00.01.H22-260230-0007").contains("not a calendar date"));
        assert!(reason("261122-0007").contains("expected"));
        assert!(reason("000..01-261122-0007").contains("empty segment"));
        assert!(reason("000 01-261122-0007").contains("letters, digits and dots"));
        assert!(reason("000.00.01.H22-261122-0000").contains("starts at 1"));
        assert!(AgencyCode::new("A".repeat(41)).is_err());
    }

    #[test]
    fn years_outside_2000_2099_cannot_be_written_as_yy() {
        assert!(DossierCode::new(agency(), date!(2100 - 01 - 01), 1).is_err());
    }

    #[test]
    fn serialises_as_a_string() {
        let code = DossierCode::parse("000.00.01.H22-261122-0007").unwrap();
        let json = serde_json::to_string(&code).unwrap();
        assert_eq!(json, r#""000.00.01.H22-261122-0007""#);
        assert_eq!(serde_json::from_str::<DossierCode>(&json).unwrap(), code);
        assert!(serde_json::from_str::<DossierCode>(r#""nope""#).is_err());
    }

    #[test]
    fn daily_prefix_is_shared_by_codes_of_one_agency_and_day() {
        let prefix = DossierCode::daily_prefix(&agency(), date!(2026 - 11 - 22));
        assert_eq!(prefix, "000.00.01.H22-261122-");
        let code = DossierCode::new(agency(), date!(2026 - 11 - 22), 42).unwrap();
        assert!(code.to_string().starts_with(&prefix));
    }
}
