//! The host killed with SIGKILL while it delivers to the national portal,
//! then started again: every event still arrives at the portal exactly once
//! and in order (issue 4's outage "Must show", with a real process and a
//! real signal). The portal is the loopback stand-in (`motcua::standin`):
//! the real National Public Service Portal is out of reach.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use motcua::standin::portal::Portal;
use motcua::standin::{FaultMode, FaultSetting, Options, PortalStandin};
use serde_json::{Value, json};

mod support;

use support::{built_package, copy_dir, stdout};

const TOKEN: &str = "sigkill-test-portal-token";
const TENANT: &str = "da-nang";

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `motcua demo` on `data` with `plugins`, delivering quickly.
fn start_host(data: &Path, plugins: &Path, port: u16) -> Child {
    let child = Command::new(env!("CARGO_BIN_EXE_motcua"))
        .arg("demo")
        .arg("--data-dir")
        .arg(data)
        .arg("--plugins")
        .arg(plugins)
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .args([
            "--outbox-backoff-ms",
            "100",
            "--outbox-backoff-max-ms",
            "400",
        ])
        .args(["--outbox-lease-ms", "1500", "--outbox-poll-ms", "50"])
        .env("RUST_LOG", "warn")
        .env_remove("MOTCUA_DATABASE_URL")
        .env_remove("MOTCUA_DATA_DIR")
        .env_remove("MOTCUA_CONFIG")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the motcua binary starts");
    let deadline = Instant::now() + Duration::from_secs(120);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the host listens within 120 s");
        std::thread::sleep(Duration::from_millis(100));
    }
    child
}

/// The demo login of `role` in the tenant (a new run writes new tokens).
fn token(data: &Path, role: &str) -> (String, Option<String>) {
    let text = std::fs::read_to_string(data.join("demo-credentials.json")).unwrap();
    let logins: Value = serde_json::from_str(&text).unwrap();
    let login = &logins[TENANT][role];
    (
        login["token"].as_str().unwrap().to_owned(),
        login["agency"].as_str().map(str::to_owned),
    )
}

struct Api {
    client: reqwest::Client,
    root: String,
    token: String,
}

impl Api {
    async fn send(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.root))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let reply = request.send().await.expect("the host answers");
        let status = reply.status();
        let body: Value = reply.json().await.expect("a JSON answer");
        assert!(status.is_success(), "{path}: {status} {body}");
        body
    }
}

fn api(port: u16, data: &Path, role: &str) -> Api {
    Api {
        client: reqwest::Client::builder().no_proxy().build().unwrap(),
        root: format!("http://127.0.0.1:{port}/api/v1/tenants/{TENANT}"),
        token: token(data, role).0,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn after_sigkill_mid_delivery_every_event_reaches_the_portal_once_in_order_and_reconciles() {
    let portal = PortalStandin::spawn(
        "127.0.0.1:0".parse().unwrap(),
        Portal::new(),
        Options {
            token: Some(TOKEN.into()),
            faults: FaultSetting::new(FaultMode::Slow, 400),
        },
    )
    .expect("the portal stand-in starts");
    let portal_port = portal.addr.port();
    let data = tempfile::tempdir().unwrap();
    let plugins = tempfile::tempdir().unwrap();
    for id in [
        "bac-ninh-fees",
        "da-nang-initiatives",
        "vinh-phuc-forms",
        "national-portal-sync",
    ] {
        copy_dir(&built_package(id), &plugins.path().join(id));
    }
    let manifest = plugins.path().join("national-portal-sync/plugin.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(
        &manifest,
        text.replace("127.0.0.1:18090", &format!("127.0.0.1:{portal_port}")),
    )
    .unwrap();
    std::fs::write(
        data.path().join("motcua.toml"),
        format!(
            "[egress]\nallow_private = [\"127.0.0.1:{portal_port}\"]\n\n\
             [[plugin]]\nid = \"national-portal-sync\"\n\
             [plugin.secrets]\nportal-token = \"{TOKEN}\"\n"
        ),
    )
    .unwrap();

    let port = free_port();
    let mut host = start_host(data.path(), plugins.path(), port);
    let citizen = api(port, data.path(), "citizen");
    let officer = api(port, data.path(), "officer");
    let agency = token(data.path(), "officer")
        .1
        .expect("the officer's agency");
    let submitted = citizen
        .send(
            reqwest::Method::POST,
            "/dossiers",
            Some(json!({
                "procedure_code": "1.001193",
                "agency": agency,
                "channel": "online",
                "applicant": {"kind": "citizen", "id": "048095001234", "full_name": "Phạm Thị Thu Hà"},
                "form": [
                    {"field": "child.full-name", "value": {"text": "Lê Minh Khang"}},
                    {"field": "child.birth-date", "value": {"date": "2026-11-01"}},
                    {"field": "child.gender", "value": {"text": "male"}},
                    {"field": "child.birth-place", "value": {"text": "Bệnh viện Phụ sản - Nhi"}},
                    {"field": "mother.full-name", "value": {"text": "Phạm Thị Thu Hà"}},
                    {"field": "mother.personal-id", "value": {"text": "048095001234"}},
                    {"field": "requester.full-name", "value": {"text": "Phạm Thị Thu Hà"}},
                    {"field": "requester.personal-id", "value": {"text": "048095001234"}},
                    {"field": "requester.relationship", "value": {"text": "mother"}},
                ],
            })),
        )
        .await;
    let code = submitted["code"].as_str().unwrap().to_owned();
    for action in [
        json!({"action": "receive"}),
        json!({"action": "assign", "assignee": "chuyen-vien-1"}),
        json!({"action": "start_review"}),
        json!({"action": "approve"}),
        json!({"action": "return_result"}),
    ] {
        officer
            .send(
                reqwest::Method::POST,
                &format!("/dossiers/{code}/transitions"),
                Some(action),
            )
            .await;
    }
    let events = officer
        .send(
            reqwest::Method::GET,
            &format!("/dossiers/{code}/events"),
            None,
        )
        .await;
    let events = events.get("items").cloned().unwrap_or(events);
    let expected: Vec<String> = events
        .as_array()
        .expect("a list of events")
        .iter()
        .map(|e| format!("{code}.{}", e["seq"]))
        .collect();
    assert_eq!(expected.len(), 6, "submitted + five steps");

    // Kill the host while the (slow) portal has some events and not others.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let arrived = portal.portal.held(&code).map_or(0, |h| h.progress.len());
        if arrived >= 2 {
            assert!(arrived < expected.len(), "the kill comes mid-delivery");
            break;
        }
        assert!(Instant::now() < deadline, "delivery starts within 60 s");
        std::thread::sleep(Duration::from_millis(20));
    }
    host.kill().expect("SIGKILL the host");
    host.wait().unwrap();

    portal
        .faults
        .set(FaultSetting::new(FaultMode::Ok, 0))
        .unwrap();
    let mut host = start_host(data.path(), plugins.path(), port);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let held = portal.portal.held(&code).unwrap_or_default();
        if held.progress.len() >= expected.len() {
            let arrived: Vec<String> = held.progress.iter().map(|p| p.event_id.clone()).collect();
            assert_eq!(arrived, expected, "each event once, in order");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "delivery resumes after the restart: {held:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    // `motcua reconcile` finds nothing to report, then the mismatch planted
    // in the portal's copy.
    let reconcile = || {
        Command::new(env!("CARGO_BIN_EXE_motcua"))
            .args(["reconcile", "--tenant", TENANT, "--data-dir"])
            .arg(data.path())
            .arg("--plugins")
            .arg(plugins.path())
            .env("RUST_LOG", "warn")
            .env_remove("MOTCUA_DATABASE_URL")
            .env_remove("MOTCUA_DATA_DIR")
            .env_remove("MOTCUA_CONFIG")
            .output()
            .expect("motcua reconcile runs")
    };
    let clean = reconcile();
    let text = stdout(&clean);
    assert_eq!(
        clean.status.code(),
        Some(0),
        "{text}{}",
        String::from_utf8_lossy(&clean.stderr)
    );
    assert!(text.contains("1 matching, 0 mismatch(es)"), "{text}");
    // The portal's copy also gains a fee line the dossier does not owe.
    let held = portal.portal.held(&code).and_then(|held| held.record);
    let mut fee_lines = serde_json::to_value(held.expect("the record is held").fee_lines).unwrap();
    fee_lines.as_array_mut().unwrap().push(json!({
        "code": "phi-khong-co", "label": "Phí không có", "kind": "fee",
        "base_amount_vnd": 10000, "amount_vnd": 10000, "collection": "before_processing"
    }));
    let mut patch = serde_json::Map::new();
    patch.insert("status".into(), json!(4));
    patch.insert("fee_lines".into(), fee_lines);
    portal.portal.edit(&code, patch).expect("plant a mismatch");
    let planted = reconcile();
    let text = stdout(&planted);
    assert_eq!(planted.status.code(), Some(1), "{text}");
    assert!(text.contains(&code), "{text}");
    assert!(
        text.contains("different status: local 10, portal 4"),
        "{text}"
    );
    assert!(
        text.contains(
            "different fee lines:\n        * phi-khong-co (Phí không có): only at the portal, \
             fee (phi), 10,000 VND of 10,000 VND, collected before processing"
        ),
        "{text}"
    );

    host.kill().unwrap();
    host.wait().unwrap();
}
