//! Clients that give up mid-request (issue 18): many clients send a
//! submission and reset the connection 0-20 ms later, while the host
//! delivers to the portal stand-in. Whatever point each request was cut at,
//! the host afterwards serves every request, holds no half-written dossier,
//! its audit chains verify, and delivery keeps draining the outbox.

use std::time::Duration;

use motcua_tests::db::TestDb;
use motcua_tests::on_both_backends;
use motcua_tests::server::{Server, applicant, submission};
use serde_json::json;
use sqlx::Row;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use super::sync::{drained, portal_env};
use super::{birth_form, code, submit_online_birth};

const TENANT: &str = "da-nang";
/// Clients that disconnect, in waves of `WAVE` at once.
const ABANDONED: usize = 240;
const WAVE: usize = 40;

/// A raw HTTP/1.1 submission by the tenant's demo citizen.
fn raw_submission(server: &Server, child: &str) -> Vec<u8> {
    let body = submission(
        "1.001193",
        &server.officer_agency(TENANT),
        "online",
        applicant("048095001234", "Phạm Thị Thu Hà"),
        birth_form(child, "Phạm Thị Thu Hà", "048095001234"),
    )
    .to_string();
    format!(
        "POST /api/v1/tenants/{TENANT}/dossiers HTTP/1.1\r\nhost: {}\r\n\
         authorization: Bearer {}\r\ncontent-type: application/json\r\n\
         content-length: {}\r\n\r\n{body}",
        server.addr,
        server.token(TENANT, "citizen"),
        body.len()
    )
    .into_bytes()
}

/// Sends `request` and resets the connection (no FIN, SO_LINGER 0) after
/// `wait`, without reading the answer.
async fn send_and_abandon(server: std::net::SocketAddr, request: Vec<u8>, wait: Duration) {
    let Ok(mut stream) = TcpStream::connect(server).await else {
        return;
    };
    let _ = stream.set_zero_linger();
    if stream.write_all(&request).await.is_err() {
        return;
    }
    tokio::time::sleep(wait).await;
    drop(stream);
}

/// A small deterministic spread of waits over 0..=20 ms (xorshift).
fn waits(count: usize) -> Vec<Duration> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..count)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            Duration::from_micros(x % 20_001)
        })
        .collect()
}

on_both_backends!(
    clients_that_disconnect_mid_submission_leave_the_host_serving_consistent_and_delivering
);
async fn clients_that_disconnect_mid_submission_leave_the_host_serving_consistent_and_delivering(
    db: TestDb,
) {
    let (portal, env) = portal_env(&db);
    let server = env.start().await;
    let officer = server.api(TENANT, "officer");
    let admin = server.api(TENANT, "tenant_admin");

    let storm = async {
        let waits = waits(ABANDONED);
        for (wave, chunk) in waits.chunks(WAVE).enumerate() {
            let clients: Vec<_> = chunk
                .iter()
                .enumerate()
                .map(|(i, wait)| {
                    let request = raw_submission(&server, &format!("Bỏ Dở {wave}-{i}"));
                    tokio::spawn(send_and_abandon(server.addr, request, *wait))
                })
                .collect();
            for client in clients {
                client.await.expect("a client task");
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(60), storm)
        .await
        .expect("the abandoning clients finish within 60 s");
    // Requests cut off may still be finishing inside the host.
    tokio::time::sleep(Duration::from_millis(500)).await;

    // Every later request is served: submissions, a transition.
    let mut later = Vec::new();
    for i in 0..10 {
        later.push(code(
            &submit_online_birth(&server, TENANT, &format!("Sau Đó {i}")).await,
        ));
    }
    officer
        .act_ok(&later[0], json!({"action": "receive"}))
        .await;

    // Nothing half-written: each dossier has its creating event and the
    // outbox entry reporting it; the audit chains verify.
    let pool = server.db.pool();
    let half_written = sqlx::query(
        "SELECT COUNT(*) AS n FROM dossiers d WHERE d.tenant_id = $1 AND (\
         NOT EXISTS (SELECT 1 FROM dossier_events e WHERE e.tenant_id = d.tenant_id AND e.dossier_id = d.id) \
         OR NOT EXISTS (SELECT 1 FROM outbox o WHERE o.tenant_id = d.tenant_id AND o.dossier_id = d.id))",
    )
    .bind(TENANT)
    .fetch_one(pool)
    .await
    .expect("count half-written dossiers")
    .get::<i64, _>("n");
    assert_eq!(
        half_written, 0,
        "no dossier without its event and outbox entry"
    );
    let dossiers = officer.list_all("", 500).await.len();
    assert!(dossiers >= later.len(), "the later dossiers are listed");
    let report = admin.get("/audit/verify").await.expect(200);
    assert_eq!(report["dossiers_checked"], dossiers as u64);
    assert_eq!(report["first_break"], serde_json::Value::Null);

    // Delivery still runs: everything reaches the portal.
    drained(&admin).await;
    for code in &later {
        assert!(
            portal.portal.held(code).is_some(),
            "{code} reached the portal"
        );
    }
    server.stop().await;
}
