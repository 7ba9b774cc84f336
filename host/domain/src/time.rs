//! Local civil dates and times.
//!
//! Every time in motcua's domain is a civil time in Asia/Ho_Chi_Minh (UTC+7, no
//! daylight saving): that is how receipts, appointments and national
//! synchronisation records are written. JSON uses ISO 8601 without an offset.

pub use ::time::{Date, PrimitiveDateTime};

use std::fmt;
use std::ops::{Add, AddAssign, Deref, Sub};
use std::str::FromStr;

use ::time::format_description::BorrowedFormatItem;
use ::time::{Duration, Time};
use serde::{Deserialize, Deserializer, Serialize, Serializer, de::Error as _};

const DATE_FORMAT: &[BorrowedFormatItem<'static>] =
    ::time::macros::format_description!("[year]-[month]-[day]");
const DATETIME_FORMAT: &[BorrowedFormatItem<'static>] =
    ::time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");

/// A text that is not a [`LocalDate`] or [`LocalDateTime`]: the message
/// names the text and the expected format, and is what an API client reads
/// when it sends a malformed time.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not a {what} ({source})")]
pub struct ParseError {
    text: String,
    what: &'static str,
    source: ::time::error::Parse,
}

/// The shared half of [`LocalDate`] and [`LocalDateTime`]: a newtype whose
/// text (Display, `FromStr`, serde) is ISO 8601 without an offset, so a
/// field of that type needs no attribute to keep the API's format.
///
/// Serde goes through `String`, not `time`'s own serde: `time`'s
/// `option` visitor rejects `null` inside buffered content (an internally
/// tagged enum), which `Option<Self>` with serde's own `Option` accepts.
macro_rules! local_type {
    ($name:ident, $inner:ty, $format:expr, $what:literal) => {
        impl $name {
            /// Parses the API's text form.
            pub fn parse(text: &str) -> Result<Self, ParseError> {
                <$inner>::parse(text, $format)
                    .map($name)
                    .map_err(|source| ParseError {
                        text: text.to_owned(),
                        what: $what,
                        source,
                    })
            }

            /// The same as `From`, usable in a `const`.
            pub const fn from_inner(value: $inner) -> Self {
                $name(value)
            }

            /// The `time` value, for arithmetic this type does not offer.
            pub const fn into_inner(self) -> $inner {
                self.0
            }
        }

        impl From<$inner> for $name {
            fn from(value: $inner) -> Self {
                $name(value)
            }
        }

        impl From<$name> for $inner {
            fn from(value: $name) -> Self {
                value.0
            }
        }

        /// Read access to the `time` value's accessors (`date()`,
        /// `hour()`, `weekday()`, ...); what they return is a plain `time`
        /// value again.
        impl Deref for $name {
            type Target = $inner;

            fn deref(&self) -> &$inner {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                // Cannot fail for the years `time` represents without its
                // `large-dates` feature (up to 9999).
                let text = self.0.format($format).map_err(|_| fmt::Error)?;
                f.write_str(&text)
            }
        }

        /// The `time` value's own form: unlike Display it shows fractions
        /// of a second, so an assertion never prints two unequal values
        /// alike.
        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&self.0, f)
            }
        }

        impl FromStr for $name {
            type Err = ParseError;

            fn from_str(text: &str) -> Result<Self, ParseError> {
                Self::parse(text)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let text = self.0.format($format).map_err(serde::ser::Error::custom)?;
                serializer.serialize_str(&text)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                Self::parse(&text).map_err(D::Error::custom)
            }
        }
    };
}

/// A civil date in Viet Nam, `YYYY-MM-DD` in the API.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LocalDate(Date);

local_type!(LocalDate, Date, DATE_FORMAT, "date (YYYY-MM-DD)");

/// A civil date and time in Viet Nam (Asia/Ho_Chi_Minh), to the second in
/// the API: `YYYY-MM-DDTHH:MM:SS`, without an offset.
///
/// Adding or subtracting a [`Duration`] and the difference of two values
/// stay in civil time (there is no daylight saving to cross).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LocalDateTime(PrimitiveDateTime);

local_type!(
    LocalDateTime,
    PrimitiveDateTime,
    DATETIME_FORMAT,
    "local date and time (YYYY-MM-DDTHH:MM:SS)"
);

impl LocalDateTime {
    /// `time` on `date`.
    pub const fn new(date: Date, time: Time) -> Self {
        LocalDateTime(PrimitiveDateTime::new(date, time))
    }
}

/// Moving a civil time by either kind of duration, as
/// `PrimitiveDateTime` does (`std::time::Duration` is what configuration
/// such as a lease or a session lifetime is written in).
macro_rules! shift_by {
    ($duration:ty) => {
        impl Add<$duration> for LocalDateTime {
            type Output = LocalDateTime;

            fn add(self, duration: $duration) -> LocalDateTime {
                LocalDateTime(self.0 + duration)
            }
        }

        impl AddAssign<$duration> for LocalDateTime {
            fn add_assign(&mut self, duration: $duration) {
                self.0 += duration;
            }
        }

        impl Sub<$duration> for LocalDateTime {
            type Output = LocalDateTime;

            fn sub(self, duration: $duration) -> LocalDateTime {
                LocalDateTime(self.0 - duration)
            }
        }
    };
}

shift_by!(Duration);
shift_by!(std::time::Duration);

impl Sub for LocalDateTime {
    type Output = Duration;

    fn sub(self, earlier: LocalDateTime) -> Duration {
        self.0 - earlier.0
    }
}

/// A [`LocalDateTime`] literal, checked when compiled and usable in a
/// `const`, in the syntax of `time`'s `datetime!`:
/// `local_datetime!(2026-02-13 15:01)`. The calling crate needs `time`
/// (with its `macros` feature) as a dependency.
#[macro_export]
macro_rules! local_datetime {
    ($($literal:tt)*) => {
        $crate::time::LocalDateTime::from_inner(::time::macros::datetime!($($literal)*))
    };
}

/// A [`LocalDate`] literal, checked when compiled, in the syntax of
/// `time`'s `date!`: `local_date!(2026 - 02 - 14)`.
#[macro_export]
macro_rules! local_date {
    ($($literal:tt)*) => {
        $crate::time::LocalDate::from_inner(::time::macros::date!($($literal)*))
    };
}

/// The fixed offset of Viet Nam's civil time.
pub const VIETNAM_OFFSET: ::time::UtcOffset = match ::time::UtcOffset::from_hms(7, 0, 0) {
    Ok(offset) => offset,
    Err(_) => panic!("UTC+7 is a valid offset"),
};

/// The current civil time in Viet Nam.
pub fn now_local() -> LocalDateTime {
    let now = ::time::OffsetDateTime::now_utc().to_offset(VIETNAM_OFFSET);
    LocalDateTime::new(now.date(), now.time())
}

/// Whole years between `birth` and `on` (an age, as officers count it).
pub fn age_on(birth: Date, on: Date) -> u32 {
    let mut years = on.year() - birth.year();
    if (on.month() as u8, on.day()) < (birth.month() as u8, birth.day()) {
        years -= 1;
    }
    years.max(0) as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::time::macros::{date, datetime};
    use serde::{Deserialize, Serialize};

    #[derive(Serialize, Deserialize, PartialEq, Debug)]
    struct Sample {
        day: LocalDate,
        at: LocalDateTime,
        maybe: Option<LocalDate>,
    }

    #[test]
    fn dates_and_times_are_iso_without_offset() {
        let sample = Sample {
            day: date!(2026 - 02 - 14).into(),
            at: datetime!(2026-02-13 15:01:00).into(),
            maybe: None,
        };
        let json = serde_json::to_string(&sample).unwrap();
        assert_eq!(
            json,
            r#"{"day":"2026-02-14","at":"2026-02-13T15:01:00","maybe":null}"#
        );
        assert_eq!(serde_json::from_str::<Sample>(&json).unwrap(), sample);
    }

    #[test]
    fn display_and_parse_use_the_api_text() {
        let at = LocalDateTime::from(datetime!(2026-02-13 15:01:00));
        assert_eq!(at.to_string(), "2026-02-13T15:01:00");
        assert_eq!("2026-02-13T15:01:00".parse::<LocalDateTime>(), Ok(at));
        let day = LocalDate::from(date!(2026 - 02 - 14));
        assert_eq!(day.to_string(), "2026-02-14");
        assert_eq!(LocalDate::parse("2026-02-14"), Ok(day));
    }

    #[test]
    fn fractions_of_a_second_are_not_written() {
        let at = LocalDateTime::from(datetime!(2026-02-13 15:01:00.75));
        assert_eq!(
            serde_json::to_string(&at).unwrap(),
            r#""2026-02-13T15:01:00""#
        );
    }

    #[test]
    fn an_optional_time_is_missing_null_or_the_text() {
        #[derive(Serialize, Deserialize, PartialEq, Debug)]
        struct Maybe {
            at: Option<LocalDateTime>,
        }
        let some = Maybe {
            at: Some(datetime!(2026-02-13 15:01).into()),
        };
        let json = serde_json::to_string(&some).unwrap();
        assert_eq!(json, r#"{"at":"2026-02-13T15:01:00"}"#);
        assert_eq!(serde_json::from_str::<Maybe>(&json).unwrap(), some);
        assert_eq!(
            serde_json::to_string(&Maybe { at: None }).unwrap(),
            r#"{"at":null}"#
        );
        assert_eq!(
            serde_json::from_str::<Maybe>(r#"{"at":null}"#).unwrap(),
            Maybe { at: None }
        );
        assert_eq!(
            serde_json::from_str::<Maybe>("{}").unwrap(),
            Maybe { at: None }
        );
    }

    #[test]
    fn null_optional_dates_deserialize_inside_tagged_enums() {
        #[derive(Deserialize, Debug)]
        #[serde(tag = "call")]
        enum Tagged {
            Probe { maybe: Option<LocalDate> },
        }
        let Tagged::Probe { maybe } =
            serde_json::from_str(r#"{"call":"Probe","maybe":null}"#).unwrap();
        assert_eq!(maybe, None);
        let Tagged::Probe { maybe } = serde_json::from_str(r#"{"call":"Probe"}"#).unwrap();
        assert_eq!(maybe, None);
        let Tagged::Probe { maybe } =
            serde_json::from_str(r#"{"call":"Probe","maybe":"2026-02-14"}"#).unwrap();
        assert_eq!(maybe, Some(LocalDate::from(date!(2026 - 02 - 14))));
    }

    #[test]
    fn a_malformed_date_names_the_expected_format() {
        let error =
            serde_json::from_str::<Sample>(r#"{"day":"14/02/2026","at":"2026-02-13T15:01:00"}"#)
                .unwrap_err();
        assert!(error.to_string().contains("YYYY-MM-DD"), "{error}");
    }

    #[test]
    fn a_time_with_an_offset_or_without_seconds_is_refused_with_the_format() {
        let refused = |text: &str| {
            serde_json::from_value::<LocalDateTime>(serde_json::json!(text))
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            refused("2026-02-13T15:01:00+07:00"),
            "`2026-02-13T15:01:00+07:00` is not a local date and time \
             (YYYY-MM-DDTHH:MM:SS) (unexpected trailing characters; the end of input was \
             expected)"
        );
        assert_eq!(
            refused("2026-02-13T15:01"),
            "`2026-02-13T15:01` is not a local date and time (YYYY-MM-DDTHH:MM:SS) \
             (a character literal was not valid)"
        );
        assert_eq!(
            refused("2026-02-13 15:01:00"),
            "`2026-02-13 15:01:00` is not a local date and time (YYYY-MM-DDTHH:MM:SS) \
             (a character literal was not valid)"
        );
        let not_text = serde_json::from_value::<LocalDateTime>(serde_json::json!(17)).unwrap_err();
        assert_eq!(
            not_text.to_string(),
            "invalid type: integer `17`, expected a string"
        );
    }

    #[test]
    fn arithmetic_stays_in_civil_time() {
        let at = local_datetime!(2026-02-13 23:30);
        let later = at + Duration::hours(1);
        assert_eq!(later, local_datetime!(2026-02-14 00:30));
        assert_eq!(later - at, Duration::hours(1));
        assert_eq!(later - Duration::hours(1), at);
        assert_eq!(
            at + std::time::Duration::from_secs(60),
            local_datetime!(2026-02-13 23:31)
        );
        assert_eq!(later.date(), date!(2026 - 02 - 14));
    }

    #[test]
    fn age_counts_whole_years() {
        assert_eq!(age_on(date!(2020 - 11 - 23), date!(2026 - 11 - 22)), 5);
        assert_eq!(age_on(date!(2020 - 11 - 22), date!(2026 - 11 - 22)), 6);
        assert_eq!(age_on(date!(2027 - 01 - 01), date!(2026 - 11 - 22)), 0);
    }
}
