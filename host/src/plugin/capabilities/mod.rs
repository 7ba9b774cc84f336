//! The host capabilities a plugin can be given, one module each.
//!
//! Which ones a plugin gets depends on its kinds: every plugin may log and
//! read its configuration; form plugins may ask the registry; connectors may
//! send HTTP requests to their manifest's allowed hosts; fee policies get fixed
//! clocks and randomness so their decisions replay identically.

pub(crate) mod config;
pub(crate) mod deadline;
pub(crate) mod determinism;
pub(crate) mod egress;
pub(crate) mod limiter;
pub(crate) mod log;
pub mod registry;
pub(crate) mod spending;
