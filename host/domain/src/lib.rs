//! The dossier core's vocabulary and rules, free of I/O.
//!
//! Everything here is plain data and pure functions: the storage, plugin
//! runtime and HTTP adapters convert to and from these types at their edges.

pub mod access;
pub mod audit;
pub mod calendar;
pub mod catalog;
pub mod code;
pub mod connector;
pub mod deadline;
pub mod dossier;
pub mod error;
pub mod fee;
pub mod form;
pub mod initiative;
pub mod intake;
pub mod lifecycle;
pub mod localized;
pub mod media;
pub mod message;
// Also in tests, which check the schemas whatever the features.
#[cfg(any(feature = "openapi", test))]
pub mod openapi;
pub mod payment;
pub mod refusal;
pub mod reuse;
pub mod signing;
pub mod statistics;
pub mod tenancy;
pub mod text;
pub mod time;
