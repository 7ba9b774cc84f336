//! The Decision 766 dashboard and the dossier lists behind its numbers, for
//! a tenant's administrators and leaders (who may read the statistics is
//! the access rule's: `Principal::reads_statistics`). Every figure comes
//! from [`StatisticsService`](crate::app::statistics::StatisticsService), the
//! same figures the API answers; every number links to its drill-down list,
//! and every list downloads as CSV. Charts are SVG drawn here from the
//! figures: no script, nothing from another site.

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use futures_util::TryStreamExt;
use minijinja::{Value, context};
use motcua_domain::lifecycle::Role;
use motcua_domain::statistics::{Figure, Indicator};
use motcua_domain::time::Date;
use serde::{Deserialize, Serialize};
use time::{Duration, Month};

use super::ConsoleState;
use super::session::SignedIn;
use crate::app::error::AppError;
use crate::app::ports::{GroupBy, Part, StatisticsScope};
use crate::app::statistics::{DrillRequest, Period, PeriodFigures, Report, ReportRequest};

/// Who opens the dashboard (the statistics service decides again).
pub(super) const READERS: &[Role] = &[Role::TenantAdmin, Role::Leader];

/// Rows of a drill-down page.
const DRILL_PAGE: u32 = 50;
/// Procedures listed with the most overdue dossiers.
const TOP_OVERDUE: usize = 10;
/// The charts' plot height and bar pitch, in SVG units.
const PLOT_HEIGHT: f64 = 120.0;
const BAR_PITCH: f64 = 44.0;
const BAR_WIDTH: f64 = 30.0;
/// The ranking's bar length for a rate of 100%.
const RANK_WIDTH: f64 = 320.0;

/// The period figures in the order the dashboard shows them.
const PERIOD_INDICATORS: [Indicator; 8] = [
    Indicator::OnTime,
    Indicator::Online,
    Indicator::OnlinePayment,
    Indicator::Synchronised,
    Indicator::DataReuse,
    Indicator::EResult,
    Indicator::Received,
    Indicator::Finished,
];

#[derive(Debug, Default, Deserialize)]
pub struct DashboardQuery {
    /// `YYYY-MM`; this month when absent.
    month: Option<String>,
}

fn first_of_month(day: Date) -> Date {
    day.replace_day(1).expect("every month has a first day")
}

fn last_of_month(day: Date) -> Date {
    let next = first_of_month(day) + Duration::days(32);
    first_of_month(next) - Duration::days(1)
}

/// The first day of the month `months` before the month of `day`.
fn months_before(day: Date, months: u32) -> Date {
    let mut day = first_of_month(day);
    for _ in 0..months {
        day = first_of_month(day - Duration::days(1));
    }
    day
}

fn parse_month(text: &str) -> Option<Date> {
    let (year, month) = text.trim().split_once('-')?;
    let month = Month::try_from(month.parse::<u8>().ok()?).ok()?;
    Date::from_calendar_date(year.parse().ok()?, month, 1).ok()
}

fn figure_of(figures: &PeriodFigures, indicator: Indicator) -> Figure {
    match indicator {
        Indicator::OnTime => figures.on_time,
        Indicator::Online => figures.online,
        Indicator::OnlinePayment => figures.online_payment,
        Indicator::Synchronised => figures.synchronised,
        Indicator::DataReuse => figures.data_reuse,
        Indicator::EResult => figures.e_result,
        Indicator::Received => figures.received,
        Indicator::Finished => figures.finished,
        Indicator::InProgress | Indicator::Overdue => Figure::default(),
    }
}

/// `87,5%`, or a dash without a denominator.
fn percent(figure: &Figure) -> String {
    match figure.rate {
        Some(rate) => format!("{:.1}%", rate * 100.0).replace('.', ","),
        None => "–".to_owned(),
    }
}

/// Where a number leads: the list of its dossiers.
#[derive(Clone, Debug, Default, Serialize)]
struct Drill {
    indicator: &'static str,
    from: String,
    to: String,
    agency: Option<String>,
    procedure: Option<String>,
}

impl Drill {
    fn new(indicator: Indicator, from: Date, to: Date) -> Drill {
        Drill {
            indicator: indicator.name(),
            from: from.to_string(),
            to: to.to_string(),
            ..Drill::default()
        }
    }

    fn href(&self, part: Part) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        query.append_pair("from", &self.from);
        query.append_pair("to", &self.to);
        query.append_pair("part", part.name());
        if let Some(agency) = &self.agency {
            query.append_pair("agency", agency);
        }
        if let Some(procedure) = &self.procedure {
            query.append_pair("procedure", procedure);
        }
        format!("/console/statistics/{}?{}", self.indicator, query.finish())
    }
}

/// One number of a table, with its links.
#[derive(Debug, Serialize)]
struct Cell {
    indicator: &'static str,
    numerator: u64,
    denominator: u64,
    rate: String,
    /// A plain count has no denominator of its own to show.
    count: bool,
    numerator_href: String,
    denominator_href: String,
}

fn cell(indicator: Indicator, figure: &Figure, drill: &Drill) -> Cell {
    Cell {
        indicator: indicator.name(),
        numerator: figure.numerator,
        denominator: figure.denominator,
        rate: percent(figure),
        count: indicator.is_count(),
        numerator_href: drill.href(Part::Numerator),
        denominator_href: drill.href(Part::Denominator),
    }
}

/// A bar of a monthly chart.
#[derive(Debug, Serialize)]
struct Bar {
    label: String,
    x: f64,
    y: f64,
    height: f64,
    rate: String,
    href: String,
}

/// A monthly rate as bars, one per month of `report`.
fn monthly_bars(report: &Report, indicator: Indicator) -> Vec<Bar> {
    report
        .rows
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let figure = figure_of(&row.figures, indicator);
            let height = figure.rate.unwrap_or(0.0) * PLOT_HEIGHT;
            Bar {
                label: format!(
                    "{:02}/{}",
                    u8::from(row.start.month()),
                    row.start.year() % 100
                ),
                x: 10.0 + i as f64 * BAR_PITCH,
                y: PLOT_HEIGHT + 10.0 - height,
                height,
                rate: percent(&figure),
                href: Drill::new(indicator, *row.start, *row.end).href(Part::Numerator),
            }
        })
        .collect()
}

/// An agency's place in the on-time ranking.
#[derive(Debug, Serialize)]
struct Ranked {
    name: String,
    width: f64,
    y: f64,
    cell: Cell,
}

pub async fn dashboard(
    State(state): State<ConsoleState>,
    me: SignedIn,
    Query(query): Query<DashboardQuery>,
) -> Response {
    if let Err(page) = me.require(READERS) {
        return page;
    }
    let today = state.statistics.today();
    let month = match query.month.as_deref().filter(|m| !m.trim().is_empty()) {
        None => first_of_month(today),
        Some(text) => match parse_month(text) {
            Some(month) => month,
            None => {
                return me.visitor.fail(AppError::invalid(
                    "month",
                    format!("`{text}` is not a month (YYYY-MM)"),
                ));
            }
        },
    };
    match figures(&state, &me, month).await {
        Ok(extra) => me.visitor.render("dashboard.html", extra),
        Err(error) => me.visitor.fail(error),
    }
}

async fn figures(state: &ConsoleState, me: &SignedIn, month: Date) -> Result<Value, AppError> {
    let (user, tenant) = (&me.user, me.tenant.as_str());
    let stats = &state.statistics;
    let end = last_of_month(month);
    let report = |from: Date, period: Period, group_by: Option<GroupBy>| ReportRequest {
        from,
        to: end,
        period,
        scope: StatisticsScope::default(),
        group_by,
    };

    // This month against the previous one.
    let previous = months_before(month, 1);
    let pair = stats
        .report(user, tenant, &report(previous, Period::Month, None))
        .await?;
    let columns: Vec<Value> = pair
        .rows
        .iter()
        .map(|row| {
            let cells: Vec<Cell> = PERIOD_INDICATORS
                .iter()
                .map(|&i| {
                    cell(
                        i,
                        &figure_of(&row.figures, i),
                        &Drill::new(i, *row.start, *row.end),
                    )
                })
                .collect();
            context! { period => row.period, cells => cells }
        })
        .collect();
    let now = pair.now.first().cloned();
    let now_cells: Vec<Cell> = now
        .iter()
        .flat_map(|now| {
            [
                (Indicator::InProgress, now.in_progress),
                (Indicator::Overdue, now.overdue),
            ]
        })
        .map(|(i, figure)| cell(i, &figure, &Drill::new(i, month, end)))
        .collect();

    // Twelve months up to this one.
    let trend = stats
        .report(
            user,
            tenant,
            &report(months_before(month, 11), Period::Month, None),
        )
        .await?;
    let on_time_bars = monthly_bars(&trend, Indicator::OnTime);
    let online_bars = monthly_bars(&trend, Indicator::Online);
    let chart_width = 20.0 + trend.rows.len() as f64 * BAR_PITCH;

    // Agencies by on-time rate, the year to date.
    let year_start = month
        .replace_month(Month::January)
        .and_then(|d| d.replace_day(1))
        .expect("1 January exists");
    let by_agency = stats
        .report(
            user,
            tenant,
            &report(year_start, Period::Range, Some(GroupBy::Agency)),
        )
        .await?;
    let agencies = state.tenants.agencies(tenant).await?;
    let mut ranked: Vec<(String, Figure, String)> = by_agency
        .rows
        .iter()
        .filter_map(|row| {
            let code = row.group.clone()?;
            let name = agencies
                .iter()
                .find(|a| a.code.as_str() == code)
                .map_or_else(|| code.clone(), |a| a.name.clone());
            Some((name, row.figures.on_time, code))
        })
        .filter(|(_, figure, _)| figure.denominator > 0)
        .collect();
    ranked.sort_by(|a, b| {
        let rate = |f: &Figure| f.rate.unwrap_or(0.0);
        rate(&b.1)
            .total_cmp(&rate(&a.1))
            .then_with(|| a.0.cmp(&b.0))
    });
    let ranking: Vec<Ranked> = ranked
        .into_iter()
        .enumerate()
        .map(|(i, (name, figure, code))| {
            let mut drill = Drill::new(Indicator::OnTime, year_start, end);
            drill.agency = Some(code);
            Ranked {
                name,
                width: figure.rate.unwrap_or(0.0) * RANK_WIDTH,
                y: i as f64 * 28.0,
                cell: cell(Indicator::OnTime, &figure, &drill),
            }
        })
        .collect();
    let ranking_height = ranking.len() as f64 * 28.0;

    // Procedures with the most overdue dossiers now.
    let by_procedure = stats
        .report(
            user,
            tenant,
            &report(month, Period::Range, Some(GroupBy::Procedure)),
        )
        .await?;
    let procedures = state
        .service
        .procedures(user, tenant)
        .await
        .unwrap_or_default();
    let mut most_overdue: Vec<_> = by_procedure
        .now
        .iter()
        .filter(|now| now.overdue.numerator > 0)
        .collect();
    most_overdue.sort_by_key(|now| std::cmp::Reverse(now.overdue.numerator));
    let overdue: Vec<Value> = most_overdue
        .into_iter()
        .take(TOP_OVERDUE)
        .filter_map(|now| {
            let code = now.group.clone()?;
            let name = procedures
                .iter()
                .find(|p| p.code == code)
                .map(|p| Value::from_serialize(&p.name));
            let mut drill = Drill::new(Indicator::Overdue, month, end);
            drill.procedure = Some(code.clone());
            Some(context! {
                code => code,
                name => name,
                cell => cell(Indicator::Overdue, &now.overdue, &drill),
            })
        })
        .collect();

    Ok(context! {
        month => format!("{}-{:02}", month.year(), u8::from(month.month())),
        previous_month => format!("{}-{:02}", previous.year(), u8::from(previous.month())),
        next_month => {
            let next = last_of_month(month) + Duration::days(1);
            format!("{}-{:02}", next.year(), u8::from(next.month()))
        },
        rule_version => pair.rule_version,
        as_of => {
            let at = pair.as_of;
            format!(
                "{:02}/{:02}/{} {:02}:{:02}",
                at.day(),
                u8::from(at.month()),
                at.year(),
                at.hour(),
                at.minute()
            )
        },
        columns => columns,
        now_cells => now_cells,
        on_time_bars => on_time_bars,
        online_bars => online_bars,
        chart_width => chart_width,
        bar_width => BAR_WIDTH,
        chart_height => PLOT_HEIGHT + 40.0,
        baseline => PLOT_HEIGHT + 10.0,
        ranking => ranking,
        ranking_height => ranking_height,
        rank_width => RANK_WIDTH,
        overdue => overdue,
    })
}

/// A drill-down list's query, as the dashboard's links write it.
#[derive(Debug, Default, Deserialize)]
pub struct DrillQuery {
    from: Option<String>,
    to: Option<String>,
    part: Option<String>,
    agency: Option<String>,
    procedure: Option<String>,
    after: Option<String>,
}

impl DrillQuery {
    fn request(&self, today: Date, name: &str) -> Result<DrillRequest, AppError> {
        let indicator = Indicator::parse(name).ok_or_else(|| {
            AppError::invalid("indicator", format!("`{name}` is not an indicator"))
        })?;
        let day = |field: &str, text: &Option<String>| -> Result<Option<Date>, AppError> {
            match text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
                None => Ok(None),
                Some(text) => super::fields::parse_date(text)
                    .map(Some)
                    .ok_or_else(|| AppError::invalid(field, format!("`{text}` is not a date"))),
            }
        };
        let to = day("to", &self.to)?.unwrap_or(today);
        let from = day("from", &self.from)?.unwrap_or_else(|| {
            to.replace_month(Month::January)
                .and_then(|d| d.replace_day(1))
                .expect("1 January exists")
        });
        let part = match self.part.as_deref() {
            None | Some("") | Some("numerator") => Part::Numerator,
            Some("denominator") => Part::Denominator,
            Some(other) => {
                return Err(AppError::invalid(
                    "part",
                    format!("`{other}` is neither numerator nor denominator"),
                ));
            }
        };
        let blank = |v: &Option<String>| v.clone().filter(|v| !v.trim().is_empty());
        Ok(DrillRequest {
            indicator,
            part,
            scope: StatisticsScope {
                agency: blank(&self.agency),
                procedure: blank(&self.procedure),
            },
            from,
            to,
        })
    }

    /// The query string of the same list (without the page cursor).
    fn list_query(&self, request: &DrillRequest) -> String {
        let mut drill = Drill::new(request.indicator, request.from, request.to);
        drill.agency = request.scope.agency.clone();
        drill.procedure = request.scope.procedure.clone();
        let href = drill.href(request.part);
        href.split_once('?')
            .map(|(_, q)| q.to_owned())
            .unwrap_or_default()
    }
}

/// The list `name` the query asks for, if `me` may read the statistics.
fn drill_request(
    state: &ConsoleState,
    me: &SignedIn,
    name: &str,
    query: &DrillQuery,
) -> Result<DrillRequest, Response> {
    me.require(READERS)?;
    query
        .request(state.statistics.today(), name)
        .map_err(|error| me.visitor.fail(error))
}

/// One page of the dossiers behind a figure.
pub async fn drill_down(
    State(state): State<ConsoleState>,
    me: SignedIn,
    Path(name): Path<String>,
    Query(query): Query<DrillQuery>,
) -> Response {
    let request = match drill_request(&state, &me, &name, &query) {
        Ok(request) => request,
        Err(page) => return page,
    };
    let after = query.after.as_deref().filter(|a| !a.is_empty());
    let page = match state
        .statistics
        .dossiers(&me.user, &me.tenant, &request, after, DRILL_PAGE)
        .await
    {
        Ok(page) => page,
        Err(error) => return me.visitor.fail(error),
    };
    let list = query.list_query(&request);
    me.visitor.render(
        "statistics.html",
        context! {
            indicator => request.indicator.name(),
            part => request.part.name(),
            from => request.from.to_string(),
            to => request.to.to_string(),
            agency => request.scope.agency,
            procedure => request.scope.procedure,
            rule_version => page.rule_version,
            items => Value::from_serialize(&page.items),
            next => page.next.map(|next| format!("/console/statistics/{name}?{list}&after={next}")),
            csv => format!("/console/statistics/{name}/dossiers.csv?{list}"),
        },
    )
}

/// The whole list as CSV (UTF-8 with a byte-order mark), streamed from the
/// database as the API's export is.
pub async fn drill_down_csv(
    State(state): State<ConsoleState>,
    me: SignedIn,
    Path(name): Path<String>,
    Query(query): Query<DrillQuery>,
) -> Response {
    let request = match drill_request(&state, &me, &name, &query) {
        Ok(request) => request,
        Err(page) => return page,
    };
    let stream = match state
        .statistics
        .dossiers_csv(&me.user, &me.tenant, &request)
        .await
    {
        Ok(stream) => stream,
        Err(error) => return me.visitor.fail(error),
    };
    let file = request.file_name(&me.tenant);
    let body = Body::from_stream(stream.map_err(|error| {
        tracing::error!(%error, "statistics CSV export failed");
        std::io::Error::other(error.to_string())
    }));
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}\""),
            ),
        ],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn months_are_counted_back_across_a_year() {
        assert_eq!(
            months_before(date!(2026 - 03 - 15), 0),
            date!(2026 - 03 - 01)
        );
        assert_eq!(
            months_before(date!(2026 - 03 - 15), 11),
            date!(2025 - 04 - 01)
        );
        assert_eq!(last_of_month(date!(2028 - 02 - 10)), date!(2028 - 02 - 29));
        assert_eq!(parse_month("2026-7"), Some(date!(2026 - 07 - 01)));
        assert_eq!(parse_month("2026-13"), None);
    }

    #[test]
    fn a_rate_reads_as_a_vietnamese_percentage_and_no_denominator_as_a_dash() {
        assert_eq!(percent(&Figure::new(7, 8)), "87,5%");
        assert_eq!(percent(&Figure::new(0, 0)), "–");
    }
}
