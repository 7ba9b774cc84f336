//! `motcua statistics bench`: a year of one province's dossiers, generated
//! and loaded in bulk, then the statistics asked through the service the
//! API uses, on SQLite and on PostgreSQL; prints the figures and timings.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use futures_util::StreamExt;
use sqlx::{Connection, Executor};
use time::macros::date;

use crate::app::clock::Clock;
use crate::app::ports::{GroupBy, Part, StatisticsScope, TenantStore};
use crate::app::statistics::{DrillRequest, Period, ReportRequest, StatisticsService};
use crate::domain::dossier::Channel;
use crate::domain::lifecycle::Role;
use crate::domain::statistics::{DossierFacts, Indicator};
use crate::domain::tenancy::{Tenant, User};
use crate::domain::time::LocalDateTime;
use crate::storage::{Db, FactsRow, insert_facts, rebuild_daily};

#[derive(Debug, clap::Subcommand)]
pub enum StatisticsCommand {
    /// Generate a year of one province and time the figures table, the
    /// drill-down pages and a CSV export on SQLite and PostgreSQL.
    Bench(BenchArgs),
}

#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// Dossiers received in the year.
    #[arg(long, default_value_t = 500_000)]
    dossiers: u32,
    /// Agencies of the province.
    #[arg(long, default_value_t = 40)]
    agencies: u32,
    /// Procedures in use.
    #[arg(long, default_value_t = 300)]
    procedures: u32,
    /// Times each query is run (the median and the slowest are printed).
    #[arg(long, default_value_t = 15)]
    repeat: usize,
    /// PostgreSQL to use (a fresh schema is made and dropped); default
    /// `MOTCUA_TEST_POSTGRES_URL` or postgres://postgres@127.0.0.1:5432/test.
    #[arg(long)]
    postgres_url: Option<String>,
    /// Only SQLite.
    #[arg(long)]
    no_postgres: bool,
    /// Only PostgreSQL.
    #[arg(long, conflicts_with = "no_postgres")]
    no_sqlite: bool,
    /// Where the SQLite file goes (default: a temporary directory).
    #[arg(long)]
    sqlite_dir: Option<PathBuf>,
}

pub fn run(command: StatisticsCommand) -> anyhow::Result<ExitCode> {
    let StatisticsCommand::Bench(args) = command;
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(bench(args))?;
    Ok(ExitCode::SUCCESS)
}

const TENANT: &str = "bench-province";
/// "Now" of the benchmark: ten days after the year.
const NOW: LocalDateTime = motcua_domain::local_datetime!(2026-01-10 10:00);

struct FixedClock;

impl Clock for FixedClock {
    fn now(&self) -> LocalDateTime {
        NOW
    }
}

async fn bench(args: BenchArgs) -> anyhow::Result<()> {
    println!(
        "statistics benchmark: {} dossiers received in 2025, {} agencies, {} procedures",
        args.dossiers, args.agencies, args.procedures
    );
    let temp = tempfile::tempdir()?;
    let dir = args.sqlite_dir.clone().unwrap_or(temp.path().to_path_buf());
    let url = format!("sqlite://{}", dir.join("bench-statistics.db").display());
    let _ = std::fs::remove_file(dir.join("bench-statistics.db"));
    if !args.no_sqlite {
        run_on("SQLite", &url, &args).await?;
    }
    if !args.no_postgres {
        let base = args
            .postgres_url
            .clone()
            .or_else(|| std::env::var("MOTCUA_TEST_POSTGRES_URL").ok())
            .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/test".to_owned());
        let schema = format!("motcua_bench_{}", std::process::id());
        let mut admin = sqlx::PgConnection::connect(&base)
            .await
            .with_context(|| format!("connecting to {}", super::migrate::redacted(&base)))?;
        (&mut admin)
            .execute(format!("CREATE SCHEMA {schema}").as_str())
            .await?;
        let separator = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{separator}options=-c%20search_path%3D{schema}");
        let outcome = run_on("PostgreSQL", &url, &args).await;
        (&mut admin)
            .execute(format!("DROP SCHEMA {schema} CASCADE").as_str())
            .await?;
        outcome?;
    }
    Ok(())
}

/// A small deterministic generator (splitmix64): the same data every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// True with `percent` per cent.
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

fn agency_code(a: u64) -> String {
    format!("000.{:02}.{:02}.H22", a / 100, a % 100)
}

/// One generated dossier.
fn generate(rng: &mut Rng, i: u32, args: &BenchArgs) -> FactsRow {
    let day = date!(2025 - 01 - 01) + time::Duration::days(rng.below(365) as i64);
    let received = LocalDateTime::from(day.midnight())
        + time::Duration::minutes(7 * 60 + 30 + rng.below(540) as i64);
    // Busy agencies and procedures take most dossiers, as in practice.
    let skew = |rng: &mut Rng, n: u32| {
        let a = rng.below(u64::from(n));
        let b = rng.below(u64::from(n));
        a.min(b)
    };
    let agency = agency_code(skew(rng, args.agencies));
    let procedure = format!("1.{:06}", 1000 + skew(rng, args.procedures));
    let channel = match rng.below(100) {
        0..65 => Channel::Online,
        65..95 => Channel::Counter,
        _ => Channel::Postal,
    };
    let days = 3 + rng.below(13) as i64;
    let appointment = received + time::Duration::days(days);
    let repeated = rng.chance(2);
    let withdrawn = rng.chance(1);
    let spent = time::Duration::hours(rng.below(((days + 3) * 24) as u64) as i64 + 1);
    let finished_at =
        (!withdrawn && received + spent <= NOW && !rng.chance(2)).then_some(received + spent);
    let finished = finished_at.is_some();
    let open = !finished && !withdrawn;
    let fee_due = rng.chance(40);
    let online = channel == Channel::Online;
    FactsRow {
        dossier_id: format!("bench-{i:07}"),
        code: format!("{agency}-{}-{i:06}", received.date()),
        agency,
        procedure,
        channel,
        facts: DossierFacts {
            received_at: Some(received),
            finished_at,
            appointment_at: Some(appointment),
            online,
            fee_due,
            paid_online: fee_due && online && rng.chance(70),
            reused: rng.chance(35),
            synced: rng.chance(93),
            on_time: finished_at.map(|at| at <= appointment && !repeated),
            e_result: finished && rng.chance(60),
            open,
            clock_running: open && rng.chance(85),
            repeated_supplementation: repeated,
        },
    }
}

async fn load(db: &Db, args: &BenchArgs) -> anyhow::Result<()> {
    db.create_tenant(&Tenant::new(TENANT, "Bench province"))
        .await?;
    let mut rng = Rng(766);
    let started = Instant::now();
    const BATCH: u32 = 20_000;
    let mut i = 0;
    while i < args.dossiers {
        let rows: Vec<FactsRow> = (i..(i + BATCH).min(args.dossiers))
            .map(|n| generate(&mut rng, n, args))
            .collect();
        insert_facts(db, TENANT, &rows).await?;
        i += BATCH;
    }
    let inserted = started.elapsed();
    let started = Instant::now();
    rebuild_daily(db, TENANT).await?;
    println!(
        "  loaded {} dossiers in {:.1} s, daily aggregates built in {:.1} s",
        args.dossiers,
        inserted.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Median and slowest of `repeat` runs of `f`.
async fn time_it<F, Fut, T>(repeat: usize, mut f: F) -> anyhow::Result<(Duration, Duration, T)>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<T>>,
{
    let mut times = Vec::with_capacity(repeat);
    let mut last = None;
    for _ in 0..repeat.max(1) {
        let started = Instant::now();
        last = Some(f().await?);
        times.push(started.elapsed());
    }
    times.sort();
    let value = last.context("ran at least once")?;
    Ok((times[times.len() / 2], times[times.len() - 1], value))
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// Resident and peak memory of this process (Linux), in MiB.
fn memory() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn drill(indicator: Indicator, agency: Option<String>) -> DrillRequest {
    DrillRequest {
        indicator,
        part: Part::Numerator,
        scope: StatisticsScope {
            agency,
            procedure: None,
        },
        from: date!(2025 - 01 - 01),
        to: date!(2025 - 12 - 31),
    }
}

async fn run_on(backend: &str, url: &str, args: &BenchArgs) -> anyhow::Result<()> {
    println!("{backend}:");
    let db = Db::connect(url).await?;
    load(&db, args).await?;
    let store = Arc::new(db.clone());
    let service = &StatisticsService::new(store.clone(), store, Arc::new(FixedClock));
    let operator = &User {
        id: "bench-operator".into(),
        tenant: None,
        name: "Bench".into(),
        role: Role::PlatformOperator,
        agency: None,
        personal_id: None,
    };
    let year = |period, group_by| ReportRequest {
        from: date!(2025 - 01 - 01),
        to: date!(2025 - 12 - 31),
        period,
        scope: StatisticsScope::default(),
        group_by,
    };
    let repeat = args.repeat;

    let table = &year(Period::Month, None);
    let (median, max, report) = time_it(repeat, || async move {
        Ok(service.report(operator, TENANT, table).await?)
    })
    .await?;
    println!(
        "  tenant x month x indicator table (12 months, {} indicators): median {}, slowest {}",
        Indicator::ALL.len(),
        ms(median),
        ms(max)
    );
    println!(
        "    month    received  on-time          online           online-payment   synchronised     data-reuse       e-result"
    );
    let rate = |f: &crate::domain::statistics::Figure| {
        format!(
            "{:>6}/{:<6} {:>5.1}%",
            f.numerator,
            f.denominator,
            f.rate.unwrap_or(0.0) * 100.0
        )
    };
    for row in &report.rows {
        let f = &row.figures;
        println!(
            "    {}  {:>8}  {} {} {} {} {} {}",
            row.period,
            f.received.numerator,
            rate(&f.on_time),
            rate(&f.online),
            rate(&f.online_payment),
            rate(&f.synchronised),
            rate(&f.data_reuse),
            rate(&f.e_result)
        );
    }
    if let Some(now) = report.now.first() {
        println!(
            "    now: {} in progress, {} overdue",
            now.in_progress.numerator, now.overdue.numerator
        );
    }

    let by_agency = &year(Period::Month, Some(GroupBy::Agency));
    let (median, max, report) = time_it(repeat, || async move {
        Ok(service.report(operator, TENANT, by_agency).await?)
    })
    .await?;
    println!(
        "  agency x month table ({} rows): median {}, slowest {}",
        report.rows.len(),
        ms(median),
        ms(max)
    );

    let busiest = Some(agency_code(0));
    for (what, request) in [
        ("on_time numerator, tenant", drill(Indicator::OnTime, None)),
        (
            "online_payment numerator, one agency",
            drill(Indicator::OnlinePayment, busiest.clone()),
        ),
        ("overdue now, tenant", drill(Indicator::Overdue, None)),
    ] {
        let request = &request;
        let (median, max, page) = time_it(repeat, || async move {
            Ok(service
                .dossiers(operator, TENANT, request, None, 50)
                .await?)
        })
        .await?;
        println!(
            "  drill-down first page of 50 ({what}): median {}, slowest {} ({} items)",
            ms(median),
            ms(max),
            page.items.len()
        );
    }
    // Following the cursor deep into a long list costs the same per page.
    let request = drill(Indicator::Received, None);
    let mut after: Option<String> = None;
    let mut times = Vec::new();
    for _ in 0..200 {
        let started = Instant::now();
        let page = service
            .dossiers(operator, TENANT, &request, after.as_deref(), 50)
            .await?;
        times.push(started.elapsed());
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    times.sort();
    println!(
        "  drill-down pages 1-{} of `received` by cursor: median {}, slowest {}",
        times.len(),
        ms(times[times.len() / 2]),
        ms(times[times.len() - 1])
    );

    let (rss_before, _) = memory();
    let started = Instant::now();
    let mut stream = service
        .dossiers_csv(operator, TENANT, &drill(Indicator::Received, None))
        .await?;
    let (mut bytes, mut lines, mut peak_rss) = (0usize, 0usize, rss_before);
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        bytes += chunk.len();
        lines += chunk.iter().filter(|b| **b == b'\n').count();
        peak_rss = peak_rss.max(memory().0);
    }
    println!(
        "  CSV export of `received` ({} lines, {:.1} MiB) in {:.1} s; resident memory {:.0} MiB before, at most {:.0} MiB during",
        lines,
        bytes as f64 / 1024.0 / 1024.0,
        started.elapsed().as_secs_f64(),
        rss_before,
        peak_rss
    );
    db.close().await;
    Ok(())
}
