//! `POST /tenants/{t}/imports` end to end (issue 14, import): generated
//! dossiers with histories and planted errors, over HTTP, on both backends.
//! Each imported dossier's verdict, as the API shows it, is the one the
//! domain's schedule computes from the record's own times.

use motcua::app::import::sample::{Sample, verdict};
use motcua::domain::calendar::{CalendarConfig, WorkingCalendar};
use motcua::domain::deadline::{ProcessingTime, Timeliness};
use motcua_tests::db::TestDb;
use motcua_tests::on_both_backends;
use motcua_tests::server::{Api, Reply, TestEnv};
use reqwest::Method;
use reqwest::header::CONTENT_TYPE;
use serde_json::Value;
use time::macros::date;

on_both_backends!(
    an_import_over_the_api_keeps_codes_and_verdicts_and_a_second_one_changes_nothing,
    only_the_tenants_admin_imports_and_only_json_lines,
);

const TENANT: &str = "bac-ninh";
const DOSSIERS: usize = 300;

fn sample() -> Sample {
    Sample {
        agency: "000.21.31.H06".into(),
        procedure: "1.004194".into(),
        first_day: date!(2025 - 06 - 02),
        fee_vnd: Some(15_000),
        seed: 14,
    }
}

async fn send(api: &Api, body: String, query: &str) -> Reply {
    api.send(
        api.request(Method::POST, &format!("/imports{query}"))
            .header(CONTENT_TYPE, "application/x-ndjson")
            .body(body),
    )
    .await
}

async fn an_import_over_the_api_keeps_codes_and_verdicts_and_a_second_one_changes_nothing(
    db: TestDb,
) {
    let env = TestEnv::new(&db);
    let server = env.start().await;
    let admin = server.api(TENANT, "tenant_admin");
    let sample = sample();
    let records: Vec<_> = (0..DOSSIERS).map(|i| sample.record(i)).collect();
    let mut lines: Vec<String> = records
        .iter()
        .map(|r| serde_json::to_string(r).unwrap())
        .collect();
    // Line 7 approves before anyone reviewed; line 8 pays nothing.
    let mut broken: Value = serde_json::from_str(&lines[6]).unwrap();
    broken["history"].as_array_mut().unwrap().remove(2);
    lines[6] = broken.to_string();
    let mut unpaid: Value = serde_json::from_str(&lines[7]).unwrap();
    unpaid["payments"][0]["amount_vnd"] = 0.into();
    lines[7] = unpaid.to_string();
    let body = lines.join("\n");

    let report = send(&admin, body.clone(), "?source=legacy-dvc")
        .await
        .expect(200);
    assert_eq!(report["imported"], DOSSIERS as u64 - 2, "{report}");
    assert_eq!(report["refused"], 2, "{report}");
    let problems: Vec<(u64, String)> = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["line"].as_u64().unwrap(),
                p["problems"][0]["field"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        problems,
        [(7, "history[2]".to_owned()), (8, "payments[0]".to_owned())]
    );

    let config: CalendarConfig =
        serde_json::from_value(admin.get("/calendar").await.expect(200)).unwrap();
    let calendar = WorkingCalendar::new(config).unwrap();
    let mut overdue = 0;
    for (index, record) in records.iter().enumerate().step_by(5) {
        if [6, 7].contains(&index) {
            continue;
        }
        let details = admin.dossier(&record.code).await;
        let expected = verdict(&calendar, ProcessingTime::WorkingDays(3), record);
        let shown: Option<Timeliness> =
            serde_json::from_value(details["timeliness"].clone()).unwrap();
        assert_eq!(shown, expected, "{}", record.code);
        overdue += usize::from(matches!(shown, Some(Timeliness::Overdue { .. })));
    }
    assert!(overdue > 0, "the sample has late dossiers");
    let events = admin.events(&records[0].code).await;
    assert!(
        events[0]["event"]["note"]
            .as_str()
            .is_some_and(|note| note.contains("imported from legacy-dvc")),
        "{:?}",
        events[0]
    );

    let again = send(&admin, body, "").await.expect(200);
    assert_eq!(
        (
            &again["imported"],
            &again["already_there"],
            &again["refused"]
        ),
        (&0.into(), &(DOSSIERS as u64 - 2).into(), &2.into()),
        "{again}"
    );
}

async fn only_the_tenants_admin_imports_and_only_json_lines(db: TestDb) {
    let env = TestEnv::new(&db);
    let server = env.start().await;
    let line = serde_json::to_string(&sample().record(0)).unwrap();
    send(&server.api(TENANT, "officer"), line.clone(), "")
        .await
        .expect(403);
    // Another tenant's admin cannot reach this tenant's imports, and a
    // record naming this tenant's agency is refused in theirs.
    let stranger = server.api_with("da-nang", Some(server.token(TENANT, "tenant_admin")));
    send(&stranger, line.clone(), "").await.expect(404);
    let theirs = send(&server.api("da-nang", "tenant_admin"), line.clone(), "")
        .await
        .expect(200);
    assert_eq!(theirs["refused"], 1, "{theirs}");
    assert_eq!(theirs["problems"][0]["problems"][0]["field"], "code");

    let admin = server.api(TENANT, "tenant_admin");
    admin
        .send(
            admin
                .request(Method::POST, "/imports")
                .header(CONTENT_TYPE, "application/json")
                .body(line),
        )
        .await
        .expect_error(415, "unsupported_media_type");
}
