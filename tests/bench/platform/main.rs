//! `cargo xtask bench platform`: the platform's performance suite. Real
//! `motcua serve` processes of this (release) build on loopback ports, the
//! demo tenants and the shipped plugins, the national portal's stand-in
//! receiving the outbox's events as in production; a closed-loop load
//! generator in this process (reqwest on tokio), each request timed.
//!
//! - **submit**: online submissions (Bắc Ninh's construction permit priced by
//!   its fee policy, Đà Nẵng's birth registration with its initiative,
//!   Vĩnh Phúc's with its form plugin, in turn) at several concurrencies,
//!   on SQLite and PostgreSQL with one host, and on PostgreSQL with three
//!   replicas behind a round-robin client; then an open loop at half the
//!   best throughput, whose p99 the goal names. What a submission
//!   costs inside the host is read from its `/metrics` (plugin calls by
//!   call, the commit's write unit, the whole request).
//! - **cold start**: 34 tenants with 6 plugins each, from an empty
//!   compiled-code cache and then from the cache the first start left:
//!   time from the process's start to `/readyz` answering 200, and its
//!   resident memory then.
//! - **lists**: a million Đà Nẵng dossiers (a few submitted, the rest copied
//!   from them in SQL) on SQLite and PostgreSQL; the console's lists and
//!   the statistics asked through the API, p50/p99 of each page.
//!
//! Prints a one-screen summary and writes every figure to
//! `target/bench/platform-<unix time>.json`; the summary shows the previous
//! run's figures beside today's. A benchmark: it asserts nothing.

mod cold_start;
mod lists;
mod report;
mod submit;

use std::time::Instant;

use motcua::storage::Backend;
use motcua_tests::bench::load_average;
use motcua_tests::cli::motcua;
use motcua_tests::db::{run_at, run_on};

use crate::cold_start::cold_start;
use crate::lists::lists_phase;
use crate::report::{Report, previous_report, print_summary, save};
use crate::submit::submit_phase;

pub(crate) struct Args {
    pub(crate) seconds: u64,
    pub(crate) concurrency: Vec<usize>,
    only: Vec<String>,
    pub(crate) postgres: bool,
    pub(crate) postgres_url: String,
    pub(crate) tenants: usize,
    pub(crate) dossiers: u64,
}

const PHASES: [&str; 5] = ["sqlite", "postgres", "replicas", "cold-start", "lists"];

fn args() -> Result<Args, String> {
    let mut args = Args {
        seconds: 5,
        concurrency: vec![1, 8, 32, 64],
        only: PHASES.iter().map(|p| (*p).to_owned()).collect(),
        postgres: true,
        postgres_url: std::env::var("MOTCUA_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned()),
        tenants: 34,
        dossiers: 1_000_000,
    };
    let mut given = std::env::args().skip(1);
    while let Some(flag) = given.next() {
        if flag == "--no-postgres" {
            args.postgres = false;
            continue;
        }
        let value = given
            .next()
            .ok_or_else(|| format!("{flag} wants a value"))?;
        let number = |what: &str, text: &str| {
            text.parse::<u64>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| format!("{what} wants positive whole numbers, not {text}"))
        };
        match flag.as_str() {
            "--seconds" => args.seconds = number("--seconds", &value)?,
            "--tenants" => args.tenants = number("--tenants", &value)? as usize,
            "--dossiers" => args.dossiers = number("--dossiers", &value)?,
            "--concurrency" => {
                args.concurrency = value
                    .split(',')
                    .map(|c| number("--concurrency", c).map(|n| n as usize))
                    .collect::<Result<_, _>>()?
            }
            "--only" => {
                args.only = value.split(',').map(str::to_owned).collect();
                if let Some(unknown) = args.only.iter().find(|p| !PHASES.contains(&p.as_str())) {
                    return Err(format!("--only: no phase {unknown} (phases: {PHASES:?})"));
                }
            }
            "--postgres-url" => args.postgres_url = value,
            other => return Err(format!("unknown option {other}")),
        }
    }
    if !args.postgres {
        args.only.retain(|p| p != "postgres" && p != "replicas");
    }
    // Last: its million rows are the slowest part to make.
    if let Some(at) = args.only.iter().position(|p| p == "lists") {
        let lists = args.only.remove(at);
        args.only.push(lists);
    }
    Ok(args)
}

fn main() {
    let args = match args() {
        Ok(args) => args,
        Err(error) => {
            eprintln!("{error}");
            eprintln!(
                "usage: platform-bench [--seconds N (5)] [--concurrency 1,8,32,64] \
                 [--only sqlite,postgres,replicas,cold-start,lists] [--tenants 34] \
                 [--dossiers 1000000] [--no-postgres] [--postgres-url postgres://...]"
            );
            std::process::exit(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let started = Instant::now();
    // Built (release, as this bench) before anything is timed.
    let binary = motcua().to_path_buf();
    let load = load_average();
    println!("platform bench: `uptime` {load}");
    let mut report = Report {
        load,
        ..Report::default()
    };
    runtime.block_on(async {
        for phase in &args.only {
            match phase.as_str() {
                "sqlite" => {
                    let (submit, args) = (&mut report.submit, &args);
                    run_on(Backend::Sqlite, |db| async move {
                        submit.push(submit_phase("SQLite, 1 host", &db, 1, args).await)
                    })
                    .await
                }
                "postgres" | "replicas" => {
                    let replicas = if phase == "postgres" { 1 } else { 3 };
                    let label = if replicas == 1 {
                        "PostgreSQL, 1 host".to_owned()
                    } else {
                        format!("PostgreSQL, {replicas} replicas")
                    };
                    let before = report.submit.len();
                    let (submit, args, name) = (&mut report.submit, &args, &label);
                    run_at(Backend::Postgres, &args.postgres_url, |db| async move {
                        submit.push(submit_phase(name, &db, replicas, args).await)
                    })
                    .await;
                    if report.submit.len() == before {
                        println!(
                            "{label}: PostgreSQL at the given URL could not be opened; skipped"
                        );
                    }
                }
                "cold-start" => report.cold_start = Some(cold_start(&binary, &args).await),
                "lists" => {
                    let (lists, args) = (&mut report.lists, &args);
                    run_on(Backend::Sqlite, |db| async move {
                        lists.push(lists_phase(&db, args).await)
                    })
                    .await;
                    if args.postgres {
                        let (lists, args) = (&mut report.lists, &args);
                        run_at(Backend::Postgres, &args.postgres_url, |db| async move {
                            lists.push(lists_phase(&db, args).await)
                        })
                        .await;
                    }
                }
                _ => unreachable!("checked in args()"),
            }
        }
    });
    let previous = previous_report();
    print_summary(&report, previous.as_ref());
    let path = save(&report);
    println!(
        "figures kept in {} ({:.0} s in all)",
        path.display(),
        started.elapsed().as_secs_f64()
    );
}
