//! A tenant's working-day calendar (lich lam viec).
//!
//! Deadlines are counted in working days and working hours, so every deadline
//! question goes through a [`WorkingCalendar`]: which days are worked (weekends
//! and public holidays off, make-up days on), when the office is open, and the
//! cut-off after which a dossier counts as received on the next working day.
//!
//! The calendar is data a tenant administrator edits ([`CalendarConfig`] is the
//! file format, JSON or TOML); [`WorkingCalendar`] is the validated, indexed form.
//!
//! # Unpublished years
//! Holidays are published per year ([`CalendarYear`]): Tet and the swaps of
//! working days move every year and are decided by the government late in the
//! previous year. Asking about a date in a year the tenant has not published is
//! an error ([`DomainError::CalendarYearNotPublished`]) rather than a guess that
//! the year has no holidays. A guessed appointment date would be printed on the
//! receipt slip (form 01) and could fall inside Tet; a refusal makes the gap
//! visible at once and is fixed by publishing the year. The cost is that a
//! dossier whose deadline reaches into an unpublished year cannot be received
//! until the administrator publishes it, so tenants should publish a year as
//! soon as the government's holiday decision for it is out (usually in the
//! autumn of the previous year).

use std::collections::{BTreeMap, BTreeSet};

use ::time::{Date, Duration, Time, Weekday};
use serde::{Deserialize, Serialize};

use crate::error::DomainError;
use crate::time::{LocalDate, LocalDateTime};

::time::serde::format_description!(pub clock_time, Time, "[hour]:[minute]");

type Result<T> = std::result::Result<T, DomainError>;

/// One continuous block of office hours, e.g. 07:30-11:30.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub struct OfficeSession {
    #[serde(with = "clock_time")]
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::ClockTime))]
    pub start: Time,
    #[serde(with = "clock_time")]
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::ClockTime))]
    pub end: Time,
}

impl OfficeSession {
    /// Builds a session from hours and minutes; panics on an invalid clock
    /// time, so use it for constants and tests.
    pub fn hm(start: (u8, u8), end: (u8, u8)) -> Self {
        let at = |(h, m): (u8, u8)| Time::from_hms(h, m, 0).expect("valid clock time");
        OfficeSession {
            start: at(start),
            end: at(end),
        }
    }

    pub fn length(&self) -> Duration {
        self.end - self.start
    }
}

/// A public holiday or any other day off, possibly several days long
/// (Tet), inclusive at both ends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub struct Holiday {
    pub name: String,
    pub from: LocalDate,
    /// Last day off; absent for a one-day holiday.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<LocalDate>,
}

impl Holiday {
    pub fn day(name: &str, date: Date) -> Self {
        Holiday {
            name: name.to_owned(),
            from: date.into(),
            to: None,
        }
    }

    pub fn span(name: &str, from: Date, to: Date) -> Self {
        Holiday {
            name: name.to_owned(),
            from: from.into(),
            to: Some(to.into()),
        }
    }

    pub fn last_day(&self) -> Date {
        self.to.unwrap_or(self.from).into_inner()
    }
}

/// A weekend day that is worked, usually to bridge a holiday (ngay lam bu).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub struct MakeupDay {
    pub date: LocalDate,
    #[serde(default)]
    pub note: String,
}

/// The days off and make-up days a tenant has published for one year.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub struct CalendarYear {
    pub year: i32,
    #[serde(default)]
    pub holidays: Vec<Holiday>,
    #[serde(default)]
    pub makeup_days: Vec<MakeupDay>,
}

/// The calendar file a tenant administrator edits. Missing fields take the
/// defaults below; validation happens when it becomes a [`WorkingCalendar`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub struct CalendarConfig {
    /// Days off every week; default Saturday and Sunday.
    #[serde(default = "default_weekend", with = "weekday_names")]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<crate::openapi::WeekdayName>))]
    pub weekend: Vec<Weekday>,
    /// Office sessions of a working day, in order; default 07:30-11:30 and
    /// 13:30-17:00 (7.5 hours).
    #[serde(default = "default_office_hours")]
    pub office_hours: Vec<OfficeSession>,
    /// A dossier received after this clock time counts as received at the
    /// start of the next working day. Default 17:00, the end of office hours:
    /// domain practice is either 15:00 or the end of office hours, and the
    /// later default never moves a dossier the agency actually handled that
    /// day. Must lie after the first session starts and no later than the last
    /// session ends.
    #[serde(default = "default_cutoff", with = "clock_time")]
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::ClockTime))]
    pub cutoff: Time,
    #[serde(default)]
    pub years: Vec<CalendarYear>,
}

fn default_weekend() -> Vec<Weekday> {
    vec![Weekday::Saturday, Weekday::Sunday]
}

fn default_office_hours() -> Vec<OfficeSession> {
    vec![
        OfficeSession::hm((7, 30), (11, 30)),
        OfficeSession::hm((13, 30), (17, 0)),
    ]
}

fn default_cutoff() -> Time {
    Time::from_hms(17, 0, 0).expect("valid clock time")
}

impl Default for CalendarConfig {
    fn default() -> Self {
        CalendarConfig {
            weekend: default_weekend(),
            office_hours: default_office_hours(),
            cutoff: default_cutoff(),
            years: Vec::new(),
        }
    }
}

/// Days of one published year, indexed for lookups.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct YearIndex {
    off: BTreeSet<Date>,
    makeup: BTreeSet<Date>,
}

/// A validated working calendar. Build it with [`WorkingCalendar::new`] or by
/// deserialising a [`CalendarConfig`]; it serialises back to the same file.
///
/// All times are local civil times (Asia/Ho_Chi_Minh). Office hours are the
/// same on every working day, make-up days included.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "CalendarConfig", into = "CalendarConfig")]
pub struct WorkingCalendar {
    config: CalendarConfig,
    years: BTreeMap<i32, YearIndex>,
}

impl TryFrom<CalendarConfig> for WorkingCalendar {
    type Error = DomainError;

    fn try_from(config: CalendarConfig) -> Result<Self> {
        WorkingCalendar::new(config)
    }
}

impl From<WorkingCalendar> for CalendarConfig {
    fn from(calendar: WorkingCalendar) -> Self {
        calendar.config
    }
}

fn invalid(message: String) -> DomainError {
    DomainError::InvalidCalendar(message)
}

impl WorkingCalendar {
    /// Validates a calendar file: sessions ordered and disjoint, cut-off
    /// within office hours, each year published once, every date inside its
    /// year, make-up days on weekend days and not also holidays.
    pub fn new(config: CalendarConfig) -> Result<Self> {
        let sessions = &config.office_hours;
        if sessions.is_empty() {
            return Err(invalid(
                "office hours must have at least one session".into(),
            ));
        }
        for (i, session) in sessions.iter().enumerate() {
            if session.start >= session.end {
                return Err(invalid(format!(
                    "office session {} ends ({}) before it starts ({})",
                    i + 1,
                    session.end,
                    session.start
                )));
            }
            if i > 0 && sessions[i - 1].end > session.start {
                return Err(invalid(format!(
                    "office session {} starts before session {} ends",
                    i + 1,
                    i
                )));
            }
        }
        let (opening, closing) = (sessions[0].start, sessions[sessions.len() - 1].end);
        if config.cutoff <= opening || config.cutoff > closing {
            return Err(invalid(format!(
                "cut-off {} must be after opening ({opening}) and no later than closing ({closing})",
                config.cutoff
            )));
        }

        let mut years = BTreeMap::new();
        for year in &config.years {
            let index = index_year(year, &config.weekend)?;
            if years.insert(year.year, index).is_some() {
                return Err(invalid(format!("year {} is published twice", year.year)));
            }
        }
        Ok(WorkingCalendar { config, years })
    }

    pub fn config(&self) -> &CalendarConfig {
        &self.config
    }

    pub fn office_hours(&self) -> &[OfficeSession] {
        &self.config.office_hours
    }

    pub fn cutoff(&self) -> Time {
        self.config.cutoff
    }

    /// When the office opens on a working day.
    pub fn opening(&self) -> Time {
        self.config.office_hours[0].start
    }

    /// When the office closes on a working day.
    pub fn closing(&self) -> Time {
        self.config.office_hours[self.config.office_hours.len() - 1].end
    }

    /// Office time in one working day (7.5 hours by default).
    pub fn working_day_length(&self) -> Duration {
        self.config
            .office_hours
            .iter()
            .map(OfficeSession::length)
            .sum()
    }

    /// Whether the calendar can serve from `today` on: it publishes the
    /// current year and the next, since an appointment made today may fall
    /// into next year. `Err` names the missing years. A calendar that drops
    /// the current year would block every counter registration.
    pub fn check_covers(&self, today: Date) -> Result<()> {
        let missing: Vec<String> = [today.year(), today.year() + 1]
            .into_iter()
            .filter(|year| !self.years.contains_key(year))
            .map(|year| year.to_string())
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(invalid(format!(
                "it must publish the current and the next year; missing: {}",
                missing.join(", ")
            )))
        }
    }

    /// Years the tenant has published, in order.
    pub fn published_years(&self) -> impl Iterator<Item = i32> + '_ {
        self.years.keys().copied()
    }

    /// Whether `date` is worked: a make-up day always is; otherwise a
    /// holiday or a weekend day is not.
    pub fn is_working_day(&self, date: Date) -> Result<bool> {
        let year = self
            .years
            .get(&date.year())
            .ok_or(DomainError::CalendarYearNotPublished { year: date.year() })?;
        if year.makeup.contains(&date) {
            return Ok(true);
        }
        Ok(!year.off.contains(&date) && !self.config.weekend.contains(&date.weekday()))
    }

    /// The first working day strictly after `date`.
    pub fn next_working_day(&self, date: Date) -> Result<Date> {
        let mut day = date;
        loop {
            day = next_day(day)?;
            if self.is_working_day(day)? {
                return Ok(day);
            }
        }
    }

    /// The `n`th working day after `start` (`start` itself when `n` is 0,
    /// whether or not it is worked).
    pub fn add_working_days(&self, start: Date, n: u32) -> Result<Date> {
        let mut day = start;
        for _ in 0..n {
            day = self.next_working_day(day)?;
        }
        Ok(day)
    }

    /// Working days in `(a, b]`, so that `add_working_days(a, n) == b`
    /// gives `n`; negative when `b` is before `a`.
    pub fn working_days_between(&self, a: Date, b: Date) -> Result<i64> {
        if b < a {
            return Ok(-self.working_days_between(b, a)?);
        }
        let mut count = 0;
        let mut day = a;
        while day < b {
            day = next_day(day)?;
            if self.is_working_day(day)? {
                count += 1;
            }
        }
        Ok(count)
    }

    /// The moment from which a dossier received at `received_at` is counted.
    ///
    /// - on a working day, up to and including the cut-off: unchanged, except
    ///   that a time before opening becomes the opening time;
    /// - after the cut-off or on a day off: the opening time of the next
    ///   working day.
    pub fn effective_receipt(&self, received_at: LocalDateTime) -> Result<LocalDateTime> {
        let (date, time) = (received_at.date(), received_at.time());
        if self.is_working_day(date)? && time <= self.config.cutoff {
            return Ok(LocalDateTime::new(date, time.max(self.opening())));
        }
        Ok(LocalDateTime::new(
            self.next_working_day(date)?,
            self.opening(),
        ))
    }

    /// Office time between `a` and `b`: the part of `[a, b]` that falls in
    /// office sessions of working days. Negative when `b` is before `a`.
    pub fn working_time_between(&self, a: LocalDateTime, b: LocalDateTime) -> Result<Duration> {
        if b < a {
            return Ok(-self.working_time_between(b, a)?);
        }
        let mut total = Duration::ZERO;
        let mut day = a.date();
        loop {
            if self.is_working_day(day)? {
                let from = if day == a.date() {
                    a.time()
                } else {
                    Time::MIDNIGHT
                };
                for session in &self.config.office_hours {
                    let start = session.start.max(from);
                    let end = if day == b.date() {
                        session.end.min(b.time())
                    } else {
                        session.end
                    };
                    if end > start {
                        total += end - start;
                    }
                }
            }
            if day >= b.date() {
                return Ok(total);
            }
            day = next_day(day)?;
        }
    }

    /// The moment `amount` of office time after `start`.
    ///
    /// When the time runs out exactly at the end of a session the result is
    /// that end (17:00 today), not the start of the next session: a deadline
    /// of one full working day from 07:30 is 17:00 the same day.
    pub fn add_working_time(
        &self,
        start: LocalDateTime,
        amount: Duration,
    ) -> Result<LocalDateTime> {
        if amount.is_negative() {
            return Err(DomainError::InvalidLedger(format!(
                "cannot add a negative working time ({amount})"
            )));
        }
        if amount.is_zero() {
            return Ok(start);
        }
        let mut remaining = amount;
        let mut day = start.date();
        let mut from = start.time();
        loop {
            if self.is_working_day(day)? {
                for session in &self.config.office_hours {
                    if session.end <= from {
                        continue;
                    }
                    let begin = session.start.max(from);
                    let available = session.end - begin;
                    if remaining <= available {
                        return Ok(LocalDateTime::new(day, begin + remaining));
                    }
                    remaining -= available;
                }
            }
            day = next_day(day)?;
            from = Time::MIDNIGHT;
        }
    }
}

fn next_day(date: Date) -> Result<Date> {
    date.next_day()
        .ok_or_else(|| invalid(format!("no day after {date}")))
}

fn index_year(year: &CalendarYear, weekend: &[Weekday]) -> Result<YearIndex> {
    let mut index = YearIndex::default();
    let outside = |date: Date| invalid(format!("{date} is not in year {}", year.year));
    for holiday in &year.holidays {
        let (first, last) = (holiday.from.into_inner(), holiday.last_day());
        if last < first {
            return Err(invalid(format!(
                "holiday {:?} ends ({last}) before it starts ({first})",
                holiday.name
            )));
        }
        for date in [first, last] {
            if date.year() != year.year {
                return Err(outside(date));
            }
        }
        let mut day = first;
        loop {
            index.off.insert(day);
            if day == last {
                break;
            }
            day = next_day(day)?;
        }
    }
    for makeup in &year.makeup_days {
        let date = makeup.date.into_inner();
        if date.year() != year.year {
            return Err(outside(date));
        }
        if !weekend.contains(&date.weekday()) {
            return Err(invalid(format!(
                "make-up day {date} is a {}, which is already a working day",
                date.weekday()
            )));
        }
        if index.off.contains(&date) {
            return Err(invalid(format!(
                "{date} is both a holiday and a make-up day"
            )));
        }
        index.makeup.insert(date);
    }
    Ok(index)
}

/// Weekdays as lower-case English names ("saturday"): `time`'s own serde
/// form is a number unless a feature we do not enable is on.
mod weekday_names {
    use ::time::Weekday;
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serializer};

    const NAMES: [(Weekday, &str); 7] = [
        (Weekday::Monday, "monday"),
        (Weekday::Tuesday, "tuesday"),
        (Weekday::Wednesday, "wednesday"),
        (Weekday::Thursday, "thursday"),
        (Weekday::Friday, "friday"),
        (Weekday::Saturday, "saturday"),
        (Weekday::Sunday, "sunday"),
    ];

    pub fn serialize<S: Serializer>(days: &[Weekday], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(days.iter().map(|day| {
            NAMES
                .iter()
                .find(|(d, _)| d == day)
                .map(|(_, name)| *name)
                .unwrap_or_default()
        }))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<Weekday>, D::Error> {
        Vec::<String>::deserialize(deserializer)?
            .iter()
            .map(|name| {
                NAMES
                    .iter()
                    .find(|(_, n)| n.eq_ignore_ascii_case(name))
                    .map(|(day, _)| *day)
                    .ok_or_else(|| D::Error::custom(format!("unknown weekday {name:?}")))
            })
            .collect()
    }
}

/// Viet Nam's national calendar for 2025 and 2026, with the default office
/// hours and cut-off: a starting point a tenant administrator copies and edits.
///
/// Sources and assumptions (check against the government's decisions before
/// relying on them; provinces may add local swaps):
/// - 2025: New Year 1 Jan; Tet 25 Jan-2 Feb (decision: off Sat 25/1 to Sun
///   2/2); Hung Kings 7 Apr (10/3 lunar); 30 Apr-1 May, with Fri 2 May
///   swapped for Sat 26 Apr (worked), giving 30 Apr-4 May off; National Day
///   1-2 Sep (Sat 30 Aug-Tue 2 Sep off with the weekend).
/// - 2026: New Year 1 Jan (no swap assumed); Tet 14-22 Feb (Sat to Sun, per
///   the decision); Hung Kings 26 Apr falls on a Sunday and is observed on
///   Mon 27 Apr; 30 Apr and 1 May; National Day 2 Sep plus 1 Sep (the
///   adjacent day is an assumption: the law lets the government choose 1 or
///   3 Sep). No 2026 make-up Saturday is known at the time of writing.
pub fn vietnam_2025_2026() -> WorkingCalendar {
    use ::time::macros::date;
    let years = vec![
        CalendarYear {
            year: 2025,
            holidays: vec![
                Holiday::day("Tet Duong lich", date!(2025 - 01 - 01)),
                Holiday::span(
                    "Tet Nguyen dan",
                    date!(2025 - 01 - 25),
                    date!(2025 - 02 - 02),
                ),
                Holiday::day("Gio To Hung Vuong", date!(2025 - 04 - 07)),
                Holiday::span(
                    "Ngay Giai phong mien Nam va Quoc te Lao dong",
                    date!(2025 - 04 - 30),
                    date!(2025 - 05 - 01),
                ),
                Holiday::day("Nghi hoan doi (lam bu thu Bay 26/4)", date!(2025 - 05 - 02)),
                Holiday::span("Quoc khanh", date!(2025 - 09 - 01), date!(2025 - 09 - 02)),
            ],
            makeup_days: vec![MakeupDay {
                date: date!(2025 - 04 - 26).into(),
                note: "lam bu cho ngay nghi thu Sau 2/5".to_owned(),
            }],
        },
        CalendarYear {
            year: 2026,
            holidays: vec![
                Holiday::day("Tet Duong lich", date!(2026 - 01 - 01)),
                Holiday::span(
                    "Tet Nguyen dan",
                    date!(2026 - 02 - 14),
                    date!(2026 - 02 - 22),
                ),
                Holiday::day(
                    "Gio To Hung Vuong (nghi bu, 26/4 la Chu nhat)",
                    date!(2026 - 04 - 27),
                ),
                Holiday::span(
                    "Ngay Giai phong mien Nam va Quoc te Lao dong",
                    date!(2026 - 04 - 30),
                    date!(2026 - 05 - 01),
                ),
                Holiday::span("Quoc khanh", date!(2026 - 09 - 01), date!(2026 - 09 - 02)),
            ],
            makeup_days: Vec::new(),
        },
    ];
    WorkingCalendar::new(CalendarConfig {
        years,
        ..CalendarConfig::default()
    })
    .expect("the built-in Viet Nam calendar is valid")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::local_datetime;
    use ::time::macros::{date, time};

    fn vn() -> WorkingCalendar {
        vietnam_2025_2026()
    }

    #[test]
    fn weekends_and_holidays_are_off_and_makeup_saturday_is_worked() {
        let cal = vn();
        assert!(cal.is_working_day(date!(2026 - 02 - 13)).unwrap()); // Fri before Tet
        assert!(!cal.is_working_day(date!(2026 - 02 - 16)).unwrap()); // Mon in Tet
        assert!(!cal.is_working_day(date!(2025 - 11 - 15)).unwrap()); // Saturday
        assert!(cal.is_working_day(date!(2025 - 04 - 26)).unwrap()); // make-up Saturday
        assert!(!cal.is_working_day(date!(2025 - 05 - 02)).unwrap()); // swapped Friday
        assert!(!cal.is_working_day(date!(2026 - 04 - 27)).unwrap()); // Hung Kings observed
    }

    #[test]
    fn an_unpublished_year_is_an_error_not_a_guess() {
        let err = vn().is_working_day(date!(2027 - 03 - 10)).unwrap_err();
        assert_eq!(err, DomainError::CalendarYearNotPublished { year: 2027 });
        assert!(err.to_string().contains("2027 has not been published"));
        // Counting that runs into 2027 fails the same way.
        let err = vn().add_working_days(date!(2026 - 12 - 30), 3).unwrap_err();
        assert_eq!(err, DomainError::CalendarYearNotPublished { year: 2027 });
    }

    #[test]
    fn next_working_day_skips_the_whole_of_tet() {
        assert_eq!(
            vn().next_working_day(date!(2026 - 02 - 13)).unwrap(),
            date!(2026 - 02 - 23)
        );
    }

    #[test]
    fn add_working_days_counts_the_makeup_saturday() {
        let cal = vn();
        // Thu 24 Apr 2025 + 2: Fri 25, Sat 26 (make-up).
        assert_eq!(
            cal.add_working_days(date!(2025 - 04 - 24), 2).unwrap(),
            date!(2025 - 04 - 26)
        );
        // + 3: Sun 27 off, Mon 28.
        assert_eq!(
            cal.add_working_days(date!(2025 - 04 - 24), 3).unwrap(),
            date!(2025 - 04 - 28)
        );
        assert_eq!(
            cal.add_working_days(date!(2025 - 04 - 26), 0).unwrap(),
            date!(2025 - 04 - 26)
        );
    }

    #[test]
    fn working_days_between_inverts_add_working_days() {
        let cal = vn();
        let start = date!(2025 - 12 - 29);
        for n in 0..40 {
            let end = cal.add_working_days(start, n).unwrap();
            assert_eq!(cal.working_days_between(start, end).unwrap(), i64::from(n));
        }
        // Tue 29 Apr 2025 to Mon 5 May: 30/4, 1/5, 2/5 and the weekend are off.
        assert_eq!(
            cal.working_days_between(date!(2025 - 05 - 05), date!(2025 - 04 - 29))
                .unwrap(),
            -1
        );
    }

    #[test]
    fn effective_receipt_moves_late_and_day_off_receipts_to_next_opening() {
        let cal = vn();
        // Before the cut-off: unchanged.
        assert_eq!(
            cal.effective_receipt(local_datetime!(2025-11-14 16:45))
                .unwrap(),
            local_datetime!(2025-11-14 16:45)
        );
        // Exactly at the cut-off still counts today.
        assert_eq!(
            cal.effective_receipt(local_datetime!(2025-11-14 17:00))
                .unwrap(),
            local_datetime!(2025-11-14 17:00)
        );
        // After the cut-off on a Friday: Monday opening.
        assert_eq!(
            cal.effective_receipt(local_datetime!(2025-11-14 17:01))
                .unwrap(),
            local_datetime!(2025-11-17 07:30)
        );
        // Saturday night online submission.
        assert_eq!(
            cal.effective_receipt(local_datetime!(2025-11-15 21:00))
                .unwrap(),
            local_datetime!(2025-11-17 07:30)
        );
        // Early morning on a working day: the opening time.
        assert_eq!(
            cal.effective_receipt(local_datetime!(2025-11-17 06:10))
                .unwrap(),
            local_datetime!(2025-11-17 07:30)
        );
    }

    #[test]
    fn a_configured_15h_cutoff_moves_a_1530_receipt() {
        let cal = WorkingCalendar::new(CalendarConfig {
            cutoff: time!(15:00),
            ..vn().config().clone()
        })
        .unwrap();
        assert_eq!(
            cal.effective_receipt(local_datetime!(2025-11-14 15:30))
                .unwrap(),
            local_datetime!(2025-11-17 07:30)
        );
    }

    #[test]
    fn working_time_counts_only_office_sessions_of_working_days() {
        let cal = vn();
        // Fri 10:00 -> Mon 10:00: 1.5h + 3.5h Friday, 2.5h Monday.
        assert_eq!(
            cal.working_time_between(
                local_datetime!(2025-11-07 10:00),
                local_datetime!(2025-11-10 10:00)
            )
            .unwrap(),
            Duration::hours(7) + Duration::minutes(30)
        );
        // Lunch break only.
        assert_eq!(
            cal.working_time_between(
                local_datetime!(2025-11-07 11:45),
                local_datetime!(2025-11-07 13:15)
            )
            .unwrap(),
            Duration::ZERO
        );
        assert_eq!(cal.working_day_length(), Duration::minutes(450));
    }

    #[test]
    fn adding_a_full_day_from_opening_ends_at_closing_the_same_day() {
        let cal = vn();
        assert_eq!(
            cal.add_working_time(local_datetime!(2025-11-17 07:30), cal.working_day_length())
                .unwrap(),
            local_datetime!(2025-11-17 17:00)
        );
        // From the lunch break, four hours: 13:30-17:00 then 30 minutes Tuesday.
        assert_eq!(
            cal.add_working_time(local_datetime!(2025-11-17 12:00), Duration::hours(4))
                .unwrap(),
            local_datetime!(2025-11-18 08:00)
        );
    }

    #[test]
    fn calendar_file_round_trips_and_uses_readable_values() {
        let cal = vn();
        let json = serde_json::to_value(&cal).unwrap();
        assert_eq!(json["weekend"], serde_json::json!(["saturday", "sunday"]));
        assert_eq!(json["cutoff"], "17:00");
        assert_eq!(json["office_hours"][1]["start"], "13:30");
        assert_eq!(json["years"][0]["makeup_days"][0]["date"], "2025-04-26");
        let back: WorkingCalendar = serde_json::from_value(json).unwrap();
        assert_eq!(back, cal);
    }

    #[test]
    fn the_fixture_file_matches_the_built_in_calendar() {
        let file = include_str!("../tests/fixtures/calendar-vn-2025-2026.json");
        let cal: WorkingCalendar = serde_json::from_str(file).unwrap();
        assert_eq!(cal, vn());
    }

    #[test]
    fn a_minimal_file_takes_the_defaults() {
        let cal: WorkingCalendar = serde_json::from_str(r#"{"years":[{"year":2030}]}"#).unwrap();
        assert_eq!(cal.cutoff(), time!(17:00));
        assert_eq!(cal.opening(), time!(07:30));
        assert!(!cal.is_working_day(date!(2030 - 01 - 05)).unwrap()); // Saturday
    }

    #[test]
    fn inconsistent_files_are_rejected_with_the_reason() {
        let bad = |json: &str| {
            serde_json::from_str::<WorkingCalendar>(json)
                .unwrap_err()
                .to_string()
        };
        assert!(
            bad(r#"{"years":[{"year":2025,"makeup_days":[{"date":"2025-04-25"}]}]}"#)
                .contains("make-up day 2025-04-25 is a Friday")
        );
        assert!(
            bad(r#"{"years":[{"year":2025,"holidays":[{"name":"x","from":"2026-01-01"}]}]}"#)
                .contains("2026-01-01 is not in year 2025")
        );
        assert!(bad(r#"{"cutoff":"18:00"}"#).contains("cut-off"));
        assert!(
            bad(r#"{"office_hours":[{"start":"08:00","end":"12:00"},{"start":"11:00","end":"17:00"}]}"#)
                .contains("starts before session 1 ends")
        );
        assert!(bad(r#"{"years":[{"year":2025},{"year":2025}]}"#).contains("published twice"));
        assert!(bad(r#"{"weekend":["caturday"]}"#).contains("unknown weekday"));
    }

    #[test]
    fn a_calendar_must_cover_the_current_and_next_year() {
        let cal = vietnam_2025_2026();
        assert_eq!(cal.check_covers(date!(2025 - 01 - 01)), Ok(()));
        assert_eq!(cal.check_covers(date!(2025 - 12 - 31)), Ok(()));
        let err = cal.check_covers(date!(2026 - 01 - 01)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid working calendar: it must publish the current and the next year; missing: 2027"
        );
        assert!(cal.check_covers(date!(2024 - 12 - 31)).is_err());
        assert!(cal.check_covers(date!(2028 - 06 - 01)).is_err());
    }
}
