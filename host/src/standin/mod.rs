//! Loopback stand-ins for the national systems a province's host talks to
//! (`motcua standin portal|population|land`), and the province's mail relay
//! ([`smtp`]): the real National Public Service
//! Portal and National Population Database are out of reach from
//! development machines and CI, so these answer in their place, with
//! outages on demand ([`faults`]).
//!
//! They are servers of their own: nothing of the host's app, storage or
//! plugin layers is used here, only the HTTP framework.

pub mod error;
pub mod faults;
pub mod land;
pub mod population;
pub mod portal;
pub mod server;
pub mod smtp;

pub use faults::{FaultMode, FaultSetting, Faults};
pub use land::LandStandin;
pub use population::PopulationStandin;
pub use portal::PortalStandin;
pub use server::Options;
pub use smtp::SmtpStandin;
