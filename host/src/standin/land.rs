//! Stand-in for a province's land registry (Hệ thống thông tin đất đai),
//! which is out of reach from here: a sample of fictitious land parcels
//! served on loopback the way the land-registry connector asks for them.
//!
//! - `GET /parcels/{commune}/{sheet}/{parcel}`: 200 with the parcel, 404
//!   when the commune has no such parcel on that map sheet;
//! - `GET /parcels?holder={personal-id}`: the parcels a citizen holds
//!   (`{"parcels": [...]}`, possibly empty).
//!
//! Holders are citizens of the population stand-in's sample, so a demo
//! applicant's parcel can prefill a construction-permit form. Addresses,
//! certificates and areas are invented.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::error::StandinError;
use super::faults::Faults;
use super::server::{self, Options, Running};

const SAMPLE: &str = include_str!("parcels.json");

/// How a parcel is used, by the land-use code of the land law.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LandUse {
    /// `ODT` (urban residential), `ONT` (rural residential), `LUC` (rice) ...
    pub code: String,
    pub name: String,
}

/// Someone holding land-use rights over a parcel.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Holder {
    pub personal_id: String,
    pub full_name: String,
    /// `toàn bộ` (whole) or a fraction.
    pub share: String,
}

/// A land parcel as the registry answers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Parcel {
    /// The commune's (ward's) administrative code, 5 digits.
    pub commune: String,
    /// Map sheet number (số tờ bản đồ).
    pub sheet: u32,
    /// Parcel number on the sheet (số thửa).
    pub parcel: u32,
    pub address: String,
    pub area_m2: f64,
    pub land_use: LandUse,
    /// The land-use right certificate's serial.
    pub certificate: String,
    pub holders: Vec<Holder>,
}

/// The sample of parcels.
pub fn sample() -> Vec<Parcel> {
    serde_json::from_str(SAMPLE).expect("the embedded parcel sample is valid JSON")
}

/// The land stand-in's state: its parcels and how often it was asked.
#[derive(Debug)]
pub struct LandRegistry {
    parcels: BTreeMap<(String, u32, u32), Parcel>,
    lookups: AtomicU64,
}

impl Default for LandRegistry {
    fn default() -> Self {
        Self {
            parcels: sample()
                .into_iter()
                .map(|p| ((p.commune.clone(), p.sheet, p.parcel), p))
                .collect(),
            lookups: AtomicU64::new(0),
        }
    }
}

impl LandRegistry {
    pub fn parcel(&self, commune: &str, sheet: u32, parcel: u32) -> Option<&Parcel> {
        self.parcels.get(&(commune.to_owned(), sheet, parcel))
    }

    /// Lookups answered (found or not), faults excluded.
    pub fn lookups(&self) -> u64 {
        self.lookups.load(Ordering::Relaxed)
    }
}

/// `GET /parcels/{commune}/{sheet}/{parcel}`.
async fn get_parcel(
    State(land): State<Arc<LandRegistry>>,
    Path((commune, sheet, parcel)): Path<(String, String, String)>,
) -> Result<Json<Parcel>, StandinError> {
    if commune.len() != 5 || !commune.bytes().all(|b| b.is_ascii_digit()) {
        return Err(StandinError::invalid(
            "commune",
            "a commune's administrative code has exactly 5 digits",
        ));
    }
    let number = |field: &str, text: &str| {
        text.parse::<u32>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| StandinError::invalid(field, "a positive whole number"))
    };
    let (sheet, parcel) = (number("sheet", &sheet)?, number("parcel", &parcel)?);
    land.lookups.fetch_add(1, Ordering::Relaxed);
    land.parcel(&commune, sheet, parcel)
        .cloned()
        .map(Json)
        .ok_or_else(|| {
            StandinError::not_found(format!(
                "commune {commune} has no parcel {parcel} on map sheet {sheet}"
            ))
        })
}

#[derive(Deserialize)]
struct ByHolder {
    holder: String,
}

/// `GET /parcels?holder={personal-id}`.
async fn parcels_of_holder(
    State(land): State<Arc<LandRegistry>>,
    Query(query): Query<ByHolder>,
) -> Result<Json<serde_json::Value>, StandinError> {
    if query.holder.len() != 12 || !query.holder.bytes().all(|b| b.is_ascii_digit()) {
        return Err(StandinError::invalid(
            "holder",
            "a personal identification number has exactly 12 digits",
        ));
    }
    land.lookups.fetch_add(1, Ordering::Relaxed);
    let parcels: Vec<&Parcel> = land
        .parcels
        .values()
        .filter(|p| p.holders.iter().any(|h| h.personal_id == query.holder))
        .collect();
    Ok(Json(serde_json::json!({ "parcels": parcels })))
}

/// `GET /admin/parcels`: the whole sample, for the demo and tests.
async fn list_parcels(State(land): State<Arc<LandRegistry>>) -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "parcels": land.parcels.values().collect::<Vec<_>>(),
        "lookups": land.lookups(),
    }))
}

/// The land stand-in's routes.
pub fn app(land: Arc<LandRegistry>, faults: Arc<Faults>, token: Option<String>) -> Router {
    let api = Router::new()
        .route("/parcels", get(parcels_of_holder))
        .route("/parcels/{commune}/{sheet}/{parcel}", get(get_parcel))
        .with_state(land.clone());
    let admin = Router::new()
        .route("/admin/parcels", get(list_parcels))
        .with_state(land);
    server::app(api, admin, faults, token)
}

/// A land-registry stand-in running in-process.
pub struct LandStandin {
    /// Where it listens.
    pub addr: SocketAddr,
    pub running: Running,
    pub land: Arc<LandRegistry>,
    pub faults: Arc<Faults>,
}

impl LandStandin {
    /// Serve on `addr` (port 0: any free loopback port) from its own thread.
    pub fn spawn(addr: SocketAddr, options: Options) -> std::io::Result<Self> {
        let land = Arc::new(LandRegistry::default());
        let faults = Faults::new(options.faults);
        let router = app(land.clone(), faults.clone(), options.token);
        let running = server::spawn(addr, router, faults.clone())?;
        Ok(Self {
            addr: running.addr,
            running,
            land,
            faults,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_holder_of_the_sample_is_a_citizen_of_the_population_sample() {
        let citizens = super::super::population::sample();
        let parcels = sample();
        assert!(parcels.len() >= 5);
        for parcel in &parcels {
            assert_eq!(parcel.commune.len(), 5, "{parcel:?}");
            assert!(!parcel.holders.is_empty(), "{parcel:?}");
            for holder in &parcel.holders {
                let citizen = citizens
                    .get(&holder.personal_id)
                    .unwrap_or_else(|| panic!("{} is not in the sample", holder.personal_id));
                assert_eq!(citizen.full_name, holder.full_name);
            }
        }
    }
}
