//! Lists and statistics over a million dossiers: a few submitted, the
//! rest copied from them in SQL, each page asked through the API.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use motcua::storage::{Backend, Db};
use motcua_tests::db::TestDb;
use motcua_tests::replicas::Platform;
use motcua_tests::server::{Api, applicant, birth_form, submission};
use serde_json::json;

use crate::Args;
use crate::submit::Run;

#[derive(Default, serde::Serialize, serde::Deserialize, Clone)]
pub(crate) struct ListsResult {
    pub(crate) backend: String,
    pub(crate) dossiers: u64,
    pub(crate) generate_seconds: f64,
    pub(crate) pages: Vec<PageTiming>,
}

#[derive(Default, serde::Serialize, serde::Deserialize, Clone)]
pub(crate) struct PageTiming {
    pub(crate) name: String,
    pub(crate) p50_ms: f64,
    pub(crate) p99_ms: f64,
}

/// Dossiers submitted as templates, before the copies are made.
const TEMPLATES: u64 = 24;
/// Times each page is asked.
const ASKS: usize = 40;

/// One host over `args.dossiers` dossiers of Đà Nẵng: a few submitted
/// through the API, the rest copied from them in SQL (each copy with its
/// own id, a valid code and dates from 2020-01-01 on, 9,999 a day), with
/// their statistics rows; then the console's lists and the statistics
/// asked through the API, each page timed.
pub(crate) async fn lists_phase(db: &TestDb, args: &Args) -> ListsResult {
    let backend = match db.db.backend() {
        Backend::Sqlite => "SQLite",
        Backend::Postgres => "PostgreSQL",
    }
    .to_owned();
    println!("\n== lists: {backend}, {} dossiers", args.dossiers);
    let mut platform = Platform::new(db).await;
    platform.log = "warn".to_owned();
    let host = platform.start(&[]).await;
    let citizen = host.api("da-nang", "citizen");
    let agency = host.officer_agency("da-nang");
    let mut codes = Vec::new();
    for n in 0..TEMPLATES {
        let created = citizen
            .submit(&submission(
                "1.001193",
                &agency,
                "online",
                applicant("048095001234", "Phạm Thị Thu Hà"),
                birth_form(&format!("Trẻ Số {n}"), "Phạm Thị Thu Hà", "048095001234"),
            ))
            .await
            .expect(201);
        codes.push(created["code"].as_str().expect("a code").to_owned());
    }
    // One template in 24 received and left running: its copies are
    // received years ago and overdue now, as a few dossiers of a province
    // are; the others wait for reception.
    host.api("da-nang", "officer")
        .act_ok(&codes[0], json!({"action": "receive"}))
        .await;
    let started = Instant::now();
    generate(&db.db, "da-nang", args.dossiers).await;
    motcua::storage::rebuild_daily(&db.db, "da-nang")
        .await
        .expect("the daily statistics rebuilt");
    let generate_seconds = started.elapsed().as_secs_f64();
    println!("  made in {generate_seconds:.1} s");

    let leader = host.api("da-nang", "leader");
    let officer = host.api("da-nang", "officer");
    let mut pages = Vec::new();
    let asks: [(&str, &Api, String); 8] = [
        ("newest 50 (leader)", &leader, "/dossiers?limit=50".into()),
        ("newest 50 (officer's agencies)", &officer, "/dossiers?limit=50".into()),
        (
            "one procedure",
            &leader,
            "/dossiers?procedure=1.001193&limit=50".into(),
        ),
        (
            "received in January 2020",
            &leader,
            "/dossiers?received_from=2020-01-01T00:00:00&received_before=2020-02-01T00:00:00&limit=50"
                .into(),
        ),
        ("overdue", &leader, "/dossiers?overdue=true&limit=50".into()),
        (
            "statistics, a year by agency",
            &leader,
            "/statistics?from=2020-01-01&to=2020-12-31&period=year&group_by=agency".into(),
        ),
        (
            "statistics, by month",
            &leader,
            "/statistics?from=2020-01-01&to=2020-12-31&period=month".into(),
        ),
        (
            "dossiers behind on-time, a page",
            &leader,
            "/statistics/on_time/dossiers?from=2020-01-01&to=2020-12-31&limit=50".into(),
        ),
    ];
    for (name, api, path) in asks {
        pages.push(time_page(name, api, &path).await);
    }
    // Deep in the listing: the 20th page, following each `next`.
    let mut after: Option<String> = None;
    let mut deep = Vec::new();
    for _ in 0..20 {
        let mut path = "/dossiers?limit=50".to_owned();
        if let Some(cursor) = &after {
            path.push_str("&after=");
            path.push_str(&motcua_tests::server::urlencode(cursor));
        }
        let sent = Instant::now();
        let page = leader.get(&path).await.expect(200);
        deep.push(sent.elapsed());
        after = page["next"].as_str().map(str::to_owned);
    }
    pages.push(timing("20 pages in turn (each)", deep));
    for page in &pages {
        println!(
            "  {:<35} p50 {:>7.1} ms  p99 {:>7.1} ms",
            page.name, page.p50_ms, page.p99_ms
        );
    }
    host.terminate();
    ListsResult {
        backend,
        dossiers: args.dossiers,
        generate_seconds,
        pages,
    }
}

async fn time_page(name: &str, api: &Api, path: &str) -> PageTiming {
    // Once untimed: the plan and the pages the database caches.
    api.get(path).await.expect(200);
    let mut took = Vec::new();
    for _ in 0..ASKS {
        let sent = Instant::now();
        api.get(path).await.expect(200);
        took.push(sent.elapsed());
    }
    timing(name, took)
}

fn timing(name: &str, took: Vec<Duration>) -> PageTiming {
    let run = Run::of(0, None, took, BTreeMap::new(), 1.0);
    PageTiming {
        name: name.to_owned(),
        p50_ms: run.p50_ms,
        p99_ms: run.p99_ms,
    }
}

/// Copies the tenant's dossiers (and their statistics rows) until it has
/// `total`, in statements of at most 50,000 rows.
async fn generate(db: &Db, tenant: &str, total: u64) {
    let pool = db.pool();
    let postgres = db.backend() == Backend::Postgres;
    let templates: Vec<String> =
        sqlx::query_scalar("SELECT id FROM dossiers WHERE tenant_id = $1 ORDER BY id")
            .bind(tenant)
            .fetch_all(pool)
            .await
            .expect("the template dossiers");
    let columns = |table: &str| {
        let sql = if postgres {
            format!(
                "SELECT CAST(column_name AS TEXT) FROM information_schema.columns \
                 WHERE table_name = '{table}' AND table_schema = current_schema() ORDER BY ordinal_position"
            )
        } else {
            format!("SELECT name FROM pragma_table_info('{table}') ORDER BY cid")
        };
        async move {
            sqlx::query_scalar::<_, String>(&sql)
                .fetch_all(pool)
                .await
                .expect("the table's columns")
        }
    };
    let pad = |width: usize, expr: &str| {
        if postgres {
            format!("lpad(CAST(({expr}) AS TEXT), {width}, '0')")
        } else {
            format!("printf('%0{width}d', {expr})")
        }
    };
    // Copy n: day k = (n - 1) / 9999 from 2020-01-01 (28 days a month),
    // counter (n - 1) % 9999 + 1 of that day.
    let k = "((g.n - 1) / 9999)";
    let (yy, mm, dd) = (
        pad(2, &format!("20 + {k} / 336")),
        pad(2, &format!("({k} / 28) % 12 + 1")),
        pad(2, &format!("{k} % 28 + 1")),
    );
    let day = format!("'20' || {yy} || '-' || {mm} || '-' || {dd}");
    let code = format!(
        "t.agency_code || '-' || {yy} || {mm} || {dd} || '-' || {}",
        pad(4, "(g.n - 1) % 9999 + 1")
    );
    let moved = |column: &str| {
        format!("CASE WHEN t.{column} IS NULL THEN NULL ELSE {day} || substr(t.{column}, 11) END")
    };
    let copy = |table: &str, key: &str, cols: Vec<String>| {
        let select: Vec<String> = cols
            .iter()
            .map(|c| match c.as_str() {
                c if c == key => format!("t.{c} || '-g' || CAST(g.n AS TEXT)"),
                "code" => code.clone(),
                c if c.ends_with("_at") => moved(c),
                c => format!("t.{c}"),
            })
            .collect();
        format!(
            "INSERT INTO {table} ({}) WITH RECURSIVE g(n) AS (SELECT {{lo}} UNION ALL \
             SELECT n + {{step}} FROM g WHERE n + {{step}} <= {{hi}}) SELECT {} FROM {table} t, g \
             WHERE t.tenant_id = $1 AND t.{key} = $2",
            cols.join(", "),
            select.join(", ")
        )
    };
    let dossiers = copy("dossiers", "id", columns("dossiers").await);
    let facts = copy(
        "statistics_dossiers",
        "dossier_id",
        columns("statistics_dossiers").await,
    );
    // Copy n of template n % T: each day holds copies of every template,
    // as a province's days hold dossiers of every kind.
    const CHUNK: u64 = 50_000;
    let step = templates.len() as u64;
    let copies = total.saturating_sub(step);
    for (i, template) in templates.iter().enumerate() {
        let mut lo = i as u64 + 1;
        while lo <= copies {
            let hi = (lo + (CHUNK - 1) * step).min(copies);
            for sql in [&dossiers, &facts] {
                let sql = sql
                    .replace("{lo}", &lo.to_string())
                    .replace("{hi}", &hi.to_string())
                    .replace("{step}", &step.to_string());
                sqlx::query(&sql)
                    .bind(tenant)
                    .bind(template)
                    .execute(pool)
                    .await
                    .unwrap_or_else(|e| panic!("copying dossiers: {e}\n{sql}"));
            }
            lo = hi + step;
        }
    }
    // Fresh planner statistics, as a database that grew over years has.
    sqlx::query("ANALYZE").execute(pool).await.expect("ANALYZE");
}
