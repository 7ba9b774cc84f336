//! The figures table: daily counters summed into periods (day, month,
//! quarter, year or the whole range), per group when asked.

use std::collections::BTreeMap;

use motcua_domain::statistics::{Counter, Counts, Figure, Indicator, RULE_VERSION};
use motcua_domain::time::{Date, LocalDate, LocalDateTime};
use serde::{Deserialize, Serialize};
use time::Month;

use crate::app::error::AppError;
use crate::app::ports::{DailyCounts, GroupBy, OpenCounts, StatisticsScope};

/// Most periods one report may hold.
pub const MAX_PERIODS: usize = 1000;

/// How the range is cut.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    Day,
    #[default]
    Month,
    Quarter,
    Year,
    /// The whole range as one period.
    Range,
}

/// A figures table request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportRequest {
    /// First day (included).
    pub from: Date,
    /// Last day (included).
    pub to: Date,
    pub period: Period,
    pub scope: StatisticsScope,
    pub group_by: Option<GroupBy>,
}

impl ReportRequest {
    pub(super) fn check(&self) -> Result<(), AppError> {
        super::check_range(self.from, self.to)?;
        if periods(self).len() > MAX_PERIODS {
            return Err(AppError::invalid(
                "period",
                format!("the range holds more than {MAX_PERIODS} periods; choose a longer period"),
            ));
        }
        Ok(())
    }
}

/// The period figures of one row.
#[derive(Clone, Debug, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PeriodFigures {
    pub on_time: Figure,
    pub online: Figure,
    pub online_payment: Figure,
    pub synchronised: Figure,
    pub data_reuse: Figure,
    pub e_result: Figure,
    pub received: Figure,
    pub finished: Figure,
}

impl PeriodFigures {
    fn of(counts: &Counts) -> PeriodFigures {
        let figure = |indicator: Indicator| {
            let Some((num, den)) = indicator.counters() else {
                return Figure::default();
            };
            let value = |c: Counter| u64::try_from(counts[c.index()]).unwrap_or_default();
            if indicator.is_count() {
                Figure::count(value(num))
            } else {
                Figure::new(value(num), value(den))
            }
        };
        PeriodFigures {
            on_time: figure(Indicator::OnTime),
            online: figure(Indicator::Online),
            online_payment: figure(Indicator::OnlinePayment),
            synchronised: figure(Indicator::Synchronised),
            data_reuse: figure(Indicator::DataReuse),
            e_result: figure(Indicator::EResult),
            received: figure(Indicator::Received),
            finished: figure(Indicator::Finished),
        }
    }
}

/// One period (of one group).
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ReportRow {
    /// `2026-03-02`, `2026-03`, `2026-Q1`, `2026`, or `from/to` for a range.
    pub period: String,
    pub start: LocalDate,
    /// Last day (included), within the request's range.
    pub end: LocalDate,
    /// The agency or procedure code when grouped.
    pub group: Option<String>,
    pub figures: PeriodFigures,
}

/// The figures of the present moment (of one group).
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct NowFigures {
    pub group: Option<String>,
    /// Open dossiers (a count).
    pub in_progress: Figure,
    /// Overdue now / open now.
    pub overdue: Figure,
}

/// A figures table.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Report {
    pub rule_version: &'static str,
    pub from: LocalDate,
    pub to: LocalDate,
    pub period: Period,
    pub group_by: Option<GroupBy>,
    /// "Now" of the `now` figures.
    pub as_of: LocalDateTime,
    /// Every period of the range in order (ungrouped: even empty ones);
    /// grouped: each group with data, by period then group code.
    pub rows: Vec<ReportRow>,
    pub now: Vec<NowFigures>,
}

/// The first day of the period holding `day`.
fn period_start(period: Period, day: Date, from: Date) -> Date {
    let first = |month: Month| Date::from_calendar_date(day.year(), month, 1).unwrap_or(day);
    match period {
        Period::Day => day,
        Period::Month => first(day.month()),
        Period::Quarter => {
            let month = (u8::from(day.month()) - 1) / 3 * 3 + 1;
            first(Month::try_from(month).unwrap_or(Month::January))
        }
        Period::Year => first(Month::January),
        Period::Range => from,
    }
}

/// The first day of the period after the one starting at `start`.
fn next_start(period: Period, start: Date) -> Option<Date> {
    let (year, month) = (start.year(), u8::from(start.month()));
    let months = |n: u8| {
        let index = u32::from(month) - 1 + u32::from(n);
        let month = Month::try_from((index % 12) as u8 + 1).ok()?;
        Date::from_calendar_date(year + (index / 12) as i32, month, 1).ok()
    };
    match period {
        Period::Day => start.next_day(),
        Period::Month => months(1),
        Period::Quarter => months(3),
        Period::Year => months(12),
        Period::Range => None,
    }
}

fn label(period: Period, start: Date, request: &ReportRequest) -> String {
    match period {
        Period::Day => start.to_string(),
        Period::Month => format!("{}-{:02}", start.year(), u8::from(start.month())),
        Period::Quarter => format!(
            "{}-Q{}",
            start.year(),
            (u8::from(start.month()) - 1) / 3 + 1
        ),
        Period::Year => start.year().to_string(),
        Period::Range => format!("{}/{}", request.from, request.to),
    }
}

/// The periods of the range: (label, first day, last day), clipped to it.
fn periods(request: &ReportRequest) -> Vec<(String, Date, Date)> {
    let mut out = Vec::new();
    let mut start = period_start(request.period, request.from, request.from);
    loop {
        let next = next_start(request.period, start);
        let end = next
            .and_then(|n| n.previous_day())
            .map_or(request.to, |e| e.min(request.to));
        out.push((
            label(request.period, start, request),
            start.max(request.from),
            end,
        ));
        match next {
            Some(next) if next <= request.to && out.len() <= MAX_PERIODS => start = next,
            _ => return out,
        }
    }
}

pub(super) fn build(
    request: &ReportRequest,
    now: LocalDateTime,
    days: &[DailyCounts],
    open: &[OpenCounts],
) -> Report {
    let periods = periods(request);
    // (period index, group) -> counts
    let mut sums: BTreeMap<(usize, Option<String>), Counts> = BTreeMap::new();
    if request.group_by.is_none() {
        for i in 0..periods.len() {
            sums.insert((i, None), Counts::default());
        }
    }
    for day in days {
        let Some(i) = periods
            .iter()
            .position(|(_, start, end)| (*start..=*end).contains(&day.day))
        else {
            continue;
        };
        let total = sums.entry((i, day.group.clone())).or_default();
        for (sum, value) in total.iter_mut().zip(day.counts) {
            *sum += value;
        }
    }
    let rows = sums
        .into_iter()
        .map(|((i, group), counts)| {
            let (period, start, end) = periods[i].clone();
            ReportRow {
                period,
                start: start.into(),
                end: end.into(),
                group,
                figures: PeriodFigures::of(&counts),
            }
        })
        .collect();
    let mut now_rows: Vec<NowFigures> = open
        .iter()
        .map(|o| NowFigures {
            group: o.group.clone(),
            in_progress: Figure::count(o.open),
            overdue: Figure::new(o.overdue, o.open),
        })
        .collect();
    if request.group_by.is_none() && now_rows.is_empty() {
        now_rows.push(NowFigures {
            group: None,
            in_progress: Figure::count(0),
            overdue: Figure::new(0, 0),
        });
    }
    now_rows.sort_by(|a, b| a.group.cmp(&b.group));
    Report {
        rule_version: RULE_VERSION,
        from: request.from.into(),
        to: request.to.into(),
        period: request.period,
        group_by: request.group_by,
        as_of: now,
        rows,
        now: now_rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn request(period: Period, from: Date, to: Date) -> ReportRequest {
        ReportRequest {
            from,
            to,
            period,
            scope: StatisticsScope::default(),
            group_by: None,
        }
    }

    #[test]
    fn quarters_are_clipped_to_the_range() {
        let got = periods(&request(
            Period::Quarter,
            date!(2026 - 02 - 10),
            date!(2026 - 07 - 05),
        ));
        assert_eq!(
            got,
            vec![
                (
                    "2026-Q1".into(),
                    date!(2026 - 02 - 10),
                    date!(2026 - 03 - 31)
                ),
                (
                    "2026-Q2".into(),
                    date!(2026 - 04 - 01),
                    date!(2026 - 06 - 30)
                ),
                (
                    "2026-Q3".into(),
                    date!(2026 - 07 - 01),
                    date!(2026 - 07 - 05)
                ),
            ]
        );
    }

    #[test]
    fn months_cross_the_year_and_a_range_is_one_period() {
        let got = periods(&request(
            Period::Month,
            date!(2025 - 12 - 01),
            date!(2026 - 01 - 31),
        ));
        let labels: Vec<_> = got.iter().map(|p| p.0.as_str()).collect();
        assert_eq!(labels, ["2025-12", "2026-01"]);
        let range = periods(&request(
            Period::Range,
            date!(2025 - 12 - 03),
            date!(2026 - 01 - 09),
        ));
        assert_eq!(
            range,
            vec![(
                "2025-12-03/2026-01-09".into(),
                date!(2025 - 12 - 03),
                date!(2026 - 01 - 09)
            )]
        );
    }

    #[test]
    fn daily_counts_sum_into_their_period() {
        let req = request(Period::Month, date!(2026 - 01 - 01), date!(2026 - 03 - 31));
        let mut counts = Counts::default();
        counts[Counter::Finished.index()] = 2;
        counts[Counter::OnTime.index()] = 1;
        let days = [
            DailyCounts {
                day: date!(2026 - 02 - 03),
                group: None,
                counts,
            },
            DailyCounts {
                day: date!(2026 - 02 - 27),
                group: None,
                counts,
            },
        ];
        let report = build(&req, date!(2026 - 04 - 01).midnight().into(), &days, &[]);
        assert_eq!(report.rows.len(), 3, "empty months are rows too");
        assert_eq!(report.rows[1].figures.on_time, Figure::new(2, 4));
        assert_eq!(report.rows[0].figures.on_time.rate, None);
    }
}
