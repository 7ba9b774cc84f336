//! Decision 766 statistics: the figures of a tenant per agency, procedure and
//! period, and the dossiers behind each of them. The JSON API and the web
//! console both call [`StatisticsService`], so they show the same numbers.
//! The rules are in `docs/statistics.md` ([`RULE_VERSION`]).

mod csv;
mod report;

use std::sync::Arc;

use motcua_domain::access::Principal;
use motcua_domain::lifecycle::Role;
use motcua_domain::statistics::{Indicator, RULE_VERSION};
use motcua_domain::tenancy::User;
use motcua_domain::time::{Date, LocalDate, LocalDateTime};
use serde::Serialize;

pub use report::{NowFigures, Period, PeriodFigures, Report, ReportRequest, ReportRow};

use super::clock::Clock;
use super::error::AppError;
use super::ports::{
    DrillDown, Page, Part, StatisticsDossier, StatisticsScope, StatisticsStore, TenantStore,
};

/// Largest drill-down page.
pub const MAX_DRILL_PAGE: u32 = 500;
/// Rows per database round trip of a CSV export.
const CSV_BATCH: u32 = 1000;

/// Who may read a tenant's statistics and the dossier lists behind them:
/// the access rule ([`Principal::reads_statistics`]). Members of another
/// tenant learn nothing (404).
pub fn ensure_statistics_reader(user: &User, tenant: &str) -> Result<(), AppError> {
    if user.role != Role::PlatformOperator && user.tenant.as_deref() != Some(tenant) {
        return Err(AppError::NotFound(format!("tenant {tenant}")));
    }
    // The rule needs no agencies: a role that sees every dossier sees them
    // without memberships.
    let principal = Principal {
        user_id: user.id.clone(),
        role: user.role,
        personal_id: None,
        agencies: Vec::new(),
    };
    if principal.reads_statistics() {
        Ok(())
    } else {
        Err(AppError::Forbidden(format!(
            "only a tenant admin, a leader or a platform operator may read the statistics; you are a {}",
            user.role
        )))
    }
}

/// One page of a drill-down list.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct DrillPage {
    pub indicator: Indicator,
    pub part: Part,
    pub rule_version: &'static str,
    pub from: LocalDate,
    pub to: LocalDate,
    /// "Now" of the figures of the present moment (in progress, overdue).
    pub as_of: LocalDateTime,
    pub items: Vec<StatisticsDossier>,
    /// The `after` of the next page; `None` on the last.
    pub next: Option<String>,
}

/// What a drill-down asks for (the period is ignored by the figures of the
/// present moment).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DrillRequest {
    pub indicator: Indicator,
    pub part: Part,
    pub scope: StatisticsScope,
    pub from: Date,
    pub to: Date,
}

impl DrillRequest {
    /// The name a download of the list gets, e.g.
    /// `bac-ninh-on_time-numerator-2026-01-01-2026-03-31.csv`.
    pub fn file_name(&self, tenant: &str) -> String {
        format!(
            "{tenant}-{}-{}-{}-{}.csv",
            self.indicator.name(),
            self.part.name(),
            self.from,
            self.to
        )
    }
}

/// The statistics use cases.
#[derive(Clone)]
pub struct StatisticsService {
    store: Arc<dyn StatisticsStore>,
    tenants: Arc<dyn TenantStore>,
    clock: Arc<dyn Clock>,
}

impl StatisticsService {
    pub fn new(
        store: Arc<dyn StatisticsStore>,
        tenants: Arc<dyn TenantStore>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            store,
            tenants,
            clock,
        }
    }

    /// The gate, and for an operator: the tenant exists.
    async fn allow(&self, user: &User, tenant: &str) -> Result<(), AppError> {
        ensure_statistics_reader(user, tenant)?;
        if user.role == Role::PlatformOperator && self.tenants.tenant(tenant).await?.is_none() {
            return Err(AppError::NotFound(format!("tenant {tenant}")));
        }
        Ok(())
    }

    /// The figures of every period (and group) of the request.
    pub async fn report(
        &self,
        user: &User,
        tenant: &str,
        request: &ReportRequest,
    ) -> Result<Report, AppError> {
        self.allow(user, tenant).await?;
        request.check()?;
        let now = self.clock.now();
        let days = self
            .store
            .daily_counts(
                tenant,
                request.from,
                request.to,
                &request.scope,
                request.group_by,
            )
            .await?;
        let open = self
            .store
            .open_counts(tenant, &request.scope, request.group_by, now)
            .await?;
        Ok(report::build(request, now, &days, &open))
    }

    /// One page of the dossiers behind a figure, in keyset order.
    pub async fn dossiers(
        &self,
        user: &User,
        tenant: &str,
        request: &DrillRequest,
        after: Option<&str>,
        limit: u32,
    ) -> Result<DrillPage, AppError> {
        self.allow(user, tenant).await?;
        check_range(request.from, request.to)?;
        if !(1..=MAX_DRILL_PAGE).contains(&limit) {
            return Err(AppError::invalid(
                "limit",
                format!("must be 1 to {MAX_DRILL_PAGE}"),
            ));
        }
        let query = self.query(request);
        // A cursor the store did not hand out is the caller's bad request
        // (StoreError::BadCursor), as in every listing.
        let Page { items, next } = self.store.drill_down(tenant, &query, after, limit).await?;
        Ok(DrillPage {
            indicator: request.indicator,
            part: request.part,
            rule_version: RULE_VERSION,
            from: request.from.into(),
            to: request.to.into(),
            as_of: query.now,
            items,
            next,
        })
    }

    /// The whole list as CSV (UTF-8 with a byte-order mark), produced batch
    /// by batch from the database as the consumer reads it: memory holds
    /// one batch, however long the list.
    pub async fn dossiers_csv(
        &self,
        user: &User,
        tenant: &str,
        request: &DrillRequest,
    ) -> Result<csv::CsvStream, AppError> {
        self.allow(user, tenant).await?;
        check_range(request.from, request.to)?;
        Ok(csv::stream(
            self.store.clone(),
            tenant.to_owned(),
            self.query(request),
            CSV_BATCH,
        ))
    }

    fn query(&self, request: &DrillRequest) -> DrillDown {
        DrillDown {
            indicator: request.indicator,
            part: request.part,
            scope: request.scope.clone(),
            from: request.from,
            to: request.to,
            now: self.clock.now(),
        }
    }

    /// Today, for the defaults of a request.
    pub fn today(&self) -> Date {
        self.clock.now().date()
    }
}

fn check_range(from: Date, to: Date) -> Result<(), AppError> {
    if from > to {
        return Err(AppError::invalid("to", "must not be before `from`"));
    }
    Ok(())
}
