//! The stand-ins for the national systems over real HTTP on loopback, as
//! `motcua standin ...` serves them: the national API, its fault modes
//! switched through `/admin/faults`, the bearer token, the portal's admin
//! view.

use std::time::{Duration, Instant};

use motcua_tests::standin::{self, FaultMode, FaultSetting, Options};
use serde_json::{Value, json};

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(20))
        .build()
        .expect("HTTP client")
}

async fn set_mode(client: &reqwest::Client, base: &str, body: Value) -> reqwest::Response {
    client
        .post(format!("{base}/admin/faults"))
        .json(&body)
        .send()
        .await
        .expect("the admin API answers in every mode")
}

#[tokio::test]
async fn the_population_standin_answers_sample_citizens_and_every_fault_mode() {
    let standin = standin::population_database();
    let base = standin.running.url();
    let client = client();
    let citizen = |id: &'static str| {
        let (client, base) = (client.clone(), base.clone());
        async move { client.get(format!("{base}/citizens/{id}")).send().await }
    };

    let found = citizen("026195000123").await.unwrap();
    assert_eq!(found.status(), 200);
    let body: Value = found.json().await.unwrap();
    assert_eq!(body["full_name"], "Trần Thị Bình");
    assert_eq!(body["birth_date"], "1995-02-03");
    assert!(
        body["permanent_residence"]
            .as_str()
            .unwrap()
            .contains("Vĩnh Phúc")
    );
    assert_eq!(citizen("026195999999").await.unwrap().status(), 404);
    let malformed = citizen("12ab").await.unwrap();
    assert_eq!(malformed.status(), 400);
    let error: Value = malformed.json().await.unwrap();
    assert_eq!(error["fields"][0]["field"], "personal_id");

    let failing = set_mode(&client, &base, json!({"mode": "fail"})).await;
    assert_eq!(failing.status(), 200);
    let unavailable = citizen("026195000123").await.unwrap();
    assert_eq!(unavailable.status(), 503);
    let error: Value = unavailable.json().await.unwrap();
    assert_eq!(error["code"], "unavailable");

    set_mode(&client, &base, json!({"mode": "slow", "delay_ms": 400})).await;
    let started = Instant::now();
    assert_eq!(citizen("026195000123").await.unwrap().status(), 200);
    assert!(
        started.elapsed() >= Duration::from_millis(400),
        "answered slowly"
    );

    set_mode(&client, &base, json!({"mode": "drop"})).await;
    let dropped = citizen("026195000123").await;
    assert!(dropped.is_err(), "no answer in drop mode: {dropped:?}");
    let current: Value = client
        .get(format!("{base}/admin/faults"))
        .send()
        .await
        .expect("admin still answers")
        .json()
        .await
        .unwrap();
    assert_eq!(current["mode"], "drop");

    let refused = set_mode(&client, &base, json!({"mode": "explode"})).await;
    assert_eq!(refused.status(), 400);
    let refused = set_mode(
        &client,
        &base,
        json!({"mode": "slow", "delay_ms": 10_000_000}),
    )
    .await;
    assert_eq!(refused.status(), 400);
    assert_eq!(standin.faults.current().mode, FaultMode::Drop, "kept");

    set_mode(&client, &base, json!({"mode": "ok"})).await;
    assert_eq!(citizen("026195000123").await.unwrap().status(), 200);
    assert_eq!(
        standin.population.lookups(),
        4,
        "faulted calls are not lookups"
    );
}

#[tokio::test]
async fn the_portal_standin_checks_its_token_and_keeps_progress_once_per_event() {
    let portal = standin::national_portal_with(Options {
        token: Some("s3cret".into()),
        faults: FaultSetting::default(),
    });
    let base = portal.running.url();
    let client = client();
    let code = "000.00.01.H22-261123-0001";
    let record = json!({
        "code": code, "tenant": "bac-ninh", "procedure_code": "1.004194",
        "procedure_name": "Đăng ký tạm trú", "agency_code": "000.00.01.H22", "channel": 1,
        "applicant": {"kind": "citizen", "id": "027190005566", "full_name": "Đặng Thị Thu"},
        "status": 2, "received_at": "20261123090000", "appointment_at": "20261126170000"
    });
    let put = |body: Value, token: Option<&'static str>| {
        let request = client
            .put(format!("{base}/api/v1/dossiers/{code}"))
            .json(&body);
        let request = match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        };
        async move { request.send().await.unwrap() }
    };
    assert_eq!(put(record.clone(), None).await.status(), 401);
    assert_eq!(put(record.clone(), Some("wrong")).await.status(), 401);
    assert_eq!(put(record.clone(), Some("s3cret")).await.status(), 201);
    assert_eq!(put(record.clone(), Some("s3cret")).await.status(), 200);
    let mut bad = record.clone();
    bad["received_at"] = json!("2026-11-23T09:00:00");
    let refused = put(bad, Some("s3cret")).await;
    assert_eq!(refused.status(), 400);
    let error: Value = refused.json().await.unwrap();
    assert_eq!(error["fields"][0]["field"], "received_at");

    let progress = json!({
        "dossier_code": code, "event_id": "e-1", "status": 4, "at": "20261123140000",
        "actor": "chuyen-vien-1", "department": "Công an xã", "step": "start_review"
    });
    for expected in [201, 200, 200] {
        let answer = client
            .post(format!("{base}/api/v1/dossiers/{code}/progress"))
            .bearer_auth("s3cret")
            .json(&progress)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), expected);
    }
    let status: Value = client
        .get(format!("{base}/api/v1/dossiers/{code}/status"))
        .bearer_auth("s3cret")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(status["status"], 4, "the later progress event's status");
    assert_eq!(status["appointment_at"], "20261126170000");
    assert_eq!(status["on_time"], Value::Null, "not finished");

    let admin: Value = client
        .get(format!("{base}/admin/dossiers/{code}"))
        .bearer_auth("s3cret")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(admin["progress"].as_array().unwrap().len(), 1);
    assert_eq!(admin["repeats"]["e-1"], 2);
    assert_eq!(admin["upserts"], 2);

    let edited = client
        .patch(format!("{base}/admin/dossiers/{code}"))
        .bearer_auth("s3cret")
        .json(&json!({"status": 10, "finished_at": "20261127100000"}))
        .send()
        .await
        .unwrap();
    assert_eq!(edited.status(), 200);
    let held = portal.portal.held(code).unwrap();
    assert_eq!(
        held.record.unwrap().status,
        10,
        "the planted edit is stored"
    );
    let refused = client
        .patch(format!("{base}/admin/dossiers/{code}"))
        .bearer_auth("s3cret")
        .json(&json!({"channel": 7}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400, "an edit must leave a valid record");
}
