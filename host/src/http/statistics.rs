//! Decision 766 statistics: the figures table and the dossiers behind each
//! figure (JSON pages and a streamed CSV). Tenant admins and platform
//! operators; the rules are in `docs/statistics.md`.

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use futures_util::TryStreamExt;
use motcua_domain::statistics::Indicator;
use motcua_domain::time::Date;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiError, ErrorBody};
use super::extract::{AppQuery, Caller};
use crate::app::error::AppError;
use crate::app::ports::{GroupBy, Part, StatisticsScope};
use crate::app::statistics::{
    DrillPage, DrillRequest, MAX_DRILL_PAGE, Period, Report, ReportRequest, StatisticsService,
    ensure_statistics_reader,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(report))
        .routes(routes!(dossiers))
        .routes(routes!(dossiers_csv))
}

/// A value of a closed list, named by its field when it is not one.
fn choice<T: DeserializeOwned>(field: &str, value: Option<&str>) -> Result<Option<T>, AppError> {
    value
        .map(|text| {
            serde_json::from_value(serde_json::Value::String(text.to_owned()))
                .map_err(|e| AppError::invalid(field, e.to_string()))
        })
        .transpose()
}

fn day(field: &str, value: Option<&str>) -> Result<Option<Date>, AppError> {
    value
        .map(|text| {
            Date::parse(
                text,
                time::macros::format_description!("[year]-[month]-[day]"),
            )
            .map_err(|_| AppError::invalid(field, format!("`{text}` is not a date YYYY-MM-DD")))
        })
        .transpose()
}

/// `from` and `to`, by default the year up to today.
fn range(
    service: &StatisticsService,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<(Date, Date), AppError> {
    let to = day("to", to)?.unwrap_or_else(|| service.today());
    let from = match day("from", from)? {
        Some(from) => from,
        None => Date::from_calendar_date(to.year(), time::Month::January, 1)
            .map_err(|e| AppError::invalid("to", e.to_string()))?,
    };
    Ok((from, to))
}

fn indicator(name: &str) -> Result<Indicator, AppError> {
    Indicator::parse(name).ok_or_else(|| {
        let names: Vec<_> = Indicator::ALL.iter().map(|i| i.name()).collect();
        AppError::invalid("indicator", format!("one of {}", names.join(", ")))
    })
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct ReportQuery {
    /// First day, `YYYY-MM-DD` (default: 1 January of `to`'s year).
    from: Option<String>,
    /// Last day, included (default: today).
    to: Option<String>,
    /// `day`, `month` (default), `quarter`, `year` or `range` (the whole range).
    period: Option<String>,
    /// An agency code: only its dossiers.
    agency: Option<String>,
    /// A procedure code: only its dossiers.
    procedure: Option<String>,
    /// `agency` or `procedure`: one row per period and group.
    group_by: Option<String>,
}

/// The Decision 766 figures of the tenant per period (and agency or
/// procedure): each with numerator, denominator, rate and the rule version
/// (tenant admin or platform operator).
#[utoipa::path(
    get,
    path = "/tenants/{tenant}/statistics",
    tag = "statistics",
    params(("tenant" = String, Path, description = "The tenant, e.g. `bac-ninh`"), ReportQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Report),
        (status = 400, description = "A malformed query string", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Neither the tenant's admin, a leader nor a platform operator", body = ErrorBody),
        (status = 404, description = "No such tenant, or another tenant", body = ErrorBody),
        (status = 422, description = "A bad `from`, `to`, `period` or `group_by`, named in `fields`", body = ErrorBody),
    )
)]
async fn report(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path(tenant): Path<String>,
    AppQuery(query): AppQuery<ReportQuery>,
) -> Result<Json<Report>, ApiError> {
    // Who asks comes before what they ask: another tenant's member learns
    // nothing, not even that an indicator is misspelt.
    ensure_statistics_reader(&user, &tenant)?;
    let (from, to) = range(
        &state.statistics,
        query.from.as_deref(),
        query.to.as_deref(),
    )?;
    let request = ReportRequest {
        from,
        to,
        period: choice::<Period>("period", query.period.as_deref())?.unwrap_or_default(),
        scope: StatisticsScope {
            agency: query.agency,
            procedure: query.procedure,
        },
        group_by: choice::<GroupBy>("group_by", query.group_by.as_deref())?,
    };
    Ok(Json(
        state.statistics.report(&user, &tenant, &request).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct DrillQuery {
    /// First day, `YYYY-MM-DD` (default: 1 January of `to`'s year);
    /// ignored by `in_progress` and `overdue`, which are about now.
    from: Option<String>,
    /// Last day, included (default: today).
    to: Option<String>,
    /// `numerator` (default) or `denominator`.
    part: Option<String>,
    agency: Option<String>,
    procedure: Option<String>,
    /// The `next` of the previous page (JSON only).
    after: Option<String>,
    /// Page size, 1 to 500 (default 50; JSON only).
    limit: Option<u32>,
}

impl DrillQuery {
    fn request(&self, state: &AppState, name: &str) -> Result<DrillRequest, AppError> {
        let (from, to) = range(&state.statistics, self.from.as_deref(), self.to.as_deref())?;
        Ok(DrillRequest {
            indicator: indicator(name)?,
            part: choice::<Part>("part", self.part.as_deref())?.unwrap_or(Part::Numerator),
            scope: StatisticsScope {
                agency: self.agency.clone(),
                procedure: self.procedure.clone(),
            },
            from,
            to,
        })
    }
}

/// The dossiers behind one part of a figure, keyset-paginated, with every
/// fact the statistics count of each (tenant admin, leader or platform operator).
#[utoipa::path(
    get,
    path = "/tenants/{tenant}/statistics/{indicator}/dossiers",
    tag = "statistics",
    params(
        ("tenant" = String, Path, description = "The tenant, e.g. `bac-ninh`"),
        ("indicator" = String, Path, description = "`on_time`, `online`, `online_payment`, `synchronised`, `data_reuse`, `e_result`, `received`, `finished`, `in_progress` or `overdue`"),
        DrillQuery,
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, body = DrillPage),
        (status = 400, description = "A malformed query string", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Neither the tenant's admin, a leader nor a platform operator", body = ErrorBody),
        (status = 404, description = "No such tenant, or another tenant", body = ErrorBody),
        (status = 422, description = "A bad `indicator`, `from`, `to`, `part`, `limit` or `after`, named in `fields`", body = ErrorBody),
    )
)]
async fn dossiers(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path((tenant, name)): Path<(String, String)>,
    AppQuery(query): AppQuery<DrillQuery>,
) -> Result<Json<DrillPage>, ApiError> {
    // Who asks comes before what they ask: another tenant's member learns
    // nothing, not even that an indicator is misspelt.
    ensure_statistics_reader(&user, &tenant)?;
    let request = query.request(&state, &name)?;
    let page = state
        .statistics
        .dossiers(
            &user,
            &tenant,
            &request,
            query.after.as_deref(),
            query.limit.unwrap_or(50).min(MAX_DRILL_PAGE + 1),
        )
        .await?;
    Ok(Json(page))
}

/// The same list as CSV (UTF-8 with a byte-order mark, so spreadsheet
/// software shows Vietnamese correctly), streamed from the database batch by
/// batch: any length exports in constant memory.
#[utoipa::path(
    get,
    path = "/tenants/{tenant}/statistics/{indicator}/dossiers.csv",
    tag = "statistics",
    params(
        ("tenant" = String, Path, description = "The tenant, e.g. `bac-ninh`"),
        ("indicator" = String, Path, description = "As for the JSON list"),
        DrillQuery,
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, content_type = "text/csv", body = String, description = "The list, one dossier a line after the header"),
        (status = 400, description = "A malformed query string", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Neither the tenant's admin, a leader nor a platform operator", body = ErrorBody),
        (status = 404, description = "No such tenant, or another tenant", body = ErrorBody),
        (status = 422, description = "A bad `indicator`, `from`, `to` or `part`, named in `fields`", body = ErrorBody),
    )
)]
async fn dossiers_csv(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path((tenant, name)): Path<(String, String)>,
    AppQuery(query): AppQuery<DrillQuery>,
) -> Result<Response, ApiError> {
    // Who asks comes before what they ask: another tenant's member learns
    // nothing, not even that an indicator is misspelt.
    ensure_statistics_reader(&user, &tenant)?;
    let request = query.request(&state, &name)?;
    let stream = state
        .statistics
        .dossiers_csv(&user, &tenant, &request)
        .await?;
    let file = request.file_name(&tenant);
    // A failure after the first bytes can only cut the body short; it is
    // logged, and the client sees an incomplete transfer.
    let body = Body::from_stream(stream.map_err(|error| {
        tracing::error!(%error, "statistics CSV export failed");
        std::io::Error::other(error.to_string())
    }));
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}\""),
            ),
        ],
        body,
    )
        .into_response())
}
