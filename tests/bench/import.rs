//! `cargo xtask bench import [--dossiers N] [--no-sqlite] [--no-postgres]`:
//! how fast a province's migration goes. Generates N dossiers (about ten
//! events each, the generator of `motcua::app::import::sample`) into a JSON
//! Lines file, imports it into the demo tenant of a fresh SQLite database
//! and a fresh PostgreSQL schema with the code `motcua import` runs, then
//! imports it again (a re-run skips everything). Prints the rates.
//! A benchmark, not a test: it prints figures and asserts nothing.

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::sync::Arc;
use std::time::Instant;

use motcua::app::import::sample::Sample;
use motcua::app::import::{ImportOptions, ImportReport, Importer, import_lines};
use motcua::domain::lifecycle::Role;
use motcua::domain::tenancy::User;
use motcua::seed::seed_demo;
use motcua::storage::Backend;
use motcua_tests::db::run_on;
use time::macros::date;

const TENANT: &str = "bac-ninh";

struct Args {
    dossiers: usize,
    backends: Vec<Backend>,
}

fn args() -> Result<Args, String> {
    let mut args = Args {
        dossiers: 100_000,
        backends: vec![Backend::Sqlite, Backend::Postgres],
    };
    let mut given = std::env::args().skip(1);
    while let Some(flag) = given.next() {
        match flag.as_str() {
            "--dossiers" => {
                let value = given.next().ok_or("--dossiers wants a number")?;
                args.dossiers =
                    value.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
                        format!("--dossiers wants a positive number, not {value}")
                    })?;
            }
            "--no-sqlite" => args.backends.retain(|b| *b != Backend::Sqlite),
            "--no-postgres" => args.backends.retain(|b| *b != Backend::Postgres),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(args)
}

fn main() {
    let args = match args() {
        Ok(args) => args,
        Err(error) => {
            eprintln!("{error}");
            eprintln!("usage: import-bench [--dossiers N (100000)] [--no-sqlite] [--no-postgres]");
            std::process::exit(2);
        }
    };
    let dir = tempfile::tempdir().expect("a temporary directory");
    let file = dir.path().join("legacy.jsonl");
    let started = Instant::now();
    let events = generate(&file, args.dossiers);
    let size = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
    println!(
        "generated {} dossiers, {events} events ({:.1} per dossier), {:.0} MiB, in {:.1} s",
        args.dossiers,
        events as f64 / args.dossiers as f64,
        size as f64 / (1 << 20) as f64,
        started.elapsed().as_secs_f64()
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    for backend in args.backends {
        let file = file.clone();
        let data = dir.path().to_path_buf();
        runtime.block_on(run_on(backend, |test_db| async move {
            seed_demo(&test_db.db, &data).await.expect("the demo seed");
            let db = Arc::new(test_db.db.clone());
            let importer = Importer::new(db.clone(), db.clone());
            for pass in ["first import", "re-run"] {
                let started = Instant::now();
                let report = import(&importer, &file).await;
                let seconds = started.elapsed().as_secs_f64();
                println!(
                    "{backend:?} {pass}: {} lines in {seconds:.1} s = {:.0} dossiers/s, \
                     {:.0} events/s ({} imported, {} already there, {} refused)",
                    report.lines,
                    report.lines as f64 / seconds,
                    if pass == "first import" {
                        events as f64 / seconds
                    } else {
                        0.0
                    },
                    report.imported,
                    report.already_there,
                    report.refused
                );
            }
        }));
    }
}

/// Writes the sample; returns how many events its histories have.
fn generate(path: &std::path::Path, dossiers: usize) -> usize {
    let sample = Sample {
        agency: "000.21.31.H06".into(),
        procedure: "1.004194".into(),
        first_day: date!(2025 - 01 - 02),
        fee_vnd: Some(15_000),
        seed: 2025,
    };
    let mut out = BufWriter::new(std::fs::File::create(path).expect("the file"));
    let mut events = 0;
    for index in 0..dossiers {
        let record = sample.record(index);
        events += record.history.len();
        serde_json::to_writer(&mut out, &record).expect("a line");
        out.write_all(b"\n").expect("a line");
    }
    out.flush().expect("the file");
    events
}

async fn import(importer: &Importer, file: &std::path::Path) -> ImportReport {
    let admin = User {
        id: "import-bench".into(),
        tenant: Some(TENANT.into()),
        name: "import bench".into(),
        role: Role::TenantAdmin,
        agency: None,
        personal_id: None,
    };
    let mut run = importer
        .start(&admin, TENANT, "import-bench")
        .await
        .expect("the tenant has a calendar");
    let no_paths = |_: &str| Err("no documents".to_owned());
    import_lines(
        &mut run,
        || {
            BufReader::with_capacity(1 << 20, std::fs::File::open(file).expect("the file"))
                .lines()
                .map(|line| line.map_err(|e| e.to_string()))
        },
        &no_paths,
        ImportOptions::default(),
        &mut |_| {},
    )
    .await
    .expect("the import runs")
}
