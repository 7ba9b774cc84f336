//! Local civil dates and times.
//!
//! Every time in motcua's domain is a civil time in Asia/Ho_Chi_Minh (UTC+7, no
//! daylight saving): that is how receipts, appointments and national
//! synchronisation records are written. JSON uses ISO 8601 without an offset.

pub use ::time::{Date, PrimitiveDateTime};

::time::serde::format_description!(pub local_date, Date, "[year]-[month]-[day]");
::time::serde::format_description!(
    pub local_datetime,
    PrimitiveDateTime,
    "[year]-[month]-[day]T[hour]:[minute]:[second]"
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
    fn age_counts_whole_years() {
        assert_eq!(age_on(date!(2020 - 11 - 23), date!(2026 - 11 - 22)), 5);
        assert_eq!(age_on(date!(2020 - 11 - 22), date!(2026 - 11 - 22)), 6);
        assert_eq!(age_on(date!(2027 - 01 - 01), date!(2026 - 11 - 22)), 0);
    }
}
