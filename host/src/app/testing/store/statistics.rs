//! The statistics port of [`InMemoryStore`]. The database maintains the
//! facts and daily roll-ups in the commit transaction
//! (`storage/statistics.rs`); here they are computed on every read from the
//! dossiers and what lies beside them, with the same domain rules
//! (`motcua_domain::statistics`), so a fast test sees the figures the
//! database would give. Both databases are specified against hand-computed
//! figures in `tests/all/http/statistics.rs`.

use std::collections::BTreeMap;

use async_trait::async_trait;
use motcua_domain::statistics::{Basis, Beside, Counts, DossierFacts, Indicator};
use motcua_domain::time::{Date, LocalDateTime};

use super::dossiers::DossierRecord;
use super::{InMemoryStore, Inner};
use crate::app::ports::{
    DailyCounts, DrillDown, GroupBy, OpenCounts, Page, Part, StatisticsDossier, StatisticsScope,
    StatisticsStore, StoreError, StoreResult,
};

impl Inner {
    /// The statistics' facts of one dossier, as the database refreshes them.
    fn facts(&self, record: &DossierRecord) -> DossierFacts {
        let dossier = &record.dossier;
        let beside = Beside {
            fee_due: record.fee_lines.iter().any(|l| l.line.amount_vnd > 0),
            paid_online: record
                .payments
                .iter()
                .any(|p| p.record.payment.paid_online()),
            reused: !record.reused.is_empty(),
            e_result: record.documents.iter().any(|d| d.kind == "result"),
            synced: self.synchronised(&dossier.tenant, &dossier.code.to_string()),
        };
        DossierFacts::of(&dossier.state, beside)
    }

    /// The tenant's dossiers inside `scope`, with their facts.
    fn facts_in(
        &self,
        tenant: &str,
        scope: &StatisticsScope,
    ) -> Vec<(&DossierRecord, DossierFacts)> {
        let inside =
            |wanted: &Option<String>, code: &str| wanted.as_deref().is_none_or(|w| w == code);
        self.dossiers
            .iter()
            .filter(|r| r.dossier.tenant == tenant)
            .filter(|r| inside(&scope.agency, r.dossier.agency.as_str()))
            .filter(|r| inside(&scope.procedure, &r.dossier.procedure_code))
            .map(|r| (r, self.facts(r)))
            .collect()
    }
}

fn group_of(record: &DossierRecord, group: Option<GroupBy>) -> Option<String> {
    group.map(|g| match g {
        GroupBy::Agency => record.dossier.agency.to_string(),
        GroupBy::Procedure => record.dossier.procedure_code.clone(),
    })
}

/// Whether the dossier is in the list behind `query` (the database's
/// drill-down conditions, stated on the facts).
fn listed(facts: &DossierFacts, query: &DrillDown) -> bool {
    let basis = query.indicator.basis();
    let in_period = |at: Option<LocalDateTime>| {
        at.is_some_and(|at| (query.from..=query.to).contains(&at.date()))
    };
    let counted = match basis {
        Basis::Now => facts.open,
        Basis::Finished => in_period(facts.finished_at),
        Basis::Received => in_period(facts.received_at),
    };
    let numerator = query.part == Part::Numerator;
    counted
        && match query.indicator {
            Indicator::OnTime if numerator => facts.on_time == Some(true),
            Indicator::Online if numerator => facts.online,
            Indicator::OnlinePayment if numerator => facts.paid_online,
            Indicator::OnlinePayment => facts.fee_due,
            Indicator::Synchronised if numerator => facts.synced,
            Indicator::DataReuse if numerator => facts.reused,
            Indicator::EResult if numerator => facts.e_result,
            Indicator::Overdue if numerator => facts.overdue_at(query.now),
            _ => true,
        }
}

/// The time a list is ordered by, then the dossier id.
fn sort_key(facts: &DossierFacts, indicator: Indicator) -> Option<LocalDateTime> {
    match indicator.basis() {
        Basis::Finished => facts.finished_at,
        Basis::Received | Basis::Now => facts.received_at,
    }
}

#[async_trait]
impl StatisticsStore for InMemoryStore {
    async fn daily_counts(
        &self,
        tenant: &str,
        from: Date,
        to: Date,
        scope: &StatisticsScope,
        group: Option<GroupBy>,
    ) -> StoreResult<Vec<DailyCounts>> {
        let inner = self.lock();
        let mut days: BTreeMap<(Date, Option<String>), Counts> = BTreeMap::new();
        for (record, facts) in inner.facts_in(tenant, scope) {
            for (day, counts) in facts.contributions() {
                if !(from..=to).contains(&day) {
                    continue;
                }
                let total = days.entry((day, group_of(record, group))).or_default();
                for (sum, n) in total.iter_mut().zip(counts) {
                    *sum += n;
                }
            }
        }
        Ok(days
            .into_iter()
            .map(|((day, group), counts)| DailyCounts { day, group, counts })
            .collect())
    }

    async fn open_counts(
        &self,
        tenant: &str,
        scope: &StatisticsScope,
        group: Option<GroupBy>,
        now: LocalDateTime,
    ) -> StoreResult<Vec<OpenCounts>> {
        let inner = self.lock();
        let mut open: BTreeMap<Option<String>, (u64, u64)> = BTreeMap::new();
        if group.is_none() {
            // Ungrouped, the figure exists even when nothing is open.
            open.insert(None, (0, 0));
        }
        for (record, facts) in inner.facts_in(tenant, scope) {
            if facts.open {
                let counts = open.entry(group_of(record, group)).or_default();
                counts.0 += 1;
                counts.1 += u64::from(facts.overdue_at(now));
            }
        }
        Ok(open
            .into_iter()
            .map(|(group, (open, overdue))| OpenCounts {
                group,
                open,
                overdue,
            })
            .collect())
    }

    async fn drill_down(
        &self,
        tenant: &str,
        query: &DrillDown,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Page<StatisticsDossier>> {
        let inner = self.lock();
        let mut rows: Vec<(Option<LocalDateTime>, String, StatisticsDossier)> = inner
            .facts_in(tenant, &query.scope)
            .into_iter()
            .filter(|(_, facts)| listed(facts, query))
            .map(|(record, facts)| {
                let dossier = &record.dossier;
                let row = StatisticsDossier::new(
                    dossier.code.to_string(),
                    dossier.agency.to_string(),
                    dossier.procedure_code.clone(),
                    dossier.channel,
                    &facts,
                );
                (sort_key(&facts, query.indicator), dossier.id.clone(), row)
            })
            .collect();
        rows.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
        if let Some(after) = after {
            // This store's cursor is the id of the last row of the page.
            let position = rows
                .iter()
                .position(|(_, id, _)| id == after)
                .ok_or_else(|| StoreError::BadCursor(format!("{after:?}")))?;
            rows.drain(..=position);
        }
        let limit = limit.clamp(1, 1000) as usize;
        let next = (rows.len() > limit).then(|| rows[limit - 1].1.clone());
        rows.truncate(limit);
        Ok(Page {
            items: rows.into_iter().map(|(_, _, row)| row).collect(),
            next,
        })
    }
}
