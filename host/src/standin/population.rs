//! Stand-in for the National Population Database (Cơ sở dữ liệu quốc gia
//! về dân cư), which is out of reach from here: a sample of fictitious
//! citizens served on loopback the way the population connector asks for
//! them (`GET /citizens/{personal-id}`: 200 with the citizen, 404 when
//! nobody has the ID, 400 for a malformed ID).
//!
//! The sample ships inside the binary (`citizens.json`): personal IDs follow
//! the national layout (province of birth, century and gender, year of
//! birth, serial), names and addresses are invented.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::error::StandinError;
use super::faults::Faults;
use super::server::{self, Options, Running};

const SAMPLE: &str = include_str!("citizens.json");

/// A citizen as the population database answers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Citizen {
    pub personal_id: String,
    pub full_name: String,
    /// `YYYY-MM-DD`.
    pub birth_date: Option<String>,
    /// `male` or `female`.
    pub gender: Option<String>,
    pub permanent_residence: Option<String>,
    pub temporary_residence: Option<String>,
}

/// The sample of citizens, by personal ID.
pub fn sample() -> BTreeMap<String, Citizen> {
    let citizens: Vec<Citizen> =
        serde_json::from_str(SAMPLE).expect("the embedded citizen sample is valid JSON");
    citizens
        .into_iter()
        .map(|c| (c.personal_id.clone(), c))
        .collect()
}

/// The population stand-in's state: its citizens and how often it was asked.
#[derive(Debug)]
pub struct Population {
    citizens: BTreeMap<String, Citizen>,
    lookups: AtomicU64,
}

impl Default for Population {
    fn default() -> Self {
        Self {
            citizens: sample(),
            lookups: AtomicU64::new(0),
        }
    }
}

impl Population {
    pub fn citizen(&self, personal_id: &str) -> Option<&Citizen> {
        self.citizens.get(personal_id)
    }

    pub fn citizens(&self) -> impl Iterator<Item = &Citizen> {
        self.citizens.values()
    }

    /// Lookups answered (found or not), faults excluded.
    pub fn lookups(&self) -> u64 {
        self.lookups.load(Ordering::Relaxed)
    }
}

/// `GET /citizens/{id}`.
async fn get_citizen(
    State(population): State<Arc<Population>>,
    Path(id): Path<String>,
) -> Result<Json<Citizen>, StandinError> {
    if id.len() != 12 || !id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(StandinError::invalid(
            "personal_id",
            "a personal identification number has exactly 12 digits",
        ));
    }
    population.lookups.fetch_add(1, Ordering::Relaxed);
    population
        .citizen(&id)
        .cloned()
        .map(Json)
        .ok_or_else(|| StandinError::not_found(format!("no citizen has personal ID {id}")))
}

/// `GET /admin/citizens`: the whole sample, for the demo and tests.
async fn list_citizens(State(population): State<Arc<Population>>) -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "citizens": population.citizens().collect::<Vec<_>>(),
        "lookups": population.lookups(),
    }))
}

/// The population stand-in's routes.
pub fn app(population: Arc<Population>, faults: Arc<Faults>, token: Option<String>) -> Router {
    let api = Router::new()
        .route("/citizens/{id}", get(get_citizen))
        .with_state(population.clone());
    let admin = Router::new()
        .route("/admin/citizens", get(list_citizens))
        .with_state(population);
    server::app(api, admin, faults, token)
}

/// A population stand-in running in-process.
pub struct PopulationStandin {
    /// Where it listens.
    pub addr: SocketAddr,
    pub running: Running,
    pub population: Arc<Population>,
    pub faults: Arc<Faults>,
}

impl PopulationStandin {
    /// Serve on `addr` (port 0: any free loopback port) from its own thread.
    pub fn spawn(addr: SocketAddr, options: Options) -> std::io::Result<Self> {
        let population = Arc::new(Population::default());
        let faults = Faults::new(options.faults);
        let router = app(population.clone(), faults.clone(), options.token);
        let running = server::spawn(addr, router, faults.clone())?;
        Ok(Self {
            addr: running.addr,
            running,
            population,
            faults,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sample_holds_about_twenty_well_formed_citizens() {
        let citizens = sample();
        assert!((18..=25).contains(&citizens.len()), "{}", citizens.len());
        for citizen in citizens.values() {
            let id = &citizen.personal_id;
            assert!(
                id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()),
                "{id}"
            );
            let birth = citizen.birth_date.as_deref().expect("a birth date");
            let year: u32 = birth[..4].parse().unwrap();
            // Digit 4 tells century and gender, digits 5-6 the year of birth.
            let (century, gender) = match id.as_bytes()[3] {
                b'0' => (1900, "male"),
                b'1' => (1900, "female"),
                b'2' => (2000, "male"),
                b'3' => (2000, "female"),
                other => panic!("{id}: century digit {}", other as char),
            };
            assert_eq!(year, century + id[4..6].parse::<u32>().unwrap(), "{id}");
            assert_eq!(citizen.gender.as_deref(), Some(gender), "{id}");
            assert!(citizen.permanent_residence.is_some(), "{id}");
        }
    }
}
