//! `cargo xtask bench intake [--seconds N] [--rate R] [--concurrency C]
//! [--database-url postgres://...]`: sustained intake with national delivery
//! on. A real host (the `motcua serve` wiring, production delivery settings)
//! on a loopback port, on SQLite (a temporary file) or on a fresh schema of
//! the given PostgreSQL database; the shipped portal connector delivering to
//! the portal stand-in (kept in a data file, as the demo keeps it). Online
//! submissions arrive at `rate` per second (at most `concurrency` in
//! flight) for `seconds`; the tenant's outbox backlog is sampled every
//! second. Prints throughput, submit latency, delivery rate, the backlog
//! over time, and what each write unit of work cost (from `/metrics`).
//! A benchmark, not a test: it prints figures and asserts nothing.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use motcua::app::clock::Clock;
use motcua::app::sync::DeliveryPolicy;
use motcua::domain::time::{LocalDateTime, now_local};
use motcua::storage::Backend;
use motcua_tests::bench::{load_average, portal_standin, process_cpu};
use motcua_tests::db::{TestDb, run_at};
use motcua_tests::server::{Server, TestEnv, applicant, birth_form, submission};
use serde_json::Value;
use tokio::sync::Semaphore;

const TENANT: &str = "da-nang";
const PORTAL_TOKEN: &str = "bench-portal-token";

struct Args {
    seconds: u64,
    rate: u32,
    concurrency: usize,
    database_url: Option<String>,
}

fn args() -> Result<Args, String> {
    let mut args = Args {
        seconds: 300,
        rate: 100,
        concurrency: 32,
        database_url: None,
    };
    let mut given = std::env::args().skip(1);
    while let Some(flag) = given.next() {
        let value = given
            .next()
            .ok_or_else(|| format!("{flag} wants a value"))?;
        let number = |what: &str| {
            value
                .parse::<u64>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| format!("{what} wants a positive whole number, not {value}"))
        };
        match flag.as_str() {
            "--seconds" => args.seconds = number("--seconds")?,
            "--rate" => args.rate = u32::try_from(number("--rate")?).map_err(|e| e.to_string())?,
            "--concurrency" => args.concurrency = number("--concurrency")? as usize,
            "--database-url" => args.database_url = Some(value),
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(args)
}

fn main() {
    let args = match args() {
        Ok(args) => args,
        Err(error) => {
            eprintln!("{error}");
            eprintln!(
                "usage: intake-bench [--seconds N (300)] [--rate PER_SECOND (100)] \
                 [--concurrency C (32)] [--database-url postgres://...]"
            );
            std::process::exit(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let ran = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = ran.clone();
    runtime.block_on(async move {
        let (backend, url) = match &args.database_url {
            Some(url) => (Backend::Postgres, url.clone()),
            None => (Backend::Sqlite, String::new()),
        };
        run_at(backend, &url, |db| async move {
            flag.store(true, Ordering::SeqCst);
            bench(db, &args).await;
        })
        .await;
    });
    if !ran.load(Ordering::SeqCst) {
        eprintln!("the database could not be opened");
        std::process::exit(1);
    }
}

/// The host's clock: the local time plus whole days the bench adds. A
/// dossier code numbers an agency's dossiers of one day from 1 to 9999
/// (`DossierCode::MAX_COUNTER`), so minutes of intake at one agency would
/// exhaust a day; the bench moves the host a day forward every
/// [`PER_DAY`] submissions, and the minutes stand for several days.
struct ShiftedClock(AtomicI64);

impl Clock for ShiftedClock {
    fn now(&self) -> LocalDateTime {
        now_local() + time::Duration::days(self.0.load(Ordering::Relaxed))
    }
}

impl ShiftedClock {
    fn shift_seconds(&self) -> u64 {
        u64::try_from(self.0.load(Ordering::Relaxed)).unwrap_or(0) * 86_400
    }
}

/// Submissions per simulated day: below the day's 9,999 codes with room for
/// the ones still in flight when the day turns.
const PER_DAY: u64 = 9_000;

/// One backlog sample.
struct Sample {
    at: Duration,
    pending: u64,
    oldest_age: u64,
}

async fn bench(db: TestDb, args: &Args) {
    let backend = db.db.backend();
    let (portal, _portal_dir) = portal_standin(PORTAL_TOKEN);
    let mut env = TestEnv::new(&db);
    env.delivery = DeliveryPolicy::default();
    let clock = Arc::new(ShiftedClock(AtomicI64::new(0)));
    env.clock = Some(clock.clone());
    env.connect_portal(portal.addr.port(), PORTAL_TOKEN);
    let server = Arc::new(env.start().await);
    let admin = server.api(TENANT, "tenant_admin");
    let citizen = server.api(TENANT, "citizen");
    let agency = server.officer_agency(TENANT);
    let body = move |i: u64| {
        submission(
            "1.001193",
            &agency,
            "online",
            applicant("048095001234", "Phạm Thị Thu Hà"),
            birth_form(&format!("Trẻ Số {i}"), "Phạm Thị Thu Hà", "048095001234"),
        )
    };
    // Warm the plugin cache and the connections.
    citizen.submit(&body(0)).await.expect(201);
    let metrics_before = metrics(&server).await;
    let cpu_before = process_cpu("self");
    let backlog_start = summary(&server).await;

    println!(
        "intake bench: {backend:?}, {} s at {}/s (at most {} in flight), tenant {TENANT}; `uptime`: {}",
        args.seconds,
        args.rate,
        args.concurrency,
        load_average()
    );
    let started = Instant::now();
    let samples = Arc::new(std::sync::Mutex::new(Vec::<Sample>::new()));
    let sampler = {
        let (admin, samples, clock) = (admin.clone(), samples.clone(), clock.clone());
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            loop {
                tick.tick().await;
                let s = admin.get("/outbox/summary").await.expect(200);
                let sample = Sample {
                    at: started.elapsed(),
                    pending: s["pending"].as_u64().unwrap_or(0),
                    // The host's "now" runs the simulated days ahead; the
                    // outbox stamps entries with the real time (see
                    // ShiftedClock), so the days come off the age.
                    oldest_age: s["oldest_pending_age_seconds"]
                        .as_u64()
                        .unwrap_or(0)
                        .saturating_sub(clock.shift_seconds()),
                };
                if sample.at.as_secs().is_multiple_of(10) {
                    println!(
                        "  t={:>4}s pending={:>6} oldest={:>4}s",
                        sample.at.as_secs(),
                        sample.pending,
                        sample.oldest_age
                    );
                }
                samples.lock().unwrap().push(sample);
            }
        })
    };

    let slots = Arc::new(Semaphore::new(args.concurrency));
    let refused = Arc::new(std::sync::Mutex::new(BTreeMap::<u16, u64>::new()));
    let skipped = Arc::new(AtomicU64::new(0));
    let latencies = Arc::new(std::sync::Mutex::new(Vec::new()));
    let total = args.seconds * u64::from(args.rate);
    let mut tick = tokio::time::interval(Duration::from_secs(1) / args.rate);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut clients = tokio::task::JoinSet::new();
    for i in 1..=total {
        tick.tick().await;
        if i % PER_DAY == 0 {
            clock.0.fetch_add(1, Ordering::Relaxed);
        }
        // Open loop: a request that finds every slot taken is not sent
        // (and counted), so a slow host does not slow the arrivals.
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            skipped.fetch_add(1, Ordering::Relaxed);
            continue;
        };
        let (citizen, request) = (citizen.clone(), body(i));
        let (refused, latencies) = (refused.clone(), latencies.clone());
        clients.spawn(async move {
            let sent = Instant::now();
            let reply = citizen.submit(&request).await;
            let took = sent.elapsed();
            drop(slot);
            if reply.status.as_u16() == 201 {
                latencies.lock().unwrap().push(took);
            } else {
                *refused
                    .lock()
                    .unwrap()
                    .entry(reply.status.as_u16())
                    .or_default() += 1;
            }
        });
        while clients.try_join_next().is_some() {}
    }
    while clients.join_next().await.is_some() {}
    let elapsed = started.elapsed();
    let cpu = process_cpu("self") - cpu_before;
    let backlog_end = summary(&server).await;
    let metrics_after = metrics(&server).await;
    sampler.abort();
    let samples = std::mem::take(&mut *samples.lock().unwrap());

    let mut latencies = std::mem::take(&mut *latencies.lock().unwrap());
    latencies.sort();
    let accepted = latencies.len() as f64;
    let percentile = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    let delivered = counter(&metrics_after, "motcua_outbox_delivered_total")
        - counter(&metrics_before, "motcua_outbox_delivered_total");
    let secs = elapsed.as_secs_f64();
    println!("results ({backend:?}, {secs:.1} s):");
    let refused = std::mem::take(&mut *refused.lock().unwrap());
    println!(
        "  submissions: {accepted:.0} accepted ({:.1}/s), {} refused {refused:?} (by status), {} not sent (all {} slots busy)",
        accepted / secs,
        refused.values().sum::<u64>(),
        skipped.load(Ordering::Relaxed),
        args.concurrency
    );
    println!(
        "  submit latency: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        percentile(0.50),
        percentile(0.99),
        percentile(1.0)
    );
    println!(
        "  delivery: {delivered:.0} entries delivered ({:.1}/s)",
        delivered / secs
    );
    println!(
        "  backlog: pending {} at start, {} at end (oldest {} s at end)",
        backlog_start["pending"],
        backlog_end["pending"],
        backlog_end["oldest_pending_age_seconds"]
            .as_u64()
            .unwrap_or(0)
            .saturating_sub(clock.shift_seconds())
    );
    let peak = samples.iter().max_by_key(|s| s.pending);
    let oldest = samples.iter().map(|s| s.oldest_age).max().unwrap_or(0);
    let half = samples.len() / 2;
    let mean = |part: &[Sample]| {
        part.iter().map(|s| s.pending as f64).sum::<f64>() / part.len().max(1) as f64
    };
    println!(
        "  backlog samples: peak {} pending at t={} s, oldest pending at most {oldest} s; \
         mean pending first half {:.0}, second half {:.0}",
        peak.map_or(0, |s| s.pending),
        peak.map_or(0, |s| s.at.as_secs()),
        mean(&samples[..half]),
        mean(&samples[half..])
    );
    println!(
        "  process CPU (host, delivery, portal stand-in and load generator): {:.2} ms per accepted submission",
        cpu.as_secs_f64() * 1000.0 / accepted.max(1.0)
    );
    for unit in ["dossier.commit", "outbox.claim", "outbox.settle"] {
        let (sum, count) = histogram(&metrics_after, "motcua_storage_write_seconds", unit);
        let (sum0, count0) = histogram(&metrics_before, "motcua_storage_write_seconds", unit);
        let n = count - count0;
        if n > 0.0 {
            println!(
                "  write unit {unit}: {n:.0} transactions, mean {:.2} ms (wall, writer wait included)",
                (sum - sum0) * 1000.0 / n
            );
        }
    }

    // How long the rest takes to drain.
    let drain_started = Instant::now();
    loop {
        let s = summary(&server).await;
        if s["pending"].as_u64() == Some(0) {
            println!(
                "  drained {:.1} s after the last submission",
                drain_started.elapsed().as_secs_f64()
            );
            break;
        }
        if drain_started.elapsed() > Duration::from_secs(120) {
            println!(
                "  still {} pending 120 s after the last submission",
                s["pending"]
            );
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    Arc::into_inner(server)
        .expect("every client is done")
        .stop()
        .await;
    drop(portal);
}

async fn summary(server: &Server) -> Value {
    server
        .api(TENANT, "tenant_admin")
        .get("/outbox/summary")
        .await
        .expect(200)
}

async fn metrics(server: &Server) -> String {
    server
        .client
        .get(format!("{}/metrics", server.base))
        .send()
        .await
        .expect("GET /metrics")
        .text()
        .await
        .expect("the metrics text")
}

/// The value of `name{tenant="<TENANT>"}` in a Prometheus text.
fn counter(text: &str, name: &str) -> f64 {
    sample(text, &format!("{name}{{tenant=\"{TENANT}\"}}"))
}

/// `_sum` and `_count` of a histogram's series with `unit`.
fn histogram(text: &str, name: &str, unit: &str) -> (f64, f64) {
    (
        sample(text, &format!("{name}_sum{{unit=\"{unit}\"}}")),
        sample(text, &format!("{name}_count{{unit=\"{unit}\"}}")),
    )
}

fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.trim().parse().ok())
        .unwrap_or(0.0)
}
