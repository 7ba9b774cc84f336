//! The invocation log and replay with the real Bắc Ninh fee policy: each
//! fee decision is recorded with the dossier (version, component digest,
//! contract, canonical input, output hash, fuel, duration), readable by the
//! tenant's admins only, and replays identically; a replay against an
//! artifact other than the one that decided is refused.

use motcua::domain::local_datetime;
use motcua_tests::cli::{run, stdout};
use motcua_tests::db::TestDb;
use motcua_tests::on_both_backends;
use motcua_tests::server::{Api, ManualClock, Server, TestEnv, applicant, submission};
use serde_json::{Value, json};

use super::deployments::{FEES, PERMIT, TENANT, deploy};
use super::schedules::without_online_discount;

/// Marriage registration: free for Vietnamese citizens, whatever the
/// permit's discount.
const MARRIAGE: &str = "1.000894";

/// An online construction permit submitted now; its code.
async fn permit(server: &Server, admin: &Api) -> String {
    online(server, admin, PERMIT).await
}

/// An online dossier of `procedure` submitted now; its code.
async fn online(server: &Server, admin: &Api, procedure_code: &str) -> String {
    let procedure = admin
        .get(&format!("/procedures/{procedure_code}"))
        .await
        .expect(200);
    let body = submission(
        procedure_code,
        procedure["deciding_agency"].as_str().expect("an agency"),
        "online",
        applicant("027088004321", "Nguyễn Văn An"),
        json!([]),
    );
    let created = server
        .api(TENANT, "citizen")
        .submit(&body)
        .await
        .expect(201);
    created["code"].as_str().expect("a code").to_owned()
}

on_both_backends!(
    a_fee_decision_is_recorded_with_its_input_for_admins_only_and_replays_identically
);
async fn a_fee_decision_is_recorded_with_its_input_for_admins_only_and_replays_identically(
    db: TestDb,
) {
    let env = TestEnv::new(&db);
    let server = env.start().await;
    let admin = server.api(TENANT, "tenant_admin");
    let code = permit(&server, &admin).await;

    let decisions = admin
        .get(&format!("/dossiers/{code}/decisions"))
        .await
        .expect(200);
    let decision = &decisions[0];
    assert_eq!(decisions.as_array().map(Vec::len), Some(1), "{decisions}");
    assert_eq!(decision["call"], "fee-policy.fee-lines", "{decision}");
    assert_eq!(decision["plugin_id"], FEES, "{decision}");
    assert_eq!(decision["version"], "1.0.0", "{decision}");
    assert_eq!(decision["contract"], "0.3.0", "{decision}");
    assert_eq!(decision["outcome"], "succeeded", "{decision}");
    assert_eq!(decision["digest"].as_str().map(str::len), Some(64));
    assert_eq!(decision["output_hash"].as_str().map(str::len), Some(64));
    assert!(decision["fuel"].as_u64().unwrap() > 0, "{decision}");
    let input: Value = serde_json::from_str(decision["input"].as_str().unwrap()).unwrap();
    assert_eq!(input["applicant"]["id"], "027088004321", "{input}");
    assert_eq!(input["procedure_code"], PERMIT, "{input}");
    let dossier = admin.dossier(&code).await;
    assert_eq!(
        dossier["fee_lines"][0]["source"]["artifact_digest"], decision["digest"],
        "{dossier}"
    );
    // The citizen sees the dossier, not what decided it; the officer of
    // another agency does not see the dossier at all.
    for (role, status) in [("citizen", 403), ("officer", 404)] {
        server
            .api(TENANT, role)
            .get(&format!("/dossiers/{code}/decisions"))
            .await
            .expect(status);
    }

    let replay = admin
        .post(&format!("/dossiers/{code}/fees/replay"), &json!({}))
        .await
        .expect(200);
    assert_eq!(replay["identical"], true, "{replay}");
    assert_eq!(replay["plugin"], format!("{FEES}@1.0.0"), "{replay}");
    assert_eq!(replay["replayed"], replay["recorded"], "{replay}");
    assert_eq!(replay["replayed_output_hash"], decision["output_hash"]);
    server
        .api(TENANT, "citizen")
        .post(&format!("/dossiers/{code}/fees/replay"), &json!({}))
        .await
        .expect(403);
}

on_both_backends!(
    the_command_line_replays_a_decision_on_the_host_database_and_answers_by_its_exit_status
);
async fn the_command_line_replays_a_decision_on_the_host_database_and_answers_by_its_exit_status(
    db: TestDb,
) {
    let env = TestEnv::new(&db);
    // The command line reads the operator's settings as `serve` does: the
    // suite's packages are unsigned.
    env.write_settings("[packages]\nallow_unsigned = true\n");
    let server = env.start().await;
    let admin = server.api(TENANT, "tenant_admin");
    let code = permit(&server, &admin).await;
    let recorded = admin
        .get(&format!("/dossiers/{code}/decisions"))
        .await
        .expect(200)[0]["output_hash"]
        .clone();
    server.stop().await;

    let replay = |dossier: &str| {
        run(
            [
                "plugin",
                "replay",
                "--tenant",
                TENANT,
                "--dossier",
                dossier,
                "--json",
                "--database-url",
                &db.url,
                "--plugins",
                &env.plugins_dir().display().to_string(),
                "--data-dir",
                &env.data_dir().display().to_string(),
            ],
            &[],
        )
    };
    let identical = replay(&code);
    assert_eq!(identical.status.code(), Some(0), "identical: exit 0");
    let answer: Value = serde_json::from_str(&stdout(&identical)).expect("the replay as JSON");
    assert_eq!(answer["identical"], true, "{answer}");
    assert_eq!(answer["replayed_output_hash"], recorded, "{answer}");
    assert_eq!(answer["plugin"], format!("{FEES}@1.0.0"), "{answer}");

    // A dossier the tenant does not have: nothing to replay, exit 2.
    let unknown = format!("{}9999", &code[..code.len() - 4]);
    assert_eq!(
        replay(&unknown).status.code(),
        Some(2),
        "not replayable: exit 2"
    );
}

/// `wasm` with a custom section appended: the same code, another digest.
fn tampered(mut wasm: Vec<u8>) -> Vec<u8> {
    let name = b"tampered";
    let payload = b"by a test";
    wasm.push(0);
    wasm.push((1 + name.len() + payload.len()) as u8);
    wasm.push(name.len() as u8);
    wasm.extend_from_slice(name);
    wasm.extend_from_slice(payload);
    wasm
}

on_both_backends!(a_replay_against_another_artifact_than_the_one_that_decided_is_refused);
async fn a_replay_against_another_artifact_than_the_one_that_decided_is_refused(db: TestDb) {
    let env = TestEnv::new(&db);
    let server = env.start().await;
    let admin = server.api(TENANT, "tenant_admin");
    let code = permit(&server, &admin).await;
    let decided = admin
        .get(&format!("/dossiers/{code}/decisions"))
        .await
        .expect(200)[0]["digest"]
        .clone();
    server.stop().await;

    // The operator's directory now holds 1.0.0 with other bytes.
    let component = env.plugins_dir().join(FEES).join("bac_ninh_fees.wasm");
    let wasm = std::fs::read(&component).expect("read the component");
    std::fs::write(&component, tampered(wasm)).expect("write the component");
    let server = env.start().await;
    let admin = server.api(TENANT, "tenant_admin");
    let refused = admin
        .post(&format!("/dossiers/{code}/fees/replay"), &json!({}))
        .await
        .expect(409);
    let message = refused["message"].as_str().unwrap();
    assert!(
        message.contains(decided.as_str().unwrap())
            && message.contains("not the artifact that decided"),
        "{refused}"
    );
}

on_both_backends!(a_what_if_over_a_period_lists_exactly_the_dossiers_whose_fees_would_change);
async fn a_what_if_over_a_period_lists_exactly_the_dossiers_whose_fees_would_change(db: TestDb) {
    let mut env = TestEnv::new(&db);
    env.clock = Some(ManualClock::at(local_datetime!(2026-12-10 09:00)));
    let server = env.start().await;
    let admin = server.api(TENANT, "tenant_admin");
    let first = permit(&server, &admin).await;
    let marriage = online(&server, &admin, MARRIAGE).await;
    let second = permit(&server, &admin).await;
    deploy(&admin, "", without_online_discount())
        .await
        .expect(201);

    let report = admin
        .post(
            &format!("/plugins/{FEES}/what-if"),
            &json!({"version": "2.0.0", "from": "2026-12-01T00:00:00", "to": "2027-01-01T00:00:00"}),
        )
        .await
        .expect(200);
    assert_eq!(report["candidate"], format!("{FEES}@2.0.0"), "{report}");
    assert_eq!(report["examined"], 3, "{report}");
    assert_eq!(
        report["unchanged"], 1,
        "the marriage registration: {report}"
    );
    assert_eq!(report["failed"], json!([]), "{report}");
    let changed: Vec<(&str, u64, u64)> = report["changed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["dossier"].as_str().unwrap(),
                c["old_total_vnd"].as_u64().unwrap(),
                c["new_total_vnd"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        changed,
        [
            (first.as_str(), 75_000, 150_000),
            (second.as_str(), 75_000, 150_000)
        ],
        "{report}"
    );
    assert!(!changed.iter().any(|(code, ..)| *code == marriage));

    let before = admin
        .post(
            &format!("/plugins/{FEES}/what-if"),
            &json!({"version": "2.0.0", "from": "2026-11-01T00:00:00", "to": "2026-12-10T09:00:00"}),
        )
        .await
        .expect(200);
    assert_eq!(before["examined"], 0, "decided at 09:00, outside: {before}");
    let nothing = admin
        .post(
            &format!("/plugins/{FEES}/what-if"),
            &json!({"version": "9.9.9", "from": "2026-12-01T00:00:00", "to": "2027-01-01T00:00:00"}),
        )
        .await
        .expect(404);
    assert!(
        nothing["message"].as_str().unwrap().contains("9.9.9"),
        "{nothing}"
    );
    server
        .api(TENANT, "officer")
        .post(
            &format!("/plugins/{FEES}/what-if"),
            &json!({"version": "2.0.0", "from": "2026-12-01T00:00:00", "to": "2027-01-01T00:00:00"}),
        )
        .await
        .expect(403);
}
