//! The Decision 766 statistics: per-dossier facts and daily aggregates,
//! maintained in the transaction of every change that moves a figure
//! (a dossier commit, an outbox delivery), and the queries over them.
//!
//! What a dossier counts as is decided by the domain
//! ([`DossierFacts::of`], whose on-time fact is the dossier page's verdict);
//! this module only reads what the state does not hold (fee lines,
//! payments, reused values, result documents, portal deliveries) and applies
//! the change of the dossier's contribution ([`delta`]) to the aggregates.

use async_trait::async_trait;
use sqlx::any::AnyRow;

use super::dossiers::{Arg, Conditions, Tx, cursor, decode_cursor};
use super::rows::{
    Result, get, get_bool, get_json, get_name, get_opt_time, get_u64, opt_time_text, time_text,
};
use super::{Backend, Db};
use crate::app::ports::{
    DailyCounts, DrillDown, GroupBy, OpenCounts, Page, Part, StatisticsDossier, StatisticsScope,
    StatisticsStore, StoreError,
};
use crate::domain::dossier::Channel;
use crate::domain::lifecycle::DossierState;
use crate::domain::payment::Payment;
use crate::domain::statistics::{Basis, Beside, Counter, Counts, DossierFacts, Indicator, delta};
use crate::domain::time::{Date, LocalDateTime};

/// The roll-up key of `statistics_daily`: all agencies, or all procedures.
const ALL: &str = "*";

/// The flag columns of `statistics_dossiers`, in [`flags`] order.
const FLAG_COLUMNS: [&str; 10] = [
    "online",
    "fee_due",
    "paid_online",
    "reused",
    "synced",
    "on_time",
    "e_result",
    "open",
    "clock_running",
    "repeated_supplementation",
];

fn flags(facts: &DossierFacts) -> [Option<i64>; 10] {
    let flag = |b: bool| Some(i64::from(b));
    [
        flag(facts.online),
        flag(facts.fee_due),
        flag(facts.paid_online),
        flag(facts.reused),
        flag(facts.synced),
        facts.on_time.map(i64::from),
        flag(facts.e_result),
        flag(facts.open),
        flag(facts.clock_running),
        flag(facts.repeated_supplementation),
    ]
}

fn facts_from_row(row: &AnyRow) -> Result<DossierFacts> {
    Ok(DossierFacts {
        received_at: get_opt_time(row, "received_at")?,
        finished_at: get_opt_time(row, "finished_at")?,
        appointment_at: get_opt_time(row, "appointment_at")?,
        online: get_bool(row, "online")?,
        fee_due: get_bool(row, "fee_due")?,
        paid_online: get_bool(row, "paid_online")?,
        reused: get_bool(row, "reused")?,
        synced: get_bool(row, "synced")?,
        on_time: get::<Option<i64>>(row, "on_time")?.map(|v| v != 0),
        e_result: get_bool(row, "e_result")?,
        open: get_bool(row, "open")?,
        clock_running: get_bool(row, "clock_running")?,
        repeated_supplementation: get_bool(row, "repeated_supplementation")?,
    })
}

/// A count query's single number.
async fn count(tx: &mut Tx, sql: &str, tenant: &str, dossier_id: &str) -> Result<i64> {
    Ok(sqlx::query_scalar(sql)
        .bind(tenant)
        .bind(dossier_id)
        .fetch_one(&mut **tx)
        .await?)
}

/// What the dossier's state does not hold, read inside the transaction.
async fn beside(tx: &mut Tx, tenant: &str, dossier_id: &str) -> Result<Beside> {
    let fee_due = count(
        tx,
        "SELECT COUNT(*) FROM fee_lines WHERE tenant_id = $1 AND dossier_id = $2 \
         AND amount_vnd > 0",
        tenant,
        dossier_id,
    )
    .await?;
    let payments: Vec<String> =
        sqlx::query_scalar("SELECT payment FROM payments WHERE tenant_id = $1 AND dossier_id = $2")
            .bind(tenant)
            .bind(dossier_id)
            .fetch_all(&mut **tx)
            .await?;
    let mut paid_online = false;
    for text in payments {
        let payment: Payment = super::rows::from_json(&text, "payments.payment")?;
        paid_online |= payment.paid_online();
    }
    let reused = count(
        tx,
        "SELECT COUNT(*) FROM dossier_reused_fields WHERE tenant_id = $1 AND dossier_id = $2",
        tenant,
        dossier_id,
    )
    .await?;
    let results = count(
        tx,
        "SELECT COUNT(*) FROM documents WHERE tenant_id = $1 AND dossier_id = $2 \
         AND kind = 'result'",
        tenant,
        dossier_id,
    )
    .await?;
    let sync = sqlx::query(
        "SELECT COUNT(*) AS total, COUNT(CASE WHEN state <> 'delivered' THEN 1 END) AS waiting \
         FROM outbox WHERE tenant_id = $1 AND dossier_id = $2 AND kind LIKE 'national.%'",
    )
    .bind(tenant)
    .bind(dossier_id)
    .fetch_one(&mut **tx)
    .await?;
    let total: i64 = get(&sync, "total")?;
    let waiting: i64 = get(&sync, "waiting")?;
    Ok(Beside {
        fee_due: fee_due > 0,
        paid_online,
        reused: reused > 0,
        e_result: results > 0,
        synced: total > 0 && waiting == 0,
    })
}

/// Recomputes the dossier's facts and moves the aggregates by the change of
/// its contribution. Called inside every transaction that may change one.
///
/// The facts are a read-modify-write of one row, and two transactions may
/// refresh the same dossier at once (a payment and the delivery of its
/// national sync). On PostgreSQL the dossier's row is locked first, so the
/// second waits and then reads what the first committed; without the lock
/// both would add the same change to the aggregates. SQLite's writers are
/// already one at a time (`BEGIN IMMEDIATE`).
pub(super) async fn refresh(
    tx: &mut Tx,
    backend: Backend,
    tenant: &str,
    dossier_id: &str,
) -> Result<()> {
    let lock = match backend {
        Backend::Postgres => " FOR UPDATE",
        Backend::Sqlite => "",
    };
    let row = sqlx::query(&format!(
        "SELECT code, agency_code, procedure_code, channel, state FROM dossiers \
         WHERE tenant_id = $1 AND id = $2{lock}"
    ))
    .bind(tenant)
    .bind(dossier_id)
    .fetch_one(&mut **tx)
    .await?;
    let state: DossierState = get_json(&row, "state")?;
    let agency: String = get(&row, "agency_code")?;
    let procedure: String = get(&row, "procedure_code")?;
    let new = DossierFacts::of(&state, beside(tx, tenant, dossier_id).await?);
    let old =
        sqlx::query("SELECT * FROM statistics_dossiers WHERE tenant_id = $1 AND dossier_id = $2")
            .bind(tenant)
            .bind(dossier_id)
            .fetch_optional(&mut **tx)
            .await?
            .map(|row| facts_from_row(&row))
            .transpose()?;
    if old.as_ref() == Some(&new) {
        return Ok(());
    }
    let sql = format!(
        "INSERT INTO statistics_dossiers (tenant_id, dossier_id, code, agency_code, \
         procedure_code, channel, received_at, finished_at, appointment_at, {}) VALUES \
         ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) \
         ON CONFLICT (tenant_id, dossier_id) DO UPDATE SET channel = excluded.channel, \
         received_at = excluded.received_at, finished_at = excluded.finished_at, \
         appointment_at = excluded.appointment_at, {}",
        FLAG_COLUMNS.join(", "),
        FLAG_COLUMNS
            .iter()
            .map(|c| format!("{c} = excluded.{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut query = sqlx::query(&sql)
        .bind(tenant)
        .bind(dossier_id)
        .bind(get::<String>(&row, "code")?)
        .bind(&agency)
        .bind(&procedure)
        .bind(get::<String>(&row, "channel")?)
        .bind(opt_time_text(new.received_at))
        .bind(opt_time_text(new.finished_at))
        .bind(opt_time_text(new.appointment_at));
    for flag in flags(&new) {
        query = query.bind(flag);
    }
    query.execute(&mut **tx).await?;
    for (day, counts) in delta(old.as_ref(), &new) {
        add_daily(tx, tenant, day, &agency, &procedure, &counts).await?;
    }
    Ok(())
}

/// Adds `counts` to the day's row of the agency and procedure and to their
/// three roll-ups.
pub(super) async fn add_daily(
    tx: &mut Tx,
    tenant: &str,
    day: Date,
    agency: &str,
    procedure: &str,
    counts: &Counts,
) -> Result<()> {
    let columns = Counter::ALL.map(Counter::name);
    let sql = format!(
        "INSERT INTO statistics_daily (tenant_id, day, agency_code, procedure_code, {}) \
         VALUES ($1, $2, $3, $4, {}) ON CONFLICT (tenant_id, agency_code, procedure_code, day) \
         DO UPDATE SET {}",
        columns.join(", "),
        (5..5 + columns.len())
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", "),
        columns
            .iter()
            .map(|c| format!("{c} = statistics_daily.{c} + excluded.{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let day = day.to_string();
    for (a, p) in [
        (agency, procedure),
        (agency, ALL),
        (ALL, procedure),
        (ALL, ALL),
    ] {
        let mut query = sqlx::query(&sql).bind(tenant).bind(&day).bind(a).bind(p);
        for value in counts {
            query = query.bind(*value);
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Rebuilds the tenant's daily aggregates from its facts: for data loaded
/// in bulk (the benchmark) and as the reference the maintained ones must
/// equal.
pub async fn rebuild_daily(db: &Db, tenant: &str) -> Result<()> {
    let mut tx = db.begin_write().await?;
    sqlx::query("DELETE FROM statistics_daily WHERE tenant_id = $1")
        .bind(tenant)
        .execute(&mut *tx)
        .await?;
    let day = |column: &str| format!("substr({column}, 1, 10)");
    let received = Counter::ALL.map(|c| match (c, c.basis()) {
        (Counter::Received, _) => "COUNT(*)".to_owned(),
        (_, Basis::Received) => format!("SUM({})", c.name()),
        _ => "0".to_owned(),
    });
    let finished = Counter::ALL.map(|c| match (c, c.basis()) {
        (Counter::Finished, _) => "COUNT(*)".to_owned(),
        (Counter::OnTime, _) => "COUNT(CASE WHEN on_time = 1 THEN 1 END)".to_owned(),
        (_, Basis::Finished) => format!("SUM({})", c.name()),
        _ => "0".to_owned(),
    });
    let columns = Counter::ALL.map(Counter::name).join(", ");
    for (a, p) in [
        ("agency_code", "procedure_code"),
        ("agency_code", "'*'"),
        ("'*'", "procedure_code"),
        ("'*'", "'*'"),
    ] {
        for (at, sums) in [("received_at", &received), ("finished_at", &finished)] {
            let sums = sums.join(", ");
            // PostgreSQL refuses a constant in GROUP BY.
            let keys = [a, p]
                .into_iter()
                .filter(|k| !k.starts_with('\''))
                .map(|k| format!(", {k}"))
                .collect::<String>();
            let sql = format!(
                "INSERT INTO statistics_daily (tenant_id, day, agency_code, procedure_code, \
                 {columns}) SELECT tenant_id, {d}, {a}, {p}, {sums} FROM statistics_dossiers \
                 WHERE tenant_id = $1 AND {at} IS NOT NULL GROUP BY tenant_id, {d}{keys} \
                 ON CONFLICT (tenant_id, agency_code, procedure_code, day) DO UPDATE SET {}",
                Counter::ALL
                    .map(|c| format!("{0} = statistics_daily.{0} + excluded.{0}", c.name()))
                    .join(", "),
                d = day(at),
            );
            sqlx::query(&sql).bind(tenant).execute(&mut *tx).await?;
        }
    }
    tx.commit().await?;
    // A rebuild follows a bulk change (a backfill, an import): without fresh
    // planner statistics PostgreSQL picks a sort over the keyset indexes
    // and a drill-down page reads the whole period.
    for table in ["statistics_dossiers", "statistics_daily"] {
        sqlx::query(&format!("ANALYZE {table}"))
            .execute(&db.writer)
            .await?;
    }
    Ok(())
}

/// The first moment of `day`, as stored.
fn start_of(day: Date) -> String {
    time_text(day.midnight().into())
}

/// `day + 1` at midnight: the exclusive end of a period ending on `day`.
fn end_of(day: Date) -> String {
    match day.next_day() {
        Some(next) => start_of(next),
        None => "9999-12-31T23:59:59".to_owned(),
    }
}

fn scope_conditions(c: &mut Conditions, tenant: &str, scope: &StatisticsScope) {
    c.push("tenant_id = ?", [Arg::Text(tenant.to_owned())]);
    if let Some(agency) = &scope.agency {
        c.push("agency_code = ?", [Arg::Text(agency.clone())]);
    }
    if let Some(procedure) = &scope.procedure {
        c.push("procedure_code = ?", [Arg::Text(procedure.clone())]);
    }
}

/// The overdue-now predicate of [`DossierFacts::overdue_at`], in SQL.
const OVERDUE: &str =
    "open = 1 AND (repeated_supplementation = 1 OR (clock_running = 1 AND appointment_at < ?))";

fn group_column(group: Option<GroupBy>) -> Option<&'static str> {
    group.map(|g| match g {
        GroupBy::Agency => "agency_code",
        GroupBy::Procedure => "procedure_code",
    })
}

fn dossier_from_row(row: &AnyRow) -> Result<StatisticsDossier> {
    Ok(StatisticsDossier::new(
        get(row, "code")?,
        get(row, "agency_code")?,
        get(row, "procedure_code")?,
        get_name::<Channel>(row, "channel")?,
        &facts_from_row(row)?,
    ))
}

#[async_trait]
impl StatisticsStore for Db {
    async fn daily_counts(
        &self,
        tenant: &str,
        from: Date,
        to: Date,
        scope: &StatisticsScope,
        group: Option<GroupBy>,
    ) -> Result<Vec<DailyCounts>> {
        let mut c = Conditions::default();
        c.push("tenant_id = ?", [Arg::Text(tenant.to_owned())]);
        // A filter picks its rows; a breakdown takes every row but the
        // roll-up; otherwise the roll-up row is the figure.
        for (filter, grouped, column) in [
            (&scope.agency, group == Some(GroupBy::Agency), "agency_code"),
            (
                &scope.procedure,
                group == Some(GroupBy::Procedure),
                "procedure_code",
            ),
        ] {
            match filter {
                Some(code) => c.push(&format!("{column} = ?"), [Arg::Text(code.clone())]),
                None if grouped => c.push(&format!("{column} <> ?"), [Arg::Text(ALL.into())]),
                None => c.push(&format!("{column} = ?"), [Arg::Text(ALL.into())]),
            }
        }
        c.push(
            "day >= ? AND day <= ?",
            [Arg::Text(from.to_string()), Arg::Text(to.to_string())],
        );
        let group_column = group_column(group).unwrap_or("''");
        let sql = format!(
            "SELECT day, {group_column} AS grp, {} FROM statistics_daily WHERE {}",
            Counter::ALL.map(Counter::name).join(", "),
            c.clauses.join(" AND ")
        );
        let rows = c.bind(sqlx::query(&sql)).fetch_all(&self.pool).await?;
        rows.iter()
            .map(|row| {
                let day: String = get(row, "day")?;
                let day = Date::parse(
                    &day,
                    time::macros::format_description!("[year]-[month]-[day]"),
                )
                .map_err(|e| StoreError::Corrupt(format!("day: {day:?}: {e}")))?;
                let mut counts = Counts::default();
                for counter in Counter::ALL {
                    counts[counter.index()] = get(row, counter.name())?;
                }
                Ok(DailyCounts {
                    day,
                    group: group.map(|_| get(row, "grp")).transpose()?,
                    counts,
                })
            })
            .collect()
    }

    async fn open_counts(
        &self,
        tenant: &str,
        scope: &StatisticsScope,
        group: Option<GroupBy>,
        now: LocalDateTime,
    ) -> Result<Vec<OpenCounts>> {
        // The overdue count's `now` is the first argument: pushed as a
        // clause for its numbering, then taken out of the WHERE.
        let mut c = Conditions::default();
        c.push(
            &format!("COUNT(CASE WHEN {OVERDUE} THEN 1 END) AS overdue"),
            [Arg::Text(time_text(now))],
        );
        let overdue = c.clauses.pop().unwrap_or_default();
        scope_conditions(&mut c, tenant, scope);
        c.push("open = 1", []);
        // PostgreSQL refuses a constant in GROUP BY: ungrouped, the
        // aggregate has no GROUP BY at all.
        let (group_column, group_by) = match group_column(group) {
            Some(column) => (column, format!(" GROUP BY {column}")),
            None => ("''", String::new()),
        };
        let sql = format!(
            "SELECT {group_column} AS grp, COUNT(*) AS open, {overdue} \
             FROM statistics_dossiers WHERE {}{group_by}",
            c.clauses.join(" AND ")
        );
        let rows = c.bind(sqlx::query(&sql)).fetch_all(&self.pool).await?;
        rows.iter()
            .map(|row| {
                Ok(OpenCounts {
                    group: group.map(|_| get(row, "grp")).transpose()?,
                    open: get_u64(row, "open")?,
                    overdue: get_u64(row, "overdue")?,
                })
            })
            .collect()
    }

    async fn drill_down(
        &self,
        tenant: &str,
        query: &DrillDown,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Page<StatisticsDossier>> {
        let limit = limit.clamp(1, 1000);
        let mut c = Conditions::default();
        scope_conditions(&mut c, tenant, &query.scope);
        let basis = query.indicator.basis();
        // Open dossiers are listed in receipt order too.
        let at = match basis {
            Basis::Finished => "finished_at",
            Basis::Received | Basis::Now => "received_at",
        };
        if basis == Basis::Now {
            c.push("open = 1", []);
        } else {
            c.push(
                &format!("{at} >= ? AND {at} < ?"),
                [Arg::Text(start_of(query.from)), Arg::Text(end_of(query.to))],
            );
        }
        let numerator = query.part == Part::Numerator;
        match query.indicator {
            Indicator::OnTime if numerator => c.push("on_time = 1", []),
            Indicator::Online if numerator => c.push("online = 1", []),
            Indicator::OnlinePayment if numerator => c.push("paid_online = 1", []),
            Indicator::OnlinePayment => c.push("fee_due = 1", []),
            Indicator::Synchronised if numerator => c.push("synced = 1", []),
            Indicator::DataReuse if numerator => c.push("reused = 1", []),
            Indicator::EResult if numerator => c.push("e_result = 1", []),
            Indicator::Overdue if numerator => c.push(OVERDUE, [Arg::Text(time_text(query.now))]),
            _ => {}
        }
        if let Some(cursor) = after {
            let (last_at, last_id) = decode_cursor(cursor)?;
            // A row-value comparison: both databases seek the keyset index
            // with it, where an OR of two conditions may scan.
            c.push(
                &format!("({at}, dossier_id) > (?, ?)"),
                [Arg::Text(last_at), Arg::Text(last_id)],
            );
        }
        let sql = format!(
            "SELECT * FROM statistics_dossiers WHERE {} ORDER BY {at}, dossier_id LIMIT {}",
            c.clauses.join(" AND "),
            limit + 1
        );
        let rows = c.bind(sqlx::query(&sql)).fetch_all(&self.pool).await?;
        let mut next = None;
        let mut items = Vec::with_capacity(rows.len());
        for (i, row) in rows.iter().enumerate() {
            if i == limit as usize {
                let last = &rows[i - 1];
                let last_at: Option<String> = get(last, at)?;
                next = Some(cursor(
                    &last_at.unwrap_or_default(),
                    &get::<String>(last, "dossier_id")?,
                ));
                break;
            }
            items.push(dossier_from_row(row)?);
        }
        Ok(Page { items, next })
    }
}

/// Counts the dossiers stored before the statistics existed (migration 8):
/// their facts and aggregates are computed once, right after it.
pub(super) async fn backfill(db: &Db) -> Result<()> {
    let rows = sqlx::query(
        "SELECT d.tenant_id, d.id FROM dossiers d WHERE NOT EXISTS (SELECT 1 FROM \
         statistics_dossiers s WHERE s.tenant_id = d.tenant_id AND s.dossier_id = d.id)",
    )
    .fetch_all(&db.pool)
    .await?;
    for chunk in rows.chunks(500) {
        let mut tx = db.begin_write().await?;
        for row in chunk {
            let tenant: String = get(row, "tenant_id")?;
            let id: String = get(row, "id")?;
            refresh(&mut tx, db.backend, &tenant, &id).await?;
        }
        tx.commit().await?;
    }
    Ok(())
}

/// A dossier's statistics row as the benchmark loads it in bulk.
pub struct FactsRow {
    pub dossier_id: String,
    pub code: String,
    pub agency: String,
    pub procedure: String,
    pub channel: Channel,
    pub facts: DossierFacts,
}

/// Inserts statistics rows in multi-row statements, one transaction per
/// call, without dossiers behind them: for the benchmark, which then calls
/// [`rebuild_daily`].
pub async fn insert_facts(db: &Db, tenant: &str, rows: &[FactsRow]) -> Result<()> {
    const PER_STATEMENT: usize = 500;
    let columns = 9 + FLAG_COLUMNS.len();
    let mut tx = db.begin_write().await?;
    for chunk in rows.chunks(PER_STATEMENT) {
        let values = (0..chunk.len())
            .map(|r| {
                let cells = (1..=columns)
                    .map(|c| format!("${}", r * columns + c))
                    .collect::<Vec<_>>()
                    .join(", ");
                format!("({cells})")
            })
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "INSERT INTO statistics_dossiers (tenant_id, dossier_id, code, agency_code, \
             procedure_code, channel, received_at, finished_at, appointment_at, {}) VALUES {values}",
            FLAG_COLUMNS.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for row in chunk {
            query = query
                .bind(tenant)
                .bind(&row.dossier_id)
                .bind(&row.code)
                .bind(&row.agency)
                .bind(&row.procedure)
                .bind(super::rows::name(&row.channel)?)
                .bind(opt_time_text(row.facts.received_at))
                .bind(opt_time_text(row.facts.finished_at))
                .bind(opt_time_text(row.facts.appointment_at));
            for flag in flags(&row.facts) {
                query = query.bind(flag);
            }
        }
        query.execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}
