//! The statistics port: the maintained aggregates and per-dossier facts
//! behind the Decision 766 figures (see `docs/statistics.md`).

use async_trait::async_trait;
use motcua_domain::dossier::Channel;
use motcua_domain::statistics::{Counts, DossierFacts, Indicator};
use motcua_domain::time::{Date, LocalDateTime};
use serde::{Deserialize, Serialize};

use super::{Page, StoreResult};

/// Which agency and procedure a figure covers; `None` is all of them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StatisticsScope {
    pub agency: Option<String>,
    pub procedure: Option<String>,
}

/// A breakdown of a figure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    Agency,
    Procedure,
}

/// One day's counters of one group (or of the whole scope: `group` `None`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DailyCounts {
    pub day: Date,
    /// The agency or procedure code when grouped.
    pub group: Option<String>,
    pub counts: Counts,
}

/// Dossiers open now and how many of them are overdue, per group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenCounts {
    pub group: Option<String>,
    pub open: u64,
    pub overdue: u64,
}

/// Which dossiers of a figure a drill-down lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    Numerator,
    Denominator,
}

impl Part {
    /// The name in URLs and file names.
    pub fn name(self) -> &'static str {
        match self {
            Part::Numerator => "numerator",
            Part::Denominator => "denominator",
        }
    }
}

/// The dossiers behind one part of one figure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DrillDown {
    pub indicator: Indicator,
    pub part: Part,
    pub scope: StatisticsScope,
    /// First day of the period.
    pub from: Date,
    /// Last day of the period (included).
    pub to: Date,
    /// "Now" for the figures of the present moment.
    pub now: LocalDateTime,
}

/// One dossier of a drill-down list, with every fact the statistics count.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StatisticsDossier {
    pub code: String,
    pub agency: String,
    pub procedure: String,
    pub channel: Channel,
    pub received_at: Option<LocalDateTime>,
    /// The appointment in force (after pauses and extensions).
    pub appointment_at: Option<LocalDateTime>,
    pub finished_at: Option<LocalDateTime>,
    /// The dossier page's verdict; `None` until finished.
    pub on_time: Option<bool>,
    pub online: bool,
    pub fee_due: bool,
    pub paid_online: bool,
    pub synchronised: bool,
    pub reused: bool,
    pub e_result: bool,
    pub open: bool,
}

impl StatisticsDossier {
    /// The row of a list: the dossier's identity and its facts.
    pub fn new(
        code: String,
        agency: String,
        procedure: String,
        channel: Channel,
        facts: &DossierFacts,
    ) -> StatisticsDossier {
        StatisticsDossier {
            code,
            agency,
            procedure,
            channel,
            received_at: facts.received_at,
            appointment_at: facts.appointment_at,
            finished_at: facts.finished_at,
            on_time: facts.on_time,
            online: facts.online,
            fee_due: facts.fee_due,
            paid_online: facts.paid_online,
            synchronised: facts.synced,
            reused: facts.reused,
            e_result: facts.e_result,
            open: facts.open,
        }
    }
}

/// The storage side of the statistics.
#[async_trait]
pub trait StatisticsStore: Send + Sync {
    /// The daily counters of `tenant` from `from` to `to` (included) in
    /// `scope`, one row per day (and per group when `group` is given).
    async fn daily_counts(
        &self,
        tenant: &str,
        from: Date,
        to: Date,
        scope: &StatisticsScope,
        group: Option<GroupBy>,
    ) -> StoreResult<Vec<DailyCounts>>;

    /// Open and overdue dossiers at `now`, per group.
    async fn open_counts(
        &self,
        tenant: &str,
        scope: &StatisticsScope,
        group: Option<GroupBy>,
        now: LocalDateTime,
    ) -> StoreResult<Vec<OpenCounts>>;

    /// One page of a drill-down list in keyset order; `after` is the
    /// `next` of the previous page. `limit` is 1 to 1000.
    async fn drill_down(
        &self,
        tenant: &str,
        query: &DrillDown,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Page<StatisticsDossier>>;
}
