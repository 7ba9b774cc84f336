//! The import rules against the in-memory ports.

use motcua_domain::local_datetime;
use serde_json::{Value, json};

use super::*;
use crate::app::ports::{OutboxFilter, OutboxStore};
use crate::app::service::TransitionRequest;
use crate::app::testing::{AGENCY, PROCEDURE, TENANT, TestWorld, citizen_applicant};
use motcua_domain::code::DossierCode;
use motcua_domain::deadline::Timeliness;
use motcua_domain::dossier::Channel;

const CODE: &str = "000.00.01.H17-250303-0042";

fn step(at: &str, role: &str, command: Value) -> Value {
    json!({"at": at, "by": "legacy-officer", "role": role, "command": command})
}

/// A counter dossier of the seeded procedure (3 working days) received on
/// Monday 3 March 2025 at 09:00, sent back once for a day, approved and
/// returned; its receipt was reported to the portal by the old system.
fn record(code: &str) -> Value {
    let mut receive = step(
        "2025-03-03T09:00:00",
        "officer",
        json!({"action": "receive"}),
    );
    receive["synchronised"] = json!(true);
    json!({
        "format": "motcua-import/1",
        "code": code,
        "procedure_code": PROCEDURE,
        "channel": "counter",
        "applicant": citizen_applicant(),
        "fee_lines": [{"code": "LP", "label": {"vi": "Lệ phí", "en": "Charge"},
                       "kind": "charge", "amount_vnd": 8000, "collection": "before_processing"}],
        "payments": [{"channel": "counter", "amount_vnd": 8000, "reference": "BL-7"}],
        "documents": [{"kind": "result", "title": "Giấy khai sinh",
                       "media_type": "application/pdf", "content_base64": "JVBERi0xLjQ="}],
        "history": [
            receive,
            step("2025-03-03T09:30:00", "officer",
                 json!({"action": "assign", "assignee": "phong-tu-phap"})),
            step("2025-03-03T10:00:00", "officer", json!({"action": "start_review"})),
            step("2025-03-04T09:00:00", "officer",
                 json!({"action": "request_supplementation", "reason": "thiếu tờ khai"})),
            step("2025-03-05T09:00:00", "officer", json!({"action": "supplement"})),
            step("2025-03-07T08:00:00", "officer", json!({"action": "approve"})),
        ],
    })
}

/// The seeded procedure at the counter, with no form values.
fn counter_submission() -> crate::app::service::SubmitDossier {
    crate::app::service::SubmitDossier {
        procedure_code: PROCEDURE.to_owned(),
        agency: AGENCY.to_owned(),
        channel: Channel::Counter,
        applicant: citizen_applicant(),
        form: Vec::new(),
    }
}

/// A world whose form plugin accepts every form and whose fee plugin
/// prices nothing.
async fn world() -> TestWorld {
    TestWorld::with_plugins(Vec::new()).await
}

fn lines(values: &[Value]) -> Vec<String> {
    values.iter().map(Value::to_string).collect()
}

async fn import(world: &TestWorld, file: &[String], options: ImportOptions) -> ImportReport {
    let importer = Importer::new(world.store.clone(), world.store.clone());
    let mut run = importer
        .start(&world.users.admin, TENANT, "igate (test.jsonl)")
        .await
        .expect("an admin may import");
    let no_files = |_: &str| Err("no files here".to_owned());
    import_lines(
        &mut run,
        || file.iter().cloned().map(Ok),
        &no_files,
        options,
        &mut |_| {},
    )
    .await
    .expect("the import runs")
}

#[tokio::test]
async fn an_imported_dossier_keeps_its_code_and_its_deadline_follows_the_rules_from_its_own_times()
{
    let world = world().await;
    let report = import(&world, &lines(&[record(CODE)]), ImportOptions::default()).await;
    assert_eq!((report.imported, report.refused), (1, 0), "{report:?}");

    let details = world
        .service
        .dossier(&world.users.admin, TENANT, CODE)
        .await
        .expect("stored under its own code");
    let state = &details.dossier.state;
    // Received Mon 09:00 + 3 working days = Thu 6 Mar 09:00, moved by the
    // one working day of supplementation to Fri 7 Mar 09:00; approved at
    // 08:00 that day.
    assert_eq!(state.appointment, Some(local_datetime!(2025-03-07 09:00)));
    assert_eq!(state.received_at, Some(local_datetime!(2025-03-03 09:00)));
    assert_eq!(details.timeliness, Some(Timeliness::OnTime));
    assert_eq!(details.documents.len(), 1);
    assert_eq!(details.fee_lines[0].line.amount_vnd, 8000);
    let events = world
        .service
        .events(&world.users.admin, TENANT, CODE)
        .await
        .unwrap();
    assert!(
        events[0]
            .event
            .note
            .as_deref()
            .is_some_and(|note| note.contains("imported from igate (test.jsonl)")),
        "the audit trail starts by saying where the dossier came from: {:?}",
        events[0].event.note
    );
}

#[tokio::test]
async fn the_same_history_played_live_reaches_the_same_appointment_and_verdict() {
    let world = world().await;
    import(&world, &lines(&[record(CODE)]), ImportOptions::default()).await;
    let imported = world
        .service
        .dossier(&world.users.admin, TENANT, CODE)
        .await
        .unwrap();

    // Played step by step through the service at the same times.
    world.clock.set(local_datetime!(2025-03-03 09:00));
    let submission = counter_submission();
    let live = world
        .service
        .submit(&world.users.officer, TENANT, submission)
        .await
        .unwrap();
    let code = live.dossier.code.to_string();
    for (at, request) in [
        (
            local_datetime!(2025-03-03 09:30),
            TransitionRequest::Assign {
                assignee: "phong-tu-phap".into(),
            },
        ),
        (
            local_datetime!(2025-03-03 10:00),
            TransitionRequest::StartReview,
        ),
        (
            local_datetime!(2025-03-04 09:00),
            TransitionRequest::RequestSupplementation {
                reason: "thiếu tờ khai".into(),
            },
        ),
        (
            local_datetime!(2025-03-05 09:00),
            TransitionRequest::Supplement { form: None },
        ),
        (
            local_datetime!(2025-03-07 08:00),
            TransitionRequest::Approve { result: None },
        ),
    ] {
        world.clock.set(at);
        world
            .service
            .transition(&world.users.officer, TENANT, &code, request, None)
            .await
            .unwrap();
    }
    let live = world
        .service
        .dossier(&world.users.admin, TENANT, &code)
        .await
        .unwrap();
    assert_eq!(
        imported.dossier.state.appointment,
        live.dossier.state.appointment
    );
    assert_eq!(imported.timeliness, live.timeliness);
}

#[tokio::test]
async fn a_second_run_changes_nothing_and_codes_registered_later_that_day_come_after() {
    let world = world().await;
    let file = lines(&[record(CODE)]);
    import(&world, &file, ImportOptions::default()).await;
    let again = import(&world, &file, ImportOptions::default()).await;
    assert_eq!((again.imported, again.already_there), (0, 1));
    let page = world
        .store
        .outbox_entries(TENANT, &OutboxFilter::default(), None, 100)
        .await
        .unwrap();
    // Six steps, the receipt already reported by the old system: five
    // entries, once.
    assert_eq!(page.len(), 5, "{page:?}");

    // A dossier received here on the import's day gets number 43.
    world.clock.set(local_datetime!(2025-03-03 15:00));
    let submission = counter_submission();
    let live = world
        .service
        .submit(&world.users.officer, TENANT, submission)
        .await
        .unwrap();
    assert_eq!(live.dossier.code.counter(), 43);
    assert_eq!(
        live.dossier.code,
        DossierCode::parse("000.00.01.H17-250303-0043").unwrap()
    );
}

#[tokio::test]
async fn refused_lines_name_their_line_and_field_and_the_others_still_import() {
    let world = world().await;
    let mut unknown_procedure = record("000.00.01.H17-250303-0002");
    unknown_procedure["procedure_code"] = json!("9.999999");
    let mut out_of_order = record("000.00.01.H17-250303-0003");
    out_of_order["history"][2]["at"] = json!("2025-03-02T10:00:00");
    let mut typo = record("000.00.01.H17-250303-0004");
    typo["history"][0]["command"] = json!({"action": "recieve"});
    let file = vec![
        record("000.00.01.H17-250303-0001").to_string(),
        unknown_procedure.to_string(),
        String::new(),
        out_of_order.to_string(),
        typo.to_string(),
        "{not json".to_owned(),
    ];
    let report = import(&world, &file, ImportOptions::default()).await;
    assert_eq!((report.lines, report.imported, report.refused), (5, 1, 4));
    let problems: Vec<(u64, &str)> = report
        .problems
        .iter()
        .map(|p| (p.line, p.problems[0].field.as_str()))
        .collect();
    assert_eq!(
        problems,
        [
            (2, "procedure_code"),
            (4, "history[2]"),
            (5, "history[0].command.action"),
            (6, ""),
        ]
    );
    assert!(report.written);
}

#[tokio::test]
async fn all_or_nothing_writes_nothing_when_one_line_is_refused() {
    let world = world().await;
    let mut bad = record("000.00.01.H17-250303-0002");
    bad["payments"][0]["amount_vnd"] = json!(0);
    let file = lines(&[record(CODE), bad]);
    let options = ImportOptions {
        all_or_nothing: true,
    };
    let report = import(&world, &file, options).await;
    assert!(!report.written);
    assert_eq!(report.problems[0].line, 2);
    assert_eq!(report.problems[0].problems[0].field, "payments[0]");
    assert!(
        world
            .service
            .dossier(&world.users.admin, TENANT, CODE)
            .await
            .is_err(),
        "the valid line was not written either"
    );
}

#[tokio::test]
async fn only_a_tenant_admin_imports() {
    let world = world().await;
    let importer = Importer::new(world.store.clone(), world.store.clone());
    let refused = importer.start(&world.users.officer, TENANT, "igate").await;
    assert!(matches!(refused, Err(AppError::Forbidden(_))));
}

#[tokio::test]
async fn a_code_twice_in_one_file_is_imported_once() {
    let world = world().await;
    let file = lines(&[
        record("000.00.01.H17-250303-0001"),
        record(CODE),
        record(CODE),
    ]);
    let report = import(&world, &file, ImportOptions::default()).await;
    assert_eq!(
        (report.imported, report.already_there, report.refused),
        (2, 1, 0),
        "{report:?}"
    );
}

#[test]
fn the_published_json_schema_is_the_one_the_types_describe() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../docs/import/dossier.schema.json"
    );
    let generated = serde_json::to_string_pretty(&record::json_schema()).unwrap() + "\n";
    if std::env::var_os("MOTCUA_BLESS").is_some() {
        std::fs::write(path, &generated).unwrap();
    }
    let published = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        published == generated,
        "docs/import/dossier.schema.json is not the schema of the import types: \
         regenerate it with `MOTCUA_BLESS=1 cargo test -p motcua --lib json_schema`"
    );
}

#[test]
fn every_line_of_the_example_file_reads() {
    let text = include_str!("../../../../docs/import/bac-ninh.jsonl");
    for (index, line) in text.lines().enumerate() {
        let record = read_line(line).unwrap_or_else(|p| panic!("line {}: {p:?}", index + 1));
        assert_eq!(record.format, FORMAT);
    }
}
