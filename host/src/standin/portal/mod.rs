//! Stand-in for the National Public Service Portal (Cổng Dịch vụ công quốc
//! gia), which is out of reach from here. It stores what it receives and
//! answers status queries, so the national-portal sync connector can be
//! exercised end to end on loopback.
//!
//! National API (what the connector calls):
//! - `PUT /api/v1/dossiers/{code}`: upsert the full dossier record;
//! - `POST /api/v1/dossiers/{code}/progress`: append a progress record,
//!   idempotent by `event_id` (a repeat is acknowledged and counted, not stored);
//! - `GET /api/v1/dossiers/{code}/status`: status, dates, on-time verdict
//!   and the record's fee lines.
//!
//! Intake (since July 2025 citizens submit online at the portal): the
//! queue of submissions waiting for each province, see `intake`.
//!
//! Admin API (tests and the demo): `GET /admin/dossiers[/{code}]` (records,
//! progress in arrival order, repeat counts), `PATCH /admin/dossiers/{code}`
//! (edit a stored record, e.g. to plant a mismatch: `{"status": 4}`, or
//! `{"fee_lines": [...]}`, which replaces every line), `GET/POST /admin/faults`.

pub mod intake;
mod journal;
mod status;
pub mod wire;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::error::StandinError;
use super::faults::Faults;
use super::server::{self, Options, Running};
use journal::Journal;
pub use status::status;
use wire::{DossierRecord, ProgressRecord, Receipt, Status};

/// Everything the portal holds about one dossier.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Held {
    pub record: Option<DossierRecord>,
    /// In arrival order, each event id once.
    pub progress: Vec<ProgressRecord>,
    /// Event id → how many times it arrived again after the first.
    pub repeats: BTreeMap<String, u32>,
    /// How many times the record was upserted.
    pub upserts: u32,
}

/// The portal's store: in memory, optionally kept in a data file (a
/// snapshot and an append-only journal, see `journal`).
#[derive(Debug, Default)]
pub struct Portal {
    dossiers: Mutex<BTreeMap<String, Held>>,
    journal: Option<Mutex<Journal>>,
    /// Online submissions waiting for each province.
    intake: Arc<intake::Queues>,
}

impl Portal {
    /// An empty portal in memory.
    pub fn new() -> Self {
        Self::default()
    }

    /// A portal kept in `file`: loaded from it (and its journal) if it
    /// exists; each change is appended to the journal.
    pub fn with_data_file(file: PathBuf) -> std::io::Result<Self> {
        let (dossiers, journal) = Journal::open(file)?;
        Ok(Self {
            dossiers: Mutex::new(dossiers),
            journal: Some(Mutex::new(journal)),
            intake: Arc::default(),
        })
    }

    /// The queues of online submissions, by province.
    pub fn intake(&self) -> &intake::Queues {
        &self.intake
    }

    fn lock(&self) -> MutexGuard<'_, BTreeMap<String, Held>> {
        self.dossiers
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Journal what is now held about `code`, under the store's lock so
    /// the journal's order is the order of the changes.
    fn save(&self, dossiers: &BTreeMap<String, Held>, code: &str) -> Result<(), StandinError> {
        let Some(journal) = &self.journal else {
            return Ok(());
        };
        let mut journal = journal
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        journal.record(dossiers, code).map_err(|error| {
            tracing::error!(%error, "portal stand-in could not save");
            StandinError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "storage_failed",
                "the portal could not store the data",
            )
        })
    }

    /// Upsert a record; true when it was new.
    pub fn upsert(&self, record: DossierRecord) -> Result<bool, StandinError> {
        let mut dossiers = self.lock();
        let code = record.code.clone();
        let held = dossiers.entry(code.clone()).or_default();
        let created = held.record.is_none();
        held.record = Some(record);
        held.upserts += 1;
        self.save(&dossiers, &code)?;
        Ok(created)
    }

    /// Append a progress record; false when its event id was already stored
    /// for the dossier (the repeat is counted, the first copy kept).
    pub fn append(&self, progress: ProgressRecord) -> Result<bool, StandinError> {
        let mut dossiers = self.lock();
        let code = progress.dossier_code.clone();
        let held = dossiers.entry(code.clone()).or_default();
        let stored = if held
            .progress
            .iter()
            .any(|p| p.event_id == progress.event_id)
        {
            *held.repeats.entry(progress.event_id).or_default() += 1;
            false
        } else {
            held.progress.push(progress);
            true
        };
        self.save(&dossiers, &code)?;
        Ok(stored)
    }

    /// What the portal holds about `code`.
    pub fn held(&self, code: &str) -> Option<Held> {
        self.lock().get(code).cloned()
    }

    /// Everything, by code.
    pub fn all(&self) -> BTreeMap<String, Held> {
        self.lock().clone()
    }

    /// The portal's view of `code`.
    pub fn status(&self, code: &str) -> Option<Status> {
        let dossiers = self.lock();
        let held = dossiers.get(code)?;
        status(code, held.record.as_ref(), &held.progress)
    }

    /// Merge `patch`'s top-level fields into the stored record of `code`
    /// (times in the portal's format); the result must still be a valid record.
    pub fn edit(
        &self,
        code: &str,
        patch: serde_json::Map<String, serde_json::Value>,
    ) -> Result<DossierRecord, StandinError> {
        let mut dossiers = self.lock();
        let held = dossiers
            .get_mut(code)
            .filter(|held| held.record.is_some())
            .ok_or_else(|| StandinError::not_found(format!("no record of dossier {code}")))?;
        let mut value =
            serde_json::to_value(held.record.as_ref()).expect("a stored record serialises");
        if let Some(object) = value.as_object_mut() {
            object.extend(patch);
        }
        let edited: DossierRecord = wire::parse(value.to_string().as_bytes())?;
        edited.check(code)?;
        held.record = Some(edited.clone());
        self.save(&dossiers, code)?;
        Ok(edited)
    }
}

impl Drop for Portal {
    /// A last snapshot, so the next start replays nothing.
    fn drop(&mut self) {
        if let Some(journal) = &self.journal {
            let dossiers = self.lock();
            let mut journal = journal
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            if let Err(error) = journal.compact(&dossiers) {
                tracing::error!(%error, "portal stand-in could not write its snapshot");
            }
        }
    }
}

async fn put_dossier(
    State(portal): State<Arc<Portal>>,
    Path(code): Path<String>,
    body: Bytes,
) -> Result<Response, StandinError> {
    let record: DossierRecord = wire::parse(&body)?;
    record.check(&code)?;
    let created = portal.upsert(record)?;
    let (status, message) = if created {
        (StatusCode::CREATED, "created")
    } else {
        (StatusCode::OK, "updated")
    };
    let receipt = Receipt {
        remote_id: format!("DVCQG-{code}"),
        message: message.into(),
    };
    Ok((status, Json(receipt)).into_response())
}

async fn post_progress(
    State(portal): State<Arc<Portal>>,
    Path(code): Path<String>,
    body: Bytes,
) -> Result<Response, StandinError> {
    let progress: ProgressRecord = wire::parse(&body)?;
    progress.check(&code)?;
    let event_id = progress.event_id.clone();
    let stored = portal.append(progress)?;
    let (status, message) = if stored {
        (StatusCode::CREATED, "stored")
    } else {
        (StatusCode::OK, "already stored (repeat ignored)")
    };
    let receipt = Receipt {
        remote_id: event_id,
        message: message.into(),
    };
    Ok((status, Json(receipt)).into_response())
}

async fn get_status(
    State(portal): State<Arc<Portal>>,
    Path(code): Path<String>,
) -> Result<Json<Status>, StandinError> {
    portal
        .status(&code)
        .map(Json)
        .ok_or_else(|| StandinError::not_found(format!("the portal holds nothing for {code}")))
}

/// One dossier as the admin API shows it.
#[derive(Debug, Serialize)]
struct HeldView {
    code: String,
    #[serde(flatten)]
    held: Held,
    status: Option<Status>,
}

fn view(code: String, held: Held) -> HeldView {
    let status = status(&code, held.record.as_ref(), &held.progress);
    HeldView { code, held, status }
}

async fn admin_list(State(portal): State<Arc<Portal>>) -> Json<serde_json::Value> {
    let dossiers: Vec<HeldView> = portal
        .all()
        .into_iter()
        .map(|(code, held)| view(code, held))
        .collect();
    Json(serde_json::json!({ "dossiers": dossiers }))
}

async fn admin_get(
    State(portal): State<Arc<Portal>>,
    Path(code): Path<String>,
) -> Result<Json<HeldView>, StandinError> {
    portal
        .held(&code)
        .map(|held| Json(view(code.clone(), held)))
        .ok_or_else(|| StandinError::not_found(format!("the portal holds nothing for {code}")))
}

async fn admin_edit(
    State(portal): State<Arc<Portal>>,
    Path(code): Path<String>,
    body: Bytes,
) -> Result<Json<DossierRecord>, StandinError> {
    let patch: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(&body).map_err(|e| {
            StandinError::invalid("body", format!("a JSON object of record fields: {e}"))
        })?;
    Ok(Json(portal.edit(&code, patch)?))
}

/// The portal stand-in's routes.
pub fn app(portal: Arc<Portal>, faults: Arc<Faults>, token: Option<String>) -> Router {
    let (intake_api, intake_admin) = intake::routes(portal.intake.clone());
    let api = Router::new()
        .route("/api/v1/dossiers/{code}", put(put_dossier))
        .route("/api/v1/dossiers/{code}/progress", post(post_progress))
        .route("/api/v1/dossiers/{code}/status", get(get_status))
        .with_state(portal.clone())
        .merge(intake_api);
    let admin = Router::new()
        .route("/admin/dossiers", get(admin_list))
        .route("/admin/dossiers/{code}", get(admin_get).patch(admin_edit))
        .with_state(portal)
        .merge(intake_admin);
    server::app(api, admin, faults, token)
}

/// A portal stand-in running in-process.
pub struct PortalStandin {
    /// Where it listens.
    pub addr: SocketAddr,
    pub running: Running,
    pub portal: Arc<Portal>,
    pub faults: Arc<Faults>,
}

impl PortalStandin {
    /// Serve `portal` on `addr` (port 0: any free loopback port) from its
    /// own thread.
    pub fn spawn(addr: SocketAddr, portal: Portal, options: Options) -> std::io::Result<Self> {
        let portal = Arc::new(portal);
        let faults = Faults::new(options.faults);
        let router = app(portal.clone(), faults.clone(), options.token);
        let running = server::spawn(addr, router, faults.clone())?;
        Ok(Self {
            addr: running.addr,
            running,
            portal,
            faults,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wire::Collection;

    fn progress(event_id: &str) -> ProgressRecord {
        ProgressRecord {
            dossier_code: "000.00.01.H22-261123-0001".into(),
            event_id: event_id.into(),
            status: 2,
            at: time::macros::datetime!(2026-11-23 09:00:00),
            actor: "can-bo-1".into(),
            department: "Bộ phận một cửa".into(),
            step: "receive".into(),
            note: None,
            appointment_at: None,
        }
    }

    #[test]
    fn a_repeated_event_is_acknowledged_stored_once_and_counted() {
        let portal = Portal::new();
        assert!(portal.append(progress("e1")).unwrap());
        let mut repeat = progress("e1");
        repeat.note = Some("sent again after a timeout".into());
        assert!(!portal.append(repeat.clone()).unwrap());
        assert!(!portal.append(repeat).unwrap());
        assert!(portal.append(progress("e2")).unwrap());
        let held = portal.held("000.00.01.H22-261123-0001").unwrap();
        let ids: Vec<&str> = held.progress.iter().map(|p| p.event_id.as_str()).collect();
        assert_eq!(ids, ["e1", "e2"], "arrival order, each event once");
        assert_eq!(held.progress[0].note, None, "the first copy is kept");
        assert_eq!(held.repeats.get("e1"), Some(&2));
        assert_eq!(held.repeats.get("e2"), None);
    }

    #[test]
    fn a_data_file_keeps_what_was_received_across_restarts() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("portal.json");
        let portal = Portal::with_data_file(file.clone()).unwrap();
        portal.append(progress("e1")).unwrap();
        portal.append(progress("e1")).unwrap();
        drop(portal);
        let reopened = Portal::with_data_file(file).unwrap();
        let held = reopened.held("000.00.01.H22-261123-0001").unwrap();
        assert_eq!(held.progress.len(), 1);
        assert_eq!(held.repeats.get("e1"), Some(&1));
    }

    #[test]
    fn a_change_is_appended_to_the_journal_and_survives_a_kill_without_a_snapshot() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("portal.json");
        let portal = Portal::with_data_file(file.clone()).unwrap();
        let snapshot = std::fs::read(&file).unwrap();
        portal.append(progress("e1")).unwrap();
        portal.append(progress("e2")).unwrap();
        assert_eq!(
            std::fs::read(&file).unwrap(),
            snapshot,
            "a change does not rewrite the snapshot"
        );
        let journal = std::fs::read_to_string(dir.path().join("portal.json.journal")).unwrap();
        assert_eq!(journal.lines().count(), 2, "one line per change");
        // Killed: no snapshot on drop.
        std::mem::forget(portal);
        let reopened = Portal::with_data_file(file).unwrap();
        let held = reopened.held("000.00.01.H22-261123-0001").unwrap();
        let ids: Vec<&str> = held.progress.iter().map(|p| p.event_id.as_str()).collect();
        assert_eq!(ids, ["e1", "e2"]);
    }

    /// A record as a connector upserts it, with one fee line.
    fn record_with_a_fee() -> DossierRecord {
        let json = serde_json::json!({
            "code": "000.00.01.H22-261123-0001", "tenant": "bac-ninh",
            "procedure_code": "1.009994", "procedure_name": "Cấp giấy phép xây dựng",
            "agency_code": "000.00.01.H22", "channel": 2,
            "applicant": {"kind": "citizen", "id": "027088004321", "full_name": "Nguyễn Văn An"},
            "status": 1, "received_at": "20261123090000",
            "fee_lines": [{
                "code": "le-phi-cap-giay-phep-xay-dung", "label": "Lệ phí cấp giấy phép xây dựng",
                "label_en": "Construction permit charge", "kind": "charge",
                "base_amount_vnd": 150000, "amount_vnd": 75000,
                "collection": "before_processing", "reason": "online discount"
            }]
        });
        wire::parse(json.to_string().as_bytes()).expect("a valid record")
    }

    #[test]
    fn an_admin_patch_of_fee_lines_replaces_them_and_the_status_shows_it() {
        let portal = Portal::new();
        let record = record_with_a_fee();
        let code = record.code.clone();
        portal.upsert(record.clone()).unwrap();
        let patch = serde_json::json!({"fee_lines": [
            {"code": "le-phi-cap-giay-phep-xay-dung", "label": "Lệ phí cấp giấy phép xây dựng",
             "kind": "charge", "base_amount_vnd": 150000, "amount_vnd": 150000,
             "collection": "after_processing"},
            {"code": "phi-tham-dinh", "label": "Phí thẩm định", "kind": "fee",
             "base_amount_vnd": 50000, "amount_vnd": 50000, "collection": "before_processing"}
        ]});
        let edited = portal
            .edit(&code, patch.as_object().unwrap().clone())
            .expect("a fee-line edit is a valid record");
        let lines = portal.status(&code).unwrap().fee_lines.unwrap();
        assert_eq!(lines, edited.fee_lines);
        let amounts: Vec<(&str, u64, &Collection)> = lines
            .iter()
            .map(|l| (l.code.as_str(), l.amount_vnd, &l.collection))
            .collect();
        assert_eq!(
            amounts,
            [
                (
                    "le-phi-cap-giay-phep-xay-dung",
                    150_000,
                    &Collection::AfterProcessing
                ),
                ("phi-tham-dinh", 50_000, &Collection::BeforeProcessing),
            ]
        );
        assert_eq!(
            edited.status, record.status,
            "the other fields are untouched"
        );
    }

    #[test]
    fn an_invalid_fee_line_edit_names_the_field_and_keeps_the_record() {
        let portal = Portal::new();
        let record = record_with_a_fee();
        let code = record.code.clone();
        portal.upsert(record.clone()).unwrap();
        let mut line = serde_json::to_value(&record.fee_lines[0]).unwrap();
        line["amount_vnd"] = serde_json::json!(-1);
        let patch = serde_json::json!({ "fee_lines": [record.fee_lines[0].clone(), line] });
        let error = portal
            .edit(&code, patch.as_object().unwrap().clone())
            .unwrap_err();
        assert_eq!(error.status, 400);
        assert_eq!(error.fields[0].field, "fee_lines[1].amount_vnd");
        let mut line = serde_json::to_value(&record.fee_lines[0]).unwrap();
        line["code"] = serde_json::json!(" ");
        let patch = serde_json::json!({ "fee_lines": [line] });
        let error = portal
            .edit(&code, patch.as_object().unwrap().clone())
            .unwrap_err();
        assert_eq!(error.fields[0].field, "fee_lines[0].code");
        assert_eq!(portal.held(&code).unwrap().record, Some(record));
    }

    #[test]
    fn a_malformed_record_names_the_field_and_a_bad_status_is_refused() {
        let error = wire::parse::<ProgressRecord>(
            br#"{"dossier_code":"X","event_id":"e","status":2,"at":"2026-11-23T09:00:00",
                 "actor":"a","department":"d","step":"s"}"#,
        )
        .unwrap_err();
        assert_eq!(error.status, 400);
        assert_eq!(error.fields[0].field, "at");
        let mut bad = progress("e1");
        bad.status = 11;
        let error = bad.check(&bad.dossier_code.clone()).unwrap_err();
        assert_eq!(error.fields[0].field, "status");
    }
}
