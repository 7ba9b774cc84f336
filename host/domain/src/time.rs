//! Local civil dates and times.
//!
//! Every time in motcua's domain is a civil time in Asia/Ho_Chi_Minh (UTC+7, no
//! daylight saving): that is how receipts, appointments and national
//! synchronisation records are written. JSON uses ISO 8601 without an offset.

pub use ::time::{Date, PrimitiveDateTime};

const DATE_FORMAT: &[::time::format_description::BorrowedFormatItem<'static>] =
    ::time::macros::format_description!("[year]-[month]-[day]");
const DATETIME_FORMAT: &[::time::format_description::BorrowedFormatItem<'static>] =
    ::time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");

/// Serde for a required or optional value in one of the formats above.
///
/// Hand-written rather than `time::serde::format_description!` because the
/// generated `option` visitor rejects `null` inside buffered content (e.g. an
/// internally tagged enum); `Option<String>` handles every representation.
macro_rules! iso_serde {
    ($module:ident, $type:ty, $format:expr, $what:literal) => {
        #[doc = concat!("`", $what, "` as ISO 8601 text without an offset.")]
        pub mod $module {
            use super::*;
            use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

            pub fn serialize<S: Serializer>(
                value: &$type,
                serializer: S,
            ) -> Result<S::Ok, S::Error> {
                let text = value.format($format).map_err(serde::ser::Error::custom)?;
                serializer.serialize_str(&text)
            }

            pub fn deserialize<'de, D: Deserializer<'de>>(
                deserializer: D,
            ) -> Result<$type, D::Error> {
                let text = String::deserialize(deserializer)?;
                parse(&text).map_err(D::Error::custom)
            }

            pub(crate) fn parse(text: &str) -> Result<$type, String> {
                <$type>::parse(text, $format)
                    .map_err(|error| format!("`{text}` is not a {} ({error})", $what))
            }

            /// The same for an optional value; `null` or absent means none.
            pub mod option {
                use super::*;

                pub fn serialize<S: Serializer>(
                    value: &Option<$type>,
                    serializer: S,
                ) -> Result<S::Ok, S::Error> {
                    match value {
                        Some(value) => {
                            let text = value.format($format).map_err(serde::ser::Error::custom)?;
                            serializer.serialize_some(&text)
                        }
                        None => serializer.serialize_none(),
                    }
                }

                pub fn deserialize<'de, D: Deserializer<'de>>(
                    deserializer: D,
                ) -> Result<Option<$type>, D::Error> {
                    Option::<String>::deserialize(deserializer)?
                        .map(|text| parse(&text).map_err(D::Error::custom))
                        .transpose()
                }
            }
        }
    };
}

iso_serde!(local_date, Date, DATE_FORMAT, "date (YYYY-MM-DD)");
iso_serde!(
    local_datetime,
    PrimitiveDateTime,
    DATETIME_FORMAT,
    "local date and time (YYYY-MM-DDTHH:MM:SS)"
);

/// The fixed offset of Viet Nam's civil time.
pub const VIETNAM_OFFSET: ::time::UtcOffset = match ::time::UtcOffset::from_hms(7, 0, 0) {
    Ok(offset) => offset,
    Err(_) => panic!("UTC+7 is a valid offset"),
};

/// The current civil time in Viet Nam.
pub fn now_local() -> PrimitiveDateTime {
    let now = ::time::OffsetDateTime::now_utc().to_offset(VIETNAM_OFFSET);
    PrimitiveDateTime::new(now.date(), now.time())
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
        #[serde(with = "local_date")]
        day: Date,
        #[serde(with = "local_datetime")]
        at: PrimitiveDateTime,
        #[serde(with = "local_date::option", default)]
        maybe: Option<Date>,
    }

    #[test]
    fn dates_and_times_are_iso_without_offset() {
        let sample = Sample {
            day: date!(2026 - 02 - 14),
            at: datetime!(2026-02-13 15:01:00),
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
    fn null_optional_dates_deserialize_inside_tagged_enums() {
        #[derive(Deserialize, Debug)]
        #[serde(tag = "call")]
        enum Tagged {
            Probe {
                #[serde(with = "local_date::option", default)]
                maybe: Option<Date>,
            },
        }
        let Tagged::Probe { maybe } =
            serde_json::from_str(r#"{"call":"Probe","maybe":null}"#).unwrap();
        assert_eq!(maybe, None);
        let Tagged::Probe { maybe } = serde_json::from_str(r#"{"call":"Probe"}"#).unwrap();
        assert_eq!(maybe, None);
    }

    #[test]
    fn a_malformed_date_names_the_expected_format() {
        let error =
            serde_json::from_str::<Sample>(r#"{"day":"14/02/2026","at":"2026-02-13T15:01:00"}"#)
                .unwrap_err();
        assert!(error.to_string().contains("YYYY-MM-DD"), "{error}");
    }

    #[test]
    fn age_counts_whole_years() {
        assert_eq!(age_on(date!(2020 - 11 - 23), date!(2026 - 11 - 22)), 5);
        assert_eq!(age_on(date!(2020 - 11 - 22), date!(2026 - 11 - 22)), 6);
        assert_eq!(age_on(date!(2027 - 01 - 01), date!(2026 - 11 - 22)), 0);
    }
}
