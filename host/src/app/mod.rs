//! Use cases and the ports (traits) through which they reach adapters.
//!
//! `app` depends only on the domain; storage, the plugin runtime and HTTP
//! implement or call these ports, and `cli` wires them together.

pub mod access;
pub mod clock;
pub mod error;
pub mod hooks;
pub mod import;
pub mod intake;
pub mod notify;
pub mod ports;
pub mod readiness;
pub mod replicas;
pub mod service;
pub mod statistics;
pub mod sync;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
