//! Convenience methods on the contract's types.

use std::cmp::Ordering;
use std::fmt;

use crate::{
    Applicant, Collection, Date, Datetime, DossierView, FeeKind, FeeLine, FieldValue, Localized,
};

impl Localized {
    /// Text in Vietnamese and English.
    pub fn new(vi: impl Into<String>, en: impl Into<String>) -> Self {
        Localized {
            vi: vi.into(),
            en: en.into(),
        }
    }
}

impl Date {
    /// A calendar date (not checked; see [`Date::is_valid`]).
    pub const fn new(year: u16, month: u8, day: u8) -> Self {
        Date { year, month, day }
    }

    /// Parse `YYYY-MM-DD`; `None` if malformed or not a real calendar date.
    pub fn parse(s: &str) -> Option<Self> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let num = |r: std::ops::Range<usize>| -> Option<u16> {
            b[r].iter().try_fold(0u16, |acc, c| {
                c.is_ascii_digit().then(|| acc * 10 + u16::from(c - b'0'))
            })
        };
        let d = Date::new(num(0..4)?, num(5..7)? as u8, num(8..10)? as u8);
        d.is_valid().then_some(d)
    }

    /// Whether this is a real calendar date (proleptic Gregorian, year ≥ 1).
    pub fn is_valid(&self) -> bool {
        self.year >= 1
            && (1..=12).contains(&self.month)
            && self.day >= 1
            && self.day <= days_in_month(self.year, self.month)
    }

    /// Age in whole years on `on` (0 if `on` is before this date).
    pub fn age_on(&self, on: &Date) -> u32 {
        if on < self {
            return 0;
        }
        let mut years = u32::from(on.year - self.year);
        if (on.month, on.day) < (self.month, self.day) {
            years -= 1;
        }
        years
    }

    /// Days since 1970-01-01 (negative before), for day arithmetic.
    pub fn to_days(&self) -> i64 {
        // Howard Hinnant's days_from_civil.
        let (m, d) = (i64::from(self.month), i64::from(self.day));
        let y = i64::from(self.year) - i64::from(m <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// Days from this date to `later` (negative if `later` is earlier).
    pub fn days_until(&self, later: &Date) -> i64 {
        later.to_days() - self.to_days()
    }

    /// The same day `years` years later (29 February becomes 28 February).
    pub fn add_years(&self, years: u16) -> Date {
        let year = self.year.saturating_add(years);
        Date::new(
            year,
            self.month,
            self.day.min(days_in_month(year, self.month)),
        )
    }
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        _ => 0,
    }
}

impl Eq for Date {}
impl PartialOrd for Date {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Date {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.year, self.month, self.day).cmp(&(other.year, other.month, other.day))
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Datetime {
    /// A local date and time.
    pub const fn new(date: Date, hour: u8, minute: u8, second: u8) -> Self {
        Datetime {
            date,
            hour,
            minute,
            second,
        }
    }
}

impl Eq for Datetime {}
impl PartialOrd for Datetime {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Datetime {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.date, self.hour, self.minute, self.second).cmp(&(
            other.date,
            other.hour,
            other.minute,
            other.second,
        ))
    }
}

impl fmt::Display for Datetime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}T{:02}:{:02}:{:02}",
            self.date, self.hour, self.minute, self.second
        )
    }
}

impl FieldValue {
    /// The text, if this is a text value.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            FieldValue::Text(s) => Some(s),
            _ => None,
        }
    }
    /// The number, if this is a number value.
    pub fn as_number(&self) -> Option<f64> {
        match self {
            FieldValue::Number(n) => Some(*n),
            _ => None,
        }
    }
    /// The boolean, if this is a boolean value.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            FieldValue::Boolean(b) => Some(*b),
            _ => None,
        }
    }
    /// The date, if this is a date value, or a text value holding `YYYY-MM-DD`.
    pub fn as_date(&self) -> Option<Date> {
        match self {
            FieldValue::Date(d) => Some(*d),
            FieldValue::Text(s) => Date::parse(s),
            _ => None,
        }
    }
    /// The selected options, if this is a choices value.
    pub fn as_choices(&self) -> Option<&[String]> {
        match self {
            FieldValue::Choices(c) => Some(c),
            _ => None,
        }
    }
}

impl DossierView {
    /// The value of form field `field` (a path such as `child.full-name`).
    pub fn value(&self, field: &str) -> Option<&FieldValue> {
        self.form
            .iter()
            .find(|e| e.field == field)
            .map(|e| &e.value)
    }
    /// The text of form field `field`, if it is a text value.
    pub fn text(&self, field: &str) -> Option<&str> {
        self.value(field).and_then(FieldValue::as_text)
    }
    /// The date of form field `field` (a date value or `YYYY-MM-DD` text).
    pub fn date(&self, field: &str) -> Option<Date> {
        self.value(field).and_then(FieldValue::as_date)
    }
    /// The number of form field `field`.
    pub fn number(&self, field: &str) -> Option<f64> {
        self.value(field).and_then(FieldValue::as_number)
    }
    /// The boolean of form field `field`.
    pub fn boolean(&self, field: &str) -> Option<bool> {
        self.value(field).and_then(FieldValue::as_bool)
    }
}

impl Applicant {
    /// Whether the agency verified the applicant in `group` (e.g. `priority-card`).
    pub fn in_group(&self, group: &str) -> bool {
        self.groups.iter().any(|g| g == group)
    }
}

impl FeeLine {
    /// A line owing its full `base_amount_vnd`, collected before processing
    /// (or not collected if the amount is zero), with no reason.
    pub fn new(
        code: impl Into<String>,
        label: Localized,
        kind: FeeKind,
        base_amount_vnd: u64,
    ) -> Self {
        FeeLine {
            code: code.into(),
            label,
            kind,
            base_amount_vnd,
            amount_vnd: base_amount_vnd,
            collection: if base_amount_vnd == 0 {
                Collection::NotCollected
            } else {
                Collection::BeforeProcessing
            },
            reason: None,
        }
    }

    /// Owe `amount_vnd` instead of the base amount, for `reason`
    /// (not collected when the amount becomes zero).
    pub fn discounted(mut self, amount_vnd: u64, reason: impl Into<String>) -> Self {
        self.amount_vnd = amount_vnd;
        self.reason = Some(reason.into());
        if amount_vnd == 0 {
            self.collection = Collection::NotCollected;
        }
        self
    }

    /// Owe nothing, for `reason` (exempt group, free by law).
    pub fn exempt(self, reason: impl Into<String>) -> Self {
        self.discounted(0, reason)
    }

    /// Set when the line is collected.
    pub fn collected(mut self, collection: Collection) -> Self {
        self.collection = collection;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn age_counts_whole_years_only_after_the_birthday() {
        let born = Date::new(2019, 6, 15);
        assert_eq!(born.age_on(&Date::new(2025, 6, 14)), 5);
        assert_eq!(born.age_on(&Date::new(2025, 6, 15)), 6);
        assert_eq!(born.age_on(&Date::new(2018, 1, 1)), 0);
    }

    #[test]
    fn day_arithmetic_crosses_months_and_leap_days() {
        assert_eq!(Date::new(1970, 1, 1).to_days(), 0);
        assert_eq!(Date::new(2024, 2, 28).days_until(&Date::new(2024, 3, 1)), 2);
        assert_eq!(
            Date::new(2025, 1, 10).days_until(&Date::new(2025, 3, 11)),
            60
        );
    }

    #[test]
    fn parse_rejects_impossible_dates() {
        assert_eq!(Date::parse("2024-02-29"), Some(Date::new(2024, 2, 29)));
        assert_eq!(Date::parse("2023-02-29"), None);
        assert_eq!(Date::parse("2023-13-01"), None);
        assert_eq!(Date::parse("2023-1-01"), None);
        assert_eq!(Date::new(2024, 3, 9).to_string(), "2024-03-09");
    }

    #[test]
    fn datetimes_order_by_date_then_time() {
        let a = Datetime::new(Date::new(2025, 1, 2), 8, 0, 0);
        let b = Datetime::new(Date::new(2025, 1, 2), 14, 30, 0);
        assert!(a < b);
        assert_eq!(b.to_string(), "2025-01-02T14:30:00");
    }

    #[test]
    fn exempt_fee_line_is_not_collected_and_keeps_base() {
        let line = FeeLine::new("x", Localized::new("a", "b"), FeeKind::Charge, 15_000)
            .exempt("child under 6");
        assert_eq!(line.base_amount_vnd, 15_000);
        assert_eq!(line.amount_vnd, 0);
        assert_eq!(line.collection, Collection::NotCollected);
        assert_eq!(line.reason.as_deref(), Some("child under 6"));
    }
}
