//! The HTTP API end to end (issue 3's "Must show"): a real host assembled
//! by `motcua::cli::wiring` serving on a loopback port, the real plugin
//! packages of `target/plugins`, and a real database. Every test runs on
//! SQLite and on PostgreSQL (`http::<topic>::<behaviour>::{sqlite,postgres}`).
//!
//! The host runs on the system clock (Asia/Ho_Chi_Minh), so deadlines are
//! asserted relative to what the API returns, never as fixed dates.

mod access;
mod cancellation;
mod catalog;
mod contract;
mod decisions;
pub(crate) mod deployments;
mod durability;
mod fee_ranges;
mod fees;
mod hardening;
mod imports;
mod input;
mod legacy_packages;
mod lifecycle;
mod load;
mod matrix;
mod metrics;
mod notifications;
mod onboarding;
mod openapi;
pub(crate) mod operations;
mod payments;
mod polyglot;
mod portal_intake;
mod readiness;
mod replica_processes;
mod replicas;
mod reuse;
mod schedules;
mod scoping;
mod signing;
mod statistics;
mod sync;
mod uploads;

pub(crate) use motcua_tests::server::birth_form;
use motcua_tests::server::{Api, Server, applicant, submission};
use serde_json::{Value, json};

/// An online birth registration by the tenant's demo citizen, at the demo
/// officer's agency; asserts 201 and returns the details.
async fn submit_online_birth(server: &Server, tenant: &str, child: &str) -> Value {
    let citizen = server.api(tenant, "citizen");
    let agency = server.officer_agency(tenant);
    let body = submission(
        "1.001193",
        &agency,
        "online",
        applicant("048095001234", "Phạm Thị Thu Hà"),
        birth_form(child, "Phạm Thị Thu Hà", "048095001234"),
    );
    citizen.submit(&body).await.expect(201)
}

/// A dossier registered at the counter by the tenant's demo officer;
/// asserts 201 and returns the details.
async fn register_at_counter(server: &Server, tenant: &str, procedure: &str, form: Value) -> Value {
    let officer = server.api(tenant, "officer");
    let agency = server.officer_agency(tenant);
    let body = submission(
        procedure,
        &agency,
        "counter",
        applicant("027088004321", "Nguyễn Văn An"),
        form,
    );
    officer.submit(&body).await.expect(201)
}

/// The code of a dossier's details.
fn code(details: &Value) -> String {
    details["code"]
        .as_str()
        .expect("the details carry the code")
        .to_owned()
}

/// Officer work that takes a received dossier to review.
async fn into_review(officer: &Api, code: &str) -> Value {
    officer
        .act_ok(
            code,
            json!({"action": "assign", "assignee": "chuyen-vien-1"}),
        )
        .await;
    officer
        .act_ok(code, json!({"action": "start_review"}))
        .await
}

/// The `document` values of a details' documents of `kind`.
fn documents_of_kind<'a>(details: &'a Value, kind: &str) -> Vec<&'a Value> {
    details["documents"]
        .as_array()
        .expect("the details list documents")
        .iter()
        .filter(|d| d["kind"] == kind)
        .collect()
}

/// Standard base64 with padding, as `approve`'s `content_base64` takes it.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}
