//! The portal's queue of online submissions for each province: citizens
//! submit at the national portal, the province's back office fetches what
//! waits for it and acknowledges each dossier once it has stored it.
//!
//! - `GET /api/v1/provinces/{province}/submissions?limit=N[&after=C]`: the
//!   unacknowledged submissions in arrival order, at most `N` (1-500), after
//!   the cursor `C` of the previous page; `next` is `null` once drained;
//! - `POST /api/v1/provinces/{province}/submissions/{code}/ack`: the province
//!   stored it; repeating is harmless (200 each time), an unknown code is 404;
//! - admin (tests, the demo): `POST /admin/provinces/{province}/submissions`
//!   queues one as if a citizen submitted it; `GET` on the same path lists
//!   the province's queue with how often each was fetched and acknowledged.
//!
//! The queue lives in memory: the stand-in's data file keeps the dossiers
//! it received, not the citizens' submissions.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::super::error::StandinError;
use super::wire::{self, Applicant, File, PrimitiveDateTime, portal_time};

/// The most submissions one page holds.
pub const MAX_PAGE: usize = 500;

/// A form value as the portal carries it: exactly one key.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum FormValue {
    Text(String),
    Number(f64),
    Boolean(bool),
    /// `yyyyMMdd`.
    Date(String),
    Choices(Vec<String>),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormEntry {
    pub field: String,
    pub value: FormValue,
}

/// An online dossier a citizen submitted at the portal.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Submission {
    pub national_code: String,
    pub procedure_code: String,
    pub agency_code: String,
    pub applicant: Applicant,
    #[serde(default)]
    pub form: Vec<FormEntry>,
    #[serde(default)]
    pub files: Vec<File>,
    #[serde(with = "portal_time")]
    pub submitted_at: PrimitiveDateTime,
}

/// One queued submission and what happened to it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Queued {
    /// Arrival order within the province: the cursor.
    pub seq: u64,
    #[serde(flatten)]
    pub submission: Submission,
    /// Times it was handed out in a page.
    pub fetched: u32,
    /// Times the province acknowledged it (1 after the first ack; more are repeats).
    pub acknowledged: u32,
}

#[derive(Debug, Default)]
pub struct Queues {
    provinces: Mutex<BTreeMap<String, Vec<Queued>>>,
    next_seq: Mutex<u64>,
}

impl Queues {
    fn lock(&self) -> MutexGuard<'_, BTreeMap<String, Vec<Queued>>> {
        self.provinces
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Queue `submission` for `province`; a national code already queued
    /// for any province is refused (codes are national).
    pub fn submit(&self, province: &str, submission: Submission) -> Result<u64, StandinError> {
        if submission.national_code.trim().is_empty() {
            return Err(StandinError::invalid("national_code", "must not be empty"));
        }
        let mut provinces = self.lock();
        if provinces
            .values()
            .flatten()
            .any(|q| q.submission.national_code == submission.national_code)
        {
            return Err(StandinError::new(
                StatusCode::CONFLICT,
                "conflict",
                format!("{} is already queued", submission.national_code),
            ));
        }
        let mut next = self
            .next_seq
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *next += 1;
        let seq = *next;
        provinces
            .entry(province.to_owned())
            .or_default()
            .push(Queued {
                seq,
                submission,
                fetched: 0,
                acknowledged: 0,
            });
        Ok(seq)
    }

    /// The unacknowledged submissions after `after`, at most `limit`, and
    /// the cursor of the next page if any remain.
    pub fn page(&self, province: &str, after: u64, limit: usize) -> (Vec<Submission>, Option<u64>) {
        let mut provinces = self.lock();
        let Some(queue) = provinces.get_mut(province) else {
            return (Vec::new(), None);
        };
        let mut waiting = queue
            .iter_mut()
            .filter(|q| q.acknowledged == 0 && q.seq > after);
        let mut page = Vec::new();
        let mut last = after;
        for queued in waiting.by_ref().take(limit) {
            queued.fetched += 1;
            last = queued.seq;
            page.push(queued.submission.clone());
        }
        let more = waiting.next().is_some();
        (page, more.then_some(last))
    }

    /// Record an acknowledgement; `None` when the province never had `code`.
    pub fn acknowledge(&self, province: &str, code: &str) -> Option<u32> {
        let mut provinces = self.lock();
        let queued = provinces
            .get_mut(province)?
            .iter_mut()
            .find(|q| q.submission.national_code == code)?;
        queued.acknowledged += 1;
        Some(queued.acknowledged)
    }

    /// A province's queue, acknowledged ones included.
    pub fn list(&self, province: &str) -> Vec<Queued> {
        self.lock().get(province).cloned().unwrap_or_default()
    }
}

#[derive(Debug, Deserialize)]
struct PageQuery {
    limit: Option<String>,
    after: Option<String>,
}

#[derive(Debug, Serialize)]
struct Page {
    submissions: Vec<Submission>,
    next: Option<String>,
}

async fn get_page(
    State(queues): State<Arc<Queues>>,
    Path(province): Path<String>,
    Query(query): Query<PageQuery>,
) -> Result<Json<Page>, StandinError> {
    let limit = match query.limit.as_deref() {
        None => 100,
        Some(text) => text
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_PAGE).contains(n))
            .ok_or_else(|| StandinError::invalid("limit", format!("a number 1-{MAX_PAGE}")))?,
    };
    let after = match query.after.as_deref() {
        None => 0,
        Some(text) => text
            .parse::<u64>()
            .map_err(|_| StandinError::invalid("after", "a cursor this portal returned"))?,
    };
    let (submissions, next) = queues.page(&province, after, limit);
    Ok(Json(Page {
        submissions,
        next: next.map(|seq| seq.to_string()),
    }))
}

async fn post_ack(
    State(queues): State<Arc<Queues>>,
    Path((province, code)): Path<(String, String)>,
) -> Result<Json<wire::Receipt>, StandinError> {
    let times = queues.acknowledge(&province, &code).ok_or_else(|| {
        StandinError::not_found(format!("no submission {code} was queued for {province}"))
    })?;
    Ok(Json(wire::Receipt {
        remote_id: code,
        message: if times == 1 {
            "acknowledged".into()
        } else {
            "already acknowledged (repeat ignored)".into()
        },
    }))
}

async fn admin_submit(
    State(queues): State<Arc<Queues>>,
    Path(province): Path<String>,
    body: Bytes,
) -> Result<(StatusCode, Json<serde_json::Value>), StandinError> {
    let submission: Submission = wire::parse(&body)?;
    let code = submission.national_code.clone();
    let seq = queues.submit(&province, submission)?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({ "national_code": code, "seq": seq })),
    ))
}

async fn admin_list(
    State(queues): State<Arc<Queues>>,
    Path(province): Path<String>,
) -> Json<serde_json::Value> {
    Json(serde_json::json!({ "submissions": queues.list(&province) }))
}

/// The national routes and the admin routes of the queues.
pub fn routes(queues: Arc<Queues>) -> (Router, Router) {
    let api = Router::new()
        .route(
            "/api/v1/provinces/{province}/submissions",
            axum::routing::get(get_page),
        )
        .route(
            "/api/v1/provinces/{province}/submissions/{code}/ack",
            axum::routing::post(post_ack),
        )
        .with_state(queues.clone());
    let admin = Router::new()
        .route(
            "/admin/provinces/{province}/submissions",
            axum::routing::get(admin_list).post(admin_submit),
        )
        .with_state(queues);
    (api, admin)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn submission(code: &str) -> Submission {
        let json = serde_json::json!({
            "national_code": code, "procedure_code": "1.004194",
            "agency_code": "000.00.01.H22",
            "applicant": {"kind": "citizen", "id": "027088004321", "full_name": "Nguyễn Văn An"},
            "form": [{"field": "reason", "value": {"text": "chuyển nơi ở"}}],
            "submitted_at": "20261202163000"
        });
        wire::parse(json.to_string().as_bytes()).expect("a valid submission")
    }

    #[test]
    fn pages_hand_out_unacknowledged_submissions_in_order_until_drained() {
        let queues = Queues::default();
        for code in ["G1", "G2", "G3"] {
            queues.submit("bac-ninh", submission(code)).unwrap();
        }
        queues.submit("da-nang", submission("D1")).unwrap();
        let (first, next) = queues.page("bac-ninh", 0, 2);
        let codes: Vec<&str> = first.iter().map(|s| s.national_code.as_str()).collect();
        assert_eq!(codes, ["G1", "G2"]);
        let (second, drained) = queues.page("bac-ninh", next.unwrap(), 2);
        assert_eq!(second[0].national_code, "G3");
        assert_eq!(drained, None);
        assert_eq!(queues.acknowledge("bac-ninh", "G1"), Some(1));
        assert_eq!(
            queues.acknowledge("bac-ninh", "G1"),
            Some(2),
            "a repeat is harmless"
        );
        assert_eq!(
            queues.acknowledge("da-nang", "G2"),
            None,
            "another province's code"
        );
        let (again, _) = queues.page("bac-ninh", 0, 10);
        let codes: Vec<&str> = again.iter().map(|s| s.national_code.as_str()).collect();
        assert_eq!(
            codes,
            ["G2", "G3"],
            "an acknowledged one is not handed out again"
        );
    }

    #[test]
    fn a_form_value_has_exactly_one_kind_and_a_national_code_is_queued_once() {
        let bad = serde_json::json!({"field": "x", "value": {"text": "a", "number": 1}});
        assert!(wire::parse::<FormEntry>(bad.to_string().as_bytes()).is_err());
        let queues = Queues::default();
        queues.submit("bac-ninh", submission("G1")).unwrap();
        let error = queues.submit("da-nang", submission("G1")).unwrap_err();
        assert_eq!(error.status, 409);
    }
}
