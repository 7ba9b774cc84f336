//! `motcua import` as a province's migration runs it: a generated file of
//! 10,000 dossiers with their histories, with planted errors, into the demo
//! tenant on SQLite. The verdicts are checked against the domain's schedule
//! computed from each record's own times.

use std::io::Write;
use std::path::Path;

use motcua::app::import::ImportRecord;
use motcua::app::import::sample::{Sample, verdict};
use motcua::app::ports::{CatalogStore, DossierStore, StatisticsScope, StatisticsStore};
use motcua::domain::calendar::WorkingCalendar;
use motcua::domain::deadline::{ProcessingTime, Timeliness};
use motcua::domain::statistics::Counter;
use motcua::domain::time::Date;
use time::macros::date;

mod support;

use support::{motcua_in, open, report, seeded_demo, stdout};

const TENANT: &str = "bac-ninh";
const DOSSIERS: usize = 10_000;

fn sample() -> Sample {
    Sample {
        agency: "000.21.31.H06".into(),
        procedure: "1.004194".into(),
        first_day: date!(2025 - 03 - 03),
        fee_vnd: Some(15_000),
        seed: 766,
    }
}

/// The generated records, with three lines broken on purpose: 101 names
/// no procedure of the catalog, 202 goes back in time, 303 is not JSON.
fn write_file(path: &Path) -> Vec<ImportRecord> {
    let sample = sample();
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let mut records = Vec::with_capacity(DOSSIERS);
    for index in 0..DOSSIERS {
        let record = sample.record(index);
        let line = index + 1;
        let mut value = serde_json::to_value(&record).unwrap();
        match line {
            101 => value["procedure_code"] = "9.999999".into(),
            202 => value["history"][1]["at"] = "2020-01-01T00:00:00".into(),
            _ => {}
        }
        if line == 303 {
            writeln!(file, "{{\"format\": \"motcua-import/1\", \"code\": ").unwrap();
        } else {
            writeln!(file, "{value}").unwrap();
        }
        records.push(record);
    }
    file.flush().unwrap();
    records
}

#[test]
fn a_generated_migration_imports_with_the_domains_verdicts_and_a_rerun_changes_nothing() {
    let (dir, runtime) = seeded_demo();
    let path = dir.path().join("legacy.jsonl");
    let records = write_file(&path);
    let file = path.to_str().unwrap();

    let output = motcua_in(
        dir.path(),
        &["import", "--tenant", TENANT, "--source", "igate", file],
    );
    assert_eq!(output.status.code(), Some(1), "{}", report(&output));
    let text = stdout(&output);
    assert!(
        text.contains("10000 line(s), 9997 imported, 0 already there, 3 refused"),
        "{}",
        report(&output)
    );
    let errors = String::from_utf8_lossy(&output.stderr);
    for expected in [
        "line 101 (000.21.31.H06-250303-0101): procedure_code:",
        "line 202 (000.21.31.H06-250303-0202): history[1]:",
        "line 303 (?): code: EOF while parsing",
    ] {
        assert!(errors.contains(expected), "{expected}\n{}", report(&output));
    }

    let (checked, overdue) = runtime.block_on(async {
        let db = open(dir.path()).await;
        let calendar = WorkingCalendar::new(db.calendar(TENANT).await.unwrap().unwrap()).unwrap();
        let mut checked = 0;
        let mut overdue = 0;
        // Every 7th dossier: its stored verdict against the domain's.
        for (index, record) in records.iter().enumerate().step_by(7) {
            if [100, 201, 302].contains(&index) {
                continue;
            }
            let code = record.code.parse().unwrap();
            let stored = db.dossier(TENANT, &code).await.unwrap().expect("imported");
            assert_eq!(
                stored.state.timeliness(),
                verdict(&calendar, ProcessingTime::WorkingDays(3), record),
                "{}",
                record.code
            );
            assert_eq!(stored.state.received_at, Some(record.history[0].at));
            checked += 1;
            if matches!(stored.state.timeliness(), Some(Timeliness::Overdue { .. })) {
                overdue += 1;
            }
        }
        // The statistics count them on the days they were received, not
        // on the day of the import.
        let days = db
            .daily_counts(
                TENANT,
                date!(2025 - 03 - 01),
                date!(2025 - 03 - 31),
                &StatisticsScope::default(),
                None,
            )
            .await
            .unwrap();
        let received: Vec<(Date, i64)> = days
            .iter()
            .filter(|d| d.counts[Counter::Received.index()] > 0)
            .map(|d| (d.day, d.counts[Counter::Received.index()]))
            .collect();
        assert_eq!(
            received,
            [(date!(2025 - 03 - 03), 4997), (date!(2025 - 03 - 04), 5000)]
        );
        db.close().await;
        (checked, overdue)
    });
    assert!(checked > 1_000);
    assert!(
        overdue > 0 && overdue < checked,
        "the sample has late dossiers and timely ones: {overdue} of {checked}"
    );

    // The same file again: nothing changes.
    let again = motcua_in(dir.path(), &["import", "--tenant", TENANT, file]);
    assert!(
        stdout(&again).contains("10000 line(s), 0 imported, 9997 already there, 3 refused"),
        "{}",
        report(&again)
    );
}

#[test]
fn all_or_nothing_writes_nothing_when_a_line_is_refused() {
    let (dir, runtime) = seeded_demo();
    let sample = sample();
    let path = dir.path().join("two.jsonl");
    let mut bad = serde_json::to_value(sample.record(1)).unwrap();
    bad["channel"] = "fax".into();
    std::fs::write(
        &path,
        format!(
            "{}\n{bad}\n",
            serde_json::to_value(sample.record(0)).unwrap()
        ),
    )
    .unwrap();
    let output = motcua_in(
        dir.path(),
        &[
            "import",
            "--all-or-nothing",
            "--tenant",
            TENANT,
            path.to_str().unwrap(),
        ],
    );
    assert_eq!(output.status.code(), Some(1), "{}", report(&output));
    assert!(stdout(&output).contains("REFUSED, nothing written"));
    assert!(String::from_utf8_lossy(&output.stderr).contains("line 2 "));
    let stored = runtime.block_on(async {
        let db = open(dir.path()).await;
        let code = sample.record(0).code.parse().unwrap();
        let stored = db.dossier(TENANT, &code).await.unwrap();
        db.close().await;
        stored
    });
    assert!(stored.is_none(), "the valid line was not written either");
}

#[test]
fn the_documented_example_imports_with_the_document_it_names_by_path() {
    let (dir, runtime) = seeded_demo();
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/import/bac-ninh.jsonl");
    let output = motcua_in(dir.path(), &["import", "--tenant", TENANT, example]);
    assert_eq!(output.status.code(), Some(0), "{}", report(&output));
    assert!(stdout(&output).contains("3 line(s), 3 imported"));
    let (documents, pending) = runtime.block_on(async {
        let db = open(dir.path()).await;
        let code = "000.21.31.H06-251103-0007".parse().unwrap();
        let documents = db.documents(TENANT, &code).await.unwrap();
        let pending: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM outbox WHERE tenant_id = 'bac-ninh' AND state = 'pending'",
        )
        .fetch_one(db.pool())
        .await
        .unwrap();
        db.close().await;
        (documents, pending)
    });
    assert_eq!(documents.len(), 1);
    assert_eq!(documents[0].media_type, "application/pdf");
    assert_eq!(
        pending, 2,
        "only the two steps the old system had not reported"
    );
}
