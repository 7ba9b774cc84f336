//! The statistics port of [`InMemoryStore`]: it keeps no statistics. The
//! figures are maintained by the database in the commit transaction
//! (`storage/statistics.rs`) and specified against both real databases
//! (`tests/all/http/statistics.rs`); a fast test that needs figures asks
//! for them and gets this refusal, never a made-up number.

use async_trait::async_trait;
use motcua_domain::time::{Date, PrimitiveDateTime};

use super::InMemoryStore;
use crate::app::ports::{
    DailyCounts, DrillDown, GroupBy, OpenCounts, Page, StatisticsDossier, StatisticsScope,
    StatisticsStore, StoreError, StoreResult,
};

fn not_kept() -> StoreError {
    StoreError::Invalid("the in-memory store keeps no statistics".into())
}

#[async_trait]
impl StatisticsStore for InMemoryStore {
    async fn daily_counts(
        &self,
        _tenant: &str,
        _from: Date,
        _to: Date,
        _scope: &StatisticsScope,
        _group: Option<GroupBy>,
    ) -> StoreResult<Vec<DailyCounts>> {
        Err(not_kept())
    }

    async fn open_counts(
        &self,
        _tenant: &str,
        _scope: &StatisticsScope,
        _group: Option<GroupBy>,
        _now: PrimitiveDateTime,
    ) -> StoreResult<Vec<OpenCounts>> {
        Err(not_kept())
    }

    async fn drill_down(
        &self,
        _tenant: &str,
        _query: &DrillDown,
        _after: Option<&str>,
        _limit: u32,
    ) -> StoreResult<Page<StatisticsDossier>> {
        Err(not_kept())
    }
}
