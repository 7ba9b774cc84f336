//! Submissions per second: real hosts, a closed-loop load generator, the
//! open loop at half the best throughput, and where a submission's time
//! goes inside the hosts (from their `/metrics`).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use motcua_tests::bench::{portal_standin, process_cpu};
use motcua_tests::db::TestDb;
use motcua_tests::metrics::Scrape;
use motcua_tests::replicas::{Platform, Replica};
use motcua_tests::server::{Api, applicant, birth_form, submission};
use serde_json::{Value, json};

use crate::Args;

const PORTAL_TOKEN: &str = "bench-portal-token";

/// One submission scenario: a tenant, its citizen's API on each host, and
/// the body of the `n`th submission.
pub(crate) struct Scenario {
    pub(crate) name: &'static str,
    pub(crate) tenant: &'static str,
    pub(crate) body: Box<dyn Fn(u64) -> Value + Send + Sync>,
}

async fn scenarios(host: &Replica) -> Vec<Scenario> {
    let admin = host.api("bac-ninh", "tenant_admin");
    let permit = admin.get("/procedures/1.009994").await.expect(200);
    let permit_agency = permit["deciding_agency"]
        .as_str()
        .expect("the permit's deciding agency")
        .to_owned();
    let da_nang = host.officer_agency("da-nang");
    let vinh_phuc = host.officer_agency("vinh-phuc");
    vec![
        Scenario {
            name: "Bắc Ninh permit (fee policy)",
            tenant: "bac-ninh",
            body: Box::new(move |_| {
                submission(
                    "1.009994",
                    &permit_agency,
                    "online",
                    applicant("027088004321", "Nguyễn Văn An"),
                    json!([]),
                )
            }),
        },
        Scenario {
            name: "Đà Nẵng birth (initiative)",
            tenant: "da-nang",
            body: Box::new(move |n| {
                submission(
                    "1.001193",
                    &da_nang,
                    "online",
                    applicant("048095001234", "Phạm Thị Thu Hà"),
                    birth_form(&format!("Trẻ Số {n}"), "Phạm Thị Thu Hà", "048095001234"),
                )
            }),
        },
        Scenario {
            name: "Vĩnh Phúc birth (form plugin)",
            tenant: "vinh-phuc",
            body: Box::new(move |n| {
                submission(
                    "1.001193",
                    &vinh_phuc,
                    "online",
                    applicant("026095001122", "Đỗ Thị Hoa"),
                    birth_form(&format!("Bé Số {n}"), "Đỗ Thị Hoa", "026095001122"),
                )
            }),
        },
    ]
}

/// What one load run measured.
#[derive(Default, serde::Serialize, serde::Deserialize, Clone)]
pub(crate) struct Run {
    /// Requests in flight at once (closed loop), or 0 for an open loop.
    pub(crate) concurrency: usize,
    /// Arrivals per second of an open loop.
    pub(crate) rate: Option<f64>,
    pub(crate) accepted: u64,
    pub(crate) refused: BTreeMap<u16, u64>,
    pub(crate) seconds: f64,
    pub(crate) per_second: f64,
    pub(crate) p50_ms: f64,
    pub(crate) p99_ms: f64,
    pub(crate) max_ms: f64,
}

impl Run {
    pub(crate) fn of(
        concurrency: usize,
        rate: Option<f64>,
        mut latencies: Vec<Duration>,
        refused: BTreeMap<u16, u64>,
        seconds: f64,
    ) -> Run {
        latencies.sort();
        let at = |p: f64| {
            latencies
                .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
                .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
        };
        Run {
            concurrency,
            rate,
            accepted: latencies.len() as u64,
            refused,
            seconds,
            per_second: latencies.len() as f64 / seconds,
            p50_ms: at(0.50),
            p99_ms: at(0.99),
            max_ms: at(1.0),
        }
    }
}

/// Where a submission's time goes inside the host(s), per accepted
/// submission, from the difference of two `/metrics` scrapes.
#[derive(Default, serde::Serialize, serde::Deserialize, Clone)]
pub(crate) struct Breakdown {
    /// `POST /dossiers` as the host timed it (handler and middleware).
    pub(crate) request_ms: f64,
    /// Each plugin call's mean, by call (`fee-lines`, `validate`, ...).
    pub(crate) plugin_ms: BTreeMap<String, f64>,
    /// Plugin calls on the request path per submission.
    pub(crate) plugin_calls: f64,
    /// The outbox's delivery calls to the portal (after the response), by
    /// call, per submission.
    pub(crate) delivery_ms: BTreeMap<String, f64>,
    /// The dossier's write unit of work (`dossier.commit`), writer wait
    /// included.
    pub(crate) commit_ms: f64,
    /// CPU of the host processes per accepted submission (user + system,
    /// delivery to the portal included).
    pub(crate) host_cpu_ms: f64,
}

#[derive(Default, serde::Serialize, serde::Deserialize, Clone)]
pub(crate) struct SubmitResult {
    pub(crate) label: String,
    pub(crate) replicas: usize,
    pub(crate) runs: Vec<Run>,
    pub(crate) half_load: Option<Run>,
    pub(crate) breakdown: Breakdown,
    /// How long the outbox took to deliver what the closed loops left.
    #[serde(default)]
    pub(crate) drained_seconds: f64,
}

/// Starts `replicas` hosts on `db` with the portal stand-in, runs the
/// closed loops and the half-load open loop.
pub(crate) async fn submit_phase(
    label: &str,
    db: &TestDb,
    replicas: usize,
    args: &Args,
) -> SubmitResult {
    println!("\n== submit: {label}");
    let (portal, _portal_dir) = portal_standin(PORTAL_TOKEN);
    let mut platform = Platform::new(db).await;
    platform.log = "warn".to_owned();
    platform.connect_portal(portal.addr.port(), PORTAL_TOKEN);
    let mut hosts = Vec::new();
    for _ in 0..replicas {
        hosts.push(platform.start(&[]).await);
    }
    let scenarios = scenarios(&hosts[0]).await;
    let targets = hosts
        .iter()
        .flat_map(|host| {
            scenarios
                .iter()
                .enumerate()
                .map(|(i, s)| (i, host.api(s.tenant, "citizen")))
        })
        .collect();
    let load = Arc::new(Load {
        scenarios,
        targets,
        sent: AtomicU64::new(0),
    });
    // Warm: every plugin instantiated, every connection open.
    closed_loop(&load, 4, Duration::from_secs(1)).await;

    let before = scrape_all(&hosts).await;
    let cpu_before = hosts_cpu(&hosts);
    let mut runs = Vec::new();
    for &c in &args.concurrency {
        let run = closed_loop(&load, c, Duration::from_secs(args.seconds)).await;
        println!(
            "  c={c:<3} {:>7.0}/s  p50 {:>6.1} ms  p99 {:>6.1} ms  max {:>6.1} ms  refused {:?}",
            run.per_second, run.p50_ms, run.p99_ms, run.max_ms, run.refused
        );
        runs.push(run);
    }
    let after = scrape_all(&hosts).await;
    let cpu = hosts_cpu(&hosts) - cpu_before;
    let accepted: u64 = runs.iter().map(|r| r.accepted).sum();
    let breakdown = breakdown(&before, &after, accepted, cpu);
    // The closed loops outran delivery; the open loop starts once the
    // portal has everything, so it measures a load the host sustains.
    let drained_seconds = drain(&hosts[0], &load.scenarios).await;
    println!("  outbox drained {drained_seconds:.1} s after the closed loops");
    let best = runs.iter().map(|r| r.per_second).fold(0.0, f64::max);
    let half_load = if best > 2.0 {
        let rate = best / 2.0;
        let run = open_loop(&load, rate, Duration::from_secs(args.seconds)).await;
        println!(
            "  open loop at {rate:.0}/s (half the best): {:.0}/s  p50 {:.1} ms  p99 {:.1} ms  max {:.1} ms",
            run.per_second, run.p50_ms, run.p99_ms, run.max_ms
        );
        Some(run)
    } else {
        None
    };
    for host in &hosts {
        host.terminate();
    }
    drop(hosts);
    drop(portal);
    SubmitResult {
        label: label.to_owned(),
        replicas,
        runs,
        half_load,
        breakdown,
        drained_seconds,
    }
}

/// Seconds until no tenant of `scenarios` has an event pending delivery
/// (at most 300).
async fn drain(host: &Replica, scenarios: &[Scenario]) -> f64 {
    let started = Instant::now();
    for scenario in scenarios {
        let admin = host.api(scenario.tenant, "tenant_admin");
        while started.elapsed() < Duration::from_secs(300) {
            let summary = admin.get("/outbox/summary").await.expect(200);
            if summary["pending"].as_u64() == Some(0) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    started.elapsed().as_secs_f64()
}

/// `concurrency` clients, each sending its next submission as soon as the
/// last is answered, for `length`.
async fn closed_loop(load: &Arc<Load>, concurrency: usize, length: Duration) -> Run {
    let started = Instant::now();
    let deadline = started + length;
    let mut clients = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let load = load.clone();
        clients.spawn(async move {
            let mut latencies = Vec::new();
            let mut refused = BTreeMap::<u16, u64>::new();
            while Instant::now() < deadline {
                let (status, took) = load.submit_next().await;
                match status {
                    201 => latencies.push(took),
                    other => *refused.entry(other).or_default() += 1,
                }
            }
            (latencies, refused)
        });
    }
    let mut latencies = Vec::new();
    let mut refused = BTreeMap::new();
    while let Some(done) = clients.join_next().await {
        let (mine, theirs) = done.expect("a client task");
        latencies.extend(mine);
        for (status, n) in theirs {
            *refused.entry(status).or_default() += n;
        }
    }
    Run::of(
        concurrency,
        None,
        latencies,
        refused,
        started.elapsed().as_secs_f64(),
    )
}

/// Submissions arriving at `rate` per second whatever the host's pace, for
/// `length` (the latency a citizen sees at that load).
async fn open_loop(load: &Arc<Load>, rate: f64, length: Duration) -> Run {
    let started = Instant::now();
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / rate));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut clients = tokio::task::JoinSet::new();
    while started.elapsed() < length {
        tick.tick().await;
        let load = load.clone();
        clients.spawn(async move { load.submit_next().await });
    }
    let mut latencies = Vec::new();
    let mut refused = BTreeMap::<u16, u64>::new();
    while let Some(done) = clients.join_next().await {
        match done.expect("a client task") {
            (201, took) => latencies.push(took),
            (other, _) => *refused.entry(other).or_default() += 1,
        }
    }
    Run::of(
        0,
        Some(rate),
        latencies,
        refused,
        started.elapsed().as_secs_f64(),
    )
}

/// The submissions a load sends: each scenario on each host, in turn.
struct Load {
    scenarios: Vec<Scenario>,
    /// A scenario (by index) on a host's API.
    targets: Vec<(usize, Api)>,
    /// Submissions sent so far: the next one's number.
    sent: AtomicU64,
}

impl Load {
    /// Sends the next submission; its status and how long it took.
    async fn submit_next(&self) -> (u16, Duration) {
        let n = self.sent.fetch_add(1, Ordering::Relaxed);
        let (scenario, api) = &self.targets[n as usize % self.targets.len()];
        let scenario = &self.scenarios[*scenario];
        let body = (scenario.body)(n);
        let started = Instant::now();
        let reply = api.submit(&body).await;
        let took = started.elapsed();
        if reply.status.as_u16() != 201 && n.is_multiple_of(500) {
            println!(
                "  {} refused: {} {}",
                scenario.name,
                reply.status,
                reply.text()
            );
        }
        (reply.status.as_u16(), took)
    }
}

/// CPU seconds the hosts' processes have spent so far.
fn hosts_cpu(hosts: &[Replica]) -> f64 {
    hosts
        .iter()
        .map(|h| process_cpu(&h.pid().to_string()).as_secs_f64())
        .sum()
}

async fn scrape_all(hosts: &[Replica]) -> Vec<Scrape> {
    let mut scrapes = Vec::new();
    for host in hosts {
        scrapes.push(Scrape::at(&host.client, &host.base).await);
    }
    scrapes
}

fn breakdown(before: &[Scrape], after: &[Scrape], accepted: u64, cpu: f64) -> Breakdown {
    let per = accepted.max(1) as f64;
    let delta = |name: &str, labels: &[(&str, &str)]| -> (f64, f64) {
        let (mut sum, mut count) = (0.0, 0.0);
        for (b, a) in before.iter().zip(after) {
            let (s0, c0) = b.histogram_sum_count(name, labels);
            let (s1, c1) = a.histogram_sum_count(name, labels);
            sum += s1 - s0;
            count += c1 - c0;
        }
        (sum, count)
    };
    let route = [
        ("method", "POST"),
        ("route", "/api/v1/tenants/{tenant}/dossiers"),
    ];
    let (request, _) = delta("motcua_http_request_duration_seconds", &route);
    let (commit, _) = delta(
        "motcua_storage_write_seconds",
        &[("unit", "dossier.commit")],
    );
    let calls = after
        .first()
        .map(|s| s.label_values("motcua_plugin_call_duration_seconds", "call"))
        .unwrap_or_default();
    let mut plugin_ms = BTreeMap::new();
    let mut delivery_ms = BTreeMap::new();
    let mut plugin_calls = 0.0;
    for call in calls {
        let (sum, count) = delta("motcua_plugin_call_duration_seconds", &[("call", &call)]);
        if count == 0.0 {
            continue;
        }
        // The portal connector's pushes run from the outbox, after the
        // citizen has the answer.
        if call.starts_with("connector.push") {
            delivery_ms.insert(call, sum * 1000.0 / per);
        } else {
            plugin_ms.insert(call, sum * 1000.0 / per);
            plugin_calls += count / per;
        }
    }
    Breakdown {
        request_ms: request * 1000.0 / per,
        plugin_ms,
        plugin_calls,
        delivery_ms,
        commit_ms: commit * 1000.0 / per,
        host_cpu_ms: cpu * 1000.0 / per,
    }
}
